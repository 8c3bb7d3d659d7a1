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
	var acc fpAcc
	t.each(text, acc.add)
	return acc.sum()
}

// fpAcc accumulates a SimHash token by token (Score feeds it from its one
// pass over the text). The 64 bit counters of the pairs are kept packed, 8
// bits per lane, in 8 words, and flushed to cnt every 255 pairs: 8 table
// look-ups and additions per pair rather than 64.
type fpAcc struct {
	prev    uint64
	n       int       // tokens kept
	pending int       // pairs in packed
	packed  [8]uint64 // lane k of packed[j]: pairs with bit 8j+k set, since the last flush
	cnt     [64]int32 // pairs with bit i set
}

// add feeds one token of the tokenizer (lower-cased tok, as written src).
func (a *fpAcc) add(tok []byte, src string) {
	for _, c := range tok {
		if c == '9' || c == '.' || c == '@' || c == '$' {
			return
		}
	}
	a.addHashed(tok, src, fnv64b(tok))
}

// fpSkip marks the bytes that keep a token out of the fingerprint.
var fpSkip = [256]bool{'9': true, '.': true, '@': true, '$': true}

// addHashed is add for a token without those bytes, with its fnv64b hash.
func (a *fpAcc) addHashed(tok []byte, src string, h uint64) {
	if r, _ := utf8.DecodeRuneInString(src); unicode.IsUpper(r) {
		// Keep words in capitals (shouted text), drop Capitalised ones.
		if r2, size := utf8.DecodeRuneInString(src[utf8.RuneLen(r):]); size > 0 && !unicode.IsUpper(r2) {
			return
		}
	}
	if e := fpWordOf(h, tok); e != nil {
		if e.stop {
			return
		}
		h = e.syn
	}
	if a.n > 0 {
		x := mix64(a.prev*31 + h)
		for j := range a.packed {
			a.packed[j] += bitLanes[byte(x>>(8*j))]
		}
		if a.pending++; a.pending == 255 {
			a.flush()
		}
	}
	a.prev = h
	a.n++
}

func (a *fpAcc) flush() {
	for j, p := range a.packed {
		for k := range 8 {
			a.cnt[8*j+k] += int32(p >> (8 * k) & 0xff)
		}
		a.packed[j] = 0
	}
	a.pending = 0
}

// sum returns the fingerprint: bit i is set when more than half of the pairs
// have it set.
func (a *fpAcc) sum() Fingerprint {
	if a.n < 2 {
		return 0
	}
	a.flush()
	pairs := int32(a.n - 1)
	var f uint64
	for i, c := range a.cnt {
		if 2*c > pairs {
			f |= 1 << i
		}
	}
	if f == 0 {
		f = 1
	}
	return Fingerprint(f)
}

// bitLanes[b] has byte k set to bit k of b.
var bitLanes = func() (t [256]uint64) {
	for b := range t {
		for k := range 8 {
			t[b] |= uint64(b>>k&1) << (8 * k)
		}
	}
	return
}()

// fpWord is a stop word or a synonym, found by the token's FNV-64 hash in an
// open-addressing table (one probe for most words, and no second hash).
type fpWord struct {
	word string
	h    uint64 // fnv64(word)
	stop bool
	syn  uint64 // fnv64 of the word it folds onto
}

var fpTable = func() (t [256]*fpWord) {
	put := func(w *fpWord) {
		for i := w.h; ; i++ {
			if t[i&255] == nil {
				t[i&255] = w
				return
			}
		}
	}
	for w, s := range synonyms {
		if !fpStop[w] {
			put(&fpWord{word: w, h: fnv64(w), syn: fnv64(s)})
		}
	}
	for w := range fpStop {
		put(&fpWord{word: w, h: fnv64(w), stop: true})
	}
	return
}()

func fpWordOf(h uint64, tok []byte) *fpWord {
	for i := h; ; i++ {
		e := fpTable[i&255]
		if e == nil {
			return nil
		}
		if e.h == h && e.word == string(tok) {
			return e
		}
	}
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
