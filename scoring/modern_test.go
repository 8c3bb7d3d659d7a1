package scoring

import (
	"os"
	"path/filepath"
	"testing"
)

// TestModernMail scores testdata/modern: messages written for outpost (see
// its README) of today's frauds (credential phishing, business email
// compromise, callback scams, sextortion, HTML attachments) and today's
// honest mail (code-hosting notifications, calendar invitations, receipts,
// security notices the user triggered, newsletters). The corpus is of 2002
// and holds none of these; the signals were tuned with this set in view, so
// it is a floor against regressions, not an estimate (testdata/holdout is
// the estimate; doc.go, Modern fraud). Every honest message must pass; at
// least spamFloor of the frauds must be held or rejected.
func TestModernMail(t *testing.T) {
	const spamFloor = 22
	s := newTestScorer(t)
	count := func(dir string) (held int, total int, passed []string, stopped []string) {
		files, err := filepath.Glob(filepath.Join("testdata", "modern", dir, "*.eml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no testdata/modern/%s: %v", dir, err)
		}
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r := s.Score(raw)
			if r.Verdict == Pass {
				passed = append(passed, filepath.Base(f))
			} else {
				held++
				stopped = append(stopped, filepath.Base(f)+" "+r.MainReason())
			}
		}
		return held, len(files), passed, stopped
	}
	held, total, passed, _ := count("spam")
	t.Logf("modern spam: %d of %d held or rejected; passed: %v", held, total, passed)
	if held < spamFloor {
		t.Errorf("only %d of %d modern frauds held, want at least %d; passed: %v", held, total, spamFloor, passed)
	}
	held, _, _, stopped := count("ham")
	if held > 0 {
		t.Errorf("%d honest modern messages held or rejected: %v", held, stopped)
	}
}
