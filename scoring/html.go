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
		linkText   strings.Builder
		out        = &p.html
	)
	if out.Len() > 0 {
		out.WriteByte('\n')
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if inLink {
				p.addLink(linkHref, linkText.String(), true)
			}
			return
		case html.TextToken:
			if skipDepth > 0 {
				continue
			}
			t := html.UnescapeString(string(z.Raw()))
			if hidDepth > 0 {
				if p.hidden.Len() < maxTextPerPart {
					p.hidden.WriteString(t)
					p.hidden.WriteByte(' ')
				}
				continue
			}
			out.WriteString(t)
			if inLink && linkText.Len() < 1000 {
				linkText.WriteString(t)
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
				if a == atom.A && inLink {
					p.addLink(linkHref, linkText.String(), true)
					inLink = false
				}
				if isBlock(a) {
					out.WriteByte('\n')
				}
				continue
			}
			var attrs map[string]string
			if hasAttr {
				attrs = make(map[string]string, 4)
				for {
					k, v, more := z.TagAttr()
					if len(attrs) < 16 {
						attrs[string(k)] = string(v)
					}
					if !more {
						break
					}
				}
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
			case atom.Br, atom.Hr:
				out.WriteByte('\n')
			case atom.A:
				if inLink {
					p.addLink(linkHref, linkText.String(), true)
				}
				inLink, linkHref = false, ""
				linkText.Reset()
				if href := strings.TrimSpace(attrs["href"]); href != "" && tt == html.StartTagToken {
					inLink, linkHref = true, href
				}
			case atom.Img:
				if len(p.msg.Images) < maxImages {
					w, h := attrs["width"], attrs["height"]
					tiny := (w == "1" || w == "0") && (h == "1" || h == "0")
					p.msg.Images = append(p.msg.Images, Image{Src: attrs["src"], Tiny: tiny})
				}
				if alt := attrs["alt"]; alt != "" && hidDepth == 0 {
					out.WriteString(" " + alt + " ")
				}
				if inLink && attrs["src"] != "" {
					linkText.WriteString(" ")
				}
			case atom.Area:
				if href := attrs["href"]; href != "" {
					p.addLink(href, attrs["alt"], true)
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
				} else if attrs != nil && isHiddenStyle(attrs) {
					hiddenTag, hiddenName, hidDepth = a, string(name), 1
				}
			}
		}
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
func isHiddenStyle(attrs map[string]string) bool {
	if _, ok := attrs["hidden"]; ok {
		return true
	}
	if attrs["size"] == "0" || attrs["size"] == "-7" { // <font size=0>
		return true
	}
	st := attrs["style"]
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

func isExecutable(sniffed, filename string) bool {
	switch sniffed {
	case "application/x-msdownload", "application/x-elf", "application/x-mach-binary", "text/x-script":
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
