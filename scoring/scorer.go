package scoring

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Verdict is what the gateway should do with a message, from its content alone.
type Verdict string

const (
	Pass   Verdict = "pass"
	Hold   Verdict = "hold"
	Reject Verdict = "reject"
)

// Signal is one named contribution to a score, with a detail a person can act on.
type Signal struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
	Detail string  `json:"detail"`
}

// Result is the score of one message and why.
type Result struct {
	Score   float64  `json:"score"` // higher = spammier; the sum of the signal weights
	Verdict Verdict  `json:"verdict"`
	Signals []Signal `json:"signals"` // by weight, highest first; every non-zero part of Score
	// Fingerprint is the near-duplicate fingerprint of the normalised text,
	// for campaign detection (see Similarity).
	Fingerprint Fingerprint `json:"fingerprint"`
	// Malformed is set when part of the message could not be read; Problems
	// says what. The score is then based on what could be read.
	Malformed bool     `json:"malformed,omitempty"`
	Problems  []string `json:"problems,omitempty"`
	// Bayes is the classifier's log-odds (before weighting and clamping).
	Bayes float64 `json:"bayes"`
	// What a reviewer may want to see.
	Subject     string       `json:"subject,omitempty"`
	LinkDomains []string     `json:"link_domains,omitempty"` // distinct, sorted
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Options configure a Scorer. The zero value is usable.
type Options struct {
	// HoldThreshold and RejectThreshold: a score at or above them holds or
	// rejects the message. Defaults 5 and 14 (see doc.go).
	HoldThreshold, RejectThreshold float64
	// Model is the classifier to use; nil means: the Store's model if it has
	// one, else the default model embedded in the binary.
	Model *Model
	// Store persists what Learn teaches the model; nil means no persistence.
	Store ModelStore
	// BayesWeight scales the classifier's log-odds into the score (default
	// 2), after clamping them to ±BayesClamp (default 6). With the defaults
	// the classifier alone can hold a message but not reject it: a reject
	// needs corroborating signals. See doc.go.
	BayesWeight, BayesClamp float64
}

const (
	DefaultHoldThreshold   = 5.0
	DefaultRejectThreshold = 14.0
)

// Scorer scores messages. It is safe for concurrent use.
type Scorer struct {
	opts  Options
	lex   *lexicon
	pool  sync.Pool // *featurizer
	mu    sync.RWMutex
	model *Model
	// learnMu serialises Learn, so that saved models never go back in time.
	learnMu sync.Mutex
	// upgraded: what New did with a stored model of another default.
	upgraded Upgrade
}

// New returns a Scorer.
func New(opts Options) (*Scorer, error) {
	if opts.HoldThreshold == 0 {
		opts.HoldThreshold = DefaultHoldThreshold
	}
	if opts.RejectThreshold == 0 {
		opts.RejectThreshold = DefaultRejectThreshold
	}
	if opts.RejectThreshold < opts.HoldThreshold {
		return nil, fmt.Errorf("scoring: reject threshold %.2f is below hold threshold %.2f", opts.RejectThreshold, opts.HoldThreshold)
	}
	if opts.BayesWeight == 0 {
		opts.BayesWeight = 2
	}
	if opts.BayesClamp == 0 {
		opts.BayesClamp = 6
	}
	s := &Scorer{opts: opts, lex: newLexicon()}
	s.pool.New = func() any { return new(featurizer) }
	switch {
	case opts.Model != nil:
		s.model = opts.Model.Clone()
	case opts.Store != nil:
		ctx := context.Background()
		m, err := opts.Store.Load(ctx)
		if err != nil {
			return nil, fmt.Errorf("scoring: load model: %w", err)
		}
		j, journal := opts.Store.(LessonJournal)
		if m != nil && journal && len(defaultModelData) > 0 && m.origin != defaultOrigin() {
			// Learnt on another default: its lessons move to this one.
			um, up, err := upgrade(ctx, opts.Store, j, m.origin)
			if err != nil {
				up.Err = err
			} else {
				m = um
			}
			s.upgraded = up
		}
		s.model = m
	}
	if s.model == nil {
		m, err := DefaultModel()
		if err != nil {
			return nil, err
		}
		s.model = m
	}
	return s, nil
}

// Options returns the options in effect (with defaults filled in).
func (s *Scorer) Options() Options { return s.opts }

// Score parses and scores one raw RFC 5322 message. It never panics on bad
// input and is deterministic: the same message and model give the same Result.
func (s *Scorer) Score(raw []byte) Result {
	m := Parse(raw)
	f := s.pool.Get().(*featurizer)
	feats, a, fp := f.scoreFeatures(m, s.lex)
	sigs := s.signals(a)
	s.mu.RLock()
	z := s.model.logit(feats)
	score, sigs := s.combine(sigs, z, len(feats.words), s.model, feats.words)
	s.mu.RUnlock()
	s.pool.Put(f)

	r := Result{
		Score:       score,
		Verdict:     s.verdict(score),
		Signals:     sigs,
		Fingerprint: fp,
		Malformed:   m.Malformed(),
		Problems:    m.Problems,
		Bayes:       round3(z),
		Subject:     m.Subject,
		Attachments: m.Attachments,
	}
	for _, l := range m.Links {
		if len(r.LinkDomains) < 50 && !slices.Contains(r.LinkDomains, l.Domain) {
			r.LinkDomains = append(r.LinkDomains, l.Domain)
		}
	}
	slices.Sort(r.LinkDomains)
	return r
}

func (s *Scorer) verdict(score float64) Verdict {
	switch {
	case score >= s.opts.RejectThreshold:
		return Reject
	case score >= s.opts.HoldThreshold:
		return Hold
	}
	return Pass
}

// contentSignals runs every content signal on a parsed message.
func (s *Scorer) contentSignals(m *Message) []Signal {
	return s.signals(analyze(m, s.lex))
}

// signals runs every content signal on an analysed message.
func (s *Scorer) signals(a *analysis) []Signal {
	var out []Signal
	var commercial float64
	for _, d := range signalDefs {
		w, detail := d.fn(a)
		if w != 0 {
			if out == nil {
				out = make([]Signal, 0, 8)
			}
			out = append(out, Signal{Name: d.name, Weight: round3(w), Detail: detail})
			if commercialSignals[d.name] {
				commercial += round3(w)
			}
		}
	}
	// Signals of commercial mail in general together count at most
	// maxCommercial: honest invoices and newsletters have prices, "click
	// here", deadlines and capitals too (see doc.go).
	if commercial > maxCommercial {
		f := maxCommercial / commercial
		for i, g := range out {
			if commercialSignals[g.Name] {
				out[i].Weight = round3(g.Weight * f)
				out[i].Detail += fmt.Sprintf(" (weight %.2f: commercial-mail signals count %.0f at most together)", g.Weight, maxCommercial)
			}
		}
	}
	return out
}

// commercialSignals say "commercial mail" rather than "dishonest mail".
var commercialSignals = map[string]bool{
	"lexicon_marketing": true, "money": true, "urgency": true,
	"bulk_no_unsubscribe": true, "shouting": true, "html_only": true,
}

// maxCommercial is the most the commercialSignals add together.
const maxCommercial = 2.0

// combine adds the classifier's signal to the content signals and returns the
// total and the signals sorted by weight. model may be nil (no explanation).
func (s *Scorer) combine(sigs []Signal, z float64, nw int, model *Model, feats []feat) (float64, []Signal) {
	// Deception and fraud signals (fraudSignals: a lying link, a borrowed
	// brand, an executable or a web page attached, phishing, BEC, callback
	// and extortion wording) adding up to fraudFloor are not talked down by
	// the classifier: it learnt from mail that holds none of today's frauds,
	// honest invoices read as ham to it, and so do the malware "invoices"
	// and phishing notices that imitate them (doc.go, Modern fraud).
	var content, fraud float64
	for _, g := range sigs {
		content += g.Weight
		if fraudSignals[g.Name] {
			fraud += g.Weight
		}
	}
	zc, short := z, 1.0
	if z > 0 && nw < shortFeatures && content < shortMaxContent {
		// A short message that nothing but its words makes suspect: its
		// spam-ward log-odds count by the evidence, √(nw/shortFeatures)
		// (doc.go, Classifier: six-line receipts).
		short = math.Sqrt(float64(nw) / shortFeatures)
		zc = z * short
	}
	c := math.Max(-s.opts.BayesClamp, math.Min(s.opts.BayesClamp, zc)) * s.opts.BayesWeight
	if fraud >= fraudFloor && c < 0 {
		c = 0
	}
	c = round3(c)
	var out []Signal // nil when sigs is and c is 0, as slices.Clone gave
	if sigs != nil || c != 0 {
		out = make([]Signal, len(sigs), len(sigs)+1)
		copy(out, sigs)
	}
	if c != 0 {
		out = append(out, Signal{Name: "bayes", Weight: c, Detail: bayesDetail(z, short, model, feats)})
	}
	slices.SortStableFunc(out, func(a, b Signal) int {
		switch {
		case a.Weight > b.Weight:
			return -1
		case a.Weight < b.Weight:
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	var total float64
	for _, g := range out {
		total += g.Weight
	}
	return round3(total), out
}

// fraudSignals are the signals of deception or fraud: a message whose
// weights on them add up to fraudFloor keeps them whatever its words say.
var fraudSignals = map[string]bool{
	"lexicon_phishing": true, "lexicon_bec": true, "payment_diversion": true, "qr_code_lure": true, "extortion": true, "callback_scam": true,
	"link_text_mismatch": true, "open_redirect": true, "from_impersonation": true, "lookalike_domain": true, "ip_link": true,
	"url_shortener": true, "hidden_text": true, "obfuscation": true, "dangerous_attachment": true,
}

const fraudFloor = 4

// shortFeatures and shortMaxContent: the classifier's spam-ward log-odds
// of a message with fewer than shortFeatures word features and content
// signals adding less than shortMaxContent are scaled by
// √(features/shortFeatures) (see combine and doc.go).
const (
	shortFeatures   = 80
	shortMaxContent = 0.01
)

func bayesDetail(z, short float64, model *Model, feats []feat) string {
	// As fmt would write it ("%.1f%%", "%q"), without fmt.
	p := sigmoid(z)
	b := make([]byte, 0, 256)
	b = append(b, "word statistics: "...)
	if z >= 0 {
		b = strconv.AppendFloat(b, 100*p, 'f', 1, 64)
		b = append(b, "% like spam"...)
	} else {
		b = strconv.AppendFloat(b, 100*(1-p), 'f', 1, 64)
		b = append(b, "% like legitimate mail"...)
	}
	if model != nil {
		var buf [5]contribution
		top := model.explainInto(buf[:0], feats, z >= 0, 4)
		if len(top) > 0 {
			b = append(b, " (strongest: "...)
			for i, t := range top {
				if i > 0 {
					b = append(b, ", "...)
				}
				b = strconv.AppendQuote(b, truncate(t.src, 40))
			}
			b = append(b, ")"...)
		}
	}
	if short < 1 {
		b = append(b, "; a short message: counted ×"...)
		b = strconv.AppendFloat(b, short, 'f', 2, 64)
	}
	return string(b)
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// Learn teaches the live model that one message is spam (or not) and persists
// the model through the configured Store. Safe for concurrent use.
func (s *Scorer) Learn(raw []byte, spam bool) error {
	return s.LearnContext(context.Background(), raw, spam)
}

// LearnContext is Learn with a context for the Store.
func (s *Scorer) LearnContext(ctx context.Context, raw []byte, spam bool) error {
	var f featurizer
	feats := f.extract(Parse(raw))
	s.learnMu.Lock()
	defer s.learnMu.Unlock()
	if j, ok := s.opts.Store.(LessonJournal); ok {
		// Journal first: a lesson the model missed (the save below failed)
		// is taught again at the next upgrade; a lesson the journal missed
		// would be lost by it.
		if err := j.AddLesson(ctx, encodeLesson(feats, spam)); err != nil {
			return fmt.Errorf("scoring: record lesson: %w", err)
		}
	}
	if u, ok := s.opts.Store.(ModelUpdater); ok {
		// Learn on the newest stored model, not on this instance's copy,
		// which may lag what other instances learned since its last reload.
		var learned *Model
		err := u.Update(ctx, func(stored *Model) (*Model, error) {
			if stored == nil {
				stored = s.Model()
			}
			stored.learn(feats, spam)
			learned = stored
			return stored, nil
		})
		if err != nil {
			return fmt.Errorf("scoring: save model: %w", err)
		}
		s.SetModel(learned)
		return nil
	}
	s.mu.Lock()
	s.model.learn(feats, spam)
	var snap *Model
	if s.opts.Store != nil {
		snap = s.model.Clone()
	}
	s.mu.Unlock()
	if snap == nil {
		return nil
	}
	if err := s.opts.Store.Save(ctx, snap); err != nil {
		return fmt.Errorf("scoring: save model: %w", err)
	}
	return nil
}

// SetModel replaces the live model with a copy of m, e.g. when another
// instance saved a newer one to the shared store. Safe for concurrent use;
// nil is ignored.
func (s *Scorer) SetModel(m *Model) {
	if m == nil {
		return
	}
	c := m.Clone()
	s.mu.Lock()
	s.model = c
	s.mu.Unlock()
}

// Model returns a copy of the live model (for saving or inspection).
func (s *Scorer) Model() *Model {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.model.Clone()
}

// MainReason is a short text naming the strongest reason for the score, fit
// for an SMTP reply: no weights, no thresholds, no internal names.
func (r Result) MainReason() string {
	for _, g := range r.Signals {
		if g.Weight <= 0 {
			break
		}
		if t, ok := reasons[g.Name]; ok {
			return t
		}
		if strings.HasPrefix(g.Name, "lexicon_") {
			return "message uses wording typical of " + strings.ReplaceAll(strings.TrimPrefix(g.Name, "lexicon_"), "_", " ") + " spam"
		}
		return "message looks like spam"
	}
	return "message looks like spam"
}
