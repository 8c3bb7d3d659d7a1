package scoring

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
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
