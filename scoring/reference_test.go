package scoring

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
)

// The straightforward first versions of functions that were later made
// faster, kept as oracles: the fast ones must give exactly the same results.

func refCaseCounts(s string) (letters, upper int) {
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	return
}

func (a *analysis) refScanWords(s string, lex *lexicon) {
	for w := range strings.FieldsSeq(s) {
		if len(w) > 40 {
			continue
		}
		latin, other, digits, letters, zw := 0, 0, 0, 0, 0
		for _, r := range w {
			switch {
			case isZeroWidth(r):
				zw++
			case r < utf8.RuneSelf:
				if r >= '0' && r <= '9' {
					digits++
				} else if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
					latin++
					letters++
				}
			case unicode.In(r, unicode.Cyrillic, unicode.Greek):
				other++
				letters++
			case unicode.IsLetter(r):
				letters++
			}
		}
		if zw > 0 && letters > 0 {
			a.zeroWidth += zw
		}
		if latin > 0 && other > 0 && len(a.mixedScript) < 5 {
			a.mixedScript = append(a.mixedScript, strings.Map(dropZeroWidth, w))
		}
		if (w[0] == '$' || strings.HasPrefix(w, "€") || strings.HasPrefix(w, "£")) && digits > 0 && len(a.moneyAmounts) < 10 {
			a.moneyAmounts = append(a.moneyAmounts, strings.TrimRight(w, ".,;:!?)"))
		}
		if letters >= 2 && letters+digits >= 4 && (digits > 0 || strings.ContainsAny(w, "@$|")) && len(a.leet) < 5 {
			for _, d := range deleet(w) {
				if target, ok := lex.leet[hashStr('w', d)]; ok {
					if x := fmt.Sprintf("%s (%s)", strings.Trim(w, ".,;:!?()\"'"), target); !slices.Contains(a.leet, x) {
						a.leet = append(a.leet, x)
					}
					break
				}
			}
		}
	}
}

// checkScanWords compares scanWords with the reference on one text.
func checkScanWords(t *testing.T, lex *lexicon, s string) {
	t.Helper()
	var got, want analysis
	l, u := got.scanWords(s, lex)
	want.refScanWords(s, lex)
	wl, wu := refCaseCounts(s)
	if l != wl || u != wu {
		t.Fatalf("%q: letters %d upper %d, want %d %d", s, l, u, wl, wu)
	}
	if cl, cu := caseCounts(s); cl != wl || cu != wu {
		t.Fatalf("%q: caseCounts %d %d, want %d %d", s, cl, cu, wl, wu)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: scanWords\n%+v\nwant\n%+v", s, got, want)
	}
}

var scanWordsSeeds = []string{
	"", " ", "v1agra V1AGRA p4ypal fr33 c@sh m0ney $5,000 €500 £20. $$$ |oan 1oan",
	"pаypal аccount Ѕ\u200bEX se\u200bx \u200b\u200b \u00a0word\u0085next",
	"A long word that is longer than forty bytes: supercalifragilisticexpialidociousxyzabc1",
	"ÉCOLE école İSTANBUL ǅ ǈ Σίσυφος Москва \xff\xfe broken \xe2\x82",
	"INV-2026-0042 (v1agra). \"c4sh\" 'b4nk' W1NNER! l0gin: passw0rd",
}

func TestScanWordsMatchesReference(t *testing.T) {
	lex := newLexicon()
	for _, s := range scanWordsSeeds {
		checkScanWords(t, lex, s)
	}
	for _, name := range []string{"obfuscated.eml", "crypto.eml", "phish.eml", "newsletter.eml"} {
		m := Parse(readTestdata(t, name))
		checkScanWords(t, lex, m.Text())
		checkScanWords(t, lex, m.Subject)
	}
}

func FuzzScanWords(f *testing.F) {
	for _, s := range scanWordsSeeds {
		f.Add(s)
	}
	lex := newLexicon()
	f.Fuzz(func(t *testing.T, s string) {
		checkScanWords(t, lex, s)
	})
}

func refReadCapped(r io.Reader, n int, m *Message) string {
	var buf bytes.Buffer
	buf.Grow(4096)
	_, err := buf.ReadFrom(io.LimitReader(r, int64(n)))
	if err != nil {
		m.problem("undecodable body (bad base64, quoted-printable or charset data)")
	}
	if buf.Len() >= n {
		m.problem("part truncated")
		if _, err := io.Copy(io.Discard, r); err != nil {
			m.problem("undecodable body (bad base64, quoted-printable or charset data)")
		}
	}
	b := buf.Bytes()
	if !utf8.Valid(b) {
		b = toValidUTF8(b)
	}
	return string(b)
}

// checkReadCapped reads the body of raw (as a message entity, decoded) with
// readCapped and the reference, with limit n, and compares.
func checkReadCapped(t *testing.T, raw []byte, n int) {
	t.Helper()
	read := func(f func(io.Reader, int, *Message) string) (string, []string, bool) {
		e, err := message.Read(bytes.NewReader(raw))
		if e == nil {
			_ = err
			return "", nil, false
		}
		var m Message
		return f(e.Body, n, &m), m.Problems, true
	}
	want, wantP, ok := read(refReadCapped)
	if !ok {
		return
	}
	got, gotP, _ := read(readCapped)
	if got != want || !slices.Equal(gotP, wantP) {
		t.Fatalf("readCapped(%q, %d) = %q %q, want %q %q", raw, n, got, gotP, want, wantP)
	}
}

var readCappedSeeds = []string{
	"Content-Type: text/plain\r\n\r\nhello",
	"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\naGVsbG8*d29ybGQ=",
	"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ\r\n",
	"Content-Transfer-Encoding: quoted-printable\r\n\r\nh=C3=A9llo=\r\n w=ZZorld=",
	"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nd=E9j=E0 \xff",
	"Content-Type: text/plain; charset=x-unknown\r\n\r\nabc",
	"Content-Type: text/plain; charset=shift_jis\r\nContent-Transfer-Encoding: base64\r\n\r\ngsCCooKkgqaCqA==",
}

func TestReadCappedMatchesReference(t *testing.T) {
	big := "Content-Transfer-Encoding: base64\r\n\r\n" + strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n", 5000)
	for _, s := range append(readCappedSeeds, big, strings.Replace(big, "SU", "*!", 300)) {
		for _, n := range []int{0, 1, 3, 100, 4096, 5000, maxTextPerPart} {
			checkReadCapped(t, []byte(s), n)
			// Also with a large pooled buffer.
			bp := readBufs.Get().(*[]byte)
			*bp = make([]byte, 0, 100_000)
			readBufs.Put(bp)
			checkReadCapped(t, []byte(s), n)
		}
	}
}

// A base64 body with padding in the middle decodes up to the padding, or on
// past it when a read of the decoder happens to end there: readCapped must
// read in the same sizes as the reference.
func TestReadCappedPaddingInBase64(t *testing.T) {
	for pos := 0; pos < 14000; pos += 4 {
		var b strings.Builder
		b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
		for i := 0; i < 16000; i += 4 {
			if i == pos {
				b.WriteString("QQ==")
			} else {
				b.WriteString("QUJD")
			}
			if i%76 == 72 {
				b.WriteString("\r\n")
			}
		}
		checkReadCapped(t, []byte(b.String()), maxTextPerPart)
	}
}

func FuzzReadCapped(f *testing.F) {
	for _, s := range readCappedSeeds {
		f.Add([]byte(s), uint16(4096))
	}
	f.Fuzz(func(t *testing.T, raw []byte, n uint16) {
		checkReadCapped(t, raw, int(n))
		checkReadCapped(t, raw, maxTextPerPart)
	})
}
