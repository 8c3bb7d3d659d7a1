package scoring

import "testing"

func TestSyntheticSpam(t *testing.T) {
	ms := checkGenerator(t, SyntheticSpam, 300, map[string]string{"nl": " uw ", "fr": " votre ", "de": " ihr", "en": " your "})
	links, html := 0, 0
	for _, m := range ms {
		if len(m.Links) > 0 {
			links++
		}
		if m.HasHTML {
			html++
		}
	}
	// Both with and without links (BEC and callback scams carry none), in
	// plain text and in HTML.
	if links < 60 || links > 240 || html < 60 || html > 240 {
		t.Errorf("%d of 300 with links, %d with HTML", links, html)
	}
}
