package scoring

import (
	"bytes"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// extractHTML walks an HTML part with the tokenizer (no tree, so memory stays
// proportional to the part) and appends its visible text, links and images to
// the parser. Text in script/style/head and in hidden elements is not visible;
// hidden text is kept apart for the hidden-text signal.
func (p *parser) extractHTML(src string) {
	z := html.NewTokenizerFragment(strings.NewReader(src), "")
	z.SetMaxBuf(0)
	var (
		skipTag    atom.Atom // script, style, head, title...: dropped
		skipDepth  int
		hiddenTag  atom.Atom // an element styled invisible
		hiddenName string
		hidDepth   int
		inLink     bool
		linkHref   string
		linkText   []byte
		out        = &p.html
		attrs      tagAttrs
		// Colours set by enclosing elements, innermost last, for text
		// coloured like its background.
		paints []paint
	)
	if out.Len() > 0 {
		out.WriteByte('\n')
	}
	out.Grow(len(src) / 2) // the visible text is usually less
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if inLink {
				p.addLink(linkHref, string(linkText), true)
			}
			return
		case html.TextToken:
			if skipDepth > 0 {
				continue
			}
			// The text, unescaped; without entities it is the raw bytes.
			t := z.Raw()
			if bytes.IndexByte(t, '&') >= 0 {
				t = []byte(html.UnescapeString(string(t)))
			}
			if hidDepth > 0 || paintHidden(paints) {
				if p.hidden.Len() < maxTextPerPart {
					p.hidden.Write(t)
					p.hidden.WriteByte(' ')
				}
				continue
			}
			out.Write(t)
			if inLink && len(linkText) < 1000 {
				linkText = append(linkText, t...)
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if tt == html.EndTagToken {
				if skipDepth > 0 && a == skipTag {
					skipDepth--
				}
				if hidDepth > 0 && a == hiddenTag && (a != 0 || string(name) == hiddenName) {
					hidDepth--
				}
				if isBlock(a) {
					paints = dropInline(paints, a)
				}
				if n := len(paints); n > 0 && a != 0 && paints[n-1].tag == a {
					if paints[n-1].depth > 0 {
						paints[n-1].depth--
					} else {
						paints = paints[:n-1]
					}
				}
				if a == atom.A && inLink {
					p.addLink(linkHref, string(linkText), true)
					inLink = false
				}
				if isBlock(a) {
					out.WriteByte('\n')
				}
				continue
			}
			if skipDepth > 0 {
				if a == skipTag && tt == html.StartTagToken {
					skipDepth++
				}
				continue
			}
			switch a {
			case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template, atom.Object, atom.Iframe:
				if tt == html.StartTagToken {
					skipTag, skipDepth = a, 1
				}
				continue
			}
			// The attributes, where something below reads them.
			attrs.reset()
			if hasAttr && (a == atom.Img || a == atom.Area || tt == html.StartTagToken && !isVoid(a)) {
				attrs.read(z)
			}
			switch a {
			case atom.Br, atom.Hr:
				out.WriteByte('\n')
			case atom.A:
				if inLink {
					p.addLink(linkHref, string(linkText), true)
				}
				inLink, linkHref = false, ""
				linkText = linkText[:0]
				if href := strings.TrimSpace(attrs.href); href != "" && tt == html.StartTagToken {
					inLink, linkHref = true, href
				}
			case atom.Img:
				if len(p.msg.Images) < maxImages {
					w, h := attrs.width, attrs.height
					tiny := (w == "1" || w == "0") && (h == "1" || h == "0")
					p.msg.Images = append(p.msg.Images, Image{Src: attrs.src, Tiny: tiny})
				}
				if alt := attrs.alt; alt != "" && hidDepth == 0 {
					out.WriteByte(' ')
					out.WriteString(alt)
					out.WriteByte(' ')
				}
				if inLink && attrs.src != "" {
					linkText = append(linkText, ' ')
				}
			case atom.Area:
				if href := attrs.href; href != "" {
					p.addLink(href, attrs.alt, true)
				}
			}
			if isBlock(a) {
				out.WriteByte('\n')
			}
			if tt == html.StartTagToken && !isVoid(a) {
				if hidDepth > 0 {
					if a == hiddenTag && (a != 0 || string(name) == hiddenName) {
						hidDepth++
					}
				} else if attrs.has && isHiddenStyle(&attrs) {
					hiddenTag, hiddenName, hidDepth = a, string(name), 1
				}
				if isBlock(a) {
					paints = dropInline(paints, a)
				}
				if pt, ok := paintOf(a, &attrs); ok && len(paints) < 64 {
					paints = append(paints, pt)
				} else if n := len(paints); n > 0 && paints[n-1].tag == a {
					paints[n-1].depth++ // same element nested inside: its end is not ours
				}
			}
		}
	}
}

// tagAttrs holds the attributes of one tag that extractHTML reads, as a map
// of attribute names to values would that keeps the first 16 distinct names
// (a later value of a name replaces the earlier one, until 16 names are
// kept), without allocating for the names it does not read.
type tagAttrs struct {
	has   bool // the tag has attributes and they were read
	n     int  // distinct names kept
	names [16][]byte

	hidden bool // the hidden attribute is there
	href, src, alt, width, height, size, style,
	color, bgcolor, class, background string
}

func (t *tagAttrs) reset() { *t = tagAttrs{} }

// read reads the attributes of the tag z is at.
func (t *tagAttrs) read(z *html.Tokenizer) {
	t.has = true
	for {
		k, v, more := z.TagAttr() // k and v are fresh copies
		if t.n < len(t.names) {
			known := false
			for _, q := range t.names[:t.n] {
				if bytes.Equal(q, k) {
					known = true
					break
				}
			}
			if !known {
				t.names[t.n] = k
				t.n++
			}
			t.set(k, v)
		}
		if !more {
			return
		}
	}
}

func (t *tagAttrs) set(k, v []byte) {
	switch string(k) {
	case "hidden":
		t.hidden = true
	case "href":
		t.href = string(v)
	case "src":
		t.src = string(v)
	case "alt":
		t.alt = string(v)
	case "width":
		t.width = string(v)
	case "height":
		t.height = string(v)
	case "size":
		t.size = string(v)
	case "style":
		t.style = string(v)
	case "color":
		t.color = string(v)
	case "bgcolor":
		t.bgcolor = string(v)
	case "class":
		t.class = string(v)
	case "background":
		t.background = string(v)
	}
}

func isVoid(a atom.Atom) bool {
	switch a {
	case atom.Br, atom.Hr, atom.Img, atom.Input, atom.Meta, atom.Link, atom.Area, atom.Base, atom.Col, atom.Embed, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Tr, atom.Td, atom.Th, atom.Li, atom.Ul, atom.Ol, atom.Table, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Pre, atom.Center, atom.Body:
		return true
	}
	return false
}

// isHiddenStyle reports whether an element's attributes make it invisible to a
// reader: display:none, visibility:hidden, a zero/one-pixel font, the hidden
// attribute, or zero opacity.
func isHiddenStyle(attrs *tagAttrs) bool {
	if attrs.hidden {
		return true
	}
	if attrs.size == "0" || attrs.size == "-7" { // <font size=0>
		return true
	}
	st := attrs.style
	if st == "" {
		return false
	}
	st = strings.ToLower(strings.ReplaceAll(st, " ", ""))
	for _, bad := range []string{"display:none", "visibility:hidden", "font-size:0", "font-size:1px", "opacity:0;", "max-height:0", "height:0;overflow:hidden"} {
		if strings.Contains(st, bad) {
			if bad == "font-size:0" && (strings.Contains(st, "font-size:0.") || strings.Contains(st, "font-size:0,")) {
				continue
			}
			return true
		}
	}
	return strings.HasSuffix(st, "opacity:0")
}

// paint is the text and background colour one element sets.
type paint struct {
	tag          atom.Atom
	fg, bg       [3]int
	hasFg, hasBg bool
	classed      bool // has a class: a stylesheet may colour it too
	depth        int  // elements of the same tag opened inside it and not yet closed
}

// paintOf returns the colours an element sets: color (font) or the color
// style; bgcolor, or background(-color) in its style.
func paintOf(a atom.Atom, attrs *tagAttrs) (paint, bool) {
	if !attrs.has || a == 0 {
		return paint{}, false
	}
	p := paint{tag: a, classed: attrs.class != "" || attrs.background != ""}
	if c, ok := parseColour(attrs.color); ok {
		p.fg, p.hasFg = c, true
	} else if v, ok := styleProp(attrs.style, "color"); ok {
		p.fg, p.hasFg = parseColour(v)
	}
	if c, ok := parseColour(attrs.bgcolor); ok {
		p.bg, p.hasBg = c, true
	} else {
		for _, k := range []string{"background-color", "background"} {
			if v, ok := styleProp(attrs.style, k); ok {
				if p.bg, p.hasBg = parseColour(v); p.hasBg {
					break
				}
			}
		}
	}
	return p, p.hasFg || p.hasBg
}

// dropInline forgets the colours of inline elements (font, span...) left
// open when a block starts or ends: the tokenizer builds no tree, and an
// unclosed <font color=white> inside a dark table cell must not colour the
// rest of the message.
func dropInline(ps []paint, block atom.Atom) []paint {
	for len(ps) > 0 && !isBlock(ps[len(ps)-1].tag) && ps[len(ps)-1].tag != block {
		ps = ps[:len(ps)-1]
	}
	return ps
}

// paintHidden reports text coloured like its background: white on white, or
// any colour on an explicitly set background of (nearly) the same colour.
// With no background set anywhere above, the page is taken to be white, but
// only when the element giving the text colour has no class (a stylesheet,
// which this scan does not read, may give it a dark background).
func paintHidden(ps []paint) bool {
	fi, bi := -1, -1
	for i := len(ps) - 1; i >= 0 && (fi < 0 || bi < 0); i-- {
		if fi < 0 && ps[i].hasFg {
			fi = i
		}
		if bi < 0 && ps[i].hasBg {
			bi = i
		}
	}
	if fi < 0 {
		return false
	}
	fg, bg := ps[fi].fg, [3]int{255, 255, 255}
	switch {
	case bi >= 0:
		bg = ps[bi].bg
	case ps[fi].classed:
		return false
	}
	d := 0
	for i := range 3 {
		d += max(fg[i]-bg[i], bg[i]-fg[i])
	}
	return d <= 24
}

// styleProp returns the value of one property of an inline style.
func styleProp(style, prop string) (string, bool) {
	if style == "" {
		return "", false
	}
	for decl := range strings.SplitSeq(style, ";") {
		k, v, ok := strings.Cut(decl, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), prop) {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

var namedColours = map[string][3]int{
	"white": {255, 255, 255}, "black": {0, 0, 0}, "red": {255, 0, 0}, "green": {0, 128, 0},
	"blue": {0, 0, 255}, "yellow": {255, 255, 0}, "gray": {128, 128, 128}, "grey": {128, 128, 128},
	"silver": {192, 192, 192}, "navy": {0, 0, 128}, "orange": {255, 165, 0}, "snow": {255, 250, 250},
	"ivory": {255, 255, 240}, "whitesmoke": {245, 245, 245},
}

// parseColour reads #rgb, #rrggbb, rgb(r, g, b) and a few colour names
// (optionally followed by other background values, e.g. "#fff url(x)").
func parseColour(v string) ([3]int, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	v = strings.TrimSuffix(v, "!important")
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "rgb(") || strings.HasPrefix(v, "rgba(") {
		in, _, ok := strings.Cut(v[strings.IndexByte(v, '(')+1:], ")")
		parts := strings.Split(in, ",")
		if !ok || len(parts) < 3 {
			return [3]int{}, false
		}
		if len(parts) == 4 && strings.TrimSpace(parts[3]) != "1" {
			return [3]int{}, false // translucent: depends on what is behind
		}
		var c [3]int
		for i := range 3 {
			n, err := strconv.Atoi(strings.TrimSpace(parts[i]))
			if err != nil || n < 0 || n > 255 {
				return [3]int{}, false
			}
			c[i] = n
		}
		return c, true
	}
	if f := strings.Fields(v); len(f) > 0 {
		v = f[0]
	}
	if c, ok := namedColours[v]; ok {
		return c, true
	}
	v = strings.TrimPrefix(v, "#")
	switch len(v) {
	case 3:
		v = string([]byte{v[0], v[0], v[1], v[1], v[2], v[2]})
	case 6:
	default:
		return [3]int{}, false
	}
	n, err := strconv.ParseUint(v, 16, 32)
	if err != nil {
		return [3]int{}, false
	}
	return [3]int{int(n >> 16 & 0xff), int(n >> 8 & 0xff), int(n & 0xff)}, true
}

// stripTags turns text/enriched or stray markup into plain text.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
			b.WriteByte(' ')
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// findURLs finds http(s) and www. URLs in plain text, in one pass.
func findURLs(text string) []string {
	var out []string
	for i := 0; i < len(text) && len(out) < maxLinks; i++ {
		for i < len(text) && !urlCandidate[text[i]] {
			i++ // fast over bytes that start nothing
		}
		if i == len(text) {
			break
		}
		start := -1
		switch c := text[i]; {
		case c == ':' && strings.HasPrefix(text[i:], "://"):
			switch {
			case i >= 5 && strings.EqualFold(text[i-5:i], "https") && (i == 5 || !isWordByte(text[i-6])):
				start = i - 5
			case i >= 4 && strings.EqualFold(text[i-4:i], "http") && (i == 4 || !isWordByte(text[i-5])):
				start = i - 4
			}
		case (c == 'w' || c == 'W') && len(text)-i > 4 && strings.EqualFold(text[i:i+4], "www.") &&
			(i == 0 || !isWordByte(text[i-1]) && text[i-1] != '/' && text[i-1] != '.'):
			start = i
		}
		if start < 0 {
			continue
		}
		end := i
		for end < len(text) && !isURLStop(text[end]) {
			end++
		}
		u := strings.TrimRight(text[start:end], ".,;:!?)]}'\"")
		if len(u) > 8 {
			out = append(out, u)
		}
		i = end
	}
	return out
}

// urlCandidate marks the bytes findURLs looks at: ':' of "://" and the 'w'
// of "www.".
var urlCandidate = [256]bool{':': true, 'w': true, 'W': true}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func isURLStop(c byte) bool {
	return c <= ' ' || c == '<' || c == '>' || c == '"' || c == '\'' || c >= 0x80 || c == '`' || c == '|'
}

// urlHost returns the lower-case host of a link, or "" when it is not a web
// link (mailto:, anchors, relative links).
func urlHost(raw string) string {
	raw = strings.TrimSpace(raw)
	lower := strings.ToLower(raw)
	switch {
	case strings.HasPrefix(lower, "www."):
		raw = "http://" + raw
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
	case strings.HasPrefix(lower, "http:") || strings.HasPrefix(lower, "https:"):
		// http:/x or http:\\x: browsers accept it.
		i := strings.IndexByte(raw, ':')
		raw = "http://" + strings.TrimLeft(raw[i+1:], `/\`)
	default:
		return ""
	}
	u, err := url.Parse(raw)
	var host string
	if err == nil {
		host = u.Hostname()
	} else {
		// Salvage the authority by hand.
		s := raw[strings.Index(raw, "//")+2:]
		if i := strings.IndexAny(s, "/?#\\"); i >= 0 {
			s = s[:i]
		}
		if i := strings.LastIndexByte(s, '@'); i >= 0 {
			s = s[i+1:]
		}
		if h, _, err := net.SplitHostPort(s); err == nil {
			s = h
		}
		host = s
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" || len(host) > 253 {
		return ""
	}
	return host
}

// isIPLiteral reports whether host is an IP address, including the decimal,
// hexadecimal and octal forms browsers accept (http://3106302921/).
func isIPLiteral(host string) bool {
	h := strings.Trim(host, "[]")
	for i := 0; i < len(h); i++ {
		// Fast path: a name with a letter beyond a-f (or x) is no IP.
		if c := h[i] | 0x20; c > 'f' && c != 'x' {
			return false
		}
	}
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" {
		return false
	}
	if _, err := strconv.ParseUint(h, 0, 32); err == nil && len(h) >= 7 {
		return true
	}
	if strings.HasPrefix(h, "0x") {
		if _, err := strconv.ParseUint(h[2:], 16, 32); err == nil {
			return true
		}
	}
	// Dotted forms with hex/octal parts: 0xb9.0x17.4.9
	parts := strings.Split(h, ".")
	if len(parts) == 4 {
		for _, q := range parts {
			if _, err := strconv.ParseUint(q, 0, 8); err != nil {
				return false
			}
		}
		return true
	}
	return false
}

// Attachment types.
var riskyExts = map[string]bool{
	".exe": true, ".scr": true, ".pif": true, ".com": true, ".bat": true, ".cmd": true, ".cpl": true,
	".js": true, ".jse": true, ".vbs": true, ".vbe": true, ".wsf": true, ".wsh": true, ".hta": true,
	".jar": true, ".lnk": true, ".msi": true, ".ps1": true, ".reg": true, ".dll": true, ".iso": true,
	".img": true, ".vhd": true, ".apk": true, ".app": true, ".sh": true, ".msc": true, ".xll": true,
}

var macroExts = map[string]bool{".docm": true, ".xlsm": true, ".pptm": true, ".dotm": true, ".xltm": true, ".xlam": true, ".ppam": true}

func hasRiskyExt(name string) bool {
	return riskyExts[strings.ToLower(path.Ext(strings.TrimSpace(name)))]
}

func isMacroExt(name string) bool {
	return macroExts[strings.ToLower(path.Ext(strings.TrimSpace(name)))]
}

// isExecutable reports a program, or a file whose name makes the
// recipient's system run it when opened. A "#!" script with no such name
// (a Unix script named "swasort" or "backup") is not: a mail reader opens it
// as text and nothing runs it unless someone saves it, marks it executable
// and starts it; sigAttachment weighs it lower (see doc.go, Signals).
func isExecutable(sniffed, filename string) bool {
	switch sniffed {
	case "application/x-msdownload", "application/x-elf", "application/x-mach-binary":
		return true
	}
	return hasRiskyExt(filename)
}

// sniff names the real type of an attachment from its first bytes, and reports
// macros (VBA projects in OOXML or OLE documents) and the first risky file
// name found inside a zip archive.
func sniff(b []byte) (typ string, macro bool, inner string) {
	switch {
	case len(b) == 0:
		return "application/x-empty", false, ""
	case bytes.HasPrefix(b, []byte("MZ")):
		return "application/x-msdownload", false, ""
	case bytes.HasPrefix(b, []byte("\x7fELF")):
		return "application/x-elf", false, ""
	case bytes.HasPrefix(b, []byte{0xcf, 0xfa, 0xed, 0xfe}), bytes.HasPrefix(b, []byte{0xfe, 0xed, 0xfa, 0xcf}):
		return "application/x-mach-binary", false, ""
	case bytes.HasPrefix(b, []byte("#!")):
		return "text/x-script", false, ""
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		typ = "application/zip"
		macro = bytes.Contains(b, []byte("vbaProject.bin"))
		switch {
		case bytes.Contains(b, []byte("word/")):
			typ = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		case bytes.Contains(b, []byte("xl/")):
			typ = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		case bytes.Contains(b, []byte("ppt/")):
			typ = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
		}
		inner = zipRiskyName(b)
		return typ, macro, inner
	case bytes.HasPrefix(b, []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}):
		macro = bytes.Contains(b, []byte("_VBA_PROJECT")) || bytes.Contains(b, []byte("V\x00B\x00A\x00"))
		return "application/x-ole-storage", macro, ""
	case bytes.HasPrefix(b, []byte("Rar!")):
		return "application/x-rar", false, ""
	case bytes.HasPrefix(b, []byte("7z\xbc\xaf\x27\x1c")):
		return "application/x-7z-compressed", false, ""
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		return "application/gzip", false, ""
	case len(b) > 0x8006 && bytes.Equal(b[0x8001:0x8006], []byte("CD001")):
		return "application/x-iso9660-image", false, ""
	}
	t := http.DetectContentType(b)
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return t, false, ""
}

// zipRiskyName scans the local file headers in the sniffed prefix of a zip for
// an executable file name.
func zipRiskyName(b []byte) string {
	for i := 0; i+30 <= len(b) && i >= 0; {
		k := bytes.Index(b[i:], []byte("PK\x03\x04"))
		if k < 0 {
			return ""
		}
		i += k
		if i+30 > len(b) {
			return ""
		}
		n := int(b[i+26]) | int(b[i+27])<<8
		if i+30+n > len(b) {
			return ""
		}
		name := string(b[i+30 : i+30+n])
		if hasRiskyExt(name) || isMacroExt(name) {
			return strings.ToValidUTF8(name, "")
		}
		i += 30 + n
	}
	return ""
}
