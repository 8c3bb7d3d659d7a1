package smtpd

import (
	"crypto/sha256"
	"net/netip"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
)

// authCache remembers successful secret checks so a busy tenant does not pay
// bcrypt (tens of milliseconds of CPU) on every connection. An entry is keyed
// by SHA-256(tenant, secret, stored bcrypt hash): a rotated secret (new stored
// hash) or a different secret never hits, and the cache holds no secret, only
// a digest of it. Entries live AuthCacheTTL; the cache holds at most
// AuthCacheSize entries (when full, expired entries go first, then arbitrary
// ones). Failed checks are never cached.
type authCache struct {
	mu   sync.Mutex
	m    map[[32]byte]time.Time
	size int
	ttl  time.Duration
}

func newAuthCache(size int, ttl time.Duration) *authCache {
	return &authCache{m: make(map[[32]byte]time.Time), size: size, ttl: ttl}
}

func authKey(tenant, secret, hash string) [32]byte {
	h := sha256.New()
	for _, s := range []string{tenant, secret, hash} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

func (c *authCache) ok(k [32]byte, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	exp, ok := c.m[k]
	if ok && now.Before(exp) {
		return true
	}
	if ok {
		delete(c.m, k)
	}
	return false
}

func (c *authCache) add(k [32]byte, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.size {
		for key, exp := range c.m {
			if !now.Before(exp) {
				delete(c.m, key)
			}
		}
		for key := range c.m {
			if len(c.m) < c.size {
				break
			}
			delete(c.m, key)
		}
	}
	c.m[k] = now.Add(c.ttl)
}

// authLimiter counts AUTH failures per client IP. MaxAuthFailures within
// AuthFailureWindow puts the IP on cool-down for AuthCooldown.
type authLimiter struct {
	mu       sync.Mutex
	m        map[netip.Addr]*failRec
	max      int
	window   time.Duration
	cooldown time.Duration
}

type failRec struct {
	n       int
	first   time.Time
	blocked time.Time // zero, or the end of the cool-down
}

func newAuthLimiter(max int, window, cooldown time.Duration) *authLimiter {
	return &authLimiter{m: make(map[netip.Addr]*failRec), max: max, window: window, cooldown: cooldown}
}

// blockedUntil returns the end of ip's cool-down, or the zero time.
func (l *authLimiter) blockedUntil(ip netip.Addr, now time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.m[ip]
	if r == nil || r.blocked.IsZero() {
		return time.Time{}
	}
	if !now.Before(r.blocked) {
		delete(l.m, ip)
		return time.Time{}
	}
	return r.blocked
}

// fail records a failure and reports whether ip is now on cool-down.
func (l *authLimiter) fail(ip netip.Addr, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.m) > 100_000 { // bound memory under a distributed attack
		for k, r := range l.m {
			if now.Sub(r.first) > l.window && (r.blocked.IsZero() || !now.Before(r.blocked)) {
				delete(l.m, k)
			}
		}
	}
	r := l.m[ip]
	if r == nil || now.Sub(r.first) > l.window {
		r = &failRec{first: now}
		l.m[ip] = r
	}
	r.n++
	if r.n >= l.max {
		r.blocked = now.Add(l.cooldown)
		return true
	}
	return false
}

// loginServer is the server side of the (obsolete but widespread) LOGIN
// SASL mechanism, which go-sasl only implements as a client.
type loginServer struct {
	step     int
	username string
	auth     func(username, password string) error
}

func (s *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch s.step {
	case 0:
		s.step = 1
		if response == nil {
			return []byte("Username:"), false, nil
		}
		fallthrough
	case 1:
		s.username = string(response)
		s.step = 2
		return []byte("Password:"), false, nil
	default:
		return nil, true, s.auth(s.username, string(response))
	}
}

var _ sasl.Server = (*loginServer)(nil)
