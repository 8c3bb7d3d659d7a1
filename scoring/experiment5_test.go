package scoring

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// Fifth round: collisions in the hashed feature space. The -exp-bits flag
// widens the space; minDF drops, in each fold, the features fewer than
// minDF training messages carry (they can only memorise one message and add
// collisions), renormalising what is left.

var minDF int

var xsigned bool

func xapply5(name string) bool {
	if name == "signed" {
		xsigned = true
		return true
	}
	if !strings.HasPrefix(name, "mindf") {
		return false
	}
	minDF = 0
	for _, c := range strings.TrimPrefix(name, "mindf") {
		minDF = minDF*10 + int(c-'0')
	}
	return true
}

// pruneDF returns vs with the features of fewer than minDF of the training
// vectors (train) removed; the others are returned as they are.
func pruneDF(vs []xvec, train []int) []xvec {
	if minDF <= 1 {
		return vs
	}
	df := map[uint32]int32{}
	for _, i := range train {
		for _, k := range vs[i].idx {
			df[k]++
		}
	}
	out := make([]xvec, len(vs))
	for i, v := range vs {
		var nv xvec
		var n float64
		for j, k := range v.idx {
			if int(df[k]) >= minDF {
				nv.idx = append(nv.idx, k)
				nv.val = append(nv.val, v.val[j])
				n += float64(v.val[j]) * float64(v.val[j])
			}
		}
		if n > 0 {
			s := float32(1 / math.Sqrt(n))
			for j := range nv.val {
				nv.val[j] *= s
			}
		}
		out[i] = nv
	}
	return out
}

// streamGrams hashes the n-grams of the normalised token stream joined by
// single spaces, so grams run across word boundaries ("e to", "k here").
func streamGrams(ns byte, text string, nmin, nmax, maxBytes int, out []uint32) []uint32 {
	var t tokenizer
	if len(text) > maxBytes {
		text = text[:maxBytes]
	}
	buf := []byte{' '}
	t.each(text, func(tok []byte, _ string) {
		buf = append(buf, tok...)
		buf = append(buf, ' ')
	})
	return xgrams(ns, buf, nmin, nmax, out)
}

var x5 = map[string]bool{}

func fsProd5(x *xmsg) xvec {
	hs := baseHashes(x)
	hs = append(hs, extraFeats(x)...)
	w := *expGW
	var cg []uint32
	if !x5["nowg"] {
		cg = charGrams('c', x.m.Text(), 3, 5, 32<<10, nil)
		cg = charGrams('C', x.m.Subject, 3, 5, 1<<10, cg)
	}
	bs := []xblock{{hs: hs, w: 1}, {hs: cg, w: w}}
	if x5["sg4"] || x5["sg5"] || x5["sg35"] {
		lo, hi := 4, 4
		if x5["sg5"] {
			lo, hi = 5, 5
		}
		if x5["sg35"] {
			lo, hi = 3, 5
		}
		sg := streamGrams('s', x.m.Text(), lo, hi, 32<<10, nil)
		sg = streamGrams('S', x.m.Subject, lo, hi, 1<<10, sg)
		sw := w
		if x5["sgw05"] {
			sw = 0.5 * w
		}
		if x5["nowg"] {
			bs[1] = xblock{hs: sg, w: sw}
		} else {
			bs = append(bs, xblock{hs: sg, w: sw})
		}
	}
	return blockVec(bs...)
}

func xapply5f(name string, fs *featureSet) bool {
	switch name {
	case "sg4", "sg5", "sg35", "nowg", "sgw05":
		x5[name] = true
		*fs = fsProd5
		return true
	}
	return false
}

// rejectDump: the ham at or above the reject threshold, and how many spam
// and ham stay there when the commercial signals do not count towards it.
func rejectDump(t *testing.T, s *Scorer, xs []xmsg, vs []xvec, cfg xcfg) {
	commercial := map[string]bool{"lexicon_marketing": true, "money": true, "urgency": true, "bulk_no_unsubscribe": true, "shouting": true, "html_only": true}
	for seed := 1; seed <= *expSeeds; seed++ {
		z := xcv(xs, vs, 10, cfg, uint64(seed))
		sc := xcombine(s, xs, z)
		var sr, hr, sr2, hr2 int
		for i := range xs {
			if xs[i].synth || sc[i] < DefaultRejectThreshold {
				continue
			}
			var com float64
			var sg []string
			for _, g := range xs[i].sigs {
				if commercial[g.Name] {
					com += g.Weight
				}
				sg = append(sg, fmt.Sprintf("%s=%.1f", g.Name, g.Weight))
			}
			com = math.Min(com, 2)
			keep := sc[i]-com >= DefaultRejectThreshold
			if xs[i].spam {
				sr++
				if keep {
					sr2++
				}
			} else {
				hr++
				if keep {
					hr2++
				}
				t.Logf("seed %d ham rejected %s %.2f z=%.2f %s", seed, xs[i].l.Path, sc[i], z[i], strings.Join(sg, ","))
			}
		}
		t.Logf("seed %d: rejected spam %d ham %d; without commercial: spam %d ham %d", seed, sr, hr, sr2, hr2)
	}
}
