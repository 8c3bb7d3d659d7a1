package scoring

import (
	"fmt"
	"math"
	"net/url"
	"strings"
)

// Experiments for issue #4's 0.1% goal, second round: URL structure,
// sender/link consistency and length features added to the word block of
// the product's features (words + 3-5-grams at gramWeight).

var xext = map[string]bool{}

func bucket(n int) string {
	switch {
	case n == 0:
		return "0"
	case n == 1:
		return "1"
	case n <= 3:
		return "2-3"
	case n <= 7:
		return "4-7"
	case n <= 15:
		return "8-15"
	case n <= 31:
		return "16-31"
	}
	return "32+"
}

func xhostOf(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

func extraFeats(x *xmsg) []uint32 {
	var hs []uint32
	add := func(s string) { hs = append(hs, hashStr('X', s)) }
	m := x.m
	fd := ""
	if m.FromDomain != "" {
		fd = registrable(m.FromDomain)
	}
	if xext["url"] {
		add("nlinks:" + bucket(len(m.Links)))
		doms := map[string]bool{}
		for i, l := range m.Links {
			if i >= 64 {
				break
			}
			doms[l.Domain] = true
			u, err := url.Parse(l.URL)
			if err != nil {
				add("url:unparsed")
				continue
			}
			switch {
			case l.Host == l.Domain:
				add("host:bare")
			case strings.HasPrefix(l.Host, "www."):
				add("host:www")
			default:
				add("host:sub")
			}
			add("hostdepth:" + bucket(strings.Count(l.Host, ".")))
			p := strings.Trim(u.Path, "/")
			d := 0
			if p != "" {
				d = strings.Count(p, "/") + 1
			}
			add("pathdepth:" + bucket(d))
			if i := strings.LastIndexByte(p, '.'); i >= 0 && len(p)-i <= 5 && !strings.Contains(p[i:], "/") {
				add("ext:" + strings.ToLower(p[i:]))
			}
			q := u.Query()
			add("nparams:" + bucket(len(q)))
			for k := range q {
				k = strings.ToLower(k)
				if len(k) <= 16 {
					add("param:" + k)
				}
			}
			add("scheme:" + u.Scheme)
			if u.Port() != "" {
				add("url:port")
			}
			if u.User != nil {
				add("url:userinfo")
			}
			if !l.HTML {
				add("link:bare")
			} else if t := strings.TrimSpace(l.Text); t == "" {
				add("link:notext")
			} else if strings.Contains(t, ".") && !strings.Contains(t, " ") {
				add("link:urltext")
			} else {
				add("link:words")
			}
		}
		add("ndomains:" + bucket(len(doms)))
	}
	if xext["cons"] && fd != "" {
		na := 0
		for _, l := range m.Links {
			if l.Domain == fd {
				na++
			}
		}
		switch {
		case len(m.Links) == 0:
		case na == len(m.Links):
			add("links:allown")
		case na*2 >= len(m.Links):
			add("links:mostown")
		case na > 0:
			add("links:someown")
		default:
			add("links:noneown")
		}
		ni, nia := 0, 0
		for _, im := range m.Images {
			h := xhostOf(im.Src)
			if h == "" {
				continue
			}
			ni++
			if registrable(h) == fd {
				nia++
			}
		}
		switch {
		case ni == 0:
		case nia == ni:
			add("img:allown")
		case nia > 0:
			add("img:someown")
		default:
			add("img:noneown")
		}
		if m.ReplyTo != "" {
			rd := registrable(domainOf(m.ReplyTo))
			switch {
			case rd == fd && m.ReplyTo == m.FromAddr:
				add("rt:same")
			case rd == fd:
				add("rt:samedomain")
			case freemail[rd]:
				add("rt:freemail")
			default:
				add("rt:other")
			}
		}
		if xext["free"] && freemail[fd] {
			add("from:freemail")
		}
	}
	if xext["len"] {
		add("nwords:" + bucket(len(x.base)/8))
	}
	return hs
}

func fsProdX(x *xmsg) xvec {
	hs := baseHashes(x)
	hs = append(hs, extraFeats(x)...)
	w := *expGW
	cg := charGrams('c', x.m.Text(), 3, 5, 32<<10, nil)
	cg = charGrams('C', x.m.Subject, 3, 5, 1<<10, cg)
	return blockVec(xblock{hs: hs, w: 1}, xblock{hs: cg, w: w})
}

func xapply2(name string, fs *featureSet) bool {
	switch name {
	case "px":
		*fs = fsProdX
	case "url", "cons", "len", "free":
		xext[name] = true
		*fs = fsProdX
	default:
		return false
	}
	return true
}

var _ = fmt.Sprint

// Evidence calibration in the combination: the classifier's positive
// contribution is scaled by (nf/calN0)^calP for messages with fewer than
// calN0 word features whose content signals add less than calMaxContent.
var calN0, calP, calMaxContent float64

func calScale(x *xmsg, z float64) float64 {
	if calN0 == 0 || z <= 0 {
		return z
	}
	nf := float64(len(x.base))
	if nf >= calN0 {
		return z
	}
	var content float64
	for _, g := range x.sigs {
		content += g.Weight
	}
	if content >= calMaxContent {
		return z
	}
	return z * math.Pow(nf/calN0, calP)
}

func xapplyCal(name string) bool {
	// calN0_P_MAX
	if !strings.HasPrefix(name, "cal") {
		return false
	}
	parts := strings.Split(strings.TrimPrefix(name, "cal"), "_")
	calN0, calP, calMaxContent = 0, 0.5, 1
	fmt.Sscan(parts[0], &calN0)
	if len(parts) > 1 {
		fmt.Sscan(parts[1], &calP)
	}
	if len(parts) > 2 {
		fmt.Sscan(parts[2], &calMaxContent)
	}
	return true
}
