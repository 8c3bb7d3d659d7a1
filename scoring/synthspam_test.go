package scoring

import (
	"bytes"
	"strings"
	"testing"
)

func TestSyntheticSpam(t *testing.T) {
	a, b := SyntheticSpam(300, 1), SyntheticSpam(300, 1)
	c := SyntheticSpam(300, 2)
	same, links, html := 0, 0, 0
	langs := map[string]bool{}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("message %d differs for the same seed", i)
		}
		if bytes.Equal(a[i], c[i]) {
			same++
		}
		m := Parse(a[i])
		if m.Malformed() {
			t.Errorf("message %d malformed: %v\n%s", i, m.Problems, a[i])
		}
		if m.Subject == "" || len(strings.Fields(m.Text())) < 8 || m.FromDomain == "" {
			t.Errorf("message %d: subject %q, from %q, text %q", i, m.Subject, m.FromDomain, m.Text())
		}
		if len(m.Links) > 0 {
			links++
		}
		if m.HasHTML {
			html++
		}
		text := strings.ToLower(m.Subject + " " + m.Text())
		for lang, word := range map[string]string{"nl": " uw ", "fr": " votre ", "de": " ihr", "en": " your "} {
			if strings.Contains(" "+text, word) {
				langs[lang] = true
			}
		}
		if strings.Contains(text, "{") || strings.Contains(text, "}") {
			t.Errorf("message %d has an unfilled placeholder: %q", i, text)
		}
	}
	if same > 0 {
		t.Errorf("%d messages equal across seeds", same)
	}
	if len(langs) < 4 {
		t.Errorf("languages seen: %v", langs)
	}
	// Both with and without links (BEC and callback scams carry none), in
	// plain text and in HTML.
	if links < 60 || links > 240 || html < 60 || html > 240 {
		t.Errorf("%d of 300 with links, %d with HTML", links, html)
	}
}
