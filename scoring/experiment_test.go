package scoring

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// Experiment harness (go test ./scoring -run TestExperiment -experiment=NAME).
// Not part of the product: it measures variants of features, training and
// combination with k-fold cross-validation over several seeds.

var experiment = flag.String("experiment", "", "run the named scoring experiments (comma-separated)")
var expGW = flag.Float64("exp-gw", 1, "gramWeight for experiments")
var expGroup = flag.Bool("exp-group", false, "experiments: folds by the sender's registrable domain, so no sender is both trained and scored")
var expSeeds = flag.Int("exp-seeds", 4, "training shuffle seeds 1..N for experiments")
var expSynSpam = flag.Int("exp-synspam", DefaultSyntheticSpam, "experiments: synthetic frauds added to every fold's training, as the product does")
var xbits = flag.Int("exp-bits", defaultBits, "experiments: hashed feature space, 2^bits buckets")

type xmsg struct {
	l     *Labeled
	m     *Message
	sigs  []Signal
	fold  int
	synth bool
	spam  bool
	raw   []byte
	// raw feature hashes with counts (before dedup)
	base []feat
	cnt  map[uint32]int
}

type xvec struct {
	idx []uint32
	val []float32
}

func xprepare(t *testing.T, s *Scorer) []xmsg {
	msgs := loadCorpus(t)
	var out []xmsg
	nS, nH := 0, 0
	add := func(l *Labeled, raw []byte, spam, synth bool) {
		m := Parse(raw)
		var f featurizer
		f.feats = f.feats[:0]
		f.words(nsBody, m.Text(), true)
		f.rest(m)
		cnt := map[uint32]int{}
		for _, ft := range f.feats {
			cnt[ft.h]++
		}
		x := xmsg{l: l, m: m, spam: spam, synth: synth, cnt: cnt, raw: raw}
		x.base = slices.Clone(f.dedup())
		if !synth {
			x.sigs = s.contentSignals(m)
			if spam {
				x.fold = nS
				nS++
			} else {
				x.fold = nH
				nH++
			}
		} else {
			x.fold = -1
		}
		out = append(out, x)
	}
	for i := range msgs {
		add(&msgs[i], msgs[i].Raw, msgs[i].Spam, false)
	}
	for _, raw := range SyntheticHam(DefaultSynthetic, syntheticSeed) {
		add(nil, raw, false, true)
	}
	if *expSynSpam > 0 {
		for _, raw := range SyntheticSpam(*expSynSpam, syntheticSeed) {
			add(nil, raw, true, true)
		}
	}
	return out
}

// featureSet builds a vector per message.
type featureSet func(x *xmsg) xvec

func binaryVec(hs []uint32) xvec {
	slices.Sort(hs)
	hs = slices.Compact(hs)
	v := xvec{idx: make([]uint32, len(hs)), val: make([]float32, len(hs))}
	x := float32(1 / math.Sqrt(float64(len(hs))))
	for i, h := range hs {
		v.idx[i] = h & (1<<*xbits - 1)
		v.val[i] = x
	}
	return v
}

func fsBase(x *xmsg) xvec {
	hs := make([]uint32, len(x.base))
	for i, f := range x.base {
		hs[i] = f.h
	}
	return binaryVec(hs)
}

// char n-grams of the words of text, with boundary markers.
func charGrams(ns byte, text string, nmin, nmax int, maxBytes int, out []uint32) []uint32 {
	var t tokenizer
	if len(text) > maxBytes {
		text = text[:maxBytes]
	}
	t.each(text, func(tok []byte, _ string) {
		w := make([]byte, 0, len(tok)+2)
		w = append(w, '<')
		w = append(w, tok...)
		w = append(w, '>')
		out = xgrams(ns, w, nmin, nmax, out)
	})
	return out
}

// xgrams appends the hashes of w's nmin- to nmax-byte substrings.
func xgrams(ns byte, w []byte, nmin, nmax int, out []uint32) []uint32 {
	for n := nmin; n <= nmax; n++ {
		for i := 0; i+n <= len(w); i++ {
			out = append(out, hashBytes(ns, w[i:i+n])^uint32(n)*0x9e3779b1)
		}
	}
	return out
}

type xcfg struct {
	Epochs    int
	Rate, L2  float64
	Decay     bool // rate / sqrt(epoch+1)
	Average   bool
	HamWeight float64
	W         []float64 // per-message weights of the training set (experiment4_test.go), nil: 1
}

func xtrain(vs []xvec, ys []bool, cfg xcfg, seed uint64) ([]float32, float64) {
	if cfg.Epochs == 0 {
		cfg.Epochs = 10
	}
	if cfg.Rate == 0 {
		cfg.Rate = 1
	}
	if cfg.L2 == 0 {
		cfg.L2 = 1e-5
	}
	if cfg.HamWeight == 0 {
		cfg.HamWeight = 1
	}
	w := make([]float32, 1<<*xbits)
	g := make([]float32, len(w))
	var bias, gb float64
	order := make([]int, len(vs))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	for ep := 0; ep < cfg.Epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		rate := cfg.Rate
		if cfg.Decay {
			rate /= math.Sqrt(float64(ep + 1))
		}
		for _, i := range order {
			v := vs[i]
			if len(v.idx) == 0 {
				continue
			}
			z := bias
			for j, k := range v.idx {
				z += float64(w[k]) * float64(v.val[j])
			}
			y := 0.0
			if ys[i] {
				y = 1
			}
			grad := sigmoid(z) - y
			if !ys[i] {
				grad *= cfg.HamWeight
			}
			if cfg.W != nil {
				grad *= cfg.W[i]
			}
			for j, k := range v.idx {
				gi := grad * float64(v.val[j])
				g[k] += float32(gi * gi)
				step := rate / math.Sqrt(float64(g[k])+1e-8)
				w[k] -= float32(step * (gi + cfg.L2*float64(w[k])))
			}
			gb += grad * grad
			bias -= rate / math.Sqrt(gb+1e-8) * grad
		}
	}
	return w, bias
}

func xlogit(w []float32, bias float64, v xvec) float64 {
	z := bias
	for j, k := range v.idx {
		z += float64(w[k]) * float64(v.val[j])
	}
	return z
}

// xcv returns out-of-fold logits for the corpus messages (synthetic: NaN).
func xcv(xs []xmsg, vs []xvec, k int, cfg xcfg, seed uint64) []float64 {
	z := make([]float64, len(xs))
	ys := make([]bool, len(xs))
	for i := range xs {
		ys[i] = xs[i].spam
	}
	for fold := range k {
		var tv []xvec
		var ty []bool
		var ti []int
		for i := range xs {
			if xs[i].synth || xs[i].fold%k != fold {
				tv = append(tv, vs[i])
				ty = append(ty, ys[i])
				ti = append(ti, i)
			}
		}
		cfg := cfg
		cfg.W = senderWeights(xs, ti)
		pv := vs
		if minDF > 1 {
			pv = pruneDF(vs, ti)
			for j, i := range ti {
				tv[j] = pv[i]
			}
		}
		if nbsPow > 0 {
			pv = nbScale(xs, pv, ti)
			for j, i := range ti {
				tv[j] = pv[i]
			}
		}
		w, b := xtrain(tv, ty, cfg, seed)
		for i := range xs {
			if !xs[i].synth && xs[i].fold%k == fold {
				z[i] = xlogit(w, b, pv[i])
			}
		}
	}
	return z
}

type xresult struct {
	rep    Report
	scores []float64
}

func xsummarize(xs []xmsg, scores, z []float64) Report {
	var res []scored
	for i := range xs {
		if xs[i].synth {
			continue
		}
		res = append(res, scored{l: xs[i].l, score: scores[i], bayes: z[i]})
	}
	return summarize(res, DefaultHoldThreshold, DefaultRejectThreshold)
}

func xcombine(s *Scorer, xs []xmsg, z []float64) []float64 {
	sc := make([]float64, len(xs))
	for i := range xs {
		if xs[i].synth {
			continue
		}
		sigs := xs[i].sigs
		if xcomScale != 1 {
			sigs = slices.Clone(sigs)
			for j := range sigs {
				if commercialSignals[sigs[j].Name] {
					sigs[j].Weight *= xcomScale
				}
			}
		}
		sc[i], _ = s.combine(sigs, calScale(&xs[i], z[i]), shortFeatures, nil, nil)
	}
	return sc
}

func xline(name string, reps []Report) string {
	var auc, c1, c01, b01, held, hh, rej, hrej, hhfp float64
	var c01s []string
	for _, r := range reps {
		auc += r.AUC
		c1 += r.CaughtAt1
		c01 += r.CaughtAt01
		b01 += r.BayesCaughtAt01
		held += float64(r.SpamHeld)
		hh += float64(r.HamHeld)
		rej += float64(r.SpamRejected)
		hrej += float64(r.HamRejected)
		hhfp += float64(r.HardHamFPAt1)
		c01s = append(c01s, fmt.Sprintf("%.1f", 100*r.CaughtAt01))
	}
	n := float64(len(reps))
	return fmt.Sprintf("%-28s AUC %.5f @1%% %.2f @0.1%% %.2f [%s] bayes@0.1%% %.2f held %.0f hamheld %.1f rej %.0f hamrej %.1f hhFP@1 %.1f",
		name, auc/n, 100*c1/n, 100*c01/n, strings.Join(c01s, " "), 100*b01/n, held/n, hh/n, rej/n, hrej/n, hhfp/n)
}

func TestExperiment(t *testing.T) {
	if *experiment == "" {
		t.Skip("-experiment not set")
	}
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	gramWeight = *expGW
	if *experiment == "prod" {
		prodExp(t)
		return
	}
	xs := xprepare(t, s)
	if *expGroup {
		var idx []int
		var parsed []*Message
		for i := range xs {
			if !xs[i].synth {
				idx = append(idx, i)
				parsed = append(parsed, xs[i].m)
			}
		}
		for j, f := range senderFolds(parsed, 10) {
			xs[idx[j]].fold = f
		}
	}
	for _, name := range strings.Split(*experiment, ",") {
		runExperiment(t, s, xs, name)
	}
}

func buildVecs(xs []xmsg, fs featureSet) []xvec {
	vs := make([]xvec, len(xs))
	for i := range xs {
		vs[i] = fs(&xs[i])
	}
	return vs
}

func runExperiment(t *testing.T, s *Scorer, xs []xmsg, name string) {
	fs := featureSet(fsBase)
	cfg := xcfg{}
	clear(xext)
	clear(xhdr)
	hdrBlock = 0
	calN0 = 0
	minDF = 0
	xsigned = false
	clear(x5)
	balanceExp = 0
	clear(x4)
	nbsPow, nbsRenorm, xens, xcomScale = 0, false, nil, 1
	clear(x6)
	for _, part := range strings.Split(name, "+") {
		var bw, bc float64
		if a, b, ok := strings.Cut(strings.TrimPrefix(part, "bw"), "_"); ok && strings.HasPrefix(part, "bw") {
			fmt.Sscan(a, &bw)
			fmt.Sscan(b, &bc)
			s, _ = New(Options{BayesWeight: bw, BayesClamp: bc})
			continue
		}
		if part == "dump" {
			dumpTop(t, s, xs, buildVecs(xs, fs), cfg)
			return
		}
		if part == "rejdump" {
			rejectDump(t, s, xs, buildVecs(xs, fs), cfg)
			return
		}
		if part == "stack" {
			stackExp(t, s, xs, buildVecs(xs, fs), cfg, name)
			return
		}
		if !xapply(part, &fs, &cfg) && !xapply2(part, &fs) && !xapply3(part, &fs) && !xapply4(part) && !xapply4f(part, &fs) && !xapplyCal(part) && !xapply5(part) && !xapply5f(part, &fs) && !xapply6(part) && !xapply6f(part, &fs) {
			t.Fatalf("unknown experiment %q", part)
		}
	}
	vs := buildVecs(xs, fs)
	var evs []xvec
	var reps []Report
	for seed := 1; seed <= *expSeeds; seed++ {
		z := xcv(xs, vs, 10, cfg, uint64(seed))
		if xens != nil {
			if seed == 1 {
				evs = buildVecs(xs, xens)
			}
			z2 := xcv(xs, evs, 10, cfg, uint64(seed))
			for i := range z {
				z[i] = (z[i] + z2[i]) / 2
			}
		}
		reps = append(reps, xsummarize(xs, xcombine(s, xs, z), z))
	}
	t.Log(xline(name, reps))
}

func xapply(name string, fs *featureSet, cfg *xcfg) bool {
	switch name {
	case "base":
	case "logc":
		*fs = fsLogCount
	case "cng35":
		*fs = fsChar(3, 5, 1)
	case "cng34":
		*fs = fsChar(3, 4, 1)
	case "cng45":
		*fs = fsChar(4, 5, 1)
	case "cng35h":
		*fs = fsChar(3, 5, 0.5)
	case "cng35x2":
		*fs = fsChar(3, 5, 2)
	case "cng35logc":
		*fs = fsCharLog(3, 5, 1, true)
	case "cng35logcg":
		*fs = fsCharLog(3, 5, 1, false)
	case "cng25":
		*fs = fsChar(2, 5, 1)
	case "cng36":
		*fs = fsChar(3, 6, 1)
	case "cng4":
		*fs = fsChar(4, 4, 1)
	case "ep20":
		cfg.Epochs = 20
	case "ep20d":
		cfg.Epochs, cfg.Decay = 20, true
	case "ep10d":
		cfg.Decay = true
	case "l2_1e-6":
		cfg.L2 = 1e-6
	case "l2_1e-4":
		cfg.L2 = 1e-4
	case "rate0.5":
		cfg.Rate = 0.5
	case "rate2":
		cfg.Rate = 2
	case "hw2":
		cfg.HamWeight = 2
	case "ep5":
		cfg.Epochs = 5
	default:
		return false
	}
	return true
}

func dumpTop(t *testing.T, s *Scorer, xs []xmsg, vs []xvec, cfg xcfg) {
	z := xcv(xs, vs, 10, cfg, uint64(*expSeeds))
	sc := xcombine(s, xs, z)
	var idx []int
	for i := range xs {
		if !xs[i].synth {
			idx = append(idx, i)
		}
	}
	sort.Slice(idx, func(a, b int) bool { return sc[idx[a]] > sc[idx[b]] })
	var hams, spams []int
	for _, i := range idx {
		if xs[i].spam {
			spams = append(spams, i)
		} else {
			hams = append(hams, i)
		}
	}
	show := func(i int) {
		x := xs[i]
		var sg []string
		for _, g := range x.sigs {
			sg = append(sg, fmt.Sprintf("%s=%.1f", g.Name, g.Weight))
		}
		t.Logf("%-22s %6.2f z=%6.2f nf=%4d html=%v/%v links=%d subj=%q from=%q sigs=%s", x.l.Path, sc[i], z[i], len(x.base), x.m.HasHTML, x.m.HasPlain, len(x.m.Links), truncate(x.m.Subject, 50), truncate(x.m.FromName, 20), strings.Join(sg, ","))
	}
	t.Log("top ham")
	for _, i := range hams[:15] {
		show(i)
	}
	thr := sc[hams[2]]
	t.Log("spam at or below the 0.1% line", thr)
	n := 0
	for _, i := range spams {
		if sc[i] <= thr {
			show(i)
			n++
			if n > 40 {
				break
			}
		}
	}
}

// blocks: each block of hashes (with values) L2-normalised to weight w,
// then the whole vector normalised.
type xblock struct {
	hs []uint32
	vs []float32 // nil: binary
	w  float64
}

func blockVec(bs ...xblock) xvec {
	acc := map[uint32]float64{}
	for _, b := range bs {
		m := map[uint32]float64{}
		if xsigned && b.vs == nil {
			seen := map[uint32]bool{}
			for _, h := range b.hs {
				if seen[h] {
					continue
				}
				seen[h] = true
				v := 1.0
				if (h*0x85ebca6b)>>31 == 1 {
					v = -1
				}
				m[h&(1<<*xbits-1)] += v
			}
		}
		for i, h := range b.hs {
			if xsigned && b.vs == nil {
				break
			}
			v := 1.0
			if b.vs != nil {
				v = float64(b.vs[i])
			}
			k := h & (1<<*xbits - 1)
			if b.vs == nil {
				m[k] = v
			} else {
				m[k] += v
			}
		}
		var n float64
		for _, v := range m {
			n += v * v
		}
		if n == 0 {
			continue
		}
		f := b.w / math.Sqrt(n)
		for k, v := range m {
			acc[k] += v * f
		}
	}
	var out xvec
	var n float64
	for k, v := range acc {
		out.idx = append(out.idx, k)
		n += v * v
	}
	slices.Sort(out.idx)
	out.val = make([]float32, len(out.idx))
	for i, k := range out.idx {
		out.val[i] = float32(acc[k] / math.Sqrt(n))
	}
	return out
}

func baseHashes(x *xmsg) []uint32 {
	hs := make([]uint32, len(x.base))
	for i, f := range x.base {
		hs[i] = f.h
	}
	return hs
}

func fsLogCount(x *xmsg) xvec {
	hs := baseHashes(x)
	vs := make([]float32, len(hs))
	for i, h := range hs {
		vs[i] = float32(1 + math.Log(float64(x.cnt[h])))
	}
	return blockVec(xblock{hs: hs, vs: vs, w: 1})
}

func fsChar(nmin, nmax int, w float64) featureSet {
	return func(x *xmsg) xvec {
		cg := charGrams('c', x.m.Text(), nmin, nmax, 32<<10, nil)
		cg = charGrams('C', x.m.Subject, nmin, nmax, 1<<10, cg)
		return blockVec(xblock{hs: baseHashes(x), w: 1}, xblock{hs: cg, w: w})
	}
}

// fsCharLog: log-count values for the char grams (and the words when words).
func fsCharLog(nmin, nmax int, w float64, words bool) featureSet {
	return func(x *xmsg) xvec {
		cg := charGrams('c', x.m.Text(), nmin, nmax, 32<<10, nil)
		cg = charGrams('C', x.m.Subject, nmin, nmax, 1<<10, cg)
		c := map[uint32]int{}
		for _, h := range cg {
			c[h]++
		}
		var ch []uint32
		var cv []float32
		for h, n := range c {
			ch = append(ch, h)
			cv = append(cv, float32(1+math.Log(float64(n))))
		}
		b := xblock{hs: baseHashes(x), w: 1}
		if words {
			b.vs = make([]float32, len(b.hs))
			for i, h := range b.hs {
				b.vs[i] = float32(1 + math.Log(float64(x.cnt[h])))
			}
		}
		return blockVec(b, xblock{hs: ch, vs: cv, w: w})
	}
}

// stacking: a second-level logistic regression over [clamped z, commercial
// signal sum, other signal sum, strongest signal], trained on out-of-fold
// logits of the outer training set (inner 5-fold), applied to the outer test
// fold with the logits of the model trained on the whole outer training set.
func stackFeats(x *xmsg, z float64) []float64 {
	var com, other, strong float64
	for _, g := range x.sigs {
		if commercialSignals[g.Name] {
			com += g.Weight
		} else {
			other += g.Weight
		}
		strong = max(strong, g.Weight)
	}
	c := math.Max(-6, math.Min(6, z))
	return []float64{c, com, other, strong}
}

func trainStacker(fx [][]float64, ys []bool) []float64 {
	d := len(fx[0])
	w := make([]float64, d+1)
	// batch gradient descent with a little L2, many iterations (tiny problem)
	for it := 0; it < 3000; it++ {
		g := make([]float64, d+1)
		for i, f := range fx {
			z := w[d]
			for j := range f {
				z += w[j] * f[j]
			}
			y := 0.0
			if ys[i] {
				y = 1
			}
			e := sigmoid(z) - y
			for j := range f {
				g[j] += e * f[j]
			}
			g[d] += e
		}
		for j := range g {
			g[j] /= float64(len(fx))
			if j < d {
				g[j] += 1e-4 * w[j]
			}
			w[j] -= 0.5 * g[j]
		}
	}
	return w
}

func stackExp(t *testing.T, s *Scorer, xs []xmsg, vs []xvec, cfg xcfg, name string) {
	var reps []Report
	for seed := 1; seed <= *expSeeds; seed++ {
		const k, ki = 10, 5
		z := make([]float64, len(xs))
		sc := make([]float64, len(xs))
		for fold := range k {
			// outer training set
			var tr []int
			for i := range xs {
				if xs[i].synth || xs[i].fold%k != fold {
					tr = append(tr, i)
				}
			}
			oof := map[int]float64{}
			for inner := range ki {
				var tv []xvec
				var ty []bool
				var te []int
				for j, i := range tr {
					if !xs[i].synth && j%ki == inner {
						te = append(te, i)
						continue
					}
					tv = append(tv, vs[i])
					ty = append(ty, xs[i].spam)
				}
				w, b := xtrain(tv, ty, cfg, uint64(seed))
				for _, i := range te {
					oof[i] = xlogit(w, b, vs[i])
				}
			}
			var fx [][]float64
			var fy []bool
			for _, i := range tr {
				if xs[i].synth {
					continue
				}
				fx = append(fx, stackFeats(&xs[i], oof[i]))
				fy = append(fy, xs[i].spam)
			}
			sw := trainStacker(fx, fy)
			var tv []xvec
			var ty []bool
			for _, i := range tr {
				tv = append(tv, vs[i])
				ty = append(ty, xs[i].spam)
			}
			w, b := xtrain(tv, ty, cfg, uint64(seed))
			for i := range xs {
				if xs[i].synth || xs[i].fold%k != fold {
					continue
				}
				z[i] = xlogit(w, b, vs[i])
				f := stackFeats(&xs[i], z[i])
				v := sw[len(f)]
				for j := range f {
					v += sw[j] * f[j]
				}
				sc[i] = v
			}
			if fold == 0 {
				t.Logf("seed %d stacker weights %.3f", seed, sw)
			}
		}
		reps = append(reps, xsummarize(xs, sc, z))
	}
	t.Log(xline(name, reps))
}

func prodExp(t *testing.T) {
	msgs := loadCorpus(t)
	var reps []Report
	for seed := 1; seed <= *expSeeds; seed++ {
		rep, err := CrossValidate(context.Background(), msgs, 10, Options{}, TrainConfig{Seed: uint64(seed)})
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, rep)
	}
	t.Log(xline(fmt.Sprintf("prod gw=%.2f", gramWeight), reps))
	m := TrainCorpus(msgs, TrainConfig{})
	s, _ := New(Options{Model: m})
	files, _ := filepath.Glob(filepath.Join("testdata", "business", "*.eml"))
	var lines []string
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		r := s.Score(raw)
		if r.Score > 0 {
			lines = append(lines, fmt.Sprintf("%s=%.2f", filepath.Base(f), r.Score))
		}
	}
	t.Logf("business > 0: %s", strings.Join(lines, " "))
}

func TestExpReceipt(t *testing.T) {
	if *experiment != "receipt" {
		t.Skip()
	}
	gramWeight = *expGW
	msgs := loadCorpus(t)
	m := TrainCorpus(msgs, TrainConfig{})
	var f featurizer
	for _, name := range []string{"receipt.eml", "short-order.eml", "charity-donation.eml"} {
		fs := f.extract(Parse(readTestdata(t, "business/"+name)))
		xw, xg := m.scales(fs)
		var sw, sg float64
		type c struct {
			s string
			w float64
		}
		var cs []c
		for _, ft := range fs.words {
			sw += float64(m.w[m.idx(ft.h)])
			cs = append(cs, c{ft.src, float64(m.w[m.idx(ft.h)]) * xw})
		}
		for _, h := range fs.grams {
			sg += float64(m.w[m.idx(h)])
		}
		sort.Slice(cs, func(i, j int) bool { return cs[i].w > cs[j].w })
		t.Logf("%s bias %.2f words %d -> %.2f grams %d -> %.2f; top words %v", name, m.bias, len(fs.words), sw*xw, len(fs.grams), sg*xg, cs[:8])
	}
}
