package smtpd_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/outpost-mail/outpost/smtpd/smtptest"
)

// SMTP smuggling: a client hides a second transaction behind an end-of-data
// marker that some server might accept. None may reach the upstream.
func TestSmuggling(t *testing.T) {
	up := smtptest.New(t, smtptest.Options{})
	e := newEnv(t, []*smtptest.Upstream{up}, trusted)
	second := "MAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\nFrom: ceo@example.com\r\n\r\nsmuggled\r\n"
	refused := map[string]string{
		"lf_dot_lf":   "\n.\n",
		"cr_dot_cr":   "\r.\r",
		"lf_dot_crlf": "\n.\r\n",
		"crlf_dot_lf": "\r\n.\n",
		"cr_dot_crlf": "\r.\r\n",
		"bare_lf":     "\n",
		"bare_cr":     "\r",
		"nul":         "\x00\r\n",
	}
	for name, p := range refused {
		t.Run(name, func(t *testing.T) {
			r := rawSession(t, e)
			wantPrefix(t, r.cmd("MAIL FROM:<alice@example.com>"), "250 ")
			wantPrefix(t, r.cmd("RCPT TO:<bob@example.org>"), "250 ")
			wantPrefix(t, r.cmd("DATA"), "354 ")
			r.send("X-Outpost-Tenant: acme\r\nFrom: alice@example.com\r\n\r\nhello" + p + second + "\r\n.\r\n")
			wantPrefix(t, r.reply(), "554 5.6.0")
			// the session goes on normally
			wantPrefix(t, r.cmd("NOOP"), "250 ")
		})
	}
	if n := up.Count(); n != 0 {
		t.Fatalf("upstream received %d messages from smuggling attempts: %+v", n, up.Messages())
	}

	// go-smtp drops ".\r" at the start of a line when something other than
	// LF follows, so "\r\n.\rMAIL..." arrives as an ordinary line (we never
	// see that CR); it must then travel as plain body text in one message
	// with the original envelope, never as a command.
	for i, p := range []string{"\r\n.\r", "\r\n.\r\r\n"} {
		t.Run(fmt.Sprintf("swallowed_dot_cr_%d", i), func(t *testing.T) {
			r := rawSession(t, e)
			wantPrefix(t, r.cmd("MAIL FROM:<alice@example.com>"), "250 ")
			wantPrefix(t, r.cmd("RCPT TO:<bob@example.org>"), "250 ")
			wantPrefix(t, r.cmd("DATA"), "354 ")
			r.send("X-Outpost-Tenant: acme\r\nFrom: alice@example.com\r\n\r\nhello" + p + second + "\r\n.\r\n")
			wantPrefix(t, r.reply(), "250 ")
			got := up.Messages()
			if len(got) != i+1 {
				t.Fatalf("upstream got %d messages, want %d", len(got), i+1)
			}
			m := got[i]
			if m.From != "alice@example.com" || strings.Join(m.To, ",") != "bob@example.org" {
				t.Fatalf("upstream envelope %q → %q", m.From, m.To)
			}
			stripped := bytes.ReplaceAll(m.Data, []byte("\r\n"), nil)
			if bytes.ContainsAny(stripped, "\r\n") {
				t.Fatalf("bare CR/LF reached the upstream: %q", m.Data)
			}
		})
	}
}

// Envelope addresses with control characters would reach the upstream's
// envelope and our Received header: refused at MAIL and RCPT.
func TestControlCharactersInAddresses(t *testing.T) {
	up := smtptest.New(t, smtptest.Options{})
	e := newEnv(t, []*smtptest.Upstream{up}, trusted)
	r := rawSession(t, e)
	wantPrefix(t, r.cmd("MAIL FROM:<ali\x01ce@example.com>"), "501 5.1.7")
	wantPrefix(t, r.cmd("MAIL FROM:<alice@example.com>"), "250 ")
	wantPrefix(t, r.cmd("RCPT TO:<b@example\x00\x00\x00\x10>"), "501 5.1.3")
	wantPrefix(t, r.cmd("RCPT TO:<bob\x7f@example.org>"), "501 5.1.3")
	wantPrefix(t, r.cmd("RCPT TO:<bob@example.org>"), "250 ")
	wantPrefix(t, r.cmd("DATA"), "354 ")
	r.send("X-Outpost-Tenant: acme\r\nFrom: alice@example.com\r\n\r\nhello\r\n.\r\n")
	wantPrefix(t, r.reply(), "250 ")
	got := up.Messages()
	if len(got) != 1 || strings.Join(got[0].To, ",") != "bob@example.org" || bytes.ContainsAny(got[0].Data, "\x00\x01\x10\x7f") {
		t.Fatalf("upstream got %+v", got)
	}
}
