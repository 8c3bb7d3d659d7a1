package scoring

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/outpost-mail/outpost/smtpd/smtptest"
)

// TestScorePassMatchesReference checks that Score's single pass over the text
// (featurizer.scoreFeatures) gives exactly what the separate reference
// functions give: the features of extract, the analysis of analyze and
// FingerprintText of subject and text. Scores must not move with speed-ups.
func TestScorePassMatchesReference(t *testing.T) {
	var raws [][]byte
	for _, pat := range []string{"testdata/*.eml", "testdata/business/*.eml"} {
		files, _ := filepath.Glob(pat)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			raws = append(raws, b)
		}
	}
	raws = append(raws, []byte(smtptest.InvoiceMsg), large1MB(), []byte("Subject: x\r\n\r\n"), []byte(""))
	raws = append(raws, SyntheticHam(100, 3)...)
	if corpusDirOrEmpty() != "" || os.Getenv("CI") != "" {
		for _, m := range loadCorpus(t) {
			raws = append(raws, m.Raw)
		}
	}
	s := newTestScorer(t)
	var ref, fast featurizer
	for i, raw := range raws {
		m := Parse(raw)
		wantFeats := ref.extract(m).clone()
		wantA := analyze(m, s.lex)
		wantFP := FingerprintText(m.Subject + "\n" + m.Text())
		feats, a, fp := fast.scoreFeatures(m, s.lex)
		if !slices.Equal(feats.words, wantFeats.words) {
			t.Fatalf("message %d: features differ (%d vs %d)", i, len(feats.words), len(wantFeats.words))
		}
		if !slices.Equal(feats.grams, wantFeats.grams) {
			t.Fatalf("message %d: character n-grams differ (%d vs %d)", i, len(feats.grams), len(wantFeats.grams))
		}
		if !reflect.DeepEqual(a, wantA) {
			t.Fatalf("message %d: analysis differs:\n%+v\n%+v", i, a, wantA)
		}
		if fp != wantFP {
			t.Fatalf("message %d: fingerprint %v, want %v", i, fp, wantFP)
		}
	}
}

// corpusDirOrEmpty is where corpusDir looks, or "" when there is no corpus.
func corpusDirOrEmpty() string {
	dir := os.Getenv("OUTPOST_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "labels.tsv")); err != nil {
		return ""
	}
	return dir
}
