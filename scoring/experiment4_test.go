package scoring

import (
	"fmt"
	"math"
	"strings"
)

// Fourth round (experiment harness): training that balances senders. A
// mailing list or a prolific newsletter contributes hundreds of ham of one
// sender, so the classifier learns that sender's vocabulary; weighting each
// training message by n^-a (n: messages of its registrable From domain in
// the training set) asks it to learn what many senders share instead.
// Measured with folds by sender (-exp-group), which is what it is for.

var balanceExp float64

// xapply4 takes "bal<a>", the exponent a.
func xapply4(name string) bool {
	if !strings.HasPrefix(name, "bal") {
		return false
	}
	if _, err := fmt.Sscan(strings.TrimPrefix(name, "bal"), &balanceExp); err != nil {
		return false
	}
	return true
}

// senderWeights returns the weights of the training messages xs[ti[j]], or
// nil without balancing. Each class's weights sum to its message count, so
// balancing moves weight between senders, not between ham and spam.
func senderWeights(xs []xmsg, ti []int) []float64 {
	if balanceExp <= 0 {
		return nil
	}
	key := func(i int) string {
		if d := registrable(xs[i].m.FromDomain); d != "" && !xs[i].synth {
			return d
		}
		return fmt.Sprintf("#%d", i)
	}
	cnt := map[string]int{}
	for _, i := range ti {
		cnt[key(i)]++
	}
	w := make([]float64, len(ti))
	var sum, n [2]float64
	for j, i := range ti {
		c := 0
		if xs[i].spam {
			c = 1
		}
		w[j] = math.Pow(float64(cnt[key(i)]), -balanceExp)
		sum[c] += w[j]
		n[c]++
	}
	for j, i := range ti {
		c := 0
		if xs[i].spam {
			c = 1
		}
		w[j] *= n[c] / sum[c]
	}
	return w
}

// Feature variants of the fourth round, on the product's features (words,
// then 3-5-grams at -exp-gw):
//
//	hostw   words of link host names ("cheap-meds-online.example" gives
//	        "cheap", "meds", "online"), and their character n-grams in the
//	        n-gram block: what a spam domain never seen before still says
//	nodom   without the link-domain features (a domain is a sender's
//	        identity more than its content)
//	noname  without the From display name's words
var x4 = map[string]bool{}

func fsProd4(x *xmsg) xvec {
	hs := baseHashes(x)
	drop := map[uint32]bool{}
	if x4["nodom"] {
		for _, l := range x.m.Links {
			drop[hashStr(nsDomain, l.Domain)] = true
		}
	}
	if x4["noname"] {
		var t tokenizer
		t.each(x.m.FromName, func(tok []byte, _ string) { drop[hashBytes(nsName, tok)] = true })
	}
	if len(drop) > 0 {
		kept := hs[:0]
		for _, h := range hs {
			if !drop[h] {
				kept = append(kept, h)
			}
		}
		hs = kept
	}
	cg := charGrams('c', x.m.Text(), 3, 5, 32<<10, nil)
	cg = charGrams('C', x.m.Subject, 3, 5, 1<<10, cg)
	if x4["hostw"] {
		seen := map[string]bool{}
		for i, l := range x.m.Links {
			if i >= 64 || isIPLiteral(l.Host) || seen[l.Host] {
				continue
			}
			seen[l.Host] = true
			labels := strings.Split(l.Host, ".")
			if len(labels) > 1 {
				labels = labels[:len(labels)-1]
			}
			var words []string
			for _, lb := range labels {
				if lb == "www" {
					continue
				}
				words = append(words, strings.Split(lb, "-")...)
			}
			text := strings.Join(words, " ")
			var t tokenizer
			t.each(text, func(tok []byte, _ string) { hs = append(hs, hashBytes('h', tok)) })
			cg = charGrams('H', text, 3, 5, 1<<10, cg)
		}
	}
	return blockVec(xblock{hs: hs, w: 1}, xblock{hs: cg, w: *expGW})
}

func xapply4f(name string, fs *featureSet) bool {
	switch name {
	case "hostw", "nodom", "noname":
		x4[name] = true
		*fs = fsProd4
	case "p4":
		*fs = fsProd4
	default:
		return false
	}
	return true
}
