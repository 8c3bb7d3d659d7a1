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
