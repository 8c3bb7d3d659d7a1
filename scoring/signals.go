package scoring

import (
	"fmt"
	"path"
	"regexp"

	"golang.org/x/net/publicsuffix"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// analysis is what the signals read: the parsed message plus statistics
// computed once.
type analysis struct {
	m    *Message
	text string // visible text (plain, then HTML)
	// Lexicon hits by category (subject and body).
	hits lexHits
	// Body words and letters.
	words, letters, upper  int
	subjLetters, subjUpper int
	exclaimRuns            int // "!!!" or longer, subject and body
	subjExclaim            int
	zeroWidth              int
	mixedScript            []string // words mixing Latin with Cyrillic/Greek
	leet                   []string // disguised words, e.g. "v1agra (viagra)"
	moneyAmounts           []string // "$1,000", "€500"
	// diversion describes bank details said to have changed, for
	// sigPaymentDiversion ("" when none); qrScan is a request to scan a QR
	// code, for sigQRLure.
	diversion, qrScan string
	markBuf           [16]mark
}

func analyze(m *Message, lex *lexicon) *analysis {
	a := &analysis{m: m, text: m.Text()}
	var t tokenizer
	hs := make([]uint32, 0, 16+len(a.text)/6)
	add := func(tok []byte, _ string) { hs = append(hs, hashBytes('w', tok)) }
	t.each(m.Subject, add)
	hs = append(hs, 0) // no phrase spans subject and body
	t.each(a.text, func(tok []byte, src string) {
		add(tok, src)
		a.words++
	})
	a.scan(hs, lex)
	return a
}

// scan computes the statistics of the analysis other than the word count,
// from the word hashes of the subject and body (hs, as analyze builds them)
// and the text.
func (a *analysis) scan(hs []uint32, lex *lexicon) {
	m := a.m
	hits, found, marks := lex.match(hs, a.markBuf[:0])
	a.hits = hits
	has := func(cats ...int) bool {
		for _, c := range cats {
			if found&(1<<c) == 0 {
				return false
			}
		}
		return true
	}
	if has(catBankRef, catChange, catPayCtx) {
		a.diversion = paymentDiversion(hs, marks, lex)
	}
	if has(catQR, catScan) {
		for _, q := range marks {
			if q.cat == catQR && a.qrScan == "" {
				lex.each(hs, q.start-4, q.end+4, catScan, func(s mark) {
					a.qrScan = s.text + " … " + q.text
				})
			}
		}
	}

	text := a.text
	if len(text) > maxTokenText {
		text = text[:maxTokenText]
	}
	a.subjLetters, a.subjUpper = a.scanWords(m.Subject, lex)
	a.letters, a.upper = a.scanWords(text, lex)
	a.exclaimRuns = strings.Count(text, "!!!") + strings.Count(m.Subject, "!!!")
	a.subjExclaim = strings.Count(m.Subject, "!")
}

// paymentDiversion looks around each bank reference for a word saying it
// changed ("our bank details changed", "new IBAN", "changed banks"), not
// negated nearby ("no change to our bank details", "we will never ask you
// to change your bank account"), and describes the first found.
func paymentDiversion(hs []uint32, banks []mark, lex *lexicon) string {
	const near, negBefore, negAfter = 6, 5, 2
	for _, b := range banks {
		if b.cat != catBankRef {
			continue
		}
		var found string
		lex.each(hs, b.start-near, b.end+near, catChange, func(c mark) {
			if found != "" || c.end > b.start && c.start < b.end {
				return
			}
			negated := false
			lex.each(hs, min(b.start, c.start)-negBefore, max(b.end, c.end)+negAfter, catNegate, func(mark) { negated = true })
			if !negated {
				found = c.text
			}
		})
		if found != "" {
			return "bank details said to have changed: " + strconv.Quote(b.text) + " near " + strconv.Quote(found)
		}
	}
	return ""
}

// caseCounts counts the letters of s and the upper-case ones among them.
func caseCounts(s string) (letters, upper int) {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c|0x20 >= 'a' && c|0x20 <= 'z' {
				letters++
				if c <= 'Z' {
					upper++
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
		i += size
	}
	return
}

// scanWords looks at raw whitespace-separated words for obfuscation and money
// amounts, and returns caseCounts(s) from the same pass.
func (a *analysis) scanWords(s string, lex *lexicon) (letters, upper int) {
	var (
		start                                 = -1 // of the current word
		latin, other, digits, wordLetters, zw int
		special                               int // '@', '$' or '|' in the word
	)
	// end ends the word before i, if any.
	end := func(i int) {
		// Only words with digits, symbols, zero-width characters or
		// Cyrillic/Greek can be money amounts or obfuscated.
		if start >= 0 && i-start <= 40 && (digits > 0 || special > 0 || zw > 0 || other > 0) {
			a.word(s[start:i], lex, latin, other, digits, wordLetters, zw, special > 0)
		}
		start = -1
	}
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			cl := asciiClass[c]
			if cl&clSpace != 0 {
				end(i)
				i++
				continue
			}
			if start < 0 {
				start = i
				latin, other, digits, wordLetters, zw, special = 0, 0, 0, 0, 0, 0
			}
			l := int(cl & clLetter)
			latin += l
			wordLetters += l
			letters += l
			upper += int(cl & clUpper >> 1)
			digits += int(cl & clDigit >> 2)
			special += int(cl & clSpecial >> 3)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			end(i)
			i += size
			continue
		}
		if start < 0 {
			start = i
			latin, other, digits, wordLetters, zw, special = 0, 0, 0, 0, 0, 0
		}
		i += size
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
		switch {
		case isZeroWidth(r):
			zw++
		case unicode.In(r, unicode.Cyrillic, unicode.Greek):
			other++
			wordLetters++
		case unicode.IsLetter(r):
			wordLetters++
		}
	}
	end(len(s))
	return
}

// asciiClass classifies ASCII bytes for scanWords.
const (
	clLetter  = 1 << iota // a-z, A-Z
	clUpper               // A-Z
	clDigit               // 0-9
	clSpecial             // '@', '$', '|'
	clSpace               // as strings.Fields
)

var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		switch {
		case c >= 'a' && c <= 'z':
			t[c] = clLetter
		case c >= 'A' && c <= 'Z':
			t[c] = clLetter | clUpper
		case c >= '0' && c <= '9':
			t[c] = clDigit
		case c == '@' || c == '$' || c == '|':
			t[c] = clSpecial
		case asciiSpace[c]:
			t[c] = clSpace
		}
	}
	return
}()

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// word looks at one word of scanWords, with its counts: Latin letters,
// Cyrillic/Greek characters, digits, letters, zero-width characters, and
// whether it has one of '@', '$', '|'.
func (a *analysis) word(w string, lex *lexicon, latin, other, digits, letters, zw int, special bool) {
	if zw > 0 && letters > 0 {
		a.zeroWidth += zw
	}
	if latin > 0 && other > 0 && len(a.mixedScript) < 5 {
		a.mixedScript = append(a.mixedScript, strings.Map(dropZeroWidth, w))
	}
	if (w[0] == '$' || strings.HasPrefix(w, "€") || strings.HasPrefix(w, "£")) && digits > 0 && len(a.moneyAmounts) < 10 {
		a.moneyAmounts = append(a.moneyAmounts, strings.TrimRight(w, ".,;:!?)"))
	}
	if letters >= 2 && letters+digits >= 4 && (digits > 0 || special) && len(a.leet) < 5 {
		if target, ok := lex.deleeted(w); ok {
			if x := fmt.Sprintf("%s (%s)", strings.Trim(w, ".,;:!?()\"'"), target); !slices.Contains(a.leet, x) {
				a.leet = append(a.leet, x)
			}
		}
	}
}

// deleeted returns the word of lex.leet that w disguises, trying the readings
// of deleet in turn; for ASCII words it hashes them without building them.
func (lex *lexicon) deleeted(w string) (string, bool) {
	t := strings.Trim(w, ".,;:!?()\"'")
	ascii := true
	for i := 0; i < len(t); i++ {
		if t[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		for _, d := range deleet(w) {
			if target, ok := lex.leet[hashStr('w', d)]; ok {
				return target, true
			}
		}
		return "", false
	}
	for _, one := range [2]byte{'i', 'l'} {
		h := uint32(fnvWord)
		for i := 0; i < len(t); i++ {
			c := t[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if d := leetMap[c]; d != 0 {
				c = d
			}
			if c == '1' || c == '|' {
				c = one
			}
			h = (h ^ uint32(c)) * fnvPrime
		}
		if target, ok := lex.leet[h]; ok {
			return target, true
		}
	}
	return "", false
}

// leetMap is deleet's substitution for ASCII, but for '1' and '|'.
var leetMap = [utf8.RuneSelf]byte{'0': 'o', '!': 'i', '3': 'e', '4': 'a', '@': 'a', '5': 's', '$': 's', '7': 't', '8': 'b'}

func dropZeroWidth(r rune) rune {
	if isZeroWidth(r) {
		return -1
	}
	return r
}

// deleet undoes digit and symbol substitutions (v1agr@ -> viagra). "1" and
// "|" stand for "i" or "l": both readings are returned.
func deleet(w string) [2]string {
	w = strings.ToLower(strings.Trim(w, ".,;:!?()\"'"))
	var out [2]string
	for k, one := range [2]rune{'i', 'l'} {
		out[k] = strings.Map(func(r rune) rune {
			switch r {
			case '0':
				return 'o'
			case '1', '|':
				return one
			case '!':
				return 'i'
			case '3':
				return 'e'
			case '4', '@':
				return 'a'
			case '5', '$':
				return 's'
			case '7':
				return 't'
			case '8':
				return 'b'
			}
			return r
		}, w)
	}
	return out
}

// signalDef is one content signal: a small function returning a weight (0 =
// silent) and a detail.
type signalDef struct {
	name string
	fn   func(*analysis) (float64, string)
}

// signalDefs lists the content signals in a fixed order (results are sorted by
// weight afterwards, ties by name).
var signalDefs = []signalDef{
	{"lexicon_investment", lexSignal("investment", "investment or trading pitch", 0.7, 3)},
	{"lexicon_crypto", lexSignal("crypto", "crypto-currency talk", 0.6, 2.5)},
	{"lexicon_lottery", lexSignal("lottery", "lottery, prize or advance-fee wording", 0.9, 4)},
	{"lexicon_pharma", lexSignal("pharma", "pharmacy or diet products", 0.9, 4)},
	{"lexicon_adult", lexSignal("adult", "adult content", 0.8, 3.5)},
	{"lexicon_marketing", lexSignal("marketing", "hard-sell marketing phrases", 0.5, 3)},
	{"lexicon_phishing", lexSignal("phishing", "account-verification or security-alert wording", 1.2, 4)},
	{"lexicon_bec", lexSignal("bec", "gift-card, wire or bank-detail request typical of business email compromise", 1, 5)},
	{"payment_diversion", sigPaymentDiversion},
	{"qr_code_lure", sigQRLure},
	{"extortion", sigExtortion},
	{"callback_scam", sigCallback},
	{"urgency", lexSignal("urgency", "pressure to act fast", 0.5, 2)},
	{"money", sigMoney},
	{"shouting", sigShouting},
	{"obfuscation", sigObfuscation},
	{"link_text_ratio", sigLinkTextRatio},
	{"url_shortener", sigShortener},
	{"ip_link", sigIPLink},
	{"lookalike_domain", sigLookalike},
	{"link_text_mismatch", sigLinkMismatch},
	{"open_redirect", sigOpenRedirect},
	{"many_link_domains", sigManyDomains},
	{"dangerous_attachment", sigAttachment},
	{"hidden_text", sigHiddenText},
	{"html_only", sigHTMLOnly},
	{"image_only", sigImageOnly},
	{"bulk_no_unsubscribe", sigBulkNoUnsubscribe},
	{"from_impersonation", sigFromImpersonation},
	{"reply_to_divert", sigReplyTo},
	{"random_tag", sigRandomTag},
	{"malformed", sigMalformed},
}

// reasons are the short texts of MainReason, by signal name.
var reasons = map[string]string{
	"bayes":                "message content resembles known spam",
	"urgency":              "message pressures the reader to act fast",
	"lexicon_bec":          "message asks for gift cards, a wire or new bank details",
	"payment_diversion":    "message says the bank details for a payment have changed",
	"qr_code_lure":         "message asks to scan a QR code under pressure",
	"extortion":            "message demands a crypto-currency ransom",
	"callback_scam":        "message asks the reader to call about a charge",
	"money":                "message is about money in a way typical of spam",
	"shouting":             "message shouts (capitals, exclamation marks)",
	"obfuscation":          "message disguises its words",
	"link_text_ratio":      "message is mostly links",
	"url_shortener":        "message hides links behind URL shorteners",
	"ip_link":              "message links to a bare IP address",
	"lookalike_domain":     "message uses a look-alike of another domain",
	"link_text_mismatch":   "a link's text names a different site than the one it opens",
	"open_redirect":        "a link passes through an unrelated site to another",
	"many_link_domains":    "message links to many unrelated sites",
	"dangerous_attachment": "message carries a dangerous attachment (a program, a macro or an active web page)",
	"hidden_text":          "message contains hidden text",
	"html_only":            "message is HTML without a text version",
	"image_only":           "message is images with almost no text",
	"bulk_no_unsubscribe":  "bulk mail without a List-Unsubscribe header",
	"from_impersonation":   "sender name impersonates another brand or domain",
	"reply_to_divert":      "replies are diverted to another domain",
	"malformed":            "message is malformed",
	"random_tag":           "message carries random tags to defeat filters",
}

func quoteList(xs []string, n int) string {
	// As fmt would write it (%q, %d), without fmt.
	b := make([]byte, 0, 128)
	for i, x := range xs {
		if i == n {
			b = append(b, " and "...)
			b = strconv.AppendInt(b, int64(len(xs)-n), 10)
			b = append(b, " more"...)
			break
		}
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendQuote(b, truncate(x, 60))
	}
	return string(b)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// lexSignal weighs distinct phrase hits of one category: per hit, up to max.
func lexSignal(name, what string, per, maxW float64) func(*analysis) (float64, string) {
	cat := catIndex(name)
	return func(a *analysis) (float64, string) {
		hits := a.hits[cat]
		if len(hits) == 0 {
			return 0, ""
		}
		w := per * float64(len(hits))
		if len(hits) == 1 {
			w /= 2 // one word is weak evidence
		}
		return min(w, maxW), what + ": " + quoteList(hits, 5)
	}
}

// sigPaymentDiversion: payment diversion, the costliest business email
// compromise. A supplier, an employee or a landlord "has new bank
// details": a bank reference near a word of change, not negated, in a
// message about paying (analysis.diversion). Honest suppliers change banks
// too, rarely, and a finance team wants those checked by phone anyway; the
// weight alone does not hold a message.
func sigPaymentDiversion(a *analysis) (float64, string) {
	if a.diversion == "" {
		return 0, ""
	}
	return 3, a.diversion
}

// sigQRLure: quishing. The message asks to scan a QR code (analysis.qrScan)
// and presses about an account, a password or a deadline: the link is in an
// image, where neither the reader's mouse nor a filter can check it, and
// opens on a phone. A QR code alone (tickets, Swiss and EPC payment codes
// on invoices) is honest and weighs nothing.
func sigQRLure(a *analysis) (float64, string) {
	if a.qrScan == "" || len(a.m.Images) == 0 {
		return 0, ""
	}
	press := slices.Concat(a.hits[catPhishing], a.hits[catUrgency])
	if len(press) == 0 {
		return 0, ""
	}
	return 3, "asks to scan a QR code (" + strconv.Quote(a.qrScan) + ") with " + quoteList(press, 3)
}

// sigExtortion: sextortion names a recording and a ransom in
// crypto-currency. Two extortion phrases and a crypto word or a wallet
// address are needed; a wallet address in the text weighs more.
func sigExtortion(a *analysis) (float64, string) {
	hits := a.hits[catExtortion]
	if len(hits) < 2 {
		return 0, ""
	}
	wallet := walletAddress(a.text)
	if len(a.hits[catCrypto]) == 0 && wallet == "" {
		return 0, ""
	}
	w := min(1.2*float64(len(hits)), 4)
	why := "threat and ransom wording: " + quoteList(hits, 5)
	if wallet != "" {
		w += 1.5
		why += "; a crypto-currency wallet address (" + truncate(wallet, 20) + ")"
	}
	return w, why
}

// sigCallback: a callback scam reports a charge or renewal the reader
// never made and gives a number to call to cancel it, with no link to
// check (links get scanned, phone calls do not). Two callback phrases, a
// phone number and at most two links are needed; a toll-free number
// weighs more.
func sigCallback(a *analysis) (float64, string) {
	hits := a.hits[catCallback]
	if len(hits) < 2 || len(a.m.Links) > 2 {
		return 0, ""
	}
	charge := 0
	for _, h := range hits {
		if callbackCharge[h] {
			charge++
		}
	}
	if charge == 0 || charge == len(hits) {
		// Both a charge ("been charged", "did not authorize") and a way
		// out ("call our", "to cancel") are needed.
		return 0, ""
	}
	phone, tollFree := phoneNumber(a.text)
	if phone == "" {
		return 0, ""
	}
	w := min(1.2*float64(len(hits)), 3.5)
	if tollFree {
		w += 1
	}
	return w, "asks the reader to call " + phone + " about a charge: " + quoteList(hits, 4)
}

func sigMoney(a *analysis) (float64, string) {
	n := len(a.hits[catMoney]) + len(a.moneyAmounts)
	if n < 3 {
		return 0, ""
	}
	items := append(slices.Clone(a.moneyAmounts), a.hits[catMoney]...)
	return min(0.3*float64(n), 2), "money talk: " + quoteList(items, 6)
}

func sigShouting(a *analysis) (float64, string) {
	var w float64
	var why []string
	if a.subjLetters >= 8 && float64(a.subjUpper) >= 0.7*float64(a.subjLetters) {
		w += 1
		why = append(why, fmt.Sprintf("subject in capitals (%q)", truncate(a.m.Subject, 50)))
	}
	if a.letters >= 200 && float64(a.upper) >= 0.4*float64(a.letters) {
		w += 1.5
		why = append(why, fmt.Sprintf("%d%% of body letters are capitals", 100*a.upper/a.letters))
	}
	if a.exclaimRuns > 0 || a.subjExclaim >= 2 {
		w += min(0.5+0.25*float64(a.exclaimRuns), 1.5)
		why = append(why, fmt.Sprintf("%d runs of '!!!', %d '!' in the subject", a.exclaimRuns, a.subjExclaim))
	}
	return w, strings.Join(why, "; ")
}

func sigObfuscation(a *analysis) (float64, string) {
	var w float64
	var why []string
	if a.zeroWidth > 0 {
		w += 2
		why = append(why, fmt.Sprintf("%d invisible zero-width characters inside words", a.zeroWidth))
	}
	if len(a.mixedScript) > 0 {
		w += 2.5
		why = append(why, "words mixing Latin and Cyrillic/Greek look-alike letters: "+quoteList(a.mixedScript, 3))
	}
	if len(a.leet) > 0 {
		w += 1.5 + 0.5*float64(len(a.leet)-1)
		why = append(why, "disguised words: "+quoteList(a.leet, 3))
	}
	return min(w, 5), strings.Join(why, "; ")
}

func sigLinkTextRatio(a *analysis) (float64, string) {
	n := 0
	for _, l := range a.m.Links {
		if l.HTML {
			n++
		}
	}
	if n < 3 {
		return 0, ""
	}
	per := float64(a.words) / float64(n)
	switch {
	case per < 5:
		return 1.5, fmt.Sprintf("%d links for %d words of text", n, a.words)
	case per < 12:
		return 0.75, fmt.Sprintf("%d links for %d words of text", n, a.words)
	}
	return 0, ""
}

var shorteners = map[string]bool{
	"bit.ly": true, "tinyurl.com": true, "goo.gl": true, "t.co": true, "ow.ly": true, "is.gd": true, "buff.ly": true,
	"rebrand.ly": true, "cutt.ly": true, "shorturl.at": true, "tiny.cc": true, "t.ly": true, "rb.gy": true, "bl.ink": true,
	"v.gd": true, "s.id": true, "qr.ae": true, "lnkd.in": true, "shorte.st": true, "adf.ly": true, "bc.vc": true,
	"soo.gd": true, "x.co": true, "snip.ly": true, "tr.im": true, "cli.gs": true, "u.to": true, "clck.ru": true, "short.io": true,
}

func sigShortener(a *analysis) (float64, string) {
	var hosts []string
	for _, l := range a.m.Links {
		if shorteners[l.Host] || shorteners[l.Domain] {
			if !slices.Contains(hosts, l.Host) {
				hosts = append(hosts, l.Host)
			}
		}
	}
	if len(hosts) == 0 {
		return 0, ""
	}
	return 1.5, "links go through URL shorteners that hide their target: " + quoteList(hosts, 3)
}

func sigIPLink(a *analysis) (float64, string) {
	var hosts []string
	for _, l := range a.m.Links {
		if isIPLiteral(l.Host) && !slices.Contains(hosts, l.Host) {
			hosts = append(hosts, l.Host)
		}
	}
	if len(hosts) == 0 {
		return 0, ""
	}
	return 2.5, "links point at bare IP addresses instead of domain names: " + quoteList(hosts, 3)
}

// brands maps brand names often impersonated to their own registrable
// domains (besides <brand>.<any TLD>).
var brands = map[string][]string{
	"paypal": {"paypal.com", "paypal.me"}, "apple": {"apple.com", "icloud.com", "me.com"},
	"microsoft": {"microsoft.com", "outlook.com", "live.com", "office.com", "office365.com", "hotmail.com", "microsoftonline.com"},
	"amazon":    {"amazon.com", "amazonaws.com", "amazonses.com"}, "google": {"google.com", "gmail.com", "youtube.com", "googlemail.com"},
	"netflix": nil, "facebook": {"facebookmail.com", "fb.com"}, "instagram": nil, "linkedin": nil, "dhl": nil,
	"fedex": nil, "usps": {"usps.gov"}, "docusign": {"docusign.net"}, "dropbox": nil, "chase": {"chase.com", "jpmorgan.com"},
	"wellsfargo": {"wf.com"}, "bankofamerica": {"bofa.com"}, "citibank": {"citi.com"}, "hsbc": nil, "ebay": nil,
	"coinbase": nil, "binance": nil, "adobe": nil, "whatsapp": nil, "spotify": nil, "stripe": nil, "steam": {"steampowered.com", "steamcommunity.com"},
	"office365": {"microsoft.com", "office.com"}, "irs": {"irs.gov"},
	// Brands phished since: accounting and e-signature platforms, file
	// transfer, couriers and posts, banks and payment apps, wallets.
	"quickbooks": {"intuit.com"}, "intuit": nil, "xero": nil, "sharepoint": {"microsoft.com"},
	"onedrive": {"microsoft.com", "live.com"}, "wetransfer": nil, "geeksquad": {"bestbuy.com"}, "royalmail": nil,
	"postnl": nil, "laposte": nil, "inpost": nil, "metamask": nil, "airbnb": nil, "hmrc": nil, "santander": nil,
	"barclays": nil, "revolut": nil, "venmo": nil, "zelle": {"zellepay.com"}, "kucoin": nil, "bybit": nil,
	"evri": nil, "sparkasse": nil, "postbank": nil, "nortonlifelock": {"norton.com"},
}

// commonTLD reports whether tld is a country code or one of the generic
// top-level domains people actually write in text; it keeps "R.Hughes" or
// "file.name" from reading as domains.
func commonTLD(tld string) bool {
	if len(tld) == 2 {
		return true
	}
	switch tld {
	case "com", "net", "org", "info", "biz", "edu", "gov", "mil", "int", "xyz", "top", "online", "site", "shop",
		"app", "dev", "club", "live", "store", "tech", "website", "space", "icu", "vip", "work", "link", "click", "cloud", "email":
		return true
	}
	return false
}

// isBrandDomain reports whether d is the domain of a brand in the list.
func isBrandDomain(d string) bool {
	label, _, _ := strings.Cut(d, ".")
	if _, ok := brands[label]; ok {
		return true
	}
	for _, ds := range brands {
		if slices.Contains(ds, d) {
			return true
		}
	}
	return false
}

// brandOwns reports whether domain belongs to brand.
func brandOwns(brand, domain string) bool {
	if slices.Contains(brands[brand], domain) {
		return true
	}
	label, _, _ := strings.Cut(domain, ".")
	return label == brand
}

// lookalike names the brand a host imitates, or "".
func lookalike(host, domain string) (brand, why string) {
	if isIPLiteral(host) {
		return "", ""
	}
	if strings.Contains(host, "xn--") {
		return "punycode", "internationalised (punycode) name that can imitate another"
	}
	label, _, _ := strings.Cut(domain, ".")
	type part struct {
		s   string
		alt [2]string
	}
	var buf [4]part
	parts := buf[:0]
	for p := range strings.SplitSeq(label, "-") {
		parts = append(parts, part{p, deleet(p)})
	}
	sub := strings.TrimSuffix(strings.TrimSuffix(host, domain), ".")
	for _, b := range sortedBrands {
		if len(b) >= 4 && label != b {
			for _, p := range parts {
				switch {
				case p.s != b && (p.alt[0] == b || p.alt[1] == b):
					why = "spells " + b + " with look-alike characters"
				case len(b) >= 6 && editDistance1(p.s, b):
					why = "is one letter away from " + b
				case p.s == b:
					why = "uses the name " + b + " in a domain that is not " + b + "'s"
				default:
					continue
				}
				if !brandOwns(b, domain) {
					return b, why
				}
			}
		}
		// brand.com.evil.example: the brand's own domain name used as a
		// subdomain of someone else's domain.
		if i := strings.Index(sub, b+"."); i >= 0 && (i == 0 || sub[i-1] == '.') && !brandOwns(b, domain) {
			rest := sub[i+len(b)+1:]
			next, _, _ := strings.Cut(rest, ".")
			if _, icann := publicsuffix.PublicSuffix(next); icann && next != "" && len(next) <= 3 {
				return b, "puts " + b + "." + next + " in front of an unrelated domain"
			}
		}
	}
	return "", ""
}

var sortedBrands = func() []string {
	var bs []string
	for b := range brands {
		bs = append(bs, b)
	}
	slices.Sort(bs)
	return bs
}()

// editDistance1 reports whether a and b differ by exactly one edit.
func editDistance1(a, b string) bool {
	if a == b {
		return false
	}
	la, lb := len(a), len(b)
	if la-lb > 1 || lb-la > 1 {
		return false
	}
	i := 0
	for i < la && i < lb && a[i] == b[i] {
		i++
	}
	switch {
	case la == lb:
		return a[i+1:] == b[i+1:] || (i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:])
	case la > lb:
		return a[i+1:] == b[i:]
	default:
		return a[i:] == b[i+1:]
	}
}

func sigLookalike(a *analysis) (float64, string) {
	seen := map[string]bool{}
	var why []string
	for _, l := range a.m.Links {
		if seen[l.Host] {
			continue
		}
		seen[l.Host] = true
		if b, reason := lookalike(l.Host, l.Domain); b != "" {
			why = append(why, fmt.Sprintf("link to %s %s", l.Host, reason))
		}
	}
	if d := a.m.FromDomain; d != "" {
		if b, reason := lookalike(d, registrable(d)); b != "" {
			why = append(why, fmt.Sprintf("sender domain %s %s", d, reason))
		} else if c := cousinDomain(a); c != "" {
			why = append(why, c)
		}
	}
	if len(why) == 0 {
		return 0, ""
	}
	return 3, strings.Join(why[:min(len(why), 3)], "; ")
}

// cousinDomain describes how the sender's domain imitates another party of
// the conversation, the mark of business email compromise from a
// registered look-alike ("cousin") domain: one letter away from a
// recipient's domain or from a domain the text names (the quoted thread, a
// signature), or a capitalised name the message itself signs with, spelt
// with a look-alike letter ("northgate-packaglng.co" signing "Northgate
// Packaging"). Hyphens and the top-level domain are not counted: a company's
// own domains differ in those.
func cousinDomain(a *analysis) string {
	fd := registrable(a.m.FromDomain)
	if fd == "" || freemail[fd] || isIPLiteral(fd) {
		return ""
	}
	label, _, _ := strings.Cut(fd, ".")
	flat := strings.ReplaceAll(label, "-", "")
	text := a.text
	if len(text) > maxCousinText {
		text = text[:maxCousinText]
	}
	var buf [maxRecipientDomains]string
	ds := append(buf[:0], a.m.RecipientDomains...)
	ds = addrDomains(ds, text, cap(buf))
	for _, d := range ds {
		rd := registrable(d)
		if rd == "" || rd == fd {
			continue
		}
		rl, _, _ := strings.Cut(rd, ".")
		rl = strings.ReplaceAll(rl, "-", "")
		if rl != flat && (len(flat) >= 6 && editDistance1(flat, rl) || len(flat) >= 4 && confusable(flat, rl)) {
			return fmt.Sprintf("sender domain %s imitates %s, another domain of this conversation", fd, rd)
		}
	}
	// Capitalised words of the text, alone and in pairs, against the
	// label's hyphenated parts and the whole label. A part the text also
	// spells as it is ("Modern Interiors" from modern-interiors.com) is
	// the sender's own name, whatever else the text says ("Modem").
	var parts [4]string
	np := 0
	for p := range strings.SplitSeq(label, "-") {
		if np < len(parts) && len(p) >= 5 {
			parts[np] = p
			np++
		}
	}
	var hit [len(parts) + 1]string // per part, then the whole label
	var own [len(parts) + 1]bool
	var pair [2 * maxCousinWord]byte
	prev := ""
	for i := 0; i < len(text); {
		if !isAlnumByte(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && isAlnumByte(text[j]) {
			j++
		}
		w := text[i:j]
		i = j
		if len(w) > maxCousinWord {
			prev = ""
			continue
		}
		for k, p := range parts[:np] {
			if strings.EqualFold(p, w) {
				own[k] = true
			} else if hit[k] == "" && w[0] >= 'A' && w[0] <= 'Z' && confusable(p, w) {
				hit[k] = w
			}
		}
		if prev != "" && len(flat) >= 8 {
			b := append(append(pair[:0], prev...), w...)
			if equalFoldASCII(flat, b) {
				own[np] = true
			} else if hit[np] == "" && confusable(flat, b) {
				hit[np] = prev + " " + w
			}
		}
		prev = ""
		if w[0] >= 'A' && w[0] <= 'Z' {
			prev = w
		}
	}
	for k := range np + 1 {
		if hit[k] != "" && !own[k] && !(k < np && own[np]) {
			if k == np {
				return fmt.Sprintf("sender domain %s spells the name %q with a look-alike letter", fd, hit[k])
			}
			return fmt.Sprintf("sender domain %s spells %q with a look-alike letter", fd, hit[k])
		}
	}
	return ""
}

// maxCousinText is how much text cousinDomain reads, maxCousinWord the
// longest word it compares.
const (
	maxCousinText = 16 << 10
	maxCousinWord = 40
)

// confusable reports whether a and b (ASCII; case is ignored) differ but
// read alike: the same after folding 1, i and | to l, 0 to o, rn to m and
// vv to w.
func confusable[A, B ~string | ~[]byte](a A, b B) bool {
	if len(a) < len(b)-2 || len(a) > len(b)+2 {
		return false
	}
	i, j, same := 0, 0, len(a) == len(b)
	for i < len(a) && j < len(b) {
		if same && lowerASCII(a[i]) != lowerASCII(b[j]) {
			same = false
		}
		ca, ni := nextFold(a, i)
		cb, nj := nextFold(b, j)
		if ca != cb {
			return false
		}
		if ni-i != nj-j {
			same = false
		}
		i, j = ni, nj
	}
	return i == len(a) && j == len(b) && !same
}

// equalFoldASCII is strings.EqualFold for ASCII, for strings and bytes.
func equalFoldASCII[A, B ~string | ~[]byte](a A, b B) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// nextFold returns the folded letter at s[i] and where the next one starts.
func nextFold[S ~string | ~[]byte](s S, i int) (byte, int) {
	c := lowerASCII(s[i])
	if i+1 < len(s) {
		d := lowerASCII(s[i+1])
		switch {
		case c == 'r' && d == 'n':
			return 'm', i + 2
		case c == 'v' && d == 'v':
			return 'w', i + 2
		}
	}
	switch c {
	case '1', 'i', '|':
		c = 'l'
	case '0':
		c = 'o'
	}
	return c, i + 1
}

// domainInText finds the first domain-looking word in link text.
func domainInText(text string) string {
	for w := range strings.FieldsSeq(strings.ToLower(text)) {
		w = strings.Trim(w, ".,;:!?()[]<>\"'")
		w = strings.TrimPrefix(strings.TrimPrefix(w, "https://"), "http://")
		if i := strings.IndexAny(w, "/?#"); i >= 0 {
			w = w[:i]
		}
		if i := strings.LastIndexByte(w, '@'); i >= 0 {
			continue // an address, not a site
		}
		if !strings.Contains(w, ".") || strings.Contains(w, "..") || len(w) < 4 {
			continue
		}
		if isIPLiteral(w) {
			return w
		}
		tld := w[strings.LastIndexByte(w, '.')+1:]
		if len(tld) < 2 || len(tld) > 6 {
			continue
		}
		ok := true
		for _, c := range tld {
			if c < 'a' || c > 'z' {
				ok = false
			}
		}
		if !ok {
			continue
		}
		if !commonTLD(tld) {
			continue
		}
		if d := registrable(w); strings.Contains(d, ".") && d != tld {
			return w
		}
	}
	return ""
}

func sigLinkMismatch(a *analysis) (float64, string) {
	for _, l := range a.m.Links {
		if !l.HTML || l.Text == "" {
			continue
		}
		named := domainInText(l.Text)
		if named == "" {
			continue
		}
		nd := registrable(named)
		if nd == l.Domain {
			continue
		}
		// Click-tracking redirects make this common in honest newsletters:
		// weak alone, strong when the target is hidden or the text names a brand.
		w := 1.0
		if b, _ := lookalike(l.Host, l.Domain); b != "" || isIPLiteral(l.Host) || shorteners[l.Domain] ||
			(isBrandDomain(nd) || isOfficialDomain(nd)) && !redirectors[l.Domain] {
			w = 3.5
		}
		return w, fmt.Sprintf("link text says %s, link goes to %s", named, l.Host)
	}
	return 0, ""
}

// isOfficialDomain reports whether d (a registrable domain) is a
// government's: under gov, mil, or a country's gov/gob/gouv/govt/go/gc
// second level (turkiye.gov.tr, impots.gouv.fr, nta.go.jp), or one of a few
// national portals named otherwise.
func isOfficialDomain(d string) bool {
	labels := strings.Split(d, ".")
	for _, l := range labels[1:] {
		switch l {
		case "gov", "mil", "gob", "gouv", "govt", "go", "gc", "gv":
			return true
		}
	}
	switch d {
	case "europa.eu", "bund.de", "admin.ch", "service-public.fr", "gov.uk", "belgium.be", "overheid.nl", "gov.pl":
		return true
	}
	return false
}

// redirectors are the link-tracking and link-protection services whose
// links carry their destination in the query: e-mail service providers,
// search engines and social networks, mail security gateways. Their
// redirects are how honest newsletters count clicks, not open redirects.
var redirectors = map[string]bool{
	"list-manage.com": true, "mailchimp.com": true, "mailchi.mp": true, "sendgrid.net": true, "mailgun.org": true,
	"mandrillapp.com": true, "sparkpostmail.com": true, "rs6.net": true, "constantcontact.com": true,
	"exacttarget.com": true, "hubspotlinks.com": true, "hubspot.com": true, "hs-sites.com": true, "klaviyo.com": true,
	"klclick.com": true, "klclick1.com": true, "createsend.com": true, "cmail19.com": true, "cmail20.com": true,
	"mjt.lu": true, "sendibt2.com": true, "sendibt3.com": true, "brevo.com": true, "sendinblue.com": true,
	"substack.com": true, "convertkit.com": true, "ck.page": true, "mailerlite.com": true, "mlsend.com": true,
	"aweber.com": true, "getresponse.com": true, "awstrack.me": true, "govdelivery.com": true, "doubleclick.net": true,
	"google.com": true, "youtube.com": true, "facebook.com": true, "linkedin.com": true, "twitter.com": true,
	"x.com": true, "bing.com": true, "yandex.ru": true, "outlook.com": true, "office.com": true, "urldefense.com": true,
	"proofpoint.com": true, "mimecast.com": true, "mimecastprotect.com": true, "barracudanetworks.com": true,
	"safelinks.protection.outlook.com": true, "salesforce.com": true, "pardot.com": true, "marketo.com": true,
	"mktoweb.com": true, "eloqua.com": true, "intercom.io": true, "customer.io": true, "postmarkapp.com": true,
	"mailjet.com": true, "emlfiles.com": true, "campaign-archive.com": true,
}

// embeddedTarget returns the host of a URL carried in the query of rawURL
// ("...?target=https%3A%2F%2Fevil.example%2F"), or "".
func embeddedTarget(rawURL string) string {
	q := strings.IndexByte(rawURL, '?')
	if q < 0 {
		return ""
	}
	rest := rawURL[q+1:]
	for range 2 { // encoded once or twice
		i := indexFold(rest, "http")
		if i < 0 {
			return ""
		}
		r := rest[i+4:]
		if len(r) > 0 && (r[0] == 's' || r[0] == 'S') {
			r = r[1:]
		}
		for _, sep := range []string{"://", "%3a%2f%2f", "%253a%252f%252f"} {
			if len(r) >= len(sep) && strings.EqualFold(r[:len(sep)], sep) {
				h := r[len(sep):]
				end := 0
				for end < len(h) && (isAlnumByte(h[end]) || h[end] == '.' || h[end] == '-') {
					end++
				}
				if host := strings.ToLower(strings.Trim(h[:end], ".-")); strings.Contains(host, ".") {
					return host
				}
			}
		}
		rest = r
	}
	return ""
}

// indexFold is strings.Index ignoring ASCII case, for a lower-case sub.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// sigOpenRedirect: a link that passes through a site unrelated to the
// sender on its way to a third one (an open redirect, or a compromised
// site's redirect script). Phishers use them so that the link a reader or a
// filter sees belongs to a harmless-looking site. Links through the sender's
// own domain or a known link-tracking service (redirectors) do not count.
//
// Newsletters (List-Unsubscribe or List-Id) are left out: their e-mail
// service's click tracking is the same shape, and no list of such services
// is complete. So is a link through the sender's own name under another
// top-level domain (imakenews.com for mail from imakenews.net).
func sigOpenRedirect(a *analysis) (float64, string) {
	if a.m.ListUnsubscribe != "" || a.m.ListID != "" {
		return 0, ""
	}
	fd := registrable(a.m.FromDomain)
	flabel, _, _ := strings.Cut(fd, ".")
	for i, l := range a.m.Links {
		if i >= 64 {
			break
		}
		if l.Domain == fd || redirectors[l.Domain] || redirectors[l.Host] {
			continue
		}
		if label, _, _ := strings.Cut(l.Domain, "."); label == flabel {
			continue
		}
		t := embeddedTarget(l.URL)
		if t == "" {
			continue
		}
		td := registrable(t)
		if td == "" || td == l.Domain || td == fd {
			continue
		}
		return 2, fmt.Sprintf("link goes through %s to %s", l.Host, t)
	}
	return 0, ""
}

func sigManyDomains(a *analysis) (float64, string) {
	var ds []string
	for _, l := range a.m.Links {
		if !slices.Contains(ds, l.Domain) {
			ds = append(ds, l.Domain)
		}
	}
	switch {
	case len(ds) >= 10:
		return 1, fmt.Sprintf("links to %d different domains: %s", len(ds), quoteList(ds, 5))
	case len(ds) >= 6:
		return 0.5, fmt.Sprintf("links to %d different domains: %s", len(ds), quoteList(ds, 5))
	}
	return 0, ""
}

// unixScriptWeight is what a "#!" script attachment without a risky file
// name weighs: unusual in mail, not able to run itself, so not enough to
// hold a message on its own.
const unixScriptWeight = 3

func sigAttachment(a *analysis) (float64, string) {
	var w float64
	var why []string
	for _, at := range a.m.Attachments {
		name := at.Filename
		if name == "" {
			name = "unnamed attachment"
		}
		web := htmlAttachment(name)
		switch {
		case at.Executable:
			w = max(w, 8)
			d := fmt.Sprintf("%s is executable (%s)", name, at.SniffedType)
			if at.Inner != "" {
				d = fmt.Sprintf("%s contains %s", name, at.Inner)
			}
			why = append(why, d)
		case at.Macro:
			w = max(w, 5)
			why = append(why, fmt.Sprintf("%s is an Office document with macros", name))
		case at.SniffedType == "text/x-script":
			w = max(w, unixScriptWeight)
			why = append(why, fmt.Sprintf("%s is a script (%s) under a name no mail reader runs", name, at.SniffedType))
		case at.Active:
			// A web page or SVG that runs script, posts a form or
			// redirects: a phishing page or a downloader, whatever it
			// is called.
			w = max(w, 5)
			why = append(why, fmt.Sprintf("%s is a web page or image that runs script, submits a form or redirects", name))
		case web != "":
			// A web page as an attachment opens in the browser, outside the
			// mail reader's protections: today's usual carrier of a fake
			// sign-in form. Under a document's name (invoice.pdf.html) it
			// also lies about what it is.
			switch {
			case strings.Contains(strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), web), "."):
				w = max(w, 5)
				why = append(why, fmt.Sprintf("%s is a web page disguised as a document", name))
			default:
				w = max(w, 3)
				why = append(why, fmt.Sprintf("%s is a web page (it opens in a browser)", name))
			}
		case mismatchedType(at):
			w = max(w, 2)
			why = append(why, fmt.Sprintf("%s claims to be %s but is %s", name, at.DeclaredType, at.SniffedType))
		}
	}
	return w, strings.Join(why[:min(len(why), 3)], "; ")
}

// htmlAttachment returns the extension of a web-page file name (.html,
// .htm, .shtml, .xhtml, .svg, .mht, .mhtml), or "".
func htmlAttachment(name string) string {
	ext := strings.ToLower(path.Ext(strings.TrimSpace(name)))
	switch ext {
	case ".html", ".htm", ".shtml", ".xhtml", ".svg", ".mht", ".mhtml":
		return ext
	}
	return ""
}

// mismatchedType reports a declared document or image type whose bytes say
// something else that matters (an archive or program).
func mismatchedType(at Attachment) bool {
	d, s := at.DeclaredType, at.SniffedType
	if at.Size == 0 || d == s {
		return false
	}
	claimsHarmless := strings.HasPrefix(d, "image/") || d == "application/pdf" || strings.HasPrefix(d, "text/")
	risky := s == "application/zip" || s == "application/x-rar" || s == "application/x-7z-compressed" ||
		s == "application/x-ole-storage" || s == "application/x-iso9660-image" || strings.Contains(s, "openxmlformats")
	return claimsHarmless && risky
}

func sigHiddenText(a *analysis) (float64, string) {
	h := strings.Join(strings.Fields(a.m.HiddenText), " ")
	letters, _ := caseCounts(h)
	if letters < 30 {
		return 0, ""
	}
	w := 1.5
	if letters > 300 {
		w = 2.5
	}
	return w, fmt.Sprintf("%d letters of text hidden from the reader, e.g. %q", letters, truncate(h, 60))
}

func sigHTMLOnly(a *analysis) (float64, string) {
	if a.m.HasHTML && !a.m.HasPlain {
		return 0.5, "HTML body without a plain-text alternative"
	}
	return 0, ""
}

func sigImageOnly(a *analysis) (float64, string) {
	n := 0
	for _, im := range a.m.Images {
		if !im.Tiny {
			n++
		}
	}
	if n == 0 || a.words >= 25 {
		return 0, ""
	}
	return 2, fmt.Sprintf("%d images and only %d words of text", n, a.words)
}

func sigBulkNoUnsubscribe(a *analysis) (float64, string) {
	if a.m.ListUnsubscribe != "" || a.m.ListID != "" {
		// A mailing-list manager's mail; its footer handles unsubscribing.
		return 0, ""
	}
	var why string
	switch {
	case a.m.Precedence == "bulk" || a.m.Precedence == "list" || a.m.Precedence == "junk":
		why = "Precedence: " + a.m.Precedence
	case len(a.hits[catMarketing]) > 0 && containsAny(a.hits[catMarketing], "to be removed", "remove from list", "you are receiving this", "email addresses", "bulk email"):
		why = "the text talks of removal from a mailing list"
	case a.m.HasHTML && countHTMLLinks(a.m) >= 5 && strings.Contains(strings.ToLower(a.text), "unsubscribe"):
		why = "newsletter-style HTML with an unsubscribe link in the body"
	default:
		return 0, ""
	}
	return 1, "looks like bulk mail (" + why + ") but has no List-Unsubscribe header"
}

func containsAny(xs []string, ys ...string) bool {
	for _, y := range ys {
		if slices.Contains(xs, y) {
			return true
		}
	}
	return false
}

func countHTMLLinks(m *Message) int {
	n := 0
	for _, l := range m.Links {
		if l.HTML {
			n++
		}
	}
	return n
}

func sigFromImpersonation(a *analysis) (float64, string) {
	m := a.m
	if m.FromName == "" {
		return 0, ""
	}
	fromDom := registrable(m.FromDomain)
	// A domain or address in the display name that is not the sender's.
	if named := domainInText(strings.ReplaceAll(m.FromName, "@", " @")); named != "" {
		if nd := registrable(named); nd != fromDom && fromDom != "" {
			return 2.5, fmt.Sprintf("sender name %q names %s but the mail comes from %s", truncate(m.FromName, 60), nd, m.FromDomain)
		}
	}
	if i := strings.IndexByte(m.FromName, '@'); i >= 0 {
		d := domainOf(strings.Trim(m.FromName, `"'<> `))
		if j := strings.LastIndexByte(d, '.'); j > 0 && commonTLD(d[j+1:]) && registrable(d) != fromDom && fromDom != "" {
			return 2.5, fmt.Sprintf("sender name %q names %s but the mail comes from %s", truncate(m.FromName, 60), d, m.FromDomain)
		}
	}
	var t tokenizer
	var found string
	t.each(m.FromName, func(tok []byte, _ string) {
		if found == "" {
			if _, ok := brands[string(tok)]; ok {
				found = string(tok)
			}
		}
	})
	if found != "" && fromDom != "" && !brandOwns(found, fromDom) {
		return 3, fmt.Sprintf("sender name %q names %s but the mail comes from %s", truncate(m.FromName, 60), found, m.FromDomain)
	}
	return 0, ""
}

var freemail = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "yahoo.com": true, "hotmail.com": true, "outlook.com": true, "live.com": true,
	"aol.com": true, "mail.ru": true, "yandex.ru": true, "protonmail.com": true, "proton.me": true, "gmx.com": true,
	"gmx.net": true, "icloud.com": true, "qq.com": true, "163.com": true, "zoho.com": true, "msn.com": true,
}

func sigReplyTo(a *analysis) (float64, string) {
	m := a.m
	if m.ReplyTo == "" || m.FromAddr == "" {
		return 0, ""
	}
	rd, fd := registrable(domainOf(m.ReplyTo)), registrable(m.FromDomain)
	if rd == "" || fd == "" || rd == fd {
		return 0, ""
	}
	if freemail[rd] && !freemail[fd] {
		return 1.5, fmt.Sprintf("replies go to a free-mail address (%s), not to the sender's domain %s", m.ReplyTo, m.FromDomain)
	}
	if m.ListID != "" || m.Precedence == "list" || m.Precedence == "bulk" {
		return 0, "" // mailing lists send replies to the list
	}
	return 0.5, fmt.Sprintf("replies go to %s, not to the sender's domain %s", m.ReplyTo, m.FromDomain)
}

func sigMalformed(a *analysis) (float64, string) {
	if len(a.m.Problems) == 0 {
		return 0, ""
	}
	return 0.5, "scored on what could be read: " + strings.Join(a.m.Problems[:min(len(a.m.Problems), 4)], "; ")
}

// isRandomToken reports a token that reads as machine-made noise: letters and
// digits interleaved (7099ocYT9, adcilt8018n07) or erratic capitals
// (aFTkNqJnKdMfZ). Spammers add such tags to make each copy unique.
func isRandomToken(w string) bool {
	if len(w) < 6 || len(w) > 60 {
		return false
	}
	var letters, digits, classSwitch, caseSwitch int
	prevClass, prevUpper := 0, -1
	for i := 0; i < len(w); i++ {
		c := w[i]
		class := 0
		switch {
		case c >= '0' && c <= '9':
			class = 1
			digits++
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			class = 2
			letters++
			up := 0
			if c <= 'Z' {
				up = 1
			}
			if prevUpper == 0 && up == 1 { // lower to upper: once per word in CamelCase
				caseSwitch++
			}
			prevUpper = up
		default:
			return false
		}
		if prevClass != 0 && class != prevClass {
			classSwitch++
		}
		prevClass = class
	}
	return digits >= 2 && letters >= 2 && classSwitch >= 3 || letters >= 8 && caseSwitch >= 4 && caseSwitch*4 >= letters
}

func sigRandomTag(a *analysis) (float64, string) {
	subj := a.m.Subject
	if i := strings.Index(subj, "     "); i >= 0 {
		if tag := strings.TrimSpace(subj[i:]); tag != "" && !strings.Contains(tag, " ") {
			return 1.5, fmt.Sprintf("subject padded with spaces to hide a tag: %q", truncate(tag, 40))
		}
	}
	for w := range strings.FieldsFuncSeq(subj, func(r rune) bool { return unicode.IsSpace(r) || r == '-' || r == '_' }) {
		w = strings.Trim(w, ".,;:!?()[]\"'")
		if isRandomToken(w) {
			// Honest booking references look alike: weak on its own.
			return 1, fmt.Sprintf("random tag in the subject: %q", truncate(w, 40))
		}
	}
	if at := strings.IndexByte(a.m.FromAddr, '@'); at > 0 && isRandomToken(a.m.FromAddr[:at]) {
		return 1, fmt.Sprintf("random-looking sender address %s", a.m.FromAddr)
	}
	return 0, ""
}

// callbackCharge are the callback phrases that report a charge; the others
// offer the way out.
var callbackCharge = map[string]bool{
	"did not authorize": true, "didn't authorize": true, "not authorized by you": true, "did not make this": true,
	"didn't make this": true, "not made by you": true, "do not recognize": true, "don't recognize": true,
	"did not place": true, "didn't place": true, "automatically renewed": true, "auto-renewal": true,
	"has been renewed": true, "been charged": true, "will be charged": true, "has been deducted": true,
	"will be deducted": true,
}

// walletAddress returns the first Bitcoin (legacy or bech32) or Ethereum
// address in the first 64 KiB of text, or "".
func walletAddress(text string) string {
	if len(text) > 64<<10 {
		text = text[:64<<10]
	}
	return walletRE.FindString(text)
}

var walletRE = regexp.MustCompile(`\b(?:bc1[ac-hj-np-z02-9]{25,59}|[13][a-km-zA-HJ-NP-Z1-9]{25,34}|0x[0-9a-fA-F]{40})\b`)

// phoneNumber returns the first phone number in the first 64 KiB of text
// (10 to 13 digits, with the separators people write), and whether it is
// a North American toll-free number (800, 833, 844, 855, 866, 877, 888) or
// a European 0800/0808 one.
func phoneNumber(text string) (string, bool) {
	if len(text) > 64<<10 {
		text = text[:64<<10]
	}
	for _, loc := range phoneRE.FindAllStringIndex(text, 8) {
		p := strings.TrimSpace(text[loc[0]:loc[1]])
		var d []byte
		for i := 0; i < len(p); i++ {
			if p[i] >= '0' && p[i] <= '9' {
				d = append(d, p[i])
			}
		}
		if len(d) < 10 || len(d) > 13 {
			continue
		}
		n := string(d)
		n = strings.TrimPrefix(n, "1")
		toll := false
		for _, pre := range []string{"800", "833", "844", "855", "866", "877", "888"} {
			if strings.HasPrefix(n, pre) && len(n) == 10 {
				toll = true
			}
		}
		if strings.HasPrefix(string(d), "0800") || strings.HasPrefix(string(d), "0808") {
			toll = true
		}
		return p, toll
	}
	return "", false
}

var phoneRE = regexp.MustCompile(`\+?\(?\d[\d ().\-]{8,18}\d`)
