package review

import (
	"hash/fnv"
	"math"
	"math/bits"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/outpost-mail/outpost/scoring"
)

// bands splits a fingerprint into its four 16-bit bands.
func bands(fp scoring.Fingerprint) [4]int64 {
	var b [4]int64
	for i := range 4 {
		b[i] = int64((uint64(fp) >> (16 * i)) & 0xffff)
	}
	return b
}

// bandWhere returns a condition matching every stored fingerprint within
// Hamming distance 4*radius+3 of fp. 64 bits in four bands: a fingerprint
// within that distance differs from fp in at most radius bits in some band
// (pigeonhole), so each band is probed with its value and every value within
// radius bits of it: radius 1 is 17 probes a band (distance 7), radius 2 is
// 137 (distance 11). The caller filters candidates by exact distance.
func bandWhere(prefix string, fp scoring.Fingerprint, radius int) (string, []any) {
	b := bands(fp)
	var sb strings.Builder
	var args []any
	sb.WriteString("(")
	for i := range 4 {
		vals := []int64{b[i]}
		for j := range 16 {
			vals = append(vals, b[i]^(1<<j))
			if radius >= 2 {
				for k := j + 1; k < 16; k++ {
					vals = append(vals, b[i]^(1<<j)^(1<<k))
				}
			}
		}
		if i > 0 {
			sb.WriteString(" OR ")
		}
		sb.WriteString(prefix)
		sb.WriteString("b")
		sb.WriteByte(byte('0' + i))
		sb.WriteString(" IN (?")
		sb.WriteString(strings.Repeat(",?", len(vals)-1))
		sb.WriteString(")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	sb.WriteString(")")
	return sb.String(), args
}

func distance(a, b scoring.Fingerprint) int { return bits.OnesCount64(uint64(a ^ b)) }

// network is the /24 (IPv4) or /48 (IPv6) of a signup address, or "".
func network(ip string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		return ""
	}
	a = a.Unmap()
	bitsN := 48
	if a.Is4() {
		bitsN = 24
	}
	p, err := a.Prefix(bitsN)
	if err != nil {
		return ""
	}
	return p.String()
}

// mailDomain is the lower-cased domain of an address, or "".
func mailDomain(addr string) string {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	i := strings.LastIndexByte(addr, '@')
	if i < 0 || i == len(addr)-1 {
		return ""
	}
	return strings.ToLower(addr[i+1:])
}

// contactDomain is the signup e-mail's domain unless it is a free-mail
// provider (which says nothing about who signed up).
func (s *Service) contactDomain(email string) string {
	d := mailDomain(email)
	if d == "" || s.freeMail[d] {
		return ""
	}
	return d
}

// rcptKey is a one-value MinHash of the recipient list: two lists that share
// most addresses usually share it.
func rcptKey(to []string) int64 {
	var min uint64 = math.MaxUint64
	for _, r := range to {
		h := fnv.New64a()
		h.Write([]byte(strings.ToLower(strings.Trim(r, "<> "))))
		if v := h.Sum64(); v < min {
			min = v
		}
	}
	if len(to) == 0 {
		return 0
	}
	return int64(min)
}

// rcptDomains are the distinct recipient domains, at most limit.
func rcptDomains(to []string, limit int) []string {
	var out []string
	for _, r := range to {
		d := mailDomain(r)
		if d != "" && !slices.Contains(out, d) {
			out = append(out, d)
			if len(out) == limit {
				break
			}
		}
	}
	return out
}

// decay is the factor a value decays by over d with the half-life.
func decay(d, halfLife time.Duration) float64 {
	if d <= 0 {
		return 1
	}
	return math.Pow(0.5, float64(d)/float64(halfLife))
}

// riskOf turns a tenant's picture into 0..100, higher = riskier; it orders
// the review queue.
func riskOf(avgScore, maxScore float64, campaign, young bool, bounceRate, complaintRate float64) float64 {
	r := math.Min(40, 6*math.Max(0, avgScore)) + math.Min(10, math.Max(0, maxScore))
	if campaign {
		r += 30
	}
	if young {
		r += 10
	}
	r += math.Min(15, bounceRate*150) + math.Min(15, complaintRate*3000)
	return math.Min(100, math.Round(r*10)/10)
}

func ms(t time.Time) int64 { return t.UnixMilli() }
