package smtpd

import (
	"bufio"
	"bytes"
	"net/textproto"
	"testing"
)

// FuzzDataChecks checks the DATA path's invariants on arbitrary bodies:
// whatever checkBody accepts has CRLF-only line ends and no NUL, re-encodes
// for the upstream to a stream whose only end-of-data marker is the final
// one (no smuggling), and loses every X-Outpost-Tenant field on the way.
// Seeds are in testdata/fuzz/FuzzDataChecks.
func FuzzDataChecks(f *testing.F) {
	f.Add([]byte("X-Outpost-Tenant: acme\r\nFrom: a@example.com\r\n\r\nhello\r\n"))
	f.Add([]byte("From: a@example.com\r\n\r\nhello\n.\nMAIL FROM:<x>\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		const maxLine = 200
		if checkBody(b, maxLine) != nil {
			return
		}
		if bytes.IndexByte(b, 0) >= 0 {
			t.Fatal("NUL accepted")
		}
		for i, c := range b {
			if c == '\n' && (i == 0 || b[i-1] != '\r') {
				t.Fatalf("bare LF accepted at %d", i)
			}
			if c == '\r' && (i+1 >= len(b) || b[i+1] != '\n') {
				t.Fatalf("bare CR accepted at %d", i)
			}
		}
		h := scanHeader(b)
		out := appendWithoutTenantHeader(nil, b, h.hdrEnd)
		if h2 := scanHeader(out); h2.tenant != "" {
			t.Fatalf("X-Outpost-Tenant survived: %q", out)
		}
		if !bytes.HasSuffix(out, []byte("\r\n")) && len(out) > 0 {
			t.Fatalf("relayed message does not end with CRLF: %q", out)
		}
		// what the upstream client writes: dot-stuffed, then ".\r\n"
		var wire bytes.Buffer
		w := textproto.NewWriter(bufioWriter(&wire)).DotWriter()
		w.Write(out)
		w.Close()
		// the relay's writev fast path must put the same bytes on the wire
		if len(out) > 0 {
			k := len(b) % (len(out) + 1)
			parts := [][]byte{out[:k], out[k:]}
			if !endsWithCRLF(parts) { // the relay's guard for the fast path
				parts = [][]byte{out}
			}
			fast := stuffed(parts)
			var fb bytes.Buffer
			fast.WriteTo(&fb)
			fb.WriteString("\r\n.\r\n")
			if !bytes.Equal(fb.Bytes(), wire.Bytes()) {
				t.Fatalf("fast path differs from DotWriter:\n got %q\nwant %q", fb.Bytes(), wire.Bytes())
			}
		}
		s := append([]byte("\r\n"), wire.Bytes()...) // DATA's 354 line ends in CRLF
		end := bytes.Index(s, []byte("\r\n.\r\n"))
		if end != len(s)-5 {
			t.Fatalf("end-of-data marker inside the message at %d of %d: %q", end, len(s), s)
		}
		for _, bad := range []string{"\n.\n", "\r.\r", "\n.\r", "\r.\n"} {
			if i := bytes.Index(s[:len(s)-3], []byte(bad)); i >= 0 {
				t.Fatalf("%q in the upstream stream at %d: %q", bad, i, s)
			}
		}
	})
}

func TestCheckBody(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "" = accepted, else part of the reply
	}{
		{"a\r\nb\r\n", ""},
		{"", ""},
		{"no final crlf", ""},
		{"a\nb\r\n", "bare LF (line 1)"},
		{"a\r\nb\rc\r\n", "bare CR (line 2)"},
		{"a\r\nb\r", "bare CR (line 2)"},
		{"a\x00\r\n", "NUL"},
		{"Subject: " + string(bytes.Repeat([]byte("x"), 300)) + "\r\n", "line 1 is longer than 200"},
	} {
		err := checkBody([]byte(tc.in), 200)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q refused: %v", tc.in, err)
		case tc.want != "" && (err == nil || !bytes.Contains([]byte(err.Message), []byte(tc.want))):
			t.Errorf("%q: got %v, want %q", tc.in, err, tc.want)
		case err != nil && (err.Code != 554 || err.EnhancedCode != [3]int{5, 6, 0}):
			t.Errorf("%q: reply %d %v", tc.in, err.Code, err.EnhancedCode)
		}
	}
}

func TestScanHeader(t *testing.T) {
	raw := []byte("From: \"Alice, A.\" <Alice@Example.COM>\r\nMessage-ID:\r\n <id@x>\r\nx-outpost-tenant:  acme \r\nSubject: s\r\n\r\nX-Outpost-Tenant: body\r\n")
	h := scanHeader(raw)
	if h.tenant != "acme" || h.messageID != "<id@x>" || h.fromDomain != "example.com" || h.tenantBad {
		t.Fatalf("%+v", h)
	}
	out := appendWithoutTenantHeader(nil, raw, h.hdrEnd)
	want := "From: \"Alice, A.\" <Alice@Example.COM>\r\nMessage-ID:\r\n <id@x>\r\nSubject: s\r\n\r\nX-Outpost-Tenant: body\r\n"
	if string(out) != want {
		t.Fatalf("got %q", out)
	}
	if h := scanHeader([]byte("X-Outpost-Tenant: a\r\nX-Outpost-Tenant: b\r\n\r\n")); !h.tenantBad {
		t.Fatal("conflicting tenant headers not noticed")
	}
}

func bufioWriter(b *bytes.Buffer) *bufio.Writer { return bufio.NewWriter(b) }
