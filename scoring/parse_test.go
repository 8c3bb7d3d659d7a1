package scoring

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestParseHTML(t *testing.T) {
	raw := htmlMail("Hi", `<html><head><title>T</title><style>.x{}</style></head><body>
<script>var secret = "do not show";</script>
<p>Visible &amp; decoded</p>
<div style="display:none">hidden <b>nested <i>deep</i></b> words</div>
<p>after hidden</p>
<a href="https://shop.example/buy?id=1">Buy <b>here</b></a>
<img src="https://shop.example/x.png" alt="banner text">
<img src="https://t.example/o.gif" width="1" height="1">
</body></html>`)
	m := Parse(raw)
	for _, want := range []string{"Visible & decoded", "after hidden", "Buy here", "banner text"} {
		if !strings.Contains(strings.Join(strings.Fields(m.HTMLText), " "), want) {
			t.Errorf("visible text lacks %q: %q", want, m.HTMLText)
		}
	}
	for _, bad := range []string{"do not show", "hidden nested", "nested", "words\n", ".x{}", "T\n"} {
		if strings.Contains(m.HTMLText, bad) {
			t.Errorf("visible text has %q: %q", bad, m.HTMLText)
		}
	}
	if !strings.Contains(m.HiddenText, "nested") || !strings.Contains(m.HiddenText, "deep") {
		t.Errorf("hidden text = %q", m.HiddenText)
	}
	if len(m.Links) != 1 || m.Links[0].Host != "shop.example" || m.Links[0].Text != "Buy here" || !m.Links[0].HTML {
		t.Errorf("links = %+v", m.Links)
	}
	if len(m.Images) != 2 || m.Images[0].Tiny || !m.Images[1].Tiny {
		t.Errorf("images = %+v", m.Images)
	}
	if !m.HasHTML || m.HasPlain || m.Malformed() {
		t.Errorf("flags: html %v plain %v problems %v", m.HasHTML, m.HasPlain, m.Problems)
	}
}

func TestParseHeaders(t *testing.T) {
	raw := rawMail([]string{
		`From: =?utf-8?q?Caf=C3=A9_Bob?= <Bob@Example.COM>`,
		`Reply-To: other@elsewhere.example`,
		`Subject: =?iso-8859-1?q?R=E9sum=E9?=`,
		`List-Unsubscribe: <mailto:u@example.com>`,
		`Precedence: Bulk`,
		`Content-Type: text/plain; charset=iso-8859-1`,
	}, "caf\xe9 au lait")
	m := Parse(raw)
	if m.FromName != "Café Bob" || m.FromAddr != "bob@example.com" || m.FromDomain != "example.com" {
		t.Errorf("from = %q %q %q", m.FromName, m.FromAddr, m.FromDomain)
	}
	if m.Subject != "Résumé" || m.ReplyTo != "other@elsewhere.example" || m.Precedence != "bulk" || m.ListUnsubscribe == "" {
		t.Errorf("headers = %+v", m)
	}
	if m.PlainText != "café au lait" {
		t.Errorf("charset: %q", m.PlainText)
	}
}

func TestParseLenientFrom(t *testing.T) {
	m := Parse(rawMail([]string{`From: Bad "quote <bad@@example.com>`, "Subject: x"}, "hi"))
	if m.FromAddr == "" {
		t.Errorf("no address salvaged from a broken From")
	}
}

func TestParseAttachments(t *testing.T) {
	m := Parse(readTestdata(t, "attachment.eml"))
	if len(m.Attachments) != 2 {
		t.Fatalf("attachments = %+v", m.Attachments)
	}
	a, z := m.Attachments[0], m.Attachments[1]
	if a.DeclaredType != "application/pdf" || a.SniffedType != "application/x-msdownload" || !a.Executable {
		t.Errorf("pdf = %+v", a)
	}
	if z.SniffedType != "application/zip" || z.Inner != "invoice_2041.pdf.exe" || !z.Executable {
		t.Errorf("zip = %+v", z)
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		b     string
		typ   string
		macro bool
	}{
		{"%PDF-1.7\n", "application/pdf", false},
		{"\x89PNG\r\n\x1a\n0000", "image/png", false},
		{"MZ\x90\x00", "application/x-msdownload", false},
		{"\x7fELF\x02", "application/x-elf", false},
		{"#!/bin/sh\n", "text/x-script", false},
		{"PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x13\x00\x00\x00word/vbaProject.bin", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", true},
		{"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....._VBA_PROJECT", "application/x-ole-storage", true},
		{"", "application/x-empty", false},
	} {
		typ, macro, _ := sniff([]byte(tc.b))
		if typ != tc.typ || macro != tc.macro {
			t.Errorf("sniff(%q) = %s %v, want %s %v", tc.b, typ, macro, tc.typ, tc.macro)
		}
	}
}

func TestParseMalformed(t *testing.T) {
	m := Parse(readTestdata(t, "broken.eml"))
	if !m.Malformed() {
		t.Fatal("broken.eml not flagged")
	}
	if !strings.Contains(m.Text(), "still readable") {
		t.Errorf("lost the readable part: %q", m.Text())
	}
	// No header/body separator and junk bytes.
	m = Parse([]byte("\x00\xff\xfe garbage without any header\n\x80\x81"))
	_ = m.Text()
	// A header line without a colon makes the strict reader fail.
	m = Parse([]byte("From: a@b.example\r\nthis is not a header\r\nSubject: s\r\n\r\nbody text"))
	if !strings.Contains(m.Text(), "body text") {
		t.Errorf("lenient header: text %q problems %v", m.Text(), m.Problems)
	}
}

// Limits: deep nesting, many parts, huge headers and bodies are bounded.
func TestParseLimits(t *testing.T) {
	t.Run("nesting", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("Subject: deep\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
		for i := range 50 {
			fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i, i+1)
		}
		b.WriteString("--b50\r\nContent-Type: text/plain\r\n\r\ninnermost\r\n")
		m := Parse([]byte(b.String()))
		if !m.Malformed() || !strings.Contains(strings.Join(m.Problems, ","), "nesting") {
			t.Errorf("problems = %v", m.Problems)
		}
	})
	t.Run("parts", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("Subject: many\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n")
		for range 5000 {
			b.WriteString("--x\r\nContent-Type: text/plain\r\n\r\nw\r\n")
		}
		b.WriteString("--x--\r\n")
		m := Parse([]byte(b.String()))
		if !strings.Contains(strings.Join(m.Problems, ","), "too many MIME parts") {
			t.Errorf("problems = %v", m.Problems)
		}
	})
	t.Run("header", func(t *testing.T) {
		raw := "Subject: big\r\nX-Junk: " + strings.Repeat("a", 2<<20) + "\r\n\r\nbody here"
		start := time.Now()
		m := Parse([]byte(raw))
		if !m.Malformed() {
			t.Error("huge header not flagged")
		}
		if time.Since(start) > 5*time.Second {
			t.Error("slow")
		}
	})
	t.Run("body", func(t *testing.T) {
		raw := textMail("big", strings.Repeat("word ", 1<<20)) // 5 MB
		m := Parse(raw)
		if len(m.Text()) > maxTextTotal {
			t.Errorf("text %d bytes > cap", len(m.Text()))
		}
		if !m.Malformed() {
			t.Error("truncation not flagged")
		}
	})
	t.Run("links", func(t *testing.T) {
		raw := htmlMail("links", strings.Repeat(`<a href="https://x.example/">x</a>`, 5000))
		if m := Parse(raw); len(m.Links) > maxLinks {
			t.Errorf("%d links kept", len(m.Links))
		}
	})
}

func TestURLs(t *testing.T) {
	got := findURLs("see http://a.example/x, www.b.example. and (https://c.example/p?q=1) or mailto:x@y.example; foo.www.d.example")
	want := []string{"http://a.example/x", "www.b.example", "https://c.example/p?q=1"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("findURLs = %q, want %q", got, want)
	}
	for in, host := range map[string]string{
		"http://User@Example.COM:8080/x": "example.com",
		"https://[::1]/":                 "::1",
		"www.x.example/path":             "www.x.example",
		"http:\\\\evil.example\\x":       "evil.example",
		"mailto:a@b.example":             "",
		"/relative":                      "",
		"javascript:alert(1)":            "",
	} {
		if got := urlHost(in); got != host {
			t.Errorf("urlHost(%q) = %q, want %q", in, got, host)
		}
	}
	for in, want := range map[string]bool{"1.2.3.4": true, "3106302921": true, "0xb9170409": true, "0xb9.0x17.4.9": true, "::1": true, "example.com": false, "2024": false} {
		if isIPLiteral(in) != want {
			t.Errorf("isIPLiteral(%q) != %v", in, want)
		}
	}
}

func TestTokenizer(t *testing.T) {
	var tk tokenizer
	var got []string
	tk.each("Don't BUY $100 v1agra e-mail fr\u200bee pаypal a x.y", func(tok []byte, _ string) { got = append(got, string(tok)) })
	want := []string{"don't", "buy", "$999", "v9agra", "e-mail", "free", "paypal", "x.y"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("tokens = %q, want %q", got, want)
	}
	got = got[:0]
	tk.each("ab 東京都 x", func(tok []byte, _ string) { got = append(got, string(tok)) })
	if fmt.Sprint(got) != "[ab 東京 京都]" {
		t.Errorf("CJK tokens = %q", got)
	}
	if n := testing.AllocsPerRun(100, func() {
		tk.each("Some ordinary words to tokenize, with no allocations at all.", func([]byte, string) {})
	}); n > 0 {
		t.Errorf("tokenizer allocates %.0f per run", n)
	}
}

func TestParseNeverPanics(t *testing.T) {
	inputs := [][]byte{nil, {}, []byte("\r\n\r\n"), []byte("Content-Type: multipart/mixed\r\n\r\n--"), bytes.Repeat([]byte("A: b\r\n"), 10000)}
	for _, in := range inputs {
		_ = Parse(in)
	}
}

// A 1 MB message and a 10 MB one score in bounded time and memory.
func TestLargeMessageBounded(t *testing.T) {
	s := newTestScorer(t)
	for _, raw := range [][]byte{large1MB(), textMail("huge", strings.Repeat("spam words and more words ", 400_000))} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		r := s.Score(raw)
		el := time.Since(start)
		runtime.ReadMemStats(&after)
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%d bytes: %v, %d MB allocated, malformed %v", len(raw), el, alloc>>20, r.Malformed)
		if el > 10*time.Second {
			t.Errorf("%d bytes took %v", len(raw), el)
		}
		if alloc > 64<<20 {
			t.Errorf("%d bytes allocated %d MB", len(raw), alloc>>20)
		}
	}
}
