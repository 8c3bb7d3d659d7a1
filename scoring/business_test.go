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
