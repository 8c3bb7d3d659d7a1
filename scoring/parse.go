package scoring

import (
	"bufio"
	"bytes"
	"errors"
	"hash/maphash"
	"io"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // registers the common legacy charsets with go-message
	"golang.org/x/net/publicsuffix"
)

// Limits bound the work and memory spent on one message. Whatever lies past a
// limit is not read; the message is then scored on what was read and flagged.
const (
	maxHeaderBytes     = 256 << 10 // one message's header block
	maxTextPerPart     = 1 << 20   // decoded bytes kept from one text part
	maxTextTotal       = 2 << 20   // decoded text bytes kept from all parts
	maxSniffBytes      = 64 << 10  // bytes of an attachment kept for type sniffing
	maxAttachmentCount = 4 << 20   // bytes of an attachment counted for its size
	maxParts           = 100       // MIME parts visited
	maxDepth           = 8         // multipart nesting
	maxLinks           = 500       // links kept
	maxImages          = 200       // images kept
)

// Message is what Parse could read of one RFC 5322 message: decoded headers that
// matter for scoring, visible text, links, images and attachments.
type Message struct {
	Subject    string
	FromName   string // display name of From, decoded
	FromAddr   string // address of From, lower case
	FromDomain string // domain of From, lower case
	ReplyTo    string // address of Reply-To, lower case
	// RecipientDomains are the domains of the To and Cc addresses, lower
	// case, each once (at most maxRecipientDomains).
	RecipientDomains []string
	Charset          string // charset of the first text part, lower case
	// Bulk-mail headers.
	ListUnsubscribe string
	ListID          string
	Precedence      string

	PlainText  string // decoded text/plain parts
	HTMLText   string // visible text of text/html parts
	HiddenText string // text of HTML elements a reader does not see
	HasPlain   bool
	HasHTML    bool

	Links       []Link
	Images      []Image
	Attachments []Attachment

	// Problems lists what could not be read (broken MIME, unknown charset,
	// truncated parts...). A message with problems is Malformed.
	Problems []string

	// joined caches Text() for the lengths in text (a 1 MB message is read
	// by several signals; joining it each time cost a copy each).
	joined string
	text   *[2]int
	// recipBuf holds the first RecipientDomains (most messages have few).
	recipBuf [2]string
}

// Link is one hyperlink of a message.
type Link struct {
	URL    string `json:"url"`
	Host   string `json:"host"`   // lower case host, without port
	Domain string `json:"domain"` // registrable domain (eTLD+1) of Host, or Host for IP literals
	Text   string `json:"text,omitempty"`
	HTML   bool   `json:"-"` // found in an HTML href (as opposed to bare text)
}

// Image is an <img> of an HTML part or an image attachment.
type Image struct {
	Src  string
	Tiny bool // 1x1-style tracking pixel
}

// Attachment is a non-text part of a message.
type Attachment struct {
	Filename     string `json:"filename,omitempty"`
	DeclaredType string `json:"declared_type"`
	SniffedType  string `json:"sniffed_type"` // from the magic bytes
	Size         int    `json:"size"`         // decoded size, counted up to a limit
	Executable   bool   `json:"executable,omitempty"`
	Macro        bool   `json:"macro,omitempty"`
	Inner        string `json:"inner,omitempty"` // a suspicious file name found inside an archive
	// Active: a web page or SVG image that runs script, submits a form or
	// redirects (in its sniffed prefix).
	Active bool `json:"active,omitempty"`
}

// Malformed reports whether part of the message could not be read.
func (m *Message) Malformed() bool { return len(m.Problems) > 0 }

// Text returns all visible text: the plain parts, then the visible HTML text.
func (m *Message) Text() string {
	if m.text != nil && *m.text == [2]int{len(m.PlainText), len(m.HTMLText)} {
		return m.joined
	}
	switch {
	case m.PlainText == "":
		return m.HTMLText
	case m.HTMLText == "":
		return m.PlainText
	}
	return m.PlainText + "\n" + m.HTMLText
}

func (m *Message) problem(p string) {
	for _, q := range m.Problems {
		if q == p {
			return
		}
	}
	if len(m.Problems) < 20 {
		m.Problems = append(m.Problems, p)
	}
}

type parser struct {
	msg       *Message
	parts     int
	textBytes int
	// The plain parts, kept as read and joined by finish (one part, the
	// usual case, is not copied); plainLen is the length of their join.
	plain     []string
	plainLen  int
	html      strings.Builder
	hidden    strings.Builder
	seenLinks map[string]bool
}

// Parse reads one message. It never fails: whatever cannot be read is recorded
// in Message.Problems, and the rest is returned.
func Parse(raw []byte) *Message {
	p := &parser{msg: &Message{}}
	p.parse(raw)
	return p.msg
}

func (p *parser) parse(raw []byte) {
	m := p.msg
	if !utf8.Valid(raw) {
		// 8-bit junk is common in old mail; only a problem where it is undeclared,
		// which the charset decoder sorts out. Nothing to flag here.
		_ = raw
	}
	ent, err := message.ReadWithOptions(bytes.NewReader(raw), &message.ReadOptions{MaxHeaderBytes: maxHeaderBytes})
	if ent == nil {
		// The header could not be read as a whole: salvage it line by line and
		// take the rest as plain text.
		m.problem("unreadable header: " + shortErr(err))
		hdr, body := splitHeader(raw)
		h := lenientHeader(hdr)
		p.headers(h)
		p.addText(string(toValidUTF8(body)), false)
		p.finish()
		return
	}
	if err != nil {
		p.noteEntityErr(err)
	}
	p.headers(ent.Header)
	p.entity(ent, 0)
	p.finish()
}

func (p *parser) finish() {
	m := p.msg
	switch len(p.plain) {
	case 0:
	case 1:
		m.PlainText = p.plain[0]
	default:
		m.PlainText = strings.Join(p.plain, "")
	}
	m.HTMLText = p.html.String()
	m.HiddenText = p.hidden.String()
	m.joined = m.Text()
	m.text = &[2]int{len(m.PlainText), len(m.HTMLText)}
}

func shortErr(err error) string {
	if err == nil {
		return "unknown error"
	}
	s := err.Error()
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

func (p *parser) noteEntityErr(err error) {
	switch {
	case message.IsUnknownCharset(err):
		p.msg.problem("unknown charset")
	case message.IsUnknownEncoding(err):
		p.msg.problem("unknown transfer encoding")
	default:
		p.msg.problem("bad MIME part: " + shortErr(err))
	}
}

// headers extracts the header fields that matter.
func (p *parser) headers(h message.Header) {
	m := p.msg
	if s, err := h.Text("Subject"); err == nil {
		m.Subject = clean(s)
	} else {
		m.Subject = clean(h.Get("Subject"))
	}
	m.FromName, m.FromAddr = parseAddr(h, "From")
	m.FromDomain = domainOf(m.FromAddr)
	_, m.ReplyTo = parseAddr(h, "Reply-To")
	m.RecipientDomains = addrDomains(m.recipBuf[:0], h.Get("To"), maxRecipientDomains)
	m.RecipientDomains = addrDomains(m.RecipientDomains, h.Get("Cc"), maxRecipientDomains)
	m.ListUnsubscribe = h.Get("List-Unsubscribe")
	m.ListID = h.Get("List-Id")
	m.Precedence = strings.ToLower(strings.TrimSpace(h.Get("Precedence")))
}

// maxRecipientDomains bounds Message.RecipientDomains.
const maxRecipientDomains = 20

// addrDomains appends to ds, up to n, the distinct lower-case domains after
// each '@' of s (an address header, read leniently: any list, any
// quoting).
func addrDomains(ds []string, s string, n int) []string {
	for len(ds) < n {
		i := strings.IndexByte(s, '@')
		if i < 0 {
			break
		}
		s = s[i+1:]
		j := 0
		for j < len(s) && j < 255 && (isAlnumByte(s[j]) || s[j] == '.' || s[j] == '-') {
			j++
		}
		d := strings.ToLower(strings.Trim(s[:j], ".-"))
		s = s[j:]
		if strings.Contains(d, ".") && !slices.Contains(ds, d) {
			ds = append(ds, d)
		}
	}
	return ds
}

func clean(s string) string {
	return strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
}

// parseAddr returns the decoded display name and lower-case address of the
// first address of header field key, leniently.
func parseAddr(h message.Header, key string) (name, addr string) {
	v := h.Get(key)
	if v == "" {
		return "", ""
	}
	dec := wordDecoder
	if a, err := addrParser.Parse(v); err == nil {
		return clean(a.Name), strings.ToLower(a.Address)
	}
	if d, err := dec.DecodeHeader(v); err == nil {
		v = d
	}
	v = clean(v)
	// Lenient: "Name <addr>" or a bare address somewhere.
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		name = strings.Trim(strings.TrimSpace(v[:i]), `"'`)
		rest := v[i+1:]
		if j := strings.IndexByte(rest, '>'); j >= 0 {
			rest = rest[:j]
		}
		return name, strings.ToLower(strings.TrimSpace(rest))
	}
	for _, f := range strings.Fields(v) {
		if strings.Contains(f, "@") {
			return strings.TrimSpace(strings.Replace(v, f, "", 1)), strings.ToLower(strings.Trim(f, `"'<>(),;`))
		}
	}
	return v, ""
}

// The decoder and parser of parseAddr hold no state of their own: one of each
// serves all.
var (
	wordDecoder = &mime.WordDecoder{CharsetReader: message.CharsetReader}
	addrParser  = &mail.AddressParser{WordDecoder: wordDecoder}
)

func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.Trim(strings.ToLower(addr[i+1:]), ".>] ")
}

// registrable returns the eTLD+1 of host, or host itself for IP literals and
// names the public suffix list cannot split.
func registrable(host string) string {
	if host == "" {
		return host
	}
	// Ask the cache first: the same few domains come back in every message
	// (the sender's, its links'), and the public suffix list allocates for
	// each name it is asked about.
	slot := &regCache[maphash.String(regSeed, host)%uint64(len(regCache))]
	if e := slot.Load(); e != nil && e.host == host {
		return e.reg
	}
	h := strings.Clone(host) // host may be a slice of a large message
	e := &regEntry{host: h, reg: registrableUncached(h)}
	slot.Store(e)
	return e.reg
}

// regCache holds answers of registrable (a pure function), one per slot,
// the last host that hashed to it: bounded, and safe for concurrent use.
var (
	regCache [1024]atomic.Pointer[regEntry]
	regSeed  = maphash.MakeSeed()
)

type regEntry struct{ host, reg string }

func registrableUncached(host string) string {
	if host == "" || isIPLiteral(host) {
		return host
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return d
}

func (p *parser) entity(e *message.Entity, depth int) {
	m := p.msg
	p.parts++
	if p.parts > maxParts {
		m.problem("too many MIME parts")
		return
	}
	mt, params, err := e.Header.ContentType()
	if err != nil {
		if e.Header.Get("Content-Type") != "" {
			m.problem("bad Content-Type")
		}
		mt = guessType(e.Header.Get("Content-Type"))
	}
	if mt == "" {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		if depth >= maxDepth {
			m.problem("MIME nesting too deep")
			return
		}
		mr := e.MultipartReader()
		if mr == nil || params["boundary"] == "" {
			m.problem("multipart without boundary")
			p.addText(readCapped(e.Body, maxTextPerPart, m), false)
			return
		}
		n := 0
		for {
			part, err := mr.NextPart()
			if part == nil {
				if err != nil && !errors.Is(err, io.EOF) {
					m.problem("broken MIME boundary")
				}
				break
			}
			if err != nil {
				p.noteEntityErr(err)
			}
			n++
			p.entity(part, depth+1)
			if p.parts > maxParts {
				break
			}
		}
		if n == 0 {
			m.problem("multipart with no parts")
		}
		return
	}
	disp, dparams, _ := e.Header.ContentDisposition()
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	if mt == "message/rfc822" && depth < maxDepth {
		// A forwarded message: read it as a nested message.
		inner, err := message.ReadWithOptions(io.LimitReader(e.Body, maxTextTotal), &message.ReadOptions{MaxHeaderBytes: maxHeaderBytes})
		if inner == nil {
			m.problem("unreadable attached message")
			return
		}
		if err != nil {
			p.noteEntityErr(err)
		}
		if s, err := inner.Header.Text("Subject"); err == nil && s != "" {
			p.addText(s, false)
		}
		p.entity(inner, depth+1)
		return
	}
	if cs := params["charset"]; cs != "" && m.Charset == "" && strings.HasPrefix(mt, "text/") {
		m.Charset = strings.ToLower(cs)
	}
	isText := strings.HasPrefix(mt, "text/") && (mt == "text/plain" || mt == "text/html" || mt == "text/enriched" || mt == "text/richtext")
	if isText && (disp != "attachment" || filename == "") {
		text := readCapped(e.Body, maxTextPerPart, m)
		if mt == "text/html" {
			p.msg.HasHTML = true
			p.addText(text, true)
		} else {
			p.msg.HasPlain = true
			if mt != "text/plain" {
				text = stripTags(text)
			}
			p.addText(text, false)
		}
		return
	}
	p.attachment(e, mt, filename)
}

func guessType(ct string) string {
	ct = strings.ToLower(ct)
	for _, t := range []string{"multipart/", "text/html", "text/plain"} {
		if strings.Contains(ct, t) {
			if t == "multipart/" {
				return "multipart/mixed"
			}
			return t
		}
	}
	return "text/plain"
}

// readCapped reads at most n decoded bytes of r as valid UTF-8, noting decoding
// errors and truncation, and discards the rest (bounded by the raw size).
func readCapped(r io.Reader, n int, m *Message) string {
	bp := readBufs.Get().(*[]byte)
	b, err := readFull(r, (*bp)[:0], n)
	if err != nil {
		m.problem("undecodable body (bad base64, quoted-printable or charset data)")
	}
	if len(b) >= n {
		m.problem("part truncated")
		// Drain the decoder so that the multipart reader can move on; the drain
		// is bounded by the raw message size and allocates nothing.
		if _, err := io.Copy(io.Discard, r); err != nil {
			m.problem("undecodable body (bad base64, quoted-printable or charset data)")
		}
	}
	var text string
	if utf8.Valid(b) {
		text = string(b)
	} else {
		text = string(toValidUTF8(b))
	}
	if cap(b) <= maxPooledRead {
		*bp = b[:0]
		readBufs.Put(bp)
	}
	return text
}

// readBufs holds the buffers readCapped reads parts into (their text is
// copied out), up to maxPooledRead bytes each.
var readBufs = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledRead = 256 << 10

// readFull appends to b what r gives up to n bytes, until EOF or an error,
// exactly as bytes.Buffer.ReadFrom of io.LimitReader(r, n) into a buffer
// grown to 4096 bytes reads it: with the same sizes of Read calls (the
// buffer's capacity doubling), since decoders' output can depend on them (a
// base64 body with padding in the middle decodes differently when a read
// ends at the padding).
func readFull(r io.Reader, b []byte, n int) ([]byte, error) {
	lr := io.LimitedReader{R: r, N: int64(n)}
	c := 4096 // bytes.Buffer's capacity
	for {
		if c-len(b) < bytes.MinRead {
			c = max(len(b)+bytes.MinRead, 2*c)
		}
		if cap(b) < c {
			b = slices.Grow(b, c-len(b))
		}
		k, err := lr.Read(b[len(b):c])
		if k < 0 {
			return b, errors.New("negative read")
		}
		b = b[:len(b)+k]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// toValidUTF8 reads undeclared 8-bit text as Latin-1, which is what old mail
// usually is, so that words survive rather than turning into U+FFFD.
func toValidUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			out = utf8.AppendRune(out, rune(b[0]))
			b = b[1:]
			continue
		}
		out = append(out, b[:size]...)
		b = b[size:]
	}
	return out
}

func (p *parser) addText(text string, isHTML bool) {
	if text == "" {
		return
	}
	if p.textBytes+len(text) > maxTextTotal {
		p.msg.problem("text truncated")
		rest := maxTextTotal - p.textBytes
		if rest <= 0 {
			return
		}
		text = text[:rest]
		text = strings.ToValidUTF8(text, "")
	}
	p.textBytes += len(text)
	if isHTML {
		p.extractHTML(text)
		return
	}
	if p.plainLen > 0 {
		p.plain = append(p.plain, "\n")
		p.plainLen++
	}
	if text != "" {
		p.plain = append(p.plain, text)
		p.plainLen += len(text)
	}
	for _, u := range findURLs(text) {
		p.addLink(u, "", false)
	}
}

func (p *parser) addLink(rawURL, text string, html bool) {
	if len(p.msg.Links) >= maxLinks {
		return
	}
	host := urlHost(rawURL)
	if host == "" {
		return
	}
	if !html {
		if p.seenLinks == nil {
			p.seenLinks = map[string]bool{}
		}
		if p.seenLinks[rawURL] {
			return
		}
		p.seenLinks[rawURL] = true
	}
	if len(rawURL) > 300 {
		rawURL = rawURL[:300]
	}
	text = strings.Join(strings.Fields(text), " ")
	if len(text) > 200 {
		text = strings.ToValidUTF8(text[:200], "")
	}
	p.msg.Links = append(p.msg.Links, Link{URL: rawURL, Host: host, Domain: registrable(host), Text: text, HTML: html})
}

// attachment records a non-text part and sniffs its real type.
func (p *parser) attachment(e *message.Entity, declared, filename string) {
	m := p.msg
	hp := sniffBufs.Get().(*[maxSniffBytes]byte)
	defer sniffBufs.Put(hp)
	n, err := io.ReadFull(e.Body, hp[:])
	head := hp[:n]
	size := n
	if err == nil {
		k, err2 := io.Copy(io.Discard, io.LimitReader(e.Body, maxAttachmentCount))
		size += int(k)
		if err2 != nil {
			m.problem("undecodable attachment")
		}
	} else if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		m.problem("undecodable attachment")
	}
	a := Attachment{Filename: clean(filename), DeclaredType: declared, Size: size}
	a.SniffedType, a.Macro, a.Inner = sniff(head)
	a.Executable = isExecutable(a.SniffedType, a.Filename) || (a.Inner != "" && hasRiskyExt(a.Inner))
	if isMacroExt(a.Filename) {
		a.Macro = true
	}
	if htmlAttachment(a.Filename) != "" || a.SniffedType == "text/html" || a.SniffedType == "text/xml" ||
		declared == "text/html" || declared == "image/svg+xml" {
		a.Active = activeWeb(head)
	}
	if len(m.Attachments) < 50 {
		m.Attachments = append(m.Attachments, a)
	}
	if strings.HasPrefix(a.SniffedType, "image/") || (strings.HasPrefix(declared, "image/") && size > 0) {
		if len(m.Images) < maxImages {
			m.Images = append(m.Images, Image{Src: "attachment:" + a.Filename})
		}
	}
}

// activeMarkers are what a web page or SVG needs to act on its own: run
// script, submit a form, or send the browser elsewhere.
var activeMarkers = [][]byte{
	[]byte("<script"), []byte("javascript:"), []byte("<form"), []byte("http-equiv=\"refresh"),
	[]byte("http-equiv='refresh"), []byte("http-equiv=refresh"), []byte("window.location"),
	[]byte("document.location"), []byte("location.href"), []byte("location.replace"), []byte("onload="),
	[]byte("onerror="), []byte("onmouseover="), []byte("atob("), []byte("eval("), []byte("document.write("),
}

// activeWeb reports whether the prefix of a web page or SVG holds one of
// the activeMarkers, in any case.
func activeWeb(head []byte) bool {
	low := bytes.ToLower(head)
	for _, m := range activeMarkers {
		if bytes.Contains(low, m) {
			return true
		}
	}
	return false
}

// sniffBufs holds the buffers attachments are sniffed in (nothing of them is
// kept).
var sniffBufs = sync.Pool{New: func() any { return new([maxSniffBytes]byte) }}

// splitHeader splits raw at the first empty line.
func splitHeader(raw []byte) (hdr, body []byte) {
	for _, sep := range [][]byte{[]byte("\r\n\r\n"), []byte("\n\n")} {
		if i := bytes.Index(raw, sep); i >= 0 {
			return raw[:i], raw[i+len(sep):]
		}
	}
	return raw, nil
}

// lenientHeader reads "Key: value" lines (with folding) from a header block that
// the strict reader refused, keeping at most maxHeaderBytes of it.
func lenientHeader(hdr []byte) message.Header {
	var h message.Header
	if len(hdr) > maxHeaderBytes {
		hdr = hdr[:maxHeaderBytes]
	}
	sc := bufio.NewScanner(bytes.NewReader(hdr))
	sc.Buffer(make([]byte, 0, 4096), maxHeaderBytes+1)
	var key, val string
	flush := func() {
		if key != "" {
			h.Add(key, strings.TrimSpace(val))
		}
		key, val = "", ""
	}
	for sc.Scan() {
		line := string(toValidUTF8(sc.Bytes()))
		if line != "" && (line[0] == ' ' || line[0] == '\t') {
			if key != "" && len(val) < 8192 {
				val += " " + strings.TrimSpace(line)
			}
			continue
		}
		flush()
		if i := strings.IndexByte(line, ':'); i > 0 && !strings.ContainsAny(line[:i], " \t") {
			key, val = line[:i], line[i+1:]
		}
	}
	flush()
	return h
}
