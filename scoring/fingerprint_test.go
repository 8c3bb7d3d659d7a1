package scoring

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// campaign templates: {name}, {num}, {link} are filled per copy; {a|b} picks a
// synonym.
var campaigns = []string{
	`Dear {name},

We are pleased to inform you that your email address has been {selected|chosen} in our annual draw. You have won a {cash|money} prize of ${num}.
To claim your prize, {click|tap} the link below and fill in the form with your bank details before the end of the week.
{link}
Our agents are waiting to process your claim. Do not tell anyone about this notice until your prize has been paid out.
Kind regards, the awards committee`,
	`Hi {name}, {buy|purchase} the best replica watches at {cheap|low} prices. Every watch comes with a box and papers,
free worldwide shipping and a one year warranty. Over {num} happy customers this year alone. Order today and save on every model
in our catalogue: divers, chronographs and dress watches. {link} Limited stock, first come first served.`,
	`Hello {name}! Our trading robot made {num} percent last month for members like you. Join now and let the algorithm
trade crypto for you while you sleep. No experience needed, withdraw at any time, support on call day and night.
Start with a small deposit and watch your balance grow. {link}`,
	`Your parcel could not be delivered because the address was incomplete. Reference {num}. Please confirm your
address and pay the redelivery fee of 1.99 within two days, otherwise the parcel will be returned to the sender. {link}
Thank you for choosing our courier service.`,
}

var (
	firstNames = []string{"John", "Mary", "Ahmed", "Li", "Olga", "Pedro", "Fatima", "Ken", "Zoe", "Ivan"}
)

// variant renders template with random names, numbers, tracking links,
// synonyms and whitespace.
func variant(tmpl string, rng *rand.Rand) string {
	s := tmpl
	for strings.Contains(s, "{name}") {
		s = strings.Replace(s, "{name}", firstNames[rng.IntN(len(firstNames))], 1)
	}
	s = strings.ReplaceAll(s, "{num}", fmt.Sprint(rng.IntN(100000)))
	s = strings.ReplaceAll(s, "{link}", fmt.Sprintf("https://t%d.example/c?id=%x&u=%d", rng.IntN(1000), rng.Uint64(), rng.IntN(1e6)))
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}') + i
		opts := strings.Split(s[i+1:j], "|")
		s = s[:i] + opts[rng.IntN(len(opts))] + s[j+1:]
	}
	// Whitespace: reflow lines, double some spaces.
	words := strings.Fields(s)
	var b strings.Builder
	for i, w := range words {
		b.WriteString(w)
		switch rng.IntN(12) {
		case 0:
			b.WriteString("\n")
		case 1:
			b.WriteString("   ")
		default:
			if i < len(words)-1 {
				b.WriteString(" ")
			}
		}
	}
	return b.String()
}

func TestFingerprintVariations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const copies = 30
	fps := make([][]Fingerprint, len(campaigns))
	var worstSame float64 = 1
	var sims []float64
	for c, tmpl := range campaigns {
		for range copies {
			fps[c] = append(fps[c], FingerprintText(variant(tmpl, rng)))
		}
		for i := range fps[c] {
			for j := range i {
				sim := Similarity(fps[c][i], fps[c][j])
				worstSame = min(worstSame, sim)
				sims = append(sims, sim)
			}
		}
	}
	var bestOther float64
	for c := range fps {
		for d := range c {
			for _, a := range fps[c] {
				for _, b := range fps[d] {
					bestOther = max(bestOther, Similarity(a, b))
				}
			}
		}
	}
	slices.Sort(sims)
	t.Logf("same campaign similarity percentiles: 1%% %.3f, 5%% %.3f, 50%% %.3f", sims[len(sims)/100], sims[len(sims)/20], sims[len(sims)/2])
	t.Logf("same campaign: lowest similarity %.3f; different campaigns: highest %.3f; threshold %.3f", worstSame, bestOther, SameCampaign)
	if worstSame < SameCampaign {
		t.Errorf("copies of one campaign fell below the threshold: %.3f", worstSame)
	}
	if bestOther >= SameCampaign {
		t.Errorf("different campaigns reached the threshold: %.3f", bestOther)
	}
}

// TestFingerprintCorpus checks the false-match rate of the threshold on
// unrelated real mail: pairs of distinct corpus messages.
func TestFingerprintCorpus(t *testing.T) {
	msgs := loadCorpus(t)
	var fps []Fingerprint
	seen := map[Fingerprint]bool{}
	for _, l := range msgs {
		m := Parse(l.Raw)
		f := FingerprintText(m.Subject + "\n" + m.Text())
		if f == 0 || seen[f] {
			continue // exact duplicates are one message
		}
		seen[f] = true
		fps = append(fps, f)
	}
	hist := make([]int, 65)
	pairs := 0
	for i := range fps {
		for j := range i {
			hist[64-popcount(fps[i]^fps[j])]++
			pairs++
		}
	}
	above := 0
	for k := range hist {
		if float64(k)/64 >= SameCampaign {
			above += hist[k]
		}
	}
	for k := 48; k <= 60; k++ {
		c := 0
		for q := k; q <= 64; q++ {
			c += hist[q]
		}
		t.Logf("similarity >= %.3f (%d bits differ at most): %d pairs", float64(k)/64, 64-k, c)
	}
	rate := float64(above) / float64(pairs)
	t.Logf("%d distinct fingerprints, %d pairs, %d (%.5f%%) at or above the threshold", len(fps), pairs, above, 100*rate)
	// The pairs above the threshold include real near-duplicates (one
	// newsletter's issues, one spam run), so this bounds the false rate.
	if rate > 0.0002 {
		t.Errorf("false campaign matches: %.5f%% of unrelated pairs", 100*rate)
	}
}

func popcount(x Fingerprint) int {
	n := 0
	for x != 0 {
		x &= x - 1
		n++
	}
	return n
}

func TestFingerprintBasics(t *testing.T) {
	if FingerprintText("") != 0 || FingerprintText("Hi") != 0 {
		t.Error("no text should give the zero fingerprint")
	}
	if Similarity(0, 0) != 0 {
		t.Error("zero fingerprints are similar to nothing")
	}
	a := FingerprintText("the quick brown fox jumps over the lazy dog near the river bank")
	if Similarity(a, a) != 1 {
		t.Error("self-similarity != 1")
	}
	b := FingerprintText("the quick brown fox jumps over the lazy dog near the river bank!!  ")
	if a != b {
		t.Error("punctuation and whitespace changed the fingerprint")
	}
	js, _ := a.MarshalJSON()
	var back Fingerprint
	if err := back.UnmarshalJSON(js); err != nil || back != a {
		t.Errorf("JSON round trip: %v %v", back, err)
	}
}
