package scoring

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
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

// refExtractHTML is extractHTML as first written (attributes in a map).
func (p *parser) refExtractHTML(src string) {
	z := html.NewTokenizerFragment(strings.NewReader(src), "")
	z.SetMaxBuf(0)
	var (
		skipTag    atom.Atom // script, style, head, title...: dropped
		skipDepth  int
		hiddenTag  atom.Atom // an element styled invisible
		hiddenName string
		hidDepth   int
		inLink     bool
		linkHref   string
		linkText   strings.Builder
		out        = &p.html
		// Colours set by enclosing elements, innermost last, for text
		// coloured like its background.
		paints []paint
	)
	if out.Len() > 0 {
		out.WriteByte('\n')
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if inLink {
				p.addLink(linkHref, linkText.String(), true)
			}
			return
		case html.TextToken:
			if skipDepth > 0 {
				continue
			}
			t := html.UnescapeString(string(z.Raw()))
			if hidDepth > 0 || paintHidden(paints) {
				if p.hidden.Len() < maxTextPerPart {
					p.hidden.WriteString(t)
					p.hidden.WriteByte(' ')
				}
				continue
			}
			out.WriteString(t)
			if inLink && linkText.Len() < 1000 {
				linkText.WriteString(t)
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if tt == html.EndTagToken {
				if skipDepth > 0 && a == skipTag {
					skipDepth--
				}
				if hidDepth > 0 && a == hiddenTag && (a != 0 || string(name) == hiddenName) {
					hidDepth--
				}
				if isBlock(a) {
					paints = dropInline(paints, a)
				}
				if n := len(paints); n > 0 && a != 0 && paints[n-1].tag == a {
					if paints[n-1].depth > 0 {
						paints[n-1].depth--
					} else {
						paints = paints[:n-1]
					}
				}
				if a == atom.A && inLink {
					p.addLink(linkHref, linkText.String(), true)
					inLink = false
				}
				if isBlock(a) {
					out.WriteByte('\n')
				}
				continue
			}
			var attrs map[string]string
			if hasAttr {
				attrs = make(map[string]string, 4)
				for {
					k, v, more := z.TagAttr()
					if len(attrs) < 16 {
						attrs[string(k)] = string(v)
					}
					if !more {
						break
					}
				}
			}
			if skipDepth > 0 {
				if a == skipTag && tt == html.StartTagToken {
					skipDepth++
				}
				continue
			}
			switch a {
			case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template, atom.Object, atom.Iframe:
				if tt == html.StartTagToken {
					skipTag, skipDepth = a, 1
				}
				continue
			case atom.Br, atom.Hr:
				out.WriteByte('\n')
			case atom.A:
				if inLink {
					p.addLink(linkHref, linkText.String(), true)
				}
				inLink, linkHref = false, ""
				linkText.Reset()
				if href := strings.TrimSpace(attrs["href"]); href != "" && tt == html.StartTagToken {
					inLink, linkHref = true, href
				}
			case atom.Img:
				if len(p.msg.Images) < maxImages {
					w, h := attrs["width"], attrs["height"]
					tiny := (w == "1" || w == "0") && (h == "1" || h == "0")
					p.msg.Images = append(p.msg.Images, Image{Src: attrs["src"], Tiny: tiny})
				}
				if alt := attrs["alt"]; alt != "" && hidDepth == 0 {
					out.WriteString(" " + alt + " ")
				}
				if inLink && attrs["src"] != "" {
					linkText.WriteString(" ")
				}
			case atom.Area:
				if href := attrs["href"]; href != "" {
					p.addLink(href, attrs["alt"], true)
				}
			}
			if isBlock(a) {
				out.WriteByte('\n')
			}
			if tt == html.StartTagToken && !isVoid(a) {
				if hidDepth > 0 {
					if a == hiddenTag && (a != 0 || string(name) == hiddenName) {
						hidDepth++
					}
				} else if attrs != nil && refIsHiddenStyle(attrs) {
					hiddenTag, hiddenName, hidDepth = a, string(name), 1
				}
				if isBlock(a) {
					paints = dropInline(paints, a)
				}
				if pt, ok := refPaintOf(a, attrs); ok && len(paints) < 64 {
					paints = append(paints, pt)
				} else if n := len(paints); n > 0 && paints[n-1].tag == a {
					paints[n-1].depth++ // same element nested inside: its end is not ours
				}
			}
		}
	}
}

func refIsHiddenStyle(attrs map[string]string) bool {
	if _, ok := attrs["hidden"]; ok {
		return true
	}
	if attrs["size"] == "0" || attrs["size"] == "-7" { // <font size=0>
		return true
	}
	st := attrs["style"]
	if st == "" {
		return false
	}
	st = strings.ToLower(strings.ReplaceAll(st, " ", ""))
	for _, bad := range []string{"display:none", "visibility:hidden", "font-size:0", "font-size:1px", "opacity:0;", "max-height:0", "height:0;overflow:hidden"} {
		if strings.Contains(st, bad) {
			if bad == "font-size:0" && (strings.Contains(st, "font-size:0.") || strings.Contains(st, "font-size:0,")) {
				continue
			}
			return true
		}
	}
	return strings.HasSuffix(st, "opacity:0")
}
func refPaintOf(a atom.Atom, attrs map[string]string) (paint, bool) {
	if attrs == nil || a == 0 {
		return paint{}, false
	}
	p := paint{tag: a, classed: attrs["class"] != "" || attrs["background"] != ""}
	if c, ok := parseColour(attrs["color"]); ok {
		p.fg, p.hasFg = c, true
	} else if v, ok := styleProp(attrs["style"], "color"); ok {
		p.fg, p.hasFg = parseColour(v)
	}
	if c, ok := parseColour(attrs["bgcolor"]); ok {
		p.bg, p.hasBg = c, true
	} else {
		for _, k := range []string{"background-color", "background"} {
			if v, ok := styleProp(attrs["style"], k); ok {
				if p.bg, p.hasBg = parseColour(v); p.hasBg {
					break
				}
			}
		}
	}
	return p, p.hasFg || p.hasBg
}

// checkExtractHTML runs extractHTML and the reference on src and compares
// what they found.
func checkExtractHTML(t *testing.T, src string) {
	t.Helper()
	got, want := &parser{msg: &Message{}}, &parser{msg: &Message{}}
	got.extractHTML(src)
	want.refExtractHTML(src)
	if got.html.String() != want.html.String() || got.hidden.String() != want.hidden.String() ||
		!reflect.DeepEqual(got.msg, want.msg) {
		t.Fatalf("extractHTML(%q):\n%q %q %+v\nwant\n%q %q %+v", src, got.html.String(), got.hidden.String(), got.msg,
			want.html.String(), want.hidden.String(), want.msg)
	}
}

var extractHTMLSeeds = []string{
	`<p>Hello &amp; welcome</p><a href="https://x.example/a?b=1&amp;c=2">click <b>here</b><img src="i.png" alt="pic"></a>`,
	`<div style="display:none">hidden</div><font color=white>white</font><table bgcolor="#000"><tr><td><font color="#010101">dark</font></td></tr></table>`,
	`<img a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9 j=10 k=11 l=12 m=13 n=14 o=15 src=sixteenth.png alt=seventeenth>`,
	`<a href=x a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9 j=10 k=11 l=12 m=13 n=14 o=15 p=16 href=https://late.example>t</a>`,
	`<a href="https://one.example" href="https://two.example">dup</a><area href="http://1.2.3.4/" alt="map"><img width=1 height=1 src=t.gif>`,
	`<span hidden>h</span><font size=0>tiny</font><p style="color: #fff; background: #fefefe">pale</p><x-y hidden>custom</x-y>after`,
	`<script>var a="<a href=x>";</script><style>p{}</style><title>t</title>text<br/><img/src=x alt=y/>`,
}

func TestExtractHTMLMatchesReference(t *testing.T) {
	for _, s := range extractHTMLSeeds {
		checkExtractHTML(t, s)
	}
	files, _ := filepath.Glob("testdata/*.eml")
	for _, f := range files {
		checkExtractHTML(t, string(readTestdata(t, filepath.Base(f))))
	}
	if corpusDirOrEmpty() != "" {
		for _, m := range loadCorpus(t) {
			if bytes.Contains(m.Raw, []byte("<")) {
				checkExtractHTML(t, string(m.Raw))
			}
		}
	}
}

func FuzzExtractHTML(f *testing.F) {
	for _, s := range extractHTMLSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkExtractHTML(t, s)
	})
}

// refDedup is featurizer.dedup as first written: sort hash<<32|position.
func refDedup(fs []feat) []feat {
	keys := make([]uint64, len(fs))
	for i, ft := range fs {
		keys[i] = uint64(ft.h)<<32 | uint64(i)
	}
	slices.Sort(keys)
	var out []feat
	for i, k := range keys {
		if i > 0 && k>>32 == keys[i-1]>>32 {
			continue
		}
		out = append(out, fs[uint32(k)])
	}
	return out
}

// TestDedupMatchesReference runs one featurizer (its buffers reused, as in
// the pool) over feature lists of many sizes and hash spreads.
func TestDedupMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var f featurizer
	srcs := []string{"a", "b", "c", ""}
	for round := range 3000 {
		n := rng.IntN(3000)
		if round%3 == 0 {
			n = rng.IntN(100)
		}
		distinct := 1 + rng.IntN(n+1)
		pool := make([]uint32, distinct)
		for i := range pool {
			switch round % 4 {
			case 0:
				pool[i] = rng.Uint32()
			case 1:
				pool[i] = rng.Uint32() & 0xff // one radix pass only
			case 2:
				pool[i] = rng.Uint32() &^ 0xffff00 // passes skipped in the middle
			default:
				pool[i] = uint32(rng.IntN(3)) << 30
			}
		}
		fs := make([]feat, n)
		for i := range fs {
			fs[i] = feat{pool[rng.IntN(distinct)], srcs[rng.IntN(len(srcs))]}
		}
		want := refDedup(fs)
		f.feats = append(f.feats[:0], fs...)
		got := f.dedup()
		if !slices.Equal(got, want) {
			t.Fatalf("round %d (n %d): dedup differs", round, n)
		}
	}
}

func refHashPair(a, b uint32) uint32 {
	h := uint32(fnvOffset)
	h = (h ^ uint32(nsBigram)) * fnvPrime
	for _, x := range [2]uint32{a, b} {
		for i := 0; i < 4; i++ {
			h = (h ^ (x & 0xff)) * fnvPrime
			x >>= 8
		}
	}
	return h
}

func TestHashPairMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		a, b := rng.Uint32(), rng.Uint32()
		if hashPair(a, b) != refHashPair(a, b) {
			t.Fatalf("hashPair(%d, %d)", a, b)
		}
	}
}

func refFindURLs(text string) []string {
	var out []string
	for i := 0; i < len(text) && len(out) < maxLinks; i++ {
		start := -1
		switch c := text[i]; {
		case c == ':' && strings.HasPrefix(text[i:], "://"):
			switch {
			case i >= 5 && strings.EqualFold(text[i-5:i], "https") && (i == 5 || !isWordByte(text[i-6])):
				start = i - 5
			case i >= 4 && strings.EqualFold(text[i-4:i], "http") && (i == 4 || !isWordByte(text[i-5])):
				start = i - 4
			}
		case (c == 'w' || c == 'W') && len(text)-i > 4 && strings.EqualFold(text[i:i+4], "www.") &&
			(i == 0 || !isWordByte(text[i-1]) && text[i-1] != '/' && text[i-1] != '.'):
			start = i
		}
		if start < 0 {
			continue
		}
		end := i
		for end < len(text) && !isURLStop(text[end]) {
			end++
		}
		u := strings.TrimRight(text[start:end], ".,;:!?)]}'\"")
		if len(u) > 8 {
			out = append(out, u)
		}
		i = end
	}
	return out
}

var findURLsSeeds = []string{
	"see http://a.example/x, https://b.example/y. www.c.example and WWW.D.EXAMPLE/z",
	"xhttp://no.example ahttps://no.example /www.no.example .www.no.example https://",
	"http://a.example/http://b.example www.www.example w ww www. wwww.example",
}

func checkFindURLs(t *testing.T, s string) {
	t.Helper()
	if got, want := findURLs(s), refFindURLs(s); !slices.Equal(got, want) {
		t.Fatalf("findURLs(%q) = %q, want %q", s, got, want)
	}
}

func TestFindURLsMatchesReference(t *testing.T) {
	for _, s := range findURLsSeeds {
		checkFindURLs(t, s)
	}
	checkFindURLs(t, strings.Repeat("http://x.example/ ", 600))
	if corpusDirOrEmpty() != "" {
		for _, m := range loadCorpus(t) {
			checkFindURLs(t, string(m.Raw))
		}
	}
}

func FuzzFindURLs(f *testing.F) {
	for _, s := range findURLsSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkFindURLs(t, s)
	})
}

func refQuoteList(xs []string, n int) string {
	var b strings.Builder
	for i, x := range xs {
		if i == n {
			fmt.Fprintf(&b, " and %d more", len(xs)-n)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", truncate(x, 60))
	}
	return b.String()
}

func refBayesDetail(z, short float64, model *Model, feats []feat) string {
	p := sigmoid(z)
	var b strings.Builder
	if z >= 0 {
		fmt.Fprintf(&b, "word statistics: %.1f%% like spam", 100*p)
	} else {
		fmt.Fprintf(&b, "word statistics: %.1f%% like legitimate mail", 100*(1-p))
	}
	if model != nil {
		top := model.explain(feats, z >= 0, 4)
		if len(top) > 0 {
			b.WriteString(" (strongest: ")
			for i, t := range top {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "%q", truncate(t.src, 40))
			}
			b.WriteString(")")
		}
	}
	if short < 1 {
		fmt.Fprintf(&b, "; a short message: counted ×%.2f", short)
	}
	return b.String()
}

func TestDetailsWithoutFmtMatchReference(t *testing.T) {
	xs := []string{"plain", "quote\"s and \\ back", "ünïcödé", "bad \xff\xfe utf8", "tab\tnew\nline", strings.Repeat("long ", 30), "\u200b\U0001F600"}
	for n := range len(xs) + 2 {
		for k := range len(xs) + 1 {
			if got, want := quoteList(xs[:k], n), refQuoteList(xs[:k], n); got != want {
				t.Fatalf("quoteList: %q, want %q", got, want)
			}
		}
	}
	s := newTestScorer(t)
	var f featurizer
	feats := slices.Clone(f.extract(Parse(readTestdata(t, "crypto.eml"))).words)
	feats = append(feats, feat{h: 12345, src: "bad \xff utf8 \"q\""})
	rng := rand.New(rand.NewPCG(5, 6))
	zs := []float64{0, math.Copysign(0, -1), 1e-9, -1e-9, 0.05, -0.05, 0.0499, 40, -40, 800, -800, math.NaN()}
	for range 2000 {
		zs = append(zs, rng.NormFloat64()*5)
	}
	for _, z := range zs {
		for _, m := range []*Model{nil, s.model} {
			for _, short := range []float64{1, 0.6708, 0.125, 0} {
				if got, want := bayesDetail(z, short, m, feats), refBayesDetail(z, short, m, feats); got != want {
					t.Fatalf("bayesDetail(%v, %v): %q, want %q", z, short, got, want)
				}
			}
		}
	}
}

// TestRegistrableCache: the cache answers as the public suffix list does,
// also when slots are overwritten and from several goroutines.
func TestRegistrableCache(t *testing.T) {
	hosts := []string{"", "example.com", "a.b.example.co.uk", "localhost", "185.23.4.9", "[::1]", "0xb9.0x17.4.9",
		"paypal.com.evil.example", "xn--pypal-4ve.com", "com", ".example.com", "example..com", "EXAMPLE.COM"}
	for i := range 5000 {
		hosts = append(hosts, fmt.Sprintf("h%d.site%d.example.org", i, i%300))
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range 3 {
				for i := range hosts {
					h := hosts[(i*7+g+r)%len(hosts)]
					if got, want := registrable(h), registrableUncached(h); got != want {
						t.Errorf("registrable(%q) = %q, want %q", h, got, want)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
