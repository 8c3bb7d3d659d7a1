package scoring

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Fingerprint is a 64-bit SimHash of a message's normalised text. Two messages
// of one campaign have fingerprints that differ in few bits; see Similarity.
// The zero Fingerprint means "no text to compare".
type Fingerprint uint64

// SameCampaign is the Similarity at or above which two messages are taken as
// the same campaign: at most 10 of the 64 bits differ. See doc.go for how it
// was chosen.
const SameCampaign = 1 - 10.0/64

// String renders the fingerprint as 16 hex digits.
func (f Fingerprint) String() string { return fmt.Sprintf("%016x", uint64(f)) }

// MarshalJSON writes the fingerprint as a hex string (JSON numbers lose
// precision past 2^53).
func (f Fingerprint) MarshalJSON() ([]byte, error) { return json.Marshal(f.String()) }

// UnmarshalJSON reads a hex string.
func (f *Fingerprint) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return fmt.Errorf("scoring: fingerprint: %w", err)
	}
	*f = Fingerprint(v)
	return nil
}

// Similarity is the share of equal bits of two fingerprints, from 0 to 1
// (0.5 is what unrelated texts score on average). A zero fingerprint (no
// text) is similar to nothing.
func Similarity(a, b Fingerprint) float64 {
	if a == 0 || b == 0 {
		return 0
	}
	return 1 - float64(bits.OnesCount64(uint64(a^b)))/64
}

const maxFingerprintText = 32 << 10

// synonyms folds words spammers swap between copies of a campaign onto one.
var synonyms = map[string]string{
	"purchase": "buy", "order": "buy", "cheap": "low", "inexpensive": "low", "affordable": "low",
	"offer": "deal", "promotion": "deal", "discount": "deal", "sale": "deal", "bargain": "deal",
	"tap": "click", "press": "click", "today": "now", "immediately": "now", "instantly": "now",
	"money": "cash", "funds": "cash", "dollars": "cash", "earn": "make", "gain": "make",
	"hello": "hi", "dear": "hi", "greetings": "hi", "hey": "hi", "big": "large", "huge": "large",
	"fast": "quick", "rapid": "quick", "speedy": "quick", "guaranteed": "sure", "amazing": "great",
	"incredible": "great", "fantastic": "great", "awesome": "great", "excellent": "great",
	"customer": "client", "customers": "clients", "free": "free", "gratis": "free", "complimentary": "free",
	"friend": "friend", "pal": "friend", "buddy": "friend", "website": "site", "web": "site", "page": "site",
	"email": "mail", "e-mail": "mail", "message": "mail", "win": "win", "won": "win", "winner": "win",
}

// fpStop are words too common to carry a campaign's identity.
var fpStop = map[string]bool{
	"the": true, "a": true, "an": true, "and": true, "or": true, "of": true, "to": true, "in": true, "is": true,
	"it": true, "for": true, "on": true, "at": true, "be": true, "this": true, "that": true, "with": true,
	"you": true, "your": true, "we": true, "our": true, "are": true, "as": true, "by": true, "http": true,
	"https": true, "www": true, "com": true, "html": true, "htm": true, "php": true,
}

// FingerprintText computes the SimHash of text over word pairs after
// normalisation: lower case, homoglyphs and zero-width characters removed (by
// the tokenizer), and dropped: words with digits or dots (numbers, prices,
// tracking ids, URLs, addresses), capitalised words (names, greetings), and
// stop words; a few synonyms folded onto one word.
func FingerprintText(text string) Fingerprint {
	if len(text) > maxFingerprintText {
		text = text[:maxFingerprintText] // a campaign shows in its first pages
	}
	var t tokenizer
	var v [64]int32
	var prev uint64
	n := 0
	t.each(text, func(tok []byte, src string) {
		for _, c := range tok {
			if c == '9' || c == '.' || c == '@' || c == '$' {
				return
			}
		}
		if r, _ := utf8.DecodeRuneInString(src); unicode.IsUpper(r) {
			// Keep words in capitals (shouted text), drop Capitalised ones.
			if r2, size := utf8.DecodeRuneInString(src[utf8.RuneLen(r):]); size > 0 && !unicode.IsUpper(r2) {
				return
			}
		}
		if fpStop[string(tok)] {
			return
		}
		var h uint64
		if s, ok := synonyms[string(tok)]; ok {
			h = fnv64(s)
		} else {
			h = fnv64b(tok)
		}
		if n > 0 {
			pair := mix64(prev*31 + h)
			for i := range 64 {
				v[i] += int32(pair>>i&1)*2 - 1
			}
		}
		prev = h
		n++
	})
	if n < 2 {
		return 0
	}
	var f uint64
	for i := range 64 {
		if v[i] > 0 {
			f |= 1 << i
		}
	}
	if f == 0 {
		f = 1
	}
	return Fingerprint(f)
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func fnv64b(s []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range s {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// mix64 is the SplitMix64 finaliser: spreads a pair's hash over all bits.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
