package smtpd_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/smtpd"
	"github.com/outpost-mail/outpost/smtpd/smtptest"
)

func TestEHLOAdvertises(t *testing.T) {
	e := newEnv(t, nil)
	r := dialRaw(t, e.addr)
	wantPrefix(t, r.reply(), "220 ")
	r.send("EHLO client.test\r\n")
	var caps []string
	for {
		l, err := r.r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		caps = append(caps, strings.TrimSpace(l[4:]))
		if l[3] == ' ' {
			break
		}
	}
	got := strings.Join(caps, "|")
	for _, want := range []string{"SIZE ", "8BITMIME", "PIPELINING", "ENHANCEDSTATUSCODES", "STARTTLS"} {
		if !strings.Contains(got, want) {
			t.Errorf("EHLO lacks %s: %s", want, got)
		}
	}
	if strings.Contains(got, "AUTH") {
		t.Errorf("AUTH advertised before STARTTLS: %s", got)
	}
	// after STARTTLS, AUTH is offered
	c := e.client()
	if ok, params := c.Extension("AUTH"); !ok || !strings.Contains(params, "PLAIN") || !strings.Contains(params, "LOGIN") {
		t.Fatalf("AUTH after STARTTLS: %v %q", ok, params)
	}
}

func TestAuth(t *testing.T) {
	e := newEnv(t, nil)
	t.Run("refused_without_tls", func(t *testing.T) {
		c := e.plain()
		wantReply(t, c.Auth(sasl.NewPlainClient("", "acme", secret)), 523, "5.7.10", "TLS")
	})
	t.Run("no_relay_for_strangers", func(t *testing.T) {
		c := e.plain()
		wantReply(t, c.Mail("spammer@example.com", nil), 530, "5.7.0")
		c2, _ := e.dialTLS("", "")
		wantReply(t, c2.Mail("spammer@example.com", nil), 530, "5.7.0")
	})
	t.Run("bad_credentials_same_reply", func(t *testing.T) {
		_, err := e.dialTLS("acme", "wrong")
		wantReply(t, err, 535, "5.7.8")
		_, err2 := e.dialTLS("nosuchtenant", secret)
		wantReply(t, err2, 535, "5.7.8")
		if err.Error() != err2.Error() {
			t.Fatalf("unknown tenant (%v) and wrong secret (%v) answer differently", err2, err)
		}
	})
	t.Run("suspended", func(t *testing.T) {
		_, err := e.dialTLS("banned", secret)
		wantReply(t, err, 550, "5.7.1", "tenant banned is suspended; contact support")
	})
	t.Run("login_mechanism", func(t *testing.T) {
		c, err := e.dialTLS("", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Auth(sasl.NewLoginClient("acme", secret)); err != nil {
			t.Fatalf("AUTH LOGIN: %v", err)
		}
		if err := send(c, "alice@example.com", []string{"bob@example.org"}, testMsg); err != nil {
			t.Fatal(err)
		}
	})
}

// AllowInsecureAuth is honoured for loopback clients (the only ones a test
// can be); it must not be needed with TLS.
func TestInsecureAuthLoopback(t *testing.T) {
	e := newEnv(t, nil, func(o *smtpd.Options) { o.AllowInsecureAuth = true; o.TLSConfig = nil })
	c := e.plain()
	if err := c.Auth(sasl.NewPlainClient("", "acme", secret)); err != nil {
		t.Fatalf("insecure auth from loopback: %v", err)
	}
	if err := send(c, "alice@example.com", []string{"bob@example.org"}, testMsg); err != nil {
		t.Fatal(err)
	}
}

func TestAuthFailureCooldown(t *testing.T) {
	e := newEnv(t, nil, func(o *smtpd.Options) { o.MaxAuthFailures = 2; o.AuthCooldown = time.Minute })
	c, _ := e.dialTLS("", "") // opened before the cool-down
	for range 2 {
		_, err := e.dialTLS("acme", "wrong")
		wantReply(t, err, 535, "5.7.8")
	}
	// on an open connection: AUTH refused for the cool-down, even when right
	wantReply(t, c.Auth(sasl.NewPlainClient("", "acme", secret)), 454, "4.7.0", "too many authentication failures")
	// new connections: 421 4.7.0 at connect
	r := dialRaw(t, e.addr)
	wantPrefix(t, r.reply(), "421 4.7.0 too many authentication failures")
	e.clock.Advance(61 * time.Second)
	if _, err := e.dialTLS("acme", secret); err != nil {
		t.Fatalf("after the cool-down: %v", err)
	}
}

func TestTrustedNetworkHeader(t *testing.T) {
	up := smtptest.New(t, smtptest.Options{})
	e := newEnv(t, []*smtptest.Upstream{up}, trusted)
	withHeader := func(tenant string) string {
		return "X-Outpost-Tenant: " + tenant + "\r\n" + testMsg
	}
	c := e.plain()
	if err := send(c, "alice@example.com", []string{"bob@example.org"}, withHeader("acme")); err != nil {
		t.Fatal(err)
	}
	got := up.Messages()
	if len(got) != 1 {
		t.Fatalf("upstream got %d messages", len(got))
	}
	if l := e.logs.Transactions(t); len(l) != 1 || l[0]["tenant"] != "acme" || l[0]["outcome"] != "relayed" {
		t.Fatalf("log for the trusted path: %v", l)
	}
	rec, rest, _ := cutReceived(got[0].Data)
	if string(rest) != testMsg {
		t.Fatalf("header not stripped or message changed: %q", rest)
	}
	if !strings.Contains(rec, "(tenant acme)") || !strings.Contains(rec, "with ESMTP id") {
		t.Fatalf("Received: %q", rec)
	}
	// a folded header in the middle is stripped too
	mid := "From: a@example.com\r\nX-Outpost-Tenant:\r\n acme\r\nSubject: x\r\n\r\nbody\r\n"
	if err := send(c, "alice@example.com", []string{"bob@example.org"}, mid); err != nil {
		t.Fatal(err)
	}
	if got := up.Messages(); !strings.HasSuffix(string(got[1].Data), "From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n") {
		t.Fatalf("folded header not stripped: %q", got[1].Data)
	}

	wantReply(t, send(c, "alice@example.com", []string{"bob@example.org"}, withHeader("nosuch")), 550, "5.7.1", "unknown tenant")
	wantReply(t, send(c, "alice@example.com", []string{"bob@example.org"}, withHeader("banned")), 550, "5.7.1", "tenant banned is suspended; contact support")
	wantReply(t, send(c, "alice@example.com", []string{"bob@example.org"}, testMsg), 550, "5.7.0", "no tenant")
	wantReply(t, send(c, "alice@example.com", []string{"bob@example.org"}, withHeader("Bad Id!")), 550, "5.7.1", "unknown tenant")

	// authenticated as acme, header naming another tenant: refused
	a := e.client()
	wantReply(t, send(a, "alice@example.com", []string{"bob@example.org"}, withHeader("other")), 550, "5.7.1", "another tenant")
	// naming itself: fine, and stripped
	if err := send(a, "alice@example.com", []string{"bob@example.org"}, withHeader("acme")); err != nil {
		t.Fatal(err)
	}
	if got := up.Messages(); len(got) != 3 || strings.Contains(string(got[2].Data), "X-Outpost-Tenant") {
		t.Fatalf("upstream got %d messages; last %q", len(got), got[len(got)-1].Data)
	}
}

// Untrusted clients cannot use the header to skip AUTH.
func TestHeaderFromUntrustedNetwork(t *testing.T) {
	e := newEnv(t, nil) // no trusted nets
	c := e.plain()
	wantReply(t, c.Mail("alice@example.com", nil), 530, "5.7.0")
	r := dialRaw(t, e.addr)
	r.reply()
	r.cmd("EHLO x")
	wantPrefix(t, r.cmd("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00acme\x00"+secret))), "523 5.7.10")
}

// A tenant suspended while its clients are connected is refused once the
// tenant cache entry expires (TenantCacheTTL, on the injected clock).
func TestSuspendedWhileConnected(t *testing.T) {
	e := newEnv(t, nil, func(o *smtpd.Options) { o.TenantCacheTTL = 2 * time.Second })
	c := e.client()
	if err := send(c, "alice@example.com", []string{"bob@example.org"}, testMsg); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetTenantStatus(context.Background(), "acme", store.StatusSuspended, "test", "abuse"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(3 * time.Second)
	wantReply(t, send(c, "alice@example.com", []string{"bob@example.org"}, testMsg), 550, "5.7.1", "tenant acme is suspended; contact support")
	if n := e.ups[0].Count(); n != 1 {
		t.Fatalf("upstream got %d messages", n)
	}
}
