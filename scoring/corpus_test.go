package scoring

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var trainDefault = flag.Bool("train-default", false, "retrain model/default.model from the corpus (same as `outpost train CORPUS --out scoring/model/default.model`)")

// corpusDir locates the development corpus: $OUTPOST_CORPUS, else
// <module root>/../shared/corpus. It skips the test when absent, unless $CI
// is set, where a missing corpus is a failure.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("OUTPOST_CORPUS")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "labels.tsv")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("corpus not found at %s (set OUTPOST_CORPUS): %v", dir, err)
		}
		t.Skipf("corpus not found at %s; set OUTPOST_CORPUS to run this test", dir)
	}
	return dir
}

var (
	corpusOnce sync.Once
	corpusMsgs []Labeled
	corpusErr  error
)

func loadCorpus(t testing.TB) []Labeled {
	dir := corpusDir(t)
	corpusOnce.Do(func() { corpusMsgs, corpusErr = LoadCorpus(dir) })
	if corpusErr != nil {
		t.Fatal(corpusErr)
	}
	return corpusMsgs
}

func TestTrainDefaultModel(t *testing.T) {
	if !*trainDefault {
		t.Skip("run with -train-default to regenerate model/default.model")
	}
	msgs := loadCorpus(t)
	m := TrainCorpus(msgs, TrainConfig{})
	if err := WriteModelFile(filepath.Join("model", "default.model"), m); err != nil {
		t.Fatal(err)
	}
}

// TestCrossValidation asserts the accuracy goals with k-fold cross-validation:
// no message is scored by a model that saw it. The synthetic business ham
// (TrainConfig.Synthetic) is added to every fold's training set and never
// scored.
func TestCrossValidation(t *testing.T) {
	msgs := loadCorpus(t)
	k := 10
	if testing.Short() {
		k = 5
	}
	rep, err := CrossValidate(context.Background(), msgs, k, Options{}, TrainConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", rep)
	if rep.AUC < 0.999 {
		t.Errorf("AUC %.5f < 0.999", rep.AUC)
	}
	if rep.CaughtAt1 < 0.98 {
		t.Errorf("caught at 1%% ham flagged: %.4f < 0.98", rep.CaughtAt1)
	}
	// Goal: 0.95 at 0.1%; see doc.go for where this stands (0.929 with the
	// default seed, 0.915 over seeds 1-6; 0.896 before the character
	// n-grams).
	if rep.CaughtAt01 < 0.91 {
		t.Errorf("caught at 0.1%% ham flagged: %.4f < 0.91", rep.CaughtAt01)
	}
	if rep.HamRejected > 0 {
		t.Errorf("%d ham at the reject threshold", rep.HamRejected)
	}
}
