package scoring

import (
	"bufio"
	"bytes"
	"compress/flate"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// Model is the token classifier: logistic regression over hashed, binary,
// L2-normalised features (see doc.go for why). A Model is not safe for
// concurrent mutation; the Scorer guards the one it uses.
type Model struct {
	bits uint8
	bias float64
	w    []float32
	// grams: the model reads character n-grams (models written before them,
	// format version 1, read words only).
	grams bool
	// signed: each feature adds its weight times a sign drawn from its hash,
	// so features sharing a bucket cancel out on average instead of adding
	// up (format version 3; versions 1 and 2 are unsigned).
	signed bool
	// origin names the trained model this one descends from: the embedded
	// default's is a hash of its file (defaultOrigin), and Learn keeps it. A
	// stored model of another origin was learnt on an older default, and the
	// Scorer moves its lessons onto the new one (see lessons.go).
	origin uint64
	// Messages the model was trained on, by class, including Learn calls.
	Spam, Ham int
}

// defaultBits sizes the hashed feature space: 2^22 buckets, 16 MiB of
// weights (see doc.go, Classifier: 2^20 buckets lost about a point of spam
// caught at 0.1% to collisions).
const defaultBits = 22

//go:embed model/default.model
var defaultModelData []byte

// DefaultModel returns a fresh copy of the model embedded in the binary,
// trained by `outpost train` on the development corpus.
func DefaultModel() (*Model, error) {
	if len(defaultModelData) == 0 {
		return newModel(defaultBits), nil // only while bootstrapping the first model
	}
	m, err := ReadModel(bytes.NewReader(defaultModelData))
	if err != nil {
		return nil, err
	}
	m.origin = defaultOrigin()
	return m, nil
}

// defaultOrigin identifies the embedded default model: FNV-1a of its file
// (1.5 MB, so hashed once).
var defaultOrigin = sync.OnceValue(func() uint64 { return fnv64b(defaultModelData) })

// Origins of model files written before models recorded theirs (format
// versions 1-3). Such a file in a ModelStore descends from the default of
// its format: versions 1 and 2 from defaults no longer shipped, version 3
// from the first 2^22 signed default, whose file hashes to legacyV3Origin
// (TestLegacyOrigin).
const (
	legacyV1Origin = 1
	legacyV2Origin = 2
	legacyV3Origin = 0x1b3176caa27f63a5
)

func newModel(bits uint8) *Model {
	return &Model{bits: bits, w: make([]float32, 1<<bits), grams: true, signed: true}
}

// Clone returns an independent copy of m.
func (m *Model) Clone() *Model {
	c := *m
	c.w = slices.Clone(m.w)
	return &c
}

func (m *Model) idx(h uint32) uint32 { return h & (1<<m.bits - 1) }

// sign is the feature's sign in a signed model: the top bit of a
// multiplicative mix of the whole hash, so it is independent of the bucket
// (the low bits); 1 in an unsigned model.
func (m *Model) sign(h uint32) float64 {
	if m.signed && (h*0x85ebca6b)>>31 == 1 {
		return -1
	}
	return 1
}

// weight is the feature's signed weight.
func (m *Model) weight(h uint32) float64 { return m.sign(h) * float64(m.w[m.idx(h)]) }

// contribution is one feature's part in a logit.
type contribution struct {
	src string
	w   float64
}

// scales returns the value of each word feature and of each character
// n-gram: every block is L2-normalised, and the whole vector too (each
// feature is binary, so a block of n features has the value 1/√n each,
// divided by √2 when both blocks have features). A model without n-grams
// reads the words alone.
func (m *Model) scales(fs features) (xw, xg float64) {
	nw, ng := len(fs.words), len(fs.grams)
	if !m.grams {
		ng = 0
	}
	bw, bg := 1.0, 1.0
	if nw > 0 && ng > 0 {
		bw = 1 / math.Sqrt(1+gramWeight*gramWeight)
		bg = gramWeight * bw
	}
	if nw > 0 {
		xw = bw / math.Sqrt(float64(nw))
	}
	if ng > 0 {
		xg = bg / math.Sqrt(float64(ng))
	}
	return xw, xg
}

// gramWeight is the norm of the n-gram block against the words' 1 (see
// doc.go: 1 caught 0.4 points more spam at 0.1% but held a short honest
// receipt on its n-grams).
var gramWeight = 0.7

// logit returns the model's log-odds that the features are spam.
func (m *Model) logit(fs features) float64 {
	xw, xg := m.scales(fs)
	var sw, sg float64
	for _, f := range fs.words {
		sw += m.weight(f.h)
	}
	if xg != 0 {
		for _, h := range fs.grams {
			sg += m.weight(h)
		}
	}
	return m.bias + sw*xw + sg*xg
}

// update calls step(bucket, value) for every feature of fs, the value being
// the feature's (see scales) times its sign.
func (m *Model) update(fs features, xw, xg float64, step func(k uint32, x float64)) {
	for _, f := range fs.words {
		step(m.idx(f.h), m.sign(f.h)*xw)
	}
	if xg != 0 {
		for _, h := range fs.grams {
			step(m.idx(h), m.sign(h)*xg)
		}
	}
}

// explain returns the n features that pushed hardest in the direction of the
// verdict (towards spam when spam is true), among those with a readable name.
func (m *Model) explain(fs []feat, spam bool, n int) []contribution {
	return m.explainInto(make([]contribution, 0, n+1), fs, spam, n)
}

// explainInto is explain appending to top (empty, with room for n+1).
func (m *Model) explainInto(top []contribution, fs []feat, spam bool, n int) []contribution {
	for _, f := range fs {
		if f.src == "" {
			continue
		}
		w := m.weight(f.h)
		if !spam {
			w = -w
		}
		if w <= 0 {
			continue
		}
		if len(top) < n || w > top[len(top)-1].w {
			top = append(top, contribution{f.src, w})
			slices.SortStableFunc(top, func(a, b contribution) int {
				switch {
				case a.w > b.w:
					return -1
				case a.w < b.w:
					return 1
				}
				return 0
			})
			if len(top) > n {
				top = top[:n]
			}
		}
	}
	return top
}

// Example is one labelled message, as features, for training.
type Example struct {
	feats features
	Spam  bool
}

// NewExample parses and featurizes one labelled message.
func NewExample(raw []byte, spam bool) Example {
	var f featurizer
	return Example{feats: f.extract(Parse(raw)).clone(), Spam: spam}
}

// TrainConfig tunes training; the zero value means the defaults.
type TrainConfig struct {
	Epochs int     // passes over the data (default 10)
	Rate   float64 // AdaGrad base learning rate (default 1)
	L2     float64 // weight decay per update (default 1e-5)
	Seed   uint64  // shuffle seed, for determinism (default 1)
	// HamWeight weighs errors on ham against errors on spam (default 1).
	HamWeight float64
	// Synthetic is how many synthetic honest business messages (SyntheticHam)
	// TrainCorpus and CrossValidate add to the training ham: 0 means
	// DefaultSynthetic, negative means none. They are never evaluated on.
	Synthetic int
	// SyntheticSpam is how many synthetic fraud messages (SyntheticSpam)
	// are added to the training spam, the same way: 0 means
	// DefaultSyntheticSpam, negative means none.
	SyntheticSpam int
}

// syntheticExamples returns the synthetic ham and spam the configuration
// asks for.
func (c TrainConfig) syntheticExamples() []Example {
	n := c.Synthetic
	if n == 0 {
		n = DefaultSynthetic
	}
	var f featurizer
	var ex []Example
	if n > 0 {
		for _, raw := range SyntheticHam(n, syntheticSeed) {
			ex = append(ex, Example{feats: f.extract(Parse(raw)).clone()})
		}
	}
	ns := c.SyntheticSpam
	if ns == 0 {
		ns = DefaultSyntheticSpam
	}
	for _, raw := range SyntheticSpam(max(ns, 0), syntheticSeed) {
		ex = append(ex, Example{feats: f.extract(Parse(raw)).clone(), Spam: true})
	}
	return ex
}

func (c TrainConfig) withDefaults() TrainConfig {
	if c.Epochs == 0 {
		c.Epochs = 10
	}
	if c.Rate == 0 {
		c.Rate = 1
	}
	if c.L2 == 0 {
		c.L2 = 1e-5
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.HamWeight == 0 {
		c.HamWeight = 1
	}
	return c
}

// Train fits a model to the examples with AdaGrad, deterministically for a
// given configuration and example order.
func Train(ex []Example, cfg TrainConfig) *Model {
	cfg = cfg.withDefaults()
	m := newModel(defaultBits)
	g := make([]float32, len(m.w))
	var gb float64
	order := make([]int, len(ex))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	for _, e := range ex {
		if e.Spam {
			m.Spam++
		} else {
			m.Ham++
		}
	}
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			e := ex[i]
			xw, xg := m.scales(e.feats)
			if xw == 0 && xg == 0 {
				continue
			}
			z := m.logit(e.feats)
			y := 0.0
			if e.Spam {
				y = 1
			}
			grad := sigmoid(z) - y
			if !e.Spam {
				grad *= cfg.HamWeight
			}
			m.update(e.feats, xw, xg, func(k uint32, x float64) {
				gi := grad * x
				g[k] += float32(gi * gi)
				step := cfg.Rate / math.Sqrt(float64(g[k])+1e-8)
				m.w[k] -= float32(step * (gi + cfg.L2*float64(m.w[k])))
			})
			gb += grad * grad
			m.bias -= cfg.Rate / math.Sqrt(gb+1e-8) * grad
		}
	}
	return m
}

// learn nudges the model towards the label of one message with plain SGD,
// repeating (at most a few times) until the message sits on the right side
// with some margin, so that one correction by a person is felt at once.
func (m *Model) learn(fs features, spam bool) {
	if spam {
		m.Spam++
	} else {
		m.Ham++
	}
	xw, xg := m.scales(fs)
	if xw == 0 && xg == 0 {
		return
	}
	y := 0.0
	if spam {
		y = 1
	}
	const rate, margin = 2.0, 2.5
	for range 10 {
		z := m.logit(fs)
		if spam && z > margin || !spam && z < -margin {
			return
		}
		grad := sigmoid(z) - y
		m.update(fs, xw, xg, func(k uint32, x float64) {
			m.w[k] -= float32(rate * grad * x)
		})
	}
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// Serialised form: "OPBM" magic, version byte (4: character n-grams, signed
// hashing and the origin; 3: the same without the origin; 2: n-grams,
// unsigned; 1: words only, unsigned), bits byte, then deflate of:
// bias float64, spam and ham counts (uvarint), in version 4 the origin
// (uint64), the number of non-zero weights
// (uvarint), then per weight the gap from the previous index (uvarint) and the
// weight quantised to int16 against a float32 scale written first.
const modelMagic = "OPBM"

// WriteTo writes the model in its compact binary form.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	buf.WriteString(modelMagic)
	switch {
	case m.grams && m.signed:
		buf.WriteByte(4)
	case m.grams:
		buf.WriteByte(2)
	case m.signed:
		return 0, errors.New("scoring: a signed model without n-grams has no format")
	default:
		buf.WriteByte(1)
	}
	buf.WriteByte(m.bits)
	zw, _ := flate.NewWriter(&buf, flate.BestCompression)
	bw := bufio.NewWriter(zw)
	var tmp [binary.MaxVarintLen64]byte
	putU := func(v uint64) { bw.Write(tmp[:binary.PutUvarint(tmp[:], v)]) }
	binary.Write(bw, binary.LittleEndian, m.bias)
	putU(uint64(m.Spam))
	putU(uint64(m.Ham))
	if m.grams && m.signed {
		binary.Write(bw, binary.LittleEndian, m.origin)
	}
	var maxAbs float32
	n := 0
	for _, v := range m.w {
		if a := float32(math.Abs(float64(v))); a >= 1e-4 {
			n++
			maxAbs = max(maxAbs, a)
		}
	}
	scale := maxAbs / 32767
	if scale == 0 {
		scale = 1
	}
	binary.Write(bw, binary.LittleEndian, scale)
	putU(uint64(n))
	prev := 0
	for i, v := range m.w {
		if math.Abs(float64(v)) < 1e-4 {
			continue
		}
		putU(uint64(i - prev))
		prev = i
		q := int16(math.Round(float64(v / scale)))
		binary.Write(bw, binary.LittleEndian, q)
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	k, err := w.Write(buf.Bytes())
	return int64(k), err
}

// ReadModel reads a model written by WriteTo.
func ReadModel(r io.Reader) (*Model, error) {
	hdr := make([]byte, len(modelMagic)+2)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("scoring: read model: %w", err)
	}
	if string(hdr[:4]) != modelMagic || hdr[4] < 1 || hdr[4] > 4 {
		return nil, errors.New("scoring: not an outpost model (bad magic or version)")
	}
	bits := hdr[5]
	if bits < 10 || bits > 24 {
		return nil, fmt.Errorf("scoring: model: bad size %d", bits)
	}
	m := newModel(bits)
	m.grams = hdr[4] >= 2
	m.signed = hdr[4] >= 3
	m.origin = [...]uint64{1: legacyV1Origin, 2: legacyV2Origin, 3: legacyV3Origin, 4: 0}[hdr[4]]
	br := bufio.NewReader(flate.NewReader(r))
	fail := func(err error) (*Model, error) { return nil, fmt.Errorf("scoring: model: %w", err) }
	if err := binary.Read(br, binary.LittleEndian, &m.bias); err != nil {
		return fail(err)
	}
	spam, err := binary.ReadUvarint(br)
	if err != nil {
		return fail(err)
	}
	ham, err := binary.ReadUvarint(br)
	if err != nil {
		return fail(err)
	}
	m.Spam, m.Ham = int(spam), int(ham)
	if hdr[4] >= 4 {
		if err := binary.Read(br, binary.LittleEndian, &m.origin); err != nil {
			return fail(err)
		}
	}
	var scale float32
	if err := binary.Read(br, binary.LittleEndian, &scale); err != nil {
		return fail(err)
	}
	n, err := binary.ReadUvarint(br)
	if err != nil {
		return fail(err)
	}
	if n > uint64(len(m.w)) {
		return fail(errors.New("too many weights"))
	}
	idx := uint64(0)
	for i := uint64(0); i < n; i++ {
		gap, err := binary.ReadUvarint(br)
		if err != nil {
			return fail(err)
		}
		idx += gap
		if idx >= uint64(len(m.w)) {
			return fail(errors.New("weight index out of range"))
		}
		var q int16
		if err := binary.Read(br, binary.LittleEndian, &q); err != nil {
			return fail(err)
		}
		m.w[idx] = float32(q) * scale
	}
	if math.IsNaN(m.bias) || math.IsInf(m.bias, 0) {
		return fail(errors.New("bad bias"))
	}
	return m, nil
}
