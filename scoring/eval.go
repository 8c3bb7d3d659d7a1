package scoring

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// Labeled is one message of a labelled corpus.
type Labeled struct {
	Path     string // relative to the corpus folder
	Spam     bool
	Category string // ham, hard_ham, spam
	Raw      []byte
}

// LoadCorpus reads dir/labels.tsv (path<TAB>label<TAB>category, '#' comments)
// and the messages it names. Messages larger than maxSize bytes are cut.
func LoadCorpus(dir string) ([]Labeled, error) {
	f, err := os.Open(filepath.Join(dir, "labels.tsv"))
	if err != nil {
		return nil, fmt.Errorf("scoring: corpus: %w", err)
	}
	defer f.Close()
	var out []Labeled
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		t := strings.TrimSpace(sc.Text())
		if t == "" || t[0] == '#' {
			continue
		}
		cols := strings.Split(t, "\t")
		if len(cols) < 2 {
			return nil, fmt.Errorf("scoring: corpus: labels.tsv line %d: want path<TAB>label", line)
		}
		l := Labeled{Path: cols[0], Category: cols[1]}
		if len(cols) > 2 {
			l.Category = cols[2]
		}
		switch cols[1] {
		case "spam":
			l.Spam = true
		case "ham":
		default:
			return nil, fmt.Errorf("scoring: corpus: labels.tsv line %d: label %q is neither spam nor ham", line, cols[1])
		}
		if filepath.IsAbs(l.Path) || strings.Contains(l.Path, "..") {
			return nil, fmt.Errorf("scoring: corpus: labels.tsv line %d: path must stay inside the corpus", line)
		}
		l.Raw, err = os.ReadFile(filepath.Join(dir, l.Path))
		if err != nil {
			return nil, fmt.Errorf("scoring: corpus: %w", err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("scoring: corpus: %w", err)
	}
	if len(out) == 0 {
		return nil, errors.New("scoring: corpus: no messages in labels.tsv")
	}
	return out, nil
}

// TrainCorpus trains a model on every message of a labelled corpus, plus the
// synthetic business ham cfg.Synthetic asks for.
func TrainCorpus(msgs []Labeled, cfg TrainConfig) *Model {
	ex := make([]Example, len(msgs))
	for i, l := range msgs {
		ex[i] = NewExample(l.Raw, l.Spam)
	}
	return Train(append(ex, cfg.syntheticExamples()...), cfg)
}

// Report is the outcome of an evaluation.
type Report struct {
	Messages, Spam, Ham, HardHam int
	Folds                        int  // 0: scored with one given model
	BySender                     bool // folds drawn by sender domain (CrossValidateBySender)
	AUC                          float64
	// Share of spam scored above the threshold that flags 1% (0.1%) of ham.
	CaughtAt1, CaughtAt01 float64
	ThresholdAt1          float64
	ThresholdAt01         float64
	// Hard ham among the ham flagged at those thresholds.
	HardHamFPAt1, HardHamFPAt01 int
	// At the scorer's own hold threshold.
	HoldThreshold   float64
	HamHeld         int
	HardHamHeld     int
	SpamHeld        int
	HardHamHeldIDs  []string `json:",omitempty"`
	OtherHamHeldIDs []string `json:",omitempty"` // the ham held that is not hard_ham
	// At the scorer's reject threshold.
	RejectThreshold           float64
	SpamRejected, HamRejected int
	HamRejectedIDs            []string `json:",omitempty"` // every ham rejected: the costliest mistake
	MessagesPerSec            float64  // Score throughput on the whole messages (one core)
	BayesOnlyAUC              float64  // AUC of the classifier alone, for comparison
	// The classifier alone, for comparison.
	BayesCaughtAt1, BayesCaughtAt01 float64
}

// String formats the report for people.
func (r Report) String() string {
	var b strings.Builder
	mode := "scored with the given model"
	if r.Folds > 0 {
		mode = fmt.Sprintf("%d-fold cross-validation", r.Folds)
		if r.BySender {
			mode += ", folds by sender domain"
		}
	}
	fmt.Fprintf(&b, "messages      %d (spam %d, ham %d of which hard_ham %d), %s\n", r.Messages, r.Spam, r.Ham, r.HardHam, mode)
	fmt.Fprintf(&b, "ROC AUC       %.5f (classifier alone %.5f)\n", r.AUC, r.BayesOnlyAUC)
	fmt.Fprintf(&b, "caught @1%%    %.2f%% of spam (threshold %.2f; hard_ham flagged %d)\n", 100*r.CaughtAt1, r.ThresholdAt1, r.HardHamFPAt1)
	fmt.Fprintf(&b, "caught @0.1%%  %.2f%% of spam (threshold %.2f; hard_ham flagged %d)\n", 100*r.CaughtAt01, r.ThresholdAt01, r.HardHamFPAt01)
	fmt.Fprintf(&b, "classifier alone: caught @1%% %.2f%%, @0.1%% %.2f%%\n", 100*r.BayesCaughtAt1, 100*r.BayesCaughtAt01)
	fmt.Fprintf(&b, "at hold %.1f   spam held %d/%d, ham held %d/%d, hard_ham held %d/%d\n", r.HoldThreshold, r.SpamHeld, r.Spam, r.HamHeld, r.Ham, r.HardHamHeld, r.HardHam)
	fmt.Fprintf(&b, "at reject %.1f spam rejected %d/%d, ham rejected %d/%d\n", r.RejectThreshold, r.SpamRejected, r.Spam, r.HamRejected, r.Ham)
	if len(r.HamRejectedIDs) > 0 {
		fmt.Fprintf(&b, "ham rejected  %s\n", strings.Join(r.HamRejectedIDs, " "))
	}
	if len(r.HardHamHeldIDs) > 0 {
		fmt.Fprintf(&b, "hard_ham held %s\n", strings.Join(r.HardHamHeldIDs, " "))
	}
	if len(r.OtherHamHeldIDs) > 0 {
		fmt.Fprintf(&b, "other ham held %s\n", strings.Join(r.OtherHamHeldIDs, " "))
	}
	if r.MessagesPerSec > 0 {
		fmt.Fprintf(&b, "throughput    %.0f messages/s (Score, one goroutine)\n", r.MessagesPerSec)
	}
	return b.String()
}

// scored is one evaluated message.
type scored struct {
	l     *Labeled
	score float64
	bayes float64
}

// Evaluate scores every message with s (whose model must not have seen them)
// and reports accuracy and throughput.
func Evaluate(ctx context.Context, s *Scorer, msgs []Labeled) (Report, error) {
	res := make([]scored, len(msgs))
	start := time.Now()
	for i := range msgs {
		if err := ctx.Err(); err != nil {
			return Report{}, err
		}
		r := s.Score(msgs[i].Raw)
		res[i] = scored{l: &msgs[i], score: r.Score, bayes: r.Bayes}
	}
	el := time.Since(start)
	rep := summarize(res, s.opts.HoldThreshold, s.opts.RejectThreshold)
	if el > 0 {
		rep.MessagesPerSec = float64(len(msgs)) / el.Seconds()
	}
	return rep, nil
}

// CrossValidate runs k-fold cross-validation: each message is scored by a
// model trained on the other k-1 folds only. Folds are stratified by label and
// assigned deterministically from the corpus order. opts supplies thresholds.
func CrossValidate(ctx context.Context, msgs []Labeled, k int, opts Options, cfg TrainConfig) (Report, error) {
	_, rep, err := crossValidateScores(ctx, msgs, k, opts, cfg, false)
	return rep, err
}

// CrossValidateBySender is CrossValidate with the folds drawn by sender: all
// messages whose From has the same registrable domain fall in one fold, so
// no message is scored by a model that was trained on its sender's other
// mail. It estimates how the model does on senders it has never seen (the
// mail outpost is evaluated on), which the plain folds overstate: a model can
// learn who writes rather than what is written. Senders are dealt to folds
// largest first, each to the fold with fewest messages; a message without a
// readable From is a sender of its own.
func CrossValidateBySender(ctx context.Context, msgs []Labeled, k int, opts Options, cfg TrainConfig) (Report, error) {
	_, rep, err := crossValidateScores(ctx, msgs, k, opts, cfg, true)
	return rep, err
}

// senderFolds deals the senders (registrable From domains) of msgs to k folds.
func senderFolds(parsed []*Message, k int) []int {
	group := make([]string, len(parsed))
	size := map[string]int{}
	for i, m := range parsed {
		g := registrable(m.FromDomain)
		if g == "" {
			g = fmt.Sprintf("#%d", i)
		}
		group[i] = g
		size[g]++
	}
	names := make([]string, 0, len(size))
	for g := range size {
		names = append(names, g)
	}
	sort.Slice(names, func(a, b int) bool {
		if size[names[a]] != size[names[b]] {
			return size[names[a]] > size[names[b]]
		}
		return names[a] < names[b]
	})
	load := make([]int, k)
	foldOf := map[string]int{}
	for _, g := range names {
		f := 0
		for j := 1; j < k; j++ {
			if load[j] < load[f] {
				f = j
			}
		}
		foldOf[g] = f
		load[f] += size[g]
	}
	folds := make([]int, len(parsed))
	for i, g := range group {
		folds[i] = foldOf[g]
	}
	return folds
}

func crossValidateScores(ctx context.Context, msgs []Labeled, k int, opts Options, cfg TrainConfig, bySender bool) ([]scored, Report, error) {
	if k < 2 {
		return nil, Report{}, errors.New("scoring: cross-validation needs at least 2 folds")
	}
	s, err := New(opts)
	if err != nil {
		return nil, Report{}, err
	}
	// Parse, featurize and run the content signals once: they do not depend on
	// the model.
	type prep struct {
		msg   *Message
		ex    Example
		fold  int
		sigs  []Signal
		score float64
	}
	ps := make([]prep, len(msgs))
	var nSpam, nHam int
	for i, l := range msgs {
		m := Parse(l.Raw)
		var f featurizer
		ps[i].msg = m
		ps[i].ex = Example{feats: f.extract(m).clone(), Spam: l.Spam}
		if l.Spam {
			ps[i].fold = nSpam % k
			nSpam++
		} else {
			ps[i].fold = nHam % k
			nHam++
		}
		ps[i].sigs = s.contentSignals(m)
	}
	if bySender {
		parsed := make([]*Message, len(ps))
		for i := range ps {
			parsed[i] = ps[i].msg
		}
		for i, f := range senderFolds(parsed, k) {
			ps[i].fold = f
		}
	}
	synth := cfg.syntheticExamples() // training only, in every fold
	res := make([]scored, len(msgs))
	for fold := range k {
		if err := ctx.Err(); err != nil {
			return nil, Report{}, err
		}
		var train []Example
		for i := range ps {
			if ps[i].fold != fold {
				train = append(train, ps[i].ex)
			}
		}
		train = append(train, synth...)
		model := Train(train, cfg)
		for i := range ps {
			if ps[i].fold != fold {
				continue
			}
			z := model.logit(ps[i].ex.feats)
			sc, _ := s.combine(ps[i].sigs, z, len(ps[i].ex.feats.words), nil, nil)
			res[i] = scored{l: &msgs[i], score: sc, bayes: z}
		}
	}
	rep := summarize(res, s.opts.HoldThreshold, s.opts.RejectThreshold)
	rep.Folds = k
	rep.BySender = bySender
	return res, rep, nil
}

func summarize(res []scored, hold, reject float64) Report {
	var r Report
	r.Messages = len(res)
	r.HoldThreshold, r.RejectThreshold = hold, reject
	for _, x := range res {
		if x.score >= reject {
			if x.l.Spam {
				r.SpamRejected++
			} else {
				r.HamRejected++
				r.HamRejectedIDs = append(r.HamRejectedIDs, x.l.Path)
			}
		}
	}
	var spam, ham []float64
	var spamB, hamB []float64
	for _, x := range res {
		if x.l.Spam {
			r.Spam++
			spam = append(spam, x.score)
			spamB = append(spamB, x.bayes)
			if x.score >= hold {
				r.SpamHeld++
			}
		} else {
			r.Ham++
			ham = append(ham, x.score)
			hamB = append(hamB, x.bayes)
			if x.l.Category == "hard_ham" {
				r.HardHam++
			}
			if x.score >= hold {
				r.HamHeld++
				if x.l.Category == "hard_ham" {
					r.HardHamHeld++
					r.HardHamHeldIDs = append(r.HardHamHeldIDs, x.l.Path)
				} else {
					r.OtherHamHeldIDs = append(r.OtherHamHeldIDs, x.l.Path)
				}
			}
		}
	}
	r.AUC = auc(spam, ham)
	r.BayesOnlyAUC = auc(spamB, hamB)
	r.ThresholdAt1, r.CaughtAt1 = caughtAt(spam, ham, 0.01)
	r.ThresholdAt01, r.CaughtAt01 = caughtAt(spam, ham, 0.001)
	_, r.BayesCaughtAt1 = caughtAt(spamB, hamB, 0.01)
	_, r.BayesCaughtAt01 = caughtAt(spamB, hamB, 0.001)
	for _, x := range res {
		if !x.l.Spam && x.l.Category == "hard_ham" {
			if x.score > r.ThresholdAt1 {
				r.HardHamFPAt1++
			}
			if x.score > r.ThresholdAt01 {
				r.HardHamFPAt01++
			}
		}
	}
	return r
}

// auc is the probability that a random spam outscores a random ham (ties
// count half), computed by ranks.
func auc(spam, ham []float64) float64 {
	if len(spam) == 0 || len(ham) == 0 {
		return math.NaN()
	}
	type pt struct {
		s    float64
		spam bool
	}
	all := make([]pt, 0, len(spam)+len(ham))
	for _, s := range spam {
		all = append(all, pt{s, true})
	}
	for _, s := range ham {
		all = append(all, pt{s, false})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].s < all[j].s })
	var rankSum float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].s == all[i].s {
			j++
		}
		avg := float64(i+j+1) / 2 // mean of ranks i+1..j
		for q := i; q < j; q++ {
			if all[q].spam {
				rankSum += avg
			}
		}
		i = j
	}
	ns, nh := float64(len(spam)), float64(len(ham))
	return (rankSum - ns*(ns+1)/2) / (ns * nh)
}

// caughtAt returns the lowest threshold t such that at most frac of ham
// scores above t, and the share of spam above t.
func caughtAt(spam, ham []float64, frac float64) (thr, caught float64) {
	if len(ham) == 0 || len(spam) == 0 {
		return math.NaN(), math.NaN()
	}
	h := slices.Clone(ham)
	slices.Sort(h)
	slices.Reverse(h)
	allowed := int(math.Floor(frac * float64(len(h))))
	if allowed >= len(h) {
		allowed = len(h) - 1
	}
	thr = h[allowed] // ham strictly above thr: at most `allowed` of them
	n := 0
	for _, s := range spam {
		if s > thr {
			n++
		}
	}
	return thr, float64(n) / float64(len(spam))
}

// WriteModelFile writes m to path atomically.
func WriteModelFile(path string, m *Model) error {
	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := m.WriteTo(w)
		return err
	})
}

// MessageFiles expands paths (files, or folders walked recursively) into the
// message files to score, sorted within each folder. Hidden files and
// labels.tsv are skipped.
func MessageFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("scoring: %w", err)
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if path != p && strings.HasPrefix(name, ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && name != "labels.tsv" {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("scoring: %w", err)
		}
	}
	return out, nil
}

// Throughput scores every message once with s on the calling goroutine and
// returns messages per second.
func Throughput(s *Scorer, msgs []Labeled) float64 {
	start := time.Now()
	for i := range msgs {
		s.Score(msgs[i].Raw)
	}
	el := time.Since(start)
	if el <= 0 {
		return 0
	}
	return float64(len(msgs)) / el.Seconds()
}
