package scoring

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// mail builds a message from header lines and a body.
func rawMail(headers []string, body string) []byte {
	h := strings.Join(headers, "\r\n")
	return []byte(h + "\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n"))
}

// htmlMail is a one-part HTML message.
func htmlMail(subject, body string, extra ...string) []byte {
	hs := append([]string{"From: Sender <a@sender.example>", "To: b@example.org", "Subject: " + subject,
		"MIME-Version: 1.0", "Content-Type: text/html; charset=utf-8"}, extra...)
	return rawMail(hs, body)
}

// textMail is a one-part plain-text message.
func textMail(subject, body string, extra ...string) []byte {
	hs := append([]string{"From: Sender <a@sender.example>", "To: b@example.org", "Subject: " + subject,
		"MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"}, extra...)
	return rawMail(hs, body)
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newTestScorer(t testing.TB) *Scorer {
	t.Helper()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signalsOf runs the content signals only (no classifier) on a raw message.
func signalsOf(t testing.TB, s *Scorer, raw []byte) map[string]Signal {
	t.Helper()
	out := map[string]Signal{}
	for _, g := range s.contentSignals(Parse(raw)) {
		out[g.Name] = g
	}
	return out
}

func names(m map[string]Signal) []string {
	var ns []string
	for n := range m {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}
