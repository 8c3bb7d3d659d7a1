package scoring

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAUCAndCatch(t *testing.T) {
	if got := auc([]float64{3, 4}, []float64{1, 2}); got != 1 {
		t.Errorf("perfect AUC = %v", got)
	}
	if got := auc([]float64{1}, []float64{1}); got != 0.5 {
		t.Errorf("tie AUC = %v", got)
	}
	if got := auc([]float64{1, 3}, []float64{2}); got != 0.5 {
		t.Errorf("AUC = %v", got)
	}
	ham := make([]float64, 1000)
	for i := range ham {
		ham[i] = float64(i) / 1000 // 0 .. 0.999
	}
	spam := []float64{0.5, 0.995, 2, 3}
	thr, caught := caughtAt(spam, ham, 0.01) // 10 ham may score above
	if thr != 0.989 || caught != 0.75 {
		t.Errorf("caughtAt 1%% = %v, %v", thr, caught)
	}
	if _, c := caughtAt(spam, ham, 0.001); c != 0.5 { // 1 ham may score above 0.998
		t.Errorf("caughtAt 0.1%% = %v", c)
	}
	if !math.IsNaN(auc(nil, ham)) {
		t.Error("AUC without spam should be NaN")
	}
}

// writeCorpus makes a small labelled folder from the test messages.
func writeCorpus(t *testing.T) string {
	dir := t.TempDir()
	var labels strings.Builder
	labels.WriteString("# path\tlabel\tcategory\n")
	n := 0
	for _, c := range []struct {
		file, label, cat string
	}{{"crypto.eml", "spam", "spam"}, {"phish.eml", "spam", "spam"}, {"image_only.eml", "spam", "spam"},
		{"invoice.eml", "ham", "ham"}, {"newsletter.eml", "ham", "hard_ham"}, {"broken.eml", "ham", "ham"}} {
		for i := range 3 {
			name := filepath.Join(c.cat, strings.TrimSuffix(c.file, ".eml")+string(rune('a'+i))+".eml")
			if err := os.MkdirAll(filepath.Join(dir, c.cat), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), readTestdata(t, c.file), 0o644); err != nil {
				t.Fatal(err)
			}
			labels.WriteString(name + "\t" + c.label + "\t" + c.cat + "\n")
			n++
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "labels.tsv"), []byte(labels.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestEvalPipeline(t *testing.T) {
	dir := writeCorpus(t)
	msgs, err := LoadCorpus(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 18 {
		t.Fatalf("%d messages", len(msgs))
	}
	rep, err := CrossValidate(context.Background(), msgs, 3, Options{}, TrainConfig{Epochs: 3})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Folds != 3 || rep.Spam != 9 || rep.Ham != 9 || rep.HardHam != 3 || rep.AUC < 0.9 {
		t.Errorf("report: %+v", rep)
	}
	if !strings.Contains(rep.String(), "ROC AUC") {
		t.Error(rep.String())
	}
	m := TrainCorpus(msgs, TrainConfig{Epochs: 3})
	out := filepath.Join(t.TempDir(), "m.model")
	if err := WriteModelFile(out, m); err != nil {
		t.Fatal(err)
	}
	loaded, err := (&FileStore{Path: out}).Load(context.Background())
	if err != nil || loaded == nil {
		t.Fatal(err)
	}
	s, err := New(Options{Model: loaded})
	if err != nil {
		t.Fatal(err)
	}
	rep, err = Evaluate(context.Background(), s, msgs)
	if err != nil || rep.AUC < 0.99 || rep.MessagesPerSec <= 0 {
		t.Errorf("evaluate: %+v %v", rep, err)
	}
	files, err := MessageFiles([]string{dir})
	if err != nil || len(files) != 18 {
		t.Errorf("MessageFiles: %d %v", len(files), err)
	}
	// Bad labels.
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "labels.tsv"), []byte("../x\tspam\tspam\n"), 0o644)
	if _, err := LoadCorpus(bad); err == nil {
		t.Error("path escaping the corpus accepted")
	}
	os.WriteFile(filepath.Join(bad, "labels.tsv"), []byte("x\tmaybe\n"), 0o644)
	if _, err := LoadCorpus(bad); err == nil {
		t.Error("bad label accepted")
	}
}
