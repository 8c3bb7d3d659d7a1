package scoring

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
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

// senderFolds keeps each sender in one fold and spreads the load.
func TestSenderFolds(t *testing.T) {
	var parsed []*Message
	add := func(from string, n int) {
		for range n {
			parsed = append(parsed, Parse([]byte("From: x <a@"+from+">\r\nSubject: s\r\n\r\nhi\r\n")))
		}
	}
	add("big.example", 6)
	add("mail.big.example", 2) // the same registrable domain
	add("mid.example", 5)
	add("small.example", 3)
	for range 4 {
		parsed = append(parsed, Parse([]byte("Subject: no sender\r\n\r\nhi\r\n")))
	}
	folds := senderFolds(parsed, 3)
	for i := 1; i < 8; i++ {
		if folds[i] != folds[0] {
			t.Fatalf("big.example split over folds: %v", folds)
		}
	}
	if folds[8] == folds[0] || folds[13] == folds[0] || folds[13] == folds[8] {
		t.Errorf("senders not spread: %v", folds)
	}
	load := make([]int, 3)
	for _, f := range folds {
		load[f]++
	}
	// 8, 5, 3 and four singles over 3 folds: 8 | 5+1+1 | 3+1+1 (or similar).
	if slices.Max(load)-slices.Min(load) > 3 {
		t.Errorf("loads %v", load)
	}
	if got := senderFolds(parsed, 3); !slices.Equal(got, folds) {
		t.Errorf("not deterministic: %v then %v", folds, got)
	}
}

func TestCrossValidateBySender(t *testing.T) {
	msgs, err := LoadCorpus(writeCorpus(t))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := CrossValidateBySender(context.Background(), msgs, 3, Options{}, TrainConfig{Epochs: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.BySender || rep.Folds != 3 || rep.Spam+rep.Ham != 18 || !strings.Contains(rep.String(), "folds by sender domain") {
		t.Errorf("report: %+v\n%s", rep, rep)
	}
}

// TestSummarizeNamesRejectedHam: every ham at or above the reject threshold
// is named in the report, the costliest mistake a filter makes.
func TestSummarizeNamesRejectedHam(t *testing.T) {
	res := []scored{
		{l: &Labeled{Path: "ham/1", Category: "ham"}, score: 15},
		{l: &Labeled{Path: "ham/2", Category: "ham"}, score: 6},
		{l: &Labeled{Path: "hard_ham/3", Category: "hard_ham"}, score: 14},
		{l: &Labeled{Path: "spam/4", Spam: true, Category: "spam"}, score: 20},
	}
	r := summarize(res, 5, 14)
	if r.HamRejected != 2 || strings.Join(r.HamRejectedIDs, " ") != "ham/1 hard_ham/3" || r.SpamRejected != 1 {
		t.Fatalf("ham rejected %d %v, spam rejected %d", r.HamRejected, r.HamRejectedIDs, r.SpamRejected)
	}
	if !strings.Contains(r.String(), "ham rejected  ham/1 hard_ham/3\n") {
		t.Errorf("report does not name them:\n%s", r)
	}
}
