package scoring

import (
	"os"
	"path/filepath"
	"testing"
)

// TestBusinessMailPasses scores every testdata/business/*.eml with the
// default scorer: honest transactional and small-business mail (invoices,
// receipts, reminders, bookings, newsletters...) must pass. The messages were
// written by hand for this test, independently of the synthetic training mail
// (synth.go); none of them is trained on.
func TestBusinessMailPasses(t *testing.T) {
	s := newTestScorer(t)
	files, err := filepath.Glob(filepath.Join("testdata", "business", "*.eml"))
	if err != nil || len(files) < 30 {
		t.Fatalf("want at least 30 business messages, found %d (%v)", len(files), err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r := s.Score(raw)
		t.Logf("%6.2f %-6s %s", r.Score, r.Verdict, filepath.Base(f))
		if r.Verdict != Pass {
			t.Errorf("%s: %s with score %.2f; signals %v", filepath.Base(f), r.Verdict, r.Score, r.Signals)
		}
	}
}

// TestShortMessageEvidence: the classifier's spam-ward log-odds of a short
// message that no content signal finds suspect count by its evidence
// (√(features/shortFeatures)); long messages, ham-ward log-odds and messages
// with content signals are combined as before.
func TestShortMessageEvidence(t *testing.T) {
	s := newTestScorer(t)
	if got, _ := s.combine(nil, 2, 20, nil, nil); got != 2 { // 2·2·√(20/80)
		t.Errorf("short, no signals: %.3f, want 2", got)
	}
	if got, _ := s.combine(nil, 2, shortFeatures, nil, nil); got != 4 {
		t.Errorf("long enough: %.3f, want 4", got)
	}
	if got, _ := s.combine(nil, -2, 20, nil, nil); got != -4 {
		t.Errorf("ham-ward: %.3f, want -4", got)
	}
	sig := []Signal{{Name: "html_only", Weight: 0.5}}
	if got, _ := s.combine(sig, 2, 20, nil, nil); got != 4.5 {
		t.Errorf("with a content signal: %.3f, want 4.5", got)
	}
	// The six-line café receipt: 4.75 before, now well clear of hold.
	if r := s.Score(readTestdata(t, "business/receipt.eml")); r.Score > 3.5 {
		t.Errorf("receipt.eml scores %.2f, want at most 3.5", r.Score)
	}
}
