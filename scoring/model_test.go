package scoring

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"sync"
	"testing"
)

func TestModelRoundTrip(t *testing.T) {
	m, err := DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	if m.Spam == 0 || m.Ham == 0 {
		t.Fatalf("embedded model is empty: %d spam, %d ham", m.Spam, m.Ham)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	m2, err := ReadModel(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var f featurizer
	feats := f.extract(Parse(readTestdata(t, "phish.eml")))
	if a, b := m.logit(feats), m2.logit(feats); math.Abs(a-b) > 0.01 {
		t.Errorf("logit changed across a round trip: %v vs %v", a, b)
	}
	for _, bad := range [][]byte{nil, []byte("OPBM"), []byte("XXXX\x01\x14"), append([]byte("OPBM\x01\x14"), 1, 2, 3)} {
		if _, err := ReadModel(bytes.NewReader(bad)); err == nil {
			t.Errorf("ReadModel(%q) accepted", bad)
		}
	}
}

// TestModelFormats: every format version is written and read back with its
// kind of hashing, and an unsigned model is scored unsigned.
func TestModelFormats(t *testing.T) {
	var f featurizer
	feats := f.extract(Parse(readTestdata(t, "phish.eml"))).clone()
	ex := []Example{{feats: feats, Spam: true}, NewExample(readTestdata(t, "newsletter.eml"), false)}
	for _, c := range []struct {
		grams, signed bool
		version       byte
		origin        uint64 // read back
	}{{false, false, 1, legacyV1Origin}, {true, false, 2, legacyV2Origin}, {true, true, 4, 0xfeedface12345678}} {
		m := Train(ex, TrainConfig{Synthetic: -1, SyntheticSpam: -1})
		m.grams, m.signed = c.grams, c.signed
		m.origin = 0xfeedface12345678
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		if v := buf.Bytes()[4]; v != c.version {
			t.Errorf("grams %v signed %v: version %d, want %d", c.grams, c.signed, v, c.version)
		}
		m2, err := ReadModel(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if m2.grams != c.grams || m2.signed != c.signed || m2.bits != m.bits || m2.origin != c.origin {
			t.Errorf("version %d read back as grams %v signed %v bits %d origin %#x", c.version, m2.grams, m2.signed, m2.bits, m2.origin)
		}
		if a, b := m.logit(feats), m2.logit(feats); math.Abs(a-b) > 0.01 {
			t.Errorf("version %d: logit %v, read back %v", c.version, a, b)
		}
	}
	m := newModel(defaultBits)
	m.grams = false
	if _, err := m.WriteTo(&bytes.Buffer{}); err == nil {
		t.Error("a signed model without n-grams was written")
	}
}

// TestLegacyOrigin: a model file without an origin (format version 3) is
// taken to descend from the first version-3 default, the embedded model
// while it is that file; DefaultModel names its origin by its file either way.
func TestLegacyOrigin(t *testing.T) {
	m, err := DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	if m.origin != fnv64b(defaultModelData) || m.origin == 0 {
		t.Fatalf("default origin %#x, want the hash of its file %#x", m.origin, fnv64b(defaultModelData))
	}
	raw, err := ReadModel(bytes.NewReader(defaultModelData))
	if err != nil {
		t.Fatal(err)
	}
	switch defaultModelData[4] {
	case 3:
		if raw.origin != legacyV3Origin || legacyV3Origin != m.origin {
			t.Fatalf("version-3 default read with origin %#x, legacy constant %#x, file %#x: they must agree", raw.origin, legacyV3Origin, m.origin)
		}
	case 4:
		if m.origin == legacyV3Origin {
			t.Fatal("a retrained default has the first version-3 default's origin")
		}
	default:
		t.Fatalf("embedded model of format version %d", defaultModelData[4])
	}
	// A Learn keeps the origin through a save.
	var f featurizer
	m.learn(f.extract(Parse(readTestdata(t, "phish.eml"))), true)
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if m2, err := ReadModel(&buf); err != nil || m2.origin != m.origin {
		t.Fatalf("origin after learn and save: %v %v", m2, err)
	}
}

// TestSignedHashing: the sign does not follow the bucket, so features that
// share a bucket cancel about half the time, and both signs are as common.
func TestSignedHashing(t *testing.T) {
	m := newModel(defaultBits)
	u := &Model{bits: defaultBits}
	var neg, pairs, opposite int
	for i := uint32(0); i < 1<<16; i++ {
		h := hashBytes('b', []byte{byte(i), byte(i >> 8)})
		if u.sign(h) != 1 {
			t.Fatal("an unsigned model gave a feature the sign -1")
		}
		if m.sign(h) < 0 {
			neg++
		}
		// h and h2 share a bucket; they differ in the bits above it.
		h2 := h ^ (i%1023+1)<<defaultBits
		if m.idx(h) != m.idx(h2) {
			t.Fatal("bucket depends on the high bits")
		}
		pairs++
		if m.sign(h) != m.sign(h2) {
			opposite++
		}
	}
	if f := float64(neg) / (1 << 16); f < 0.45 || f > 0.55 {
		t.Errorf("%.3f of features negative, want about half", f)
	}
	if f := float64(opposite) / float64(pairs); f < 0.4 || f > 0.6 {
		t.Errorf("%.3f of features sharing a bucket have opposite signs, want about half", f)
	}
}

func TestTrainSeparates(t *testing.T) {
	var ex []Example
	for range 20 {
		ex = append(ex, NewExample(readTestdata(t, "crypto.eml"), true), NewExample(readTestdata(t, "phish.eml"), true),
			NewExample(readTestdata(t, "invoice.eml"), false), NewExample(readTestdata(t, "newsletter.eml"), false))
	}
	m := Train(ex, TrainConfig{Epochs: 3})
	m2 := Train(ex, TrainConfig{Epochs: 3})
	for _, e := range ex[:4] {
		z := m.logit(e.feats)
		if (z > 0) != e.Spam {
			t.Errorf("training example misclassified: logit %.2f spam %v", z, e.Spam)
		}
		if z != m2.logit(e.feats) {
			t.Error("training is not deterministic")
		}
	}
}

// Learn moves the live model at once, persists through the store, and a new
// Scorer on the same store starts from the learnt model.
func TestLearnPersists(t *testing.T) {
	store := &FileStore{Path: filepath.Join(t.TempDir(), "model.bin")}
	ctx := context.Background()
	if m, err := store.Load(ctx); m != nil || err != nil {
		t.Fatalf("empty store: %v %v", m, err)
	}
	s, err := New(Options{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	raw := readTestdata(t, "newsletter.eml")
	before := s.Score(raw).Bayes
	if err := s.Learn(raw, true); err != nil {
		t.Fatal(err)
	}
	after := s.Score(raw).Bayes
	if after <= before || after < 2 {
		t.Errorf("learning spam moved the logit from %.2f to %.2f", before, after)
	}
	s2, err := New(Options{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	if got := s2.Score(raw).Bayes; math.Abs(got-after) > 0.05 {
		t.Errorf("reloaded model scores %.3f, live model %.3f", got, after)
	}
	if m := s2.Model(); m.Spam != s.Model().Spam {
		t.Errorf("counts not persisted: %d vs %d", m.Spam, s.Model().Spam)
	}
	// And back: learning ham undoes it.
	if err := s2.Learn(raw, false); err != nil {
		t.Fatal(err)
	}
	if got := s2.Score(raw).Bayes; got > -2 {
		t.Errorf("after learning ham the logit is %.2f", got)
	}
	// The Options.Model given is copied, never changed.
	base, _ := DefaultModel()
	s3, _ := New(Options{Model: base})
	_ = s3.Learn(raw, true)
	var f featurizer
	if z := base.logit(f.extract(Parse(raw))); math.Abs(z-before) > 0.05 {
		t.Errorf("Learn changed the caller's model: %.2f vs %.2f", z, before)
	}
}

func TestSetModel(t *testing.T) {
	s := newTestScorer(t)
	raw := readTestdata(t, "newsletter.eml")
	m := s.Model()
	var f featurizer
	m.learn(f.extract(Parse(raw)), true)
	before := s.Score(raw).Bayes
	s.SetModel(m)
	s.SetModel(nil)
	if after := s.Score(raw).Bayes; after <= before {
		t.Errorf("SetModel had no effect: %.2f -> %.2f", before, after)
	}
}

// Score and Learn run concurrently (run with -race).
func TestConcurrentScoreLearn(t *testing.T) {
	s := newTestScorer(t)
	raws := [][]byte{readTestdata(t, "phish.eml"), readTestdata(t, "invoice.eml"), readTestdata(t, "crypto.eml")}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				raw := raws[(g+i)%len(raws)]
				if g == 1 && i == 10 {
					s.SetModel(s.Model())
				}
				if g == 0 && i%5 == 0 {
					if err := s.Learn(raw, i%2 == 0); err != nil {
						t.Error(err)
					}
					continue
				}
				_ = s.Score(raw)
			}
		}()
	}
	wg.Wait()
}
