package scoring

import (
	"bytes"
	"strings"
	"testing"
)

func TestSyntheticHam(t *testing.T) {
	checkGenerator(t, SyntheticHam, 300, map[string]string{"nl": " je ", "fr": " votre ", "de": " ihr", "en": " your ", "es": " su ", "pt": " sua ", "it": " il ", "ja": "ご", "zh": "您", "ko": "니다", "pl": "ą", "tr": "ı"})
}

// checkGenerator checks a synthetic mail generator: the same seed gives the
// same messages and another seed others; every message parses cleanly, has
// a subject, a sender domain and some text, no unfilled placeholder, and
// the languages of langWords (language → a word of it) all appear. It
// returns the parsed messages of seed 1.
func checkGenerator(t *testing.T, gen func(int, uint64) [][]byte, n int, langWords map[string]string) []*Message {
	t.Helper()
	a, b, c := gen(n, 1), gen(n, 1), gen(n, 2)
	same := 0
	langs := map[string]bool{}
	var ms []*Message
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("message %d differs for the same seed", i)
		}
		if bytes.Equal(a[i], c[i]) {
			same++
		}
		m := Parse(a[i])
		ms = append(ms, m)
		if m.Malformed() {
			t.Errorf("message %d malformed: %v\n%s", i, m.Problems, a[i])
		}
		if m.Subject == "" || len(strings.Fields(m.Text())) < 8 || m.FromDomain == "" {
			t.Errorf("message %d: subject %q, from %q, text %q", i, m.Subject, m.FromDomain, m.Text())
		}
		text := strings.ToLower(m.Subject + " " + m.Text())
		for lang, word := range langWords {
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
	if len(langs) < len(langWords) {
		t.Errorf("languages seen: %v, want all of %v", langs, langWords)
	}
	return ms
}

func TestCommercialSignalsCapped(t *testing.T) {
	s := newTestScorer(t)
	raw := htmlMail("ACT NOW!!! LIMITED TIME OFFER",
		`<p>CLICK HERE to order today! Act now, this offer expires within 24 hours. Only $19.99, save $50, was $69.99, `+
			`free gift, money back guarantee, $100 bonus, lowest price ever!</p><p>To be removed from this list, reply with REMOVE.</p>`)
	var sum float64
	n := 0
	for _, g := range s.contentSignals(Parse(raw)) {
		if commercialSignals[g.Name] {
			sum += g.Weight
			n++
			if !strings.Contains(g.Detail, "at most together") {
				t.Errorf("%s: detail does not say it was capped: %q", g.Name, g.Detail)
			}
		}
	}
	if n < 3 || sum > maxCommercial+0.01 || sum < maxCommercial-0.01 {
		t.Errorf("%d commercial signals adding %.3f, want several adding %.1f", n, sum, maxCommercial)
	}
}

func TestStrongSignalNotTalkedDown(t *testing.T) {
	s := newTestScorer(t)
	strong := []Signal{{Name: "dangerous_attachment", Weight: 8}, {Name: "html_only", Weight: 0.5}}
	if score, _ := s.combine(strong, -20, shortFeatures, nil, nil); score != 8.5 {
		t.Errorf("executable attachment with ham-like words: score %.3f, want 8.5 (the classifier does not lower it)", score)
	}
	if score, _ := s.combine(strong, 3, shortFeatures, nil, nil); score != 14.5 {
		t.Errorf("spam-like words add as usual: score %.3f, want 14.5", score)
	}
	weak := []Signal{{Name: "money", Weight: 2}, {Name: "urgency", Weight: 2}, {Name: "html_only", Weight: 1}}
	if score, _ := s.combine(weak, -20, shortFeatures, nil, nil); score != -7 {
		t.Errorf("no single strong signal: score %.3f, want -7 (5 - 12)", score)
	}
}
