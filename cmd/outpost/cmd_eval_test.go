package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvalBySender runs `outpost eval --folds K --by-sender` on a small
// labelled folder written here: ham and spam from several senders each.
func TestEvalBySender(t *testing.T) {
	dir := t.TempDir()
	var labels strings.Builder
	write := func(name, from, subject, body, label string) {
		raw := fmt.Sprintf("From: %s\r\nTo: you@example.org\r\nSubject: %s\r\n\r\n%s\r\n", from, subject, body)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(raw), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&labels, "%s\t%s\t%s\n", name, label, label)
	}
	for i := range 9 {
		write(fmt.Sprintf("h%d.eml", i), fmt.Sprintf("Ann <ann@team%d.example>", i%3), "Minutes of the meeting",
			"Hi all, the minutes of Tuesday's meeting are below. We agreed to move the review to Thursday.", "ham")
		write(fmt.Sprintf("s%d.eml", i), fmt.Sprintf("Winner <win@prize%d.example>", i%3), "YOU HAVE WON $1,000,000!!!",
			"Act now! Claim your lottery prize today, send your bank details to claim the cash award!!!", "spam")
	}
	if err := os.WriteFile(filepath.Join(dir, "labels.tsv"), []byte(labels.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "eval", "--folds", "3", "--by-sender", "--synthetic", "0", dir)
	if code != 0 || !strings.Contains(out, "3-fold cross-validation, folds by sender domain") || !strings.Contains(out, "ROC AUC") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "eval", "--by-sender", dir)
	if code != 2 || !strings.Contains(errOut, "--by-sender needs --folds") {
		t.Fatalf("--by-sender without --folds: exit %d, %s", code, errOut)
	}
}
