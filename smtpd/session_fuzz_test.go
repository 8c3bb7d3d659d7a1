package smtpd_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/smtpd"
	"github.com/outpost-mail/outpost/smtpd/smtptest"
)

// FuzzSession drives whole SMTP sessions from a trusted client: whatever the
// bytes, the server answers without hanging or crashing, and every message
// the upstream receives is well formed (CRLF only, no NUL) and carries no
// X-Outpost-Tenant header. Seeds are in testdata/fuzz/FuzzSession.
func FuzzSession(f *testing.F) {
	up := smtptest.New(f, smtptest.Options{})
	e := newEnv(f, []*smtptest.Upstream{up}, trusted, func(o *smtpd.Options) {
		o.CommandTimeout = 300 * time.Millisecond
		o.DataTimeout = 300 * time.Millisecond
		o.MaxConnsPerIP = 1000
	})
	f.Add([]byte("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nX-Outpost-Tenant: acme\r\n\r\nhi\r\n.\r\n"))
	f.Add([]byte("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nX-Outpost-Tenant: acme\r\n\r\nhi\n.\nMAIL FROM:<evil@x>\r\n.\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := net.Dial("tcp", e.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		go func() {
			_, _ = c.Write([]byte("EHLO fuzz.test\r\n"))
			_, _ = c.Write(in)
			_, _ = c.Write([]byte("\r\n.\r\nQUIT\r\n"))
		}()
		// read until the server closes: QUIT, an error or its timeouts
		// (a reset is an end too: the server may close while we still write)
		if _, err := io.Copy(io.Discard, c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("session did not end: %v", err)
		}
		for _, m := range up.Messages() {
			stripped := bytes.ReplaceAll(m.Data, []byte("\r\n"), nil)
			if bytes.ContainsAny(stripped, "\r\n\x00") {
				t.Fatalf("malformed message relayed: %q", m.Data)
			}
			if bytes.Contains(bytes.ToLower(m.Data), []byte("\nx-outpost-tenant:")) && !bodyOnly(m.Data, "x-outpost-tenant:") {
				t.Fatalf("X-Outpost-Tenant relayed in the header: %q", m.Data)
			}
		}
	})
}

// bodyOnly reports whether every occurrence of the header name (lower
// case) is after the end of the header.
func bodyOnly(data []byte, name string) bool {
	end := bytes.Index(data, []byte("\r\n\r\n"))
	if end < 0 {
		return false
	}
	return !bytes.Contains(bytes.ToLower(data[:end+2]), []byte("\n"+name))
}
