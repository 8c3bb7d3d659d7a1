package scoring

import (
	"fmt"
	"net/mail"
	"strings"
)

// Experiments for issue #4's 0.1% goal, third round: the shape (never the
// names) of the header: which fields are there, how Message-ID, Date, To and
// From are formed, how the body is encoded.

var xhdr = map[string]bool{}

func hdrFeats(x *xmsg) []uint32 {
	if x.synth && xhdr["nosynth"] {
		return nil
	}
	var hs []uint32
	add := func(s string) { hs = append(hs, hashStr('H', s)) }
	hdr, _ := splitHeader(x.raw)
	h := lenientHeader(hdr)
	fd := ""
	if x.m.FromDomain != "" {
		fd = registrable(x.m.FromDomain)
	}
	has := func(k string) bool { return h.Get(k) != "" }
	if xhdr["fields"] {
		for _, k := range []string{"Message-Id", "Date", "To", "Cc", "X-Mailer", "User-Agent", "Mime-Version", "Reply-To", "In-Reply-To", "References", "Organization", "X-Priority", "X-Msmail-Priority", "Importance", "Content-Type", "Sender", "Errors-To", "X-Originating-Ip", "Disposition-Notification-To", "Return-Receipt-To"} {
			if has(k) {
				add("has:" + strings.ToLower(k))
			} else {
				add("no:" + strings.ToLower(k))
			}
		}
		nx := 0
		fs := h.Fields()
		for fs.Next() {
			if strings.HasPrefix(strings.ToLower(fs.Key()), "x-") {
				nx++
			}
		}
		add("nx:" + bucket(nx))
	}
	if xhdr["msgid"] {
		id := strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
		if id == "" {
			add("mid:none")
		} else if l, d, ok := strings.Cut(id, "@"); !ok {
			add("mid:noat")
		} else {
			d = strings.ToLower(d)
			switch {
			case fd != "" && registrable(d) == fd:
				add("mid:fromdomain")
			case !strings.Contains(d, "."):
				add("mid:nodot")
			default:
				add("mid:otherdomain")
			}
			add("mid:local:" + shape(l))
		}
	}
	if xhdr["date"] {
		d := h.Get("Date")
		if d == "" {
			add("date:none")
		} else if t, err := mail.ParseDate(d); err != nil {
			add("date:bad")
		} else {
			_, off := t.Zone()
			if off%1800 != 0 {
				add("date:oddzone")
			}
			if strings.Contains(d, "-0000") || strings.Contains(d, "+0000") || strings.Contains(d, "GMT") || strings.Contains(d, "UT") {
				add("date:utc")
			}
			if t.Second() == 0 {
				add("date:sec0")
			}
		}
	}
	if xhdr["to"] {
		to := h.Get("To")
		if to == "" {
			add("to:none")
		} else if as, err := mail.ParseAddressList(to); err != nil {
			if strings.Contains(strings.ToLower(to), "undisclosed") {
				add("to:undisclosed")
			} else {
				add("to:bad")
			}
		} else {
			add("to:n:" + bucket(len(as)))
			for _, a := range as[:min(1, len(as))] {
				ad := strings.ToLower(a.Address)
				switch {
				case ad == x.m.FromAddr:
					add("to:self")
				case fd != "" && registrable(domainOf(ad)) == fd:
					add("to:samedomain")
				}
				if a.Name == "" {
					add("to:noname")
				}
			}
		}
		if c := h.Get("Cc"); c != "" {
			if as, err := mail.ParseAddressList(c); err == nil {
				add("cc:n:" + bucket(len(as)))
			}
		}
	}
	if xhdr["from"] {
		switch {
		case x.m.FromAddr == "":
			add("from:none")
		case x.m.FromName == "":
			add("from:noname")
		case strings.EqualFold(strings.Trim(x.m.FromName, `"' `), x.m.FromAddr):
			add("from:nameisaddr")
		}
		if l, _, ok := strings.Cut(x.m.FromAddr, "@"); ok {
			add("from:local:" + shape(l))
		}
	}
	if xhdr["xm"] {
		for _, k := range []string{"X-Mailer", "User-Agent"} {
			v := strings.ToLower(h.Get(k))
			if v == "" {
				continue
			}
			for i, w := range strings.FieldsFunc(v, func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
			}) {
				if i >= 6 {
					break
				}
				w = strings.Map(func(r rune) rune {
					if r >= '0' && r <= '9' {
						return '9'
					}
					return r
				}, w)
				add("xm:" + w)
			}
		}
	}
	if xhdr["order"] {
		prev := "^"
		fs := h.Fields()
		n := 0
		for fs.Next() && n < 24 {
			k := strings.ToLower(fs.Key())
			if skipOrder(k) {
				continue
			}
			n++
			add("ord:" + prev + ">" + k)
			prev = k
		}
	}
	if xhdr["mime"] {
		ct := strings.ToLower(h.Get("Content-Type"))
		mt, _, _ := strings.Cut(ct, ";")
		add("ct:" + strings.TrimSpace(mt))
		add("cte:" + strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))))
		cs := x.m.Charset
		switch {
		case cs == "", cs == "us-ascii":
			add("cs:ascii")
		case strings.HasPrefix(cs, "iso-8859"), strings.HasPrefix(cs, "windows-125"), cs == "utf-8":
			add("cs:western")
		default:
			add("cs:other")
		}
		if strings.Contains(h.Get("Subject"), "=?") {
			add("subj:encoded")
		}
	}
	return hs
}

func skipOrder(k string) bool {
	switch k {
	case "received", "return-path", "delivered-to", "delivery-date", "x-status", "x-keywords", "status",
		"sender", "errors-to", "precedence", "x-beenthere", "x-loop", "x-virus-scanned", "x-original-to",
		"x-uidl", "x-mozilla-status", "x-mozilla-status2", "content-length", "lines", "x-mailman-version":
		return true
	}
	return strings.HasPrefix(k, "list-") || strings.HasPrefix(k, "x-spam") || strings.HasPrefix(k, "x-pyzor") ||
		strings.HasPrefix(k, "x-razor") || strings.HasPrefix(k, "x-egroups") || strings.HasPrefix(k, "mailing-list") ||
		strings.HasPrefix(k, "x-mailing") || strings.HasPrefix(k, "x-list")
}

// shape reduces a string to its character classes: "a" for letters, "9"
// for digits, the punctuation itself, runs collapsed, length bucketed.
func shape(s string) string {
	var b strings.Builder
	var last byte
	for i := 0; i < len(s) && b.Len() < 12; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			c = 'a'
		case c >= '0' && c <= '9':
			c = '9'
		}
		if c != last {
			b.WriteByte(c)
			last = c
		}
	}
	return b.String() + "/" + bucket(len(s)/4)
}

var hdrBlock float64

func fsProdH(x *xmsg) xvec {
	hs := baseHashes(x)
	hh := hdrFeats(x)
	if hdrBlock == 0 {
		hs = append(hs, hh...)
	}
	w := *expGW
	cg := charGrams('c', x.m.Text(), 3, 5, 32<<10, nil)
	cg = charGrams('C', x.m.Subject, 3, 5, 1<<10, cg)
	return blockVec(xblock{hs: hs, w: 1}, xblock{hs: cg, w: w}, xblock{hs: hh, w: hdrBlock})
}

func xapply3(name string, fs *featureSet) bool {
	switch name {
	case "fields", "msgid", "date", "to", "from", "mime", "nosynth", "xm", "order":
		xhdr[name] = true
		*fs = fsProdH
	case "hdr":
		for _, k := range []string{"fields", "msgid", "date", "to", "from", "mime"} {
			xhdr[k] = true
		}
		*fs = fsProdH
	case "hb0.3", "hb0.5", "hb0.7", "hb1":
		fmt.Sscan(strings.TrimPrefix(name, "hb"), &hdrBlock)
		*fs = fsProdH
	case "ph":
		*fs = fsProdH
	default:
		return false
	}
	return true
}
