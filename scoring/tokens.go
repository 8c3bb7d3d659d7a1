package scoring

import (
	"math/bits"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// feat is one hashed classifier feature; src names it for people (a slice of
// the message text, so it costs no allocation).
type feat struct {
	h   uint32
	src string
}

// features are what the classifier reads of one message, in two blocks that
// are L2-normalised separately (see Model.logit): words, distinct and sorted
// by hash (body words and pairs, subject, sender name, links, structure),
// and the distinct character n-grams of the subject's and body's words, in
// the order they first occur.
type features struct {
	words []feat
	grams []uint32
}

func (fs features) clone() features {
	return features{slices.Clone(fs.words), slices.Clone(fs.grams)}
}

// Character n-grams: gramMin to gramMax bytes of each lower-cased, folded
// token with '<' and '>' marking its ends ("<free>" gives "<fr", "fre",
// "ree", "ee>", "<fre", ...), read from the first maxGramText bytes of
// tokens (subject, then body). They catch what words miss: inflections,
// compounds, run-together and split words, foreign and misspelt words, and
// tokens the word features have never seen.
const (
	gramMin, gramMax = 3, 5
	maxGramText      = 32 << 10
)

const (
	maxTokenText = 256 << 10 // text bytes tokenized for the classifier
	maxTokenLen  = 24
)

// Feature namespaces: the same word in the subject and in the body are
// different features.
const (
	nsBody    = 'b'
	nsBigram  = 'g'
	nsSubject = 's'
	nsName    = 'n'
	nsDomain  = 'd'
	nsURL     = 'u'
	nsTLD     = 't'
	nsStruct  = 'x'
	nsGram    = 'c' // body character n-grams
	nsSubGram = 'C' // subject character n-grams
)

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

// The FNV state after the namespace byte of body words (classifier) and of
// words (lexicon).
const (
	fnvBody = (fnvOffset ^ nsBody) * fnvPrime & 0xffffffff
	fnvWord = (fnvOffset ^ 'w') * fnvPrime & 0xffffffff
)

func hashStr(ns byte, s string) uint32 {
	h := uint32(fnvOffset)
	h = (h ^ uint32(ns)) * fnvPrime
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * fnvPrime
	}
	return h
}

func hashBytes(ns byte, s []byte) uint32 {
	h := uint32(fnvOffset)
	h = (h ^ uint32(ns)) * fnvPrime
	for _, c := range s {
		h = (h ^ uint32(c)) * fnvPrime
	}
	return h
}

func hashPair(a, b uint32) uint32 {
	h := uint32(fnvOffset)
	h = (h ^ uint32(nsBigram)) * fnvPrime
	h = (h ^ a&0xff) * fnvPrime
	h = (h ^ a>>8&0xff) * fnvPrime
	h = (h ^ a>>16&0xff) * fnvPrime
	h = (h ^ a>>24) * fnvPrime
	h = (h ^ b&0xff) * fnvPrime
	h = (h ^ b>>8&0xff) * fnvPrime
	h = (h ^ b>>16&0xff) * fnvPrime
	h = (h ^ b>>24) * fnvPrime
	return h
}

// tokenizer splits text into lower-case word tokens. It folds digits to '9'
// (so prices and phone numbers generalise), folds common Cyrillic/Greek
// homoglyphs to Latin, drops zero-width characters, and keeps a leading '$'.
// It is the classifier's hot path: it allocates nothing per token.
type tokenizer struct {
	buf []byte
}

// each calls fn for every token of text with the lower-cased token and the
// slice of text it came from.
func (t *tokenizer) each(text string, fn func(tok []byte, src string)) {
	if len(text) > maxTokenText {
		text = text[:maxTokenText]
	}
	start := -1
	prevCJK := -1 // offset of the previous rune when it was CJK
	t.buf = t.buf[:0]
	runes := 0
	emit := func(end int) {
		if start >= 0 && runes >= 2 && runes <= maxTokenLen {
			fn(t.buf, text[start:end])
		}
		start = -1
		runes = 0
		t.buf = t.buf[:0]
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			prevCJK = -1
			switch {
			case c >= 'a' && c <= 'z':
			case c >= 'A' && c <= 'Z':
				c += 'a' - 'A'
			case c >= '0' && c <= '9':
				c = '9'
			case c == '$' && start < 0:
			case (c == '\'' || c == '-' || c == '.') && start >= 0 && i+1 < len(text) && isAlnumByte(text[i+1]):
				// internal apostrophe, hyphen, dot: don't, e-mail, v1.0
			default:
				emit(i)
				i++
				continue
			}
			if start < 0 {
				start = i
			}
			t.buf = append(t.buf, c)
			runes++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if isZeroWidth(r) {
			i += size
			continue
		}
		if isCJK(r) {
			// No spaces between words: emit overlapping character pairs.
			emit(i)
			if prevCJK >= 0 {
				t.buf = append(t.buf, text[prevCJK:i+size]...)
				fn(t.buf, text[prevCJK:i+size])
				t.buf = t.buf[:0]
			}
			prevCJK = i
			i += size
			continue
		}
		prevCJK = -1
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if start < 0 {
				start = i
			}
			if f, ok := homoglyphs[r]; ok {
				t.buf = append(t.buf, f)
			} else {
				t.buf = utf8.AppendRune(t.buf, unicode.ToLower(r))
			}
			runes++
		} else {
			emit(i)
		}
		i += size
	}
	emit(len(text))
}

// isCJK reports scripts written without spaces between words.
func isCJK(r rune) bool {
	return r >= 0x2E80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r))
}

func isAlnumByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isZeroWidth(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u180e', '\u2061', '\u2062', '\u2063', '\u2064':
		return true
	}
	return false
}

// homoglyphs maps Cyrillic and Greek letters that look like Latin ones.
var homoglyphs = map[rune]byte{
	'а': 'a', 'А': 'a', 'е': 'e', 'Е': 'e', 'о': 'o', 'О': 'o', 'р': 'p', 'Р': 'p',
	'с': 'c', 'С': 'c', 'у': 'y', 'У': 'y', 'х': 'x', 'Х': 'x', 'і': 'i', 'І': 'i',
	'ј': 'j', 'ѕ': 's', 'Ѕ': 's', 'к': 'k', 'К': 'k', 'М': 'm', 'Т': 't', 'Н': 'h', 'В': 'b',
	'ο': 'o', 'Ο': 'o', 'α': 'a', 'Α': 'a', 'ε': 'e', 'Ε': 'e', 'ι': 'i', 'Ι': 'i', 'ν': 'v',
	'Ν': 'n', 'Κ': 'k', 'Τ': 't', 'Ρ': 'p', 'Β': 'b', 'Χ': 'x', 'Υ': 'y', 'Μ': 'm', 'Η': 'h', 'Ζ': 'z',
}

// featurizer turns a parsed message into the classifier's features. Which
// parts it reads is a deliberate choice for generalisation: visible body text
// (words and word pairs), subject words, From display-name words, link domains,
// their TLDs and path words, and a few structural facts (HTML only, images,
// attachment types, whether links go to the sender's own domain). It reads no Received, Message-ID,
// Date, X-Mailer or list headers: in the 2002 corpus those name the hosts and
// tools of that time and would be learnt as "ham" or "spam" for reasons that do
// not carry over to today's mail.
type featurizer struct {
	tok   tokenizer
	feats []feat
	out   []feat
	keys  []uint64
	tmp   []uint64
	set   []uint64
	// For Score (scoreFeatures): the lexicon's word hashes, the fingerprint.
	hs []uint32
	fp fpAcc
	// Character n-grams: the distinct ones in order, a set of them (open
	// addressing, 0 = empty) and the token bytes read so far.
	grams     []uint32
	gset      []uint32
	gramBytes int
}

// resetGrams starts the character n-grams of a new message.
func (f *featurizer) resetGrams() {
	f.grams = f.grams[:0]
	if len(f.gset) == 0 {
		f.gset = make([]uint32, 1024)
	} else {
		clear(f.gset)
	}
	f.gramBytes = 0
}

// addGrams adds the character n-grams of one token in namespace ns, while
// the maxGramText budget lasts.
func (f *featurizer) addGrams(ns byte, tok []byte) {
	if f.gramBytes >= maxGramText {
		return
	}
	f.gramBytes += len(tok)
	n := len(tok) + 2 // with the end marks
	seed := (uint32(fnvOffset) ^ uint32(ns)) * fnvPrime
	for i := 0; i+gramMin <= n; i++ {
		h := seed
		end := min(n, i+gramMax)
		for j := i; j < end; j++ {
			c := byte('<')
			switch {
			case j == n-1:
				c = '>'
			case j > 0:
				c = tok[j-1]
			}
			h = (h ^ uint32(c)) * fnvPrime
			if j-i+1 >= gramMin {
				f.addGram(h)
			}
		}
	}
}

// addGram adds one n-gram hash unless it is there already.
func (f *featurizer) addGram(h uint32) {
	if h == 0 {
		h = 1
	}
	if 2*(len(f.grams)+1) > len(f.gset) {
		f.growGrams()
	}
	mask := uint32(len(f.gset) - 1)
	for j := (h * 0x9e3779b1) & mask; ; j = (j + 1) & mask {
		switch f.gset[j] {
		case 0:
			f.gset[j] = h
			f.grams = append(f.grams, h)
			return
		case h:
			return
		}
	}
}

func (f *featurizer) growGrams() {
	f.gset = make([]uint32, 2*len(f.gset))
	mask := uint32(len(f.gset) - 1)
	for _, h := range f.grams {
		j := (h * 0x9e3779b1) & mask
		for f.gset[j] != 0 {
			j = (j + 1) & mask
		}
		f.gset[j] = h
	}
}

func (f *featurizer) add(h uint32, src string) {
	f.feats = append(f.feats, feat{h, src})
}

func (f *featurizer) words(ns byte, text string, bigrams bool) {
	var prev uint32
	havePrev := false
	f.tok.each(text, func(tok []byte, src string) {
		h := hashBytes(ns, tok)
		f.add(h, src)
		if bigrams {
			if havePrev {
				f.add(hashPair(prev, h), "")
			}
			prev, havePrev = h, true
		}
	})
}

// extract returns the message's features; they are valid until the next use
// of f.
func (f *featurizer) extract(m *Message) features {
	f.feats = f.feats[:0]
	text := m.Text()
	f.words(nsBody, text, true)
	f.rest(m)
	f.resetGrams()
	f.tok.each(m.Subject, func(tok []byte, _ string) { f.addGrams(nsSubGram, tok) })
	f.tok.each(text, func(tok []byte, _ string) { f.addGrams(nsGram, tok) })
	return features{f.dedup(), f.grams}
}

// scoreFeatures is extract, analyze and the fingerprint of Score in one pass
// over the visible text: the body's tokens give the classifier's word and
// pair features, the lexicon's word hashes and the fingerprint's words at
// once (the fingerprint's text, subject + "\n" + body, tokenizes as the
// subject's tokens followed by the body's). Its results are those of
// extract, analyze and FingerprintText(m.Subject + "\n" + m.Text())
// (TestScorePassMatchesReference).
func (f *featurizer) scoreFeatures(m *Message, lex *lexicon) (features, *analysis, Fingerprint) {
	text := m.Text()
	a := &analysis{m: m, text: text}
	// Past maxFingerprintText the fingerprint reads a prefix, whose last
	// token may be cut: FingerprintText does that below.
	fpOK := len(m.Subject)+1+len(text) <= maxFingerprintText
	fp := &f.fp
	*fp = fpAcc{}
	if cap(f.hs) == 0 {
		f.hs = make([]uint32, 0, 1024)
	}
	hs := f.hs[:0]
	f.resetGrams()
	f.tok.each(m.Subject, func(tok []byte, src string) {
		hs = append(hs, hashBytes('w', tok))
		f.addGrams(nsSubGram, tok)
		if fpOK {
			fp.add(tok, src)
		}
	})
	hs = append(hs, 0) // no phrase spans subject and body
	feats := f.feats[:0]
	var prev uint32
	words := 0
	f.tok.each(text, func(tok []byte, src string) {
		hb, hw := uint32(fnvBody), uint32(fnvWord)
		h64 := uint64(14695981039346656037) // fnv64b
		skip := false
		for _, c := range tok {
			hb = (hb ^ uint32(c)) * fnvPrime
			hw = (hw ^ uint32(c)) * fnvPrime
			h64 = (h64 ^ uint64(c)) * 1099511628211
			skip = skip || fpSkip[c]
		}
		feats = append(feats, feat{hb, src})
		if words > 0 {
			feats = append(feats, feat{hashPair(prev, hb), ""})
		}
		prev = hb
		hs = append(hs, hw)
		words++
		f.addGrams(nsGram, tok)
		if fpOK && !skip {
			fp.addHashed(tok, src, h64)
		}
	})
	f.feats, f.hs = feats, hs
	a.words = words
	a.scan(hs, lex)
	f.rest(m)
	var sum Fingerprint
	if fpOK {
		sum = fp.sum()
	} else {
		sum = FingerprintText(m.Subject + "\n" + text)
	}
	return features{f.dedup(), f.grams}, a, sum
}

// rest adds the features other than the body's words.
func (f *featurizer) rest(m *Message) {
	// Words of link paths and queries ("remove", "cgi-bin", "unsubscribe").
	for i, l := range m.Links {
		if i >= 64 {
			break
		}
		u := l.URL
		if k := strings.Index(u, l.Host); k >= 0 {
			u = u[k+len(l.Host):]
		}
		f.words(nsURL, u, false)
	}
	f.words(nsSubject, m.Subject, false)
	f.words(nsName, m.FromName, false)
	for i, l := range m.Links {
		if i >= 64 {
			break
		}
		f.add(hashStr(nsDomain, l.Domain), l.Domain)
		if j := strings.LastIndexByte(l.Host, '.'); j >= 0 && !isIPLiteral(l.Host) {
			f.add(hashStr(nsTLD, l.Host[j:]), l.Host[j:])
		} else if isIPLiteral(l.Host) {
			f.add(hashStr(nsStruct, "iplink"), l.Host)
		}
	}
	// Whether the links go to the sender's own domain: honest bulk mail
	// mostly does, spam mostly does not.
	if len(m.Links) > 0 && m.FromDomain != "" {
		fd := registrable(m.FromDomain)
		aligned := false
		for _, l := range m.Links {
			if l.Domain == fd {
				aligned = true
				break
			}
		}
		if aligned {
			f.add(hashStr(nsStruct, "aligned"), "links to the sender's own domain")
		} else {
			f.add(hashStr(nsStruct, "unaligned"), "no link to the sender's own domain")
		}
	}
	switch {
	case m.HasHTML && !m.HasPlain:
		f.add(hashStr(nsStruct, "htmlonly"), "HTML only")
	case m.HasHTML:
		f.add(hashStr(nsStruct, "alternative"), "HTML and text")
	}
	if len(m.Images) > 0 {
		f.add(hashStr(nsStruct, "images"), "images")
	}
	for _, a := range m.Attachments {
		f.add(hashStr(nsStruct, "att:"+a.SniffedType), a.SniffedType)
	}
}

// dedup sorts the features by hash and drops repeated ones; the first
// spelling of a feature names it.
func (f *featurizer) dedup() []feat {
	// Keep the first of each hash (an open-addressing set of hash<<32 |
	// position+1), then sort the distinct ones by hash: text repeats its
	// words, and the set costs less than sorting them all.
	n := len(f.feats)
	size := 64
	for size < 2*n {
		size *= 2
	}
	if cap(f.set) < size {
		f.set = make([]uint64, size)
	}
	set := f.set[:size]
	clear(set)
	shift := 64 - uint(bits.TrailingZeros(uint(size)))
	keys := f.keys[:0]
	for i, ft := range f.feats {
		k := uint64(ft.h)<<32 | uint64(i+1)
		for j := (uint64(ft.h) * 0x9e3779b97f4a7c15) >> shift; ; j = (j + 1) & uint64(size-1) {
			if set[j] == 0 {
				set[j] = k
				keys = append(keys, k-1) // hash<<32 | position
				break
			}
			if set[j]>>32 == uint64(ft.h) {
				break
			}
		}
	}
	if len(keys) < 64 {
		slices.Sort(keys)
	} else {
		tmp := slices.Grow(f.tmp[:0], len(keys))[:len(keys)]
		if sorted := radixSortHigh32(keys, tmp); &sorted[0] == &tmp[0] {
			// The result is in the scratch buffer: swap the two.
			f.tmp, keys = keys, sorted
		} else {
			f.tmp = tmp
		}
	}
	f.out = f.out[:0]
	for _, k := range keys {
		f.out = append(f.out, f.feats[uint32(k)])
	}
	f.keys = keys[:0]
	f.feats, f.out = f.out, f.feats
	return f.feats
}

// radixSortHigh32 sorts keys by their high 32 bits, stably (LSD radix, 8 bits
// a pass), using tmp (as long as keys) as scratch; it returns whichever of
// the two holds the result.
func radixSortHigh32(keys, tmp []uint64) []uint64 {
	var count [4][256]int32
	for _, k := range keys {
		count[0][byte(k>>32)]++
		count[1][byte(k>>40)]++
		count[2][byte(k>>48)]++
		count[3][byte(k>>56)]++
	}
	src, dst := keys, tmp
	for p := range 4 {
		shift := 32 + 8*uint(p)
		c := &count[p]
		if int(c[byte(src[0]>>shift)]) == len(src) {
			continue // all in one bucket
		}
		var sum int32
		for i, n := range c {
			c[i] = sum
			sum += n
		}
		for _, k := range src {
			b := byte(k >> shift)
			dst[c[b]] = k
			c[b]++
		}
		src, dst = dst, src
	}
	return src
}
