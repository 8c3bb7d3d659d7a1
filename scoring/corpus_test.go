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

// cvFloors are the least a cross-validation report must show.
type cvFloors struct {
	auc, at1, at01 float64 // at01 0: not checked
	maxHamHeld     int     // -1: not checked
	why01, whyHeld string  // where the floor comes from, for the failure
}

func checkCV(t *testing.T, rep Report, f cvFloors) {
	t.Helper()
	t.Logf("\n%s", rep)
	if rep.AUC < f.auc {
		t.Errorf("AUC %.5f < %g", rep.AUC, f.auc)
	}
	if rep.CaughtAt1 < f.at1 {
		t.Errorf("caught at 1%% ham flagged: %.4f < %g", rep.CaughtAt1, f.at1)
	}
	if rep.CaughtAt01 < f.at01 {
		t.Errorf("caught at 0.1%% ham flagged: %.4f < %g (%s)", rep.CaughtAt01, f.at01, f.why01)
	}
	if f.maxHamHeld >= 0 && rep.HamHeld > f.maxHamHeld {
		t.Errorf("%d ham held > %d (%s)", rep.HamHeld, f.maxHamHeld, f.whyHeld)
	}
	if rep.HamRejected > 0 {
		t.Errorf("%d ham at the reject threshold", rep.HamRejected)
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
	// Goal: 0.95 at 0.1%; see doc.go for where this stands.
	checkCV(t, rep, cvFloors{auc: 0.999, at1: 0.98, at01: 0.91, maxHamHeld: -1,
		why01: "0.952 with the default seed, 0.944 over seeds 1-6 (0.932-0.957); 0.896 before the character n-grams"})
}

// TestCrossValidationBySender is TestCrossValidation with every sender
// (registrable From domain) kept out of the model that scores its mail: the
// estimate for senders outside the corpus. The floors sit under the figures
// of seeds 1-6 (doc.go, "Senders the model has never seen"): a change that
// learns who writes rather than what is written falls through them.
func TestCrossValidationBySender(t *testing.T) {
	if testing.Short() {
		t.Skip("the by-sender cross-validation takes a full 10-fold run")
	}
	msgs := loadCorpus(t)
	rep, err := CrossValidateBySender(context.Background(), msgs, 10, Options{}, TrainConfig{})
	if err != nil {
		t.Fatal(err)
	}
	checkCV(t, rep, cvFloors{auc: 0.995, at1: 0.93, maxHamHeld: 15, whyHeld: "seeds 1-6: 9-15"})
}
