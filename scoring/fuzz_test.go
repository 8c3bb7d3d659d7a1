package scoring

import (
	"encoding/json"
	"testing"
)

// FuzzParse: any input parses without panicking, within the limits.
func FuzzParse(f *testing.F) {
	f.Add([]byte("Subject: hi\r\n\r\nhello"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := Parse(raw)
		if len(m.Text()) > 2*maxTextTotal+1 {
			t.Fatalf("text %d bytes exceeds the cap", len(m.Text()))
		}
		if len(m.Links) > maxLinks || len(m.Images) > maxImages {
			t.Fatalf("%d links, %d images", len(m.Links), len(m.Images))
		}
	})
}

// FuzzScore: any input scores without panicking, deterministically, with a
// result that serialises and whose signals add up to the score.
func FuzzScore(f *testing.F) {
	s, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("Subject: hi\r\n\r\nhello"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r := s.Score(raw)
		var sum float64
		for _, g := range r.Signals {
			sum += g.Weight
		}
		if d := sum - r.Score; d > 0.01 || d < -0.01 {
			t.Fatalf("score %v != sum of signals %v", r.Score, sum)
		}
		if r2 := s.Score(raw); r2.Score != r.Score || r2.Fingerprint != r.Fingerprint {
			t.Fatal("not deterministic")
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
		_ = r.MainReason()
	})
}
