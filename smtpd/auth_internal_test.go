package smtpd

import (
	"net/netip"
	"testing"
	"time"
)

func TestAuthCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newAuthCache(2, time.Minute)
	k := authKey("acme", "secret", "$2a$hash1")
	if c.ok(k, now) {
		t.Fatal("empty cache hit")
	}
	c.add(k, now)
	if !c.ok(k, now.Add(59*time.Second)) {
		t.Fatal("miss within TTL")
	}
	if c.ok(authKey("acme", "other", "$2a$hash1"), now) || c.ok(authKey("acme", "secret", "$2a$hash2"), now) ||
		c.ok(authKey("other", "secret", "$2a$hash1"), now) {
		t.Fatal("hit for another secret, a rotated hash or another tenant")
	}
	if c.ok(k, now.Add(61*time.Second)) {
		t.Fatal("hit after TTL")
	}
	for i := range 5 {
		c.add(authKey("t", string(rune('a'+i)), "h"), now)
	}
	if len(c.m) > 2 {
		t.Fatalf("cache holds %d entries, bound is 2", len(c.m))
	}
}

func TestAuthLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newAuthLimiter(3, time.Minute, 10*time.Minute)
	ip := netip.MustParseAddr("192.0.2.1")
	for i := range 2 {
		if l.fail(ip, now.Add(time.Duration(i)*time.Second)) {
			t.Fatal("blocked too early")
		}
	}
	if !l.blockedUntil(ip, now).IsZero() {
		t.Fatal("blocked after 2 failures")
	}
	// failures outside the window start over
	if l.fail(ip, now.Add(2*time.Minute)) {
		t.Fatal("old failures counted")
	}
	l.fail(ip, now.Add(2*time.Minute+time.Second))
	if !l.fail(ip, now.Add(2*time.Minute+2*time.Second)) {
		t.Fatal("not blocked after 3 failures in the window")
	}
	until := l.blockedUntil(ip, now.Add(3*time.Minute))
	if want := now.Add(12*time.Minute + 2*time.Second); !until.Equal(want) {
		t.Fatalf("blocked until %v, want %v", until, want)
	}
	if !l.blockedUntil(netip.MustParseAddr("192.0.2.2"), now).IsZero() {
		t.Fatal("another IP blocked")
	}
	if !l.blockedUntil(ip, until).IsZero() {
		t.Fatal("still blocked after the cool-down")
	}
}

// AllowInsecureAuth is honoured for loopback clients only.
func TestInsecureAuthOnlyLoopback(t *testing.T) {
	s := &Server{opts: Options{AllowInsecureAuth: true}}
	for ip, want := range map[string]bool{"127.0.0.1": true, "::1": true, "192.0.2.1": false, "10.0.0.1": false} {
		ss := &session{s: s, ip: netip.MustParseAddr(ip)}
		if got := ss.authAllowed(); got != want {
			t.Errorf("%s: auth allowed without TLS = %v, want %v", ip, got, want)
		}
		if got := len(ss.AuthMechanisms()) > 0; got != want {
			t.Errorf("%s: AUTH advertised = %v, want %v", ip, got, want)
		}
	}
	s.opts.AllowInsecureAuth = false
	if (&session{s: s, ip: netip.MustParseAddr("127.0.0.1")}).authAllowed() {
		t.Error("insecure auth allowed without the option")
	}
}
