package smtpd

import (
	"bytes"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-smtp"
)

// TenantHeader names the tenant for clients on trusted networks. It is
// always removed before relaying.
const TenantHeader = "X-Outpost-Tenant"

// checkBody refuses what an SMTP message must not contain and what
// SMTP-smuggling payloads are made of: bare LF, bare CR, NUL, and lines
// longer than maxLine bytes (CRLF included). b is the message after
// go-smtp's dot-unstuffing. go-smtp ends DATA only at <CRLF>.<CRLF>, so a
// "\n.\n", "\r.\r" or "\n.\r\n" reaches us as part of the message, and is
// refused here because of its bare LF or CR. (One exception: go-smtp drops a
// ".\r" at the start of a line when a character other than LF follows, so
// that bare CR is never seen; what it leaves is harmless data.) Whatever
// passes is re-encoded for the upstream with canonical CRLF and dot-stuffing,
// so no end-of-data marker can be smuggled to it.
func checkBody(b []byte, maxLine int) *smtp.SMTPError {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
			Message: fmt.Sprintf("message contains a NUL byte (line %d); not relayed", lineOf(b, i))}
	}
	line := 1
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		var l []byte
		if i < 0 {
			l = b // last line without LF (possible with BDAT)
			b = nil
		} else {
			l = b[:i+1]
			b = b[i+1:]
			if i == 0 || l[i-1] != '\r' {
				return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
					Message: fmt.Sprintf("message contains a bare LF (line %d); lines must end with CRLF (RFC 5321 2.3.8); not relayed", line)}
			}
		}
		if len(l) > maxLine {
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
				Message: fmt.Sprintf("line %d is longer than %d bytes (RFC 5322 2.1.1); not relayed", line, maxLine)}
		}
		end := len(l)
		if i >= 0 {
			end -= 2
		}
		if bytes.IndexByte(l[:end], '\r') >= 0 {
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
				Message: fmt.Sprintf("message contains a bare CR (line %d); lines must end with CRLF (RFC 5321 2.3.8); not relayed", line)}
		}
		line++
	}
	return nil
}

func lineOf(b []byte, i int) int { return bytes.Count(b[:i], []byte{'\n'}) + 1 }

// headerInfo is what smtpd reads from a message's header.
type headerInfo struct {
	tenant     string // X-Outpost-Tenant value ("" if absent)
	tenantBad  bool   // several X-Outpost-Tenant fields that disagree
	messageID  string
	fromDomain string // lower-case domain of the first From address
	hdrEnd     int    // offset of the body (after the blank line), or len(raw)
}

// scanHeader reads the header fields smtpd needs. raw has passed checkBody.
func scanHeader(raw []byte) headerInfo {
	var h headerInfo
	h.hdrEnd = len(raw)
	eachField(raw, func(name, value []byte, start, end int) bool {
		if name == nil {
			h.hdrEnd = end
			return false
		}
		switch {
		case asciiEqualFold(name, TenantHeader):
			v := strings.TrimSpace(unfold(value))
			if h.tenant != "" && h.tenant != v {
				h.tenantBad = true
			}
			h.tenant = v
		case asciiEqualFold(name, "Message-ID"):
			if h.messageID == "" {
				h.messageID = strings.TrimSpace(unfold(value))
			}
		case asciiEqualFold(name, "From"):
			if h.fromDomain == "" {
				h.fromDomain = fromDomain(unfold(value))
			}
		}
		return true
	})
	return h
}

// eachField calls f for each header field of raw with its name, raw value
// and byte range (folded continuation lines included). At the blank line
// that ends the header it calls f with a nil name and end = body offset.
// f returns false to stop.
func eachField(raw []byte, f func(name, value []byte, start, end int) bool) {
	pos := 0
	for pos < len(raw) {
		if raw[pos] == '\r' || raw[pos] == '\n' { // blank line: end of header
			end := pos + 1
			if raw[pos] == '\r' && end < len(raw) && raw[end] == '\n' {
				end++
			}
			f(nil, nil, pos, end)
			return
		}
		start := pos
		// the field runs to the first line end not followed by WSP
		for {
			i := bytes.IndexByte(raw[pos:], '\n')
			if i < 0 {
				pos = len(raw)
				break
			}
			pos += i + 1
			if pos >= len(raw) || (raw[pos] != ' ' && raw[pos] != '\t') {
				break
			}
		}
		field := raw[start:pos]
		colon := bytes.IndexByte(field, ':')
		var name, value []byte
		if colon > 0 {
			name, value = bytes.TrimRight(field[:colon], " \t"), field[colon+1:]
		} else {
			name, value = []byte{}, field // not a field: keep, match nothing
		}
		if !f(name, value, start, pos) {
			return
		}
	}
	f(nil, nil, len(raw), len(raw))
}

func unfold(v []byte) string {
	s := string(v)
	if strings.ContainsAny(s, "\r\n") {
		s = strings.NewReplacer("\r\n", "", "\n", "", "\r", "").Replace(s)
	}
	return s
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c, d := b[i], s[i]
		if c == d {
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

func fromDomain(v string) string {
	list, err := mail.ParseAddressList(v)
	var addr string
	if err == nil && len(list) > 0 {
		addr = list[0].Address
	} else {
		// lenient fallback: the last '@' up to '>' or white space
		addr = strings.TrimSpace(v)
		if i := strings.LastIndexByte(addr, '<'); i >= 0 {
			addr = strings.TrimRight(addr[i+1:], "> \t")
		}
	}
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	d := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(addr[i+1:]), "."))
	if strings.ContainsAny(d, " \t<>()[];,\"") {
		return ""
	}
	return d
}

// appendWithoutTenantHeader appends raw to dst without its X-Outpost-Tenant
// fields, ensuring the message ends with CRLF.
func appendWithoutTenantHeader(dst, raw []byte, hdrEnd int) []byte {
	last := 0
	eachField(raw[:hdrEnd], func(name, _ []byte, start, end int) bool {
		if name == nil {
			return false
		}
		if asciiEqualFold(name, TenantHeader) {
			dst = append(dst, raw[last:start]...)
			last = end
		}
		return true
	})
	dst = append(dst, raw[last:]...)
	if n := len(dst); n > 0 && dst[n-1] != '\n' {
		dst = append(dst, '\r', '\n')
	}
	return dst
}

// sanitizeToken keeps a client-supplied word safe inside a Received header.
// cleanAddress reports whether an envelope address has no control
// characters (C0, DEL) and is valid UTF-8 (RFC 5321 §4.1.2, RFC 6531): such
// bytes would reach the upstream's envelope and our Received header.
func cleanAddress(a string) bool {
	if !utf8.ValidString(a) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if c := a[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

func sanitizeToken(s string) string {
	if len(s) > 255 {
		s = s[:255]
	}
	ok := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '(' || c == ')' || c == ';' || c == '\\' {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c <= ' ' || c >= 0x7f || c == '(' || c == ')' || c == ';' || c == '\\' {
			b[i] = '?'
		}
	}
	return string(b)
}
