package scoring

import "testing"

func TestSyntheticSpam(t *testing.T) {
	ms := checkGenerator(t, SyntheticSpam, 300, map[string]string{"nl": " uw ", "fr": " votre ", "de": " ihr", "en": " your ", "es": " su ", "pt": " sua ", "it": " il ", "ja": "ご", "zh": "您", "ko": "니다", "pl": "ą", "tr": "ı"})
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

// TestSyntheticSpamLanguagesHaveHam: the frauds are written only in
// languages the synthetic business ham writes too, with every part in that
// language, or the classifier would learn the language itself as spam.
func TestSyntheticSpamLanguagesHaveHam(t *testing.T) {
	for i, k := range spamKinds {
		for _, lang := range k.langs {
			if _, ok := synthLangs[lang]; !ok {
				t.Errorf("fraud kind %d is written in %q, which the synthetic ham never writes", i, lang)
			}
			if len(k.subject[lang]) == 0 || len(k.paras[lang]) == 0 {
				t.Errorf("fraud kind %d has no subject or text in %q", i, lang)
			}
			if _, ok := k.action[lang]; k.link && !ok {
				t.Errorf("fraud kind %d has links but no call to action in %q", i, lang)
			}
		}
	}
}
