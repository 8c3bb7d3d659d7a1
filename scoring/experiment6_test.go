package scoring

import (
	"math"
	"strings"
)

// Sixth round: the linear model's inputs and a second opinion.
//
//   - nbsB[r]: NB-weighted features (Wang & Manning 2012, "NBSVM"): in each
//     fold, every bucket's value is multiplied by |r|^B, r the log ratio of
//     the bucket's presence in training spam and ham (Laplace 1), so the
//     regression starts from what naive Bayes finds telling; "r" normalises
//     each vector again afterwards;
//   - tri: body word trigrams in the word block;
//   - quote: the words of quoted lines ("> ...") in a namespace of their
//     own, so a reply quoting an ad is not read as the ad;
//   - ensw / ensg: the mean log-odds of the product and of a second model on
//     the word block only / the n-gram block only;
//   - com0 / com05 / com15: the commercial signals' weights (after their
//     cap) scaled by 0, 0.5, 1.5 in the combination.

var (
	nbsPow    float64
	nbsRenorm bool
	x6        = map[string]bool{}
	xens      featureSet
	xcomScale = 1.0 // com0, com05: the commercial signals' weights scaled
)

func xapply6(name string) bool {
	if strings.HasPrefix(name, "nbs") {
		s := strings.TrimPrefix(name, "nbs")
		nbsRenorm = strings.HasSuffix(s, "r")
		s = strings.TrimSuffix(s, "r")
		nbsPow = 1
		if s != "" {
			nbsPow = 0
			var p float64
			for _, c := range s {
				if c == '.' {
					p = 1
					continue
				}
				if p == 0 {
					nbsPow = nbsPow*10 + float64(c-'0')
				} else {
					p /= 10
					nbsPow += float64(c-'0') * p
				}
			}
		}
		return true
	}
	switch name {
	case "com0":
		xcomScale = 0
		return true
	case "com05":
		xcomScale = 0.5
		return true
	case "com15":
		xcomScale = 1.5
		return true
	case "ensw":
		xens = func(x *xmsg) xvec {
			hs := append(baseHashes(x), extraFeats(x)...)
			return blockVec(xblock{hs: hs, w: 1})
		}
		return true
	case "ensg":
		xens = func(x *xmsg) xvec {
			cg := charGrams('c', x.m.Text(), 3, 5, 32<<10, nil)
			cg = charGrams('C', x.m.Subject, 3, 5, 1<<10, cg)
			return blockVec(xblock{hs: cg, w: 1})
		}
		return true
	}
	return false
}

func xapply6f(name string, fs *featureSet) bool {
	switch name {
	case "tri", "quote":
		x6[name] = true
		*fs = fsProd6
		return true
	}
	return false
}

func fsProd6(x *xmsg) xvec {
	var hs []uint32
	if x6["quote"] {
		var plain, quoted strings.Builder
		for line := range strings.Lines(x.m.Text()) {
			if strings.HasPrefix(strings.TrimLeft(line, " \t"), ">") {
				quoted.WriteString(line)
			} else {
				plain.WriteString(line)
			}
		}
		var f featurizer
		f.words(nsBody, plain.String(), true)
		f.words('q', quoted.String(), false)
		f.rest(x.m)
		for _, ft := range f.dedup() {
			hs = append(hs, ft.h)
		}
	} else {
		hs = baseHashes(x)
	}
	hs = append(hs, extraFeats(x)...)
	if x6["tri"] {
		var t tokenizer
		var a, b uint32
		n := 0
		t.each(x.m.Text(), func(tok []byte, _ string) {
			h := hashBytes(nsBody, tok)
			if n >= 2 {
				hs = append(hs, hashPair(hashPair(a, b), h)^0x5bd1e995)
			}
			a, b = b, h
			n++
		})
	}
	cg := charGrams('c', x.m.Text(), 3, 5, 32<<10, nil)
	cg = charGrams('C', x.m.Subject, 3, 5, 1<<10, cg)
	return blockVec(xblock{hs: hs, w: 1}, xblock{hs: cg, w: *expGW})
}

// nbScale returns vs with every value multiplied by |r|^nbsPow, r from the
// training vectors train.
func nbScale(xs []xmsg, vs []xvec, train []int) []xvec {
	if nbsPow == 0 {
		return vs
	}
	sp := map[uint32]int32{}
	hm := map[uint32]int32{}
	var S, H float64
	for _, i := range train {
		c := hm
		if xs[i].spam {
			c = sp
			S++
		} else {
			H++
		}
		for _, k := range vs[i].idx {
			c[k]++
		}
	}
	out := make([]xvec, len(vs))
	for i, v := range vs {
		nv := xvec{idx: v.idx, val: make([]float32, len(v.val))}
		var n float64
		for j, k := range v.idx {
			r := math.Log((float64(sp[k])+1)/(S+2)) - math.Log((float64(hm[k])+1)/(H+2))
			f := math.Pow(math.Abs(r), nbsPow)
			nv.val[j] = v.val[j] * float32(f)
			n += float64(nv.val[j]) * float64(nv.val[j])
		}
		if nbsRenorm && n > 0 {
			s := float32(1 / math.Sqrt(n))
			for j := range nv.val {
				nv.val[j] *= s
			}
		}
		out[i] = nv
	}
	return out
}
