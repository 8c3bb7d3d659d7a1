package scoring

import (
	"os"
	"path/filepath"
	"slices"
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
// least spamFloor of the frauds must be held or rejected (18 of 40 before
// the fraud signals, 22 with them, 33 with the synthetic frauds).
func TestModernMail(t *testing.T) {
	const spamFloor = 30
	s := newTestScorer(t)
	var passed, stopped []string
	spam := scoreFolder(t, s, "modern", "spam")
	for name, r := range spam {
		if r.Verdict == Pass {
			passed = append(passed, name)
		}
	}
	slices.Sort(passed)
	held := len(spam) - len(passed)
	t.Logf("modern spam: %d of %d held or rejected; passed: %v", held, len(spam), passed)
	if held < spamFloor {
		t.Errorf("only %d of %d modern frauds held, want at least %d; passed: %v", held, len(spam), spamFloor, passed)
	}
	for name, r := range scoreFolder(t, s, "modern", "ham") {
		if r.Verdict != Pass {
			stopped = append(stopped, name+" "+r.MainReason())
		}
	}
	slices.Sort(stopped)
	if len(stopped) > 0 {
		t.Errorf("%d honest modern messages held or rejected: %v", len(stopped), stopped)
	}
}

// TestHoldout reports the scorer on testdata/holdout and testdata/holdout2,
// written separately from everything the scorer was tuned on (see their
// READMEs; doc.go, Modern fraud, has the figures). testdata/holdout was
// looked at when its misses showed gaps (the languages, then payment
// diversion, cousin domains, open redirects, quishing, active SVG), so its
// figures are now optimistic; testdata/holdout2 was written by a helper
// that saw neither the code nor the other sets, before those signals, and
// is only reported. The floors are far below the current figures (holdout
// AUC 0.998, 35 of 40 frauds held, 0 of 40 honest held; holdout2 AUC 0.966,
// 28 of 40, 1 of 40): they catch a collapse, they are not a target.
func TestHoldout(t *testing.T) {
	s := newTestScorer(t)
	for _, set := range []string{"holdout", "holdout2"} {
		scores := map[string][]float64{}
		held := map[string]int{}
		for _, dir := range []string{"spam", "ham"} {
			for _, r := range scoreFolder(t, s, set, dir) {
				scores[dir] = append(scores[dir], r.Score)
				if r.Verdict != Pass {
					held[dir]++
				}
			}
		}
		var auc float64
		for _, sp := range scores["spam"] {
			for _, h := range scores["ham"] {
				switch {
				case sp > h:
					auc++
				case sp == h:
					auc += 0.5
				}
			}
		}
		auc /= float64(len(scores["spam"]) * len(scores["ham"]))
		t.Logf("%s: AUC %.4f; frauds held %d of %d; honest held %d of %d", set, auc, held["spam"], len(scores["spam"]), held["ham"], len(scores["ham"]))
		if auc < 0.9 || held["spam"] < 20 || held["ham"] > 3 {
			t.Errorf("%s collapsed: AUC %.4f, frauds held %d, honest held %d", set, auc, held["spam"], held["ham"])
		}
	}
}

// scoreFolder scores every testdata/set/dir/*.eml, by file name.
func scoreFolder(t *testing.T, s *Scorer, set, dir string) map[string]Result {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", set, dir, "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/%s/%s: %v", set, dir, err)
	}
	out := make(map[string]Result, len(files))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = s.Score(raw)
	}
	return out
}
