package smtpd_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/outpost-mail/outpost/smtpd"
	"github.com/outpost-mail/outpost/smtpd/smtptest"
)

// The upstream gets the envelope as sent and the message byte for byte,
// after one added Received header.
func TestRelayByteForByte(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client()
	to := []string{"bob@example.org", "carol@example.net"}
	if err := send(c, "alice@example.com", to, testMsg); err != nil {
		t.Fatal(err)
	}
	// a second message on the same session and the same upstream connection
	if err := send(c, "alice@example.com", to[:1], testMsg); err != nil {
		t.Fatal(err)
	}
	got := e.ups[0].Messages()
	if len(got) != 2 {
		t.Fatalf("upstream got %d messages, want 2", len(got))
	}
	m := got[0]
	if m.From != "alice@example.com" || strings.Join(m.To, ",") != strings.Join(to, ",") {
		t.Fatalf("envelope %q → %q", m.From, m.To)
	}
	rec, rest, ok := cutReceived(m.Data)
	if !ok {
		t.Fatalf("no leading Received header in %q", m.Data)
	}
	if string(rest) != testMsg {
		t.Fatalf("message changed on the way:\n got %q\nwant %q", rest, testMsg)
	}
	for _, want := range []string{"by outpost.test", "with ESMTPSA", "(tenant acme)", "version=TLS1.3", "[127.0.0.1]"} {
		if !strings.Contains(rec, want) {
			t.Errorf("Received header %q lacks %q", rec, want)
		}
	}
	if strings.Contains(rec, secret) {
		t.Fatal("Received header holds the secret")
	}
	if _, open := e.ups[0].Conns(); open != 1 {
		t.Errorf("upstream saw %d connections for two messages, want 1 (pooled)", open)
	}
	if got[1].ConnID != got[0].ConnID {
		t.Errorf("second message on another upstream connection")
	}
	// exactly one log line per transaction, with its fields
	logs := e.logs.Transactions(t)
	if len(logs) != 2 {
		t.Fatalf("%d transaction log lines, want 2: %v", len(logs), logs)
	}
	l := logs[0]
	for k, want := range map[string]any{"tenant": "acme", "outcome": "relayed", "message_id": "<m42@example.com>",
		"rcpts": float64(2), "upstream": e.ups[0].Addr()} {
		if l[k] != want {
			t.Errorf("log %s = %v, want %v (%v)", k, l[k], want, l)
		}
	}
	for _, k := range []string{"conn", "queue_id", "reason", "reply", "bytes", "duration"} {
		if _, ok := l[k]; !ok {
			t.Errorf("log lacks %s: %v", k, l)
		}
	}
	if n := counter(t, e.reg, "relayed"); n != 2 {
		t.Errorf("relayed counter = %v, want 2", n)
	}
}

// cutReceived splits off a leading Received field (with its folded lines).
func cutReceived(b []byte) (string, []byte, bool) {
	if !bytes.HasPrefix(b, []byte("Received: ")) {
		return "", b, false
	}
	i := 0
	for {
		j := bytes.Index(b[i:], []byte("\r\n"))
		if j < 0 {
			return "", b, false
		}
		i += j + 2
		if i >= len(b) || (b[i] != ' ' && b[i] != '\t') {
			return string(b[:i]), b[i:], true
		}
	}
}

// The client's 250 never comes before the upstream's.
func TestNoAcceptBeforeUpstream(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	up := smtptest.New(t, smtptest.Options{Data: func(*smtptest.Envelope) error {
		entered <- struct{}{}
		<-release
		return nil
	}})
	e := newEnv(t, []*smtptest.Upstream{up})
	c := e.client()
	done := make(chan error, 1)
	go func() { done <- send(c, "alice@example.com", []string{"bob@example.org"}, testMsg) }()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("upstream DATA never reached")
	}
	select {
	case err := <-done:
		t.Fatalf("client got its answer (%v) while the upstream had not answered", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// Upstream down: 451 and nothing recorded; back up (after the back-off):
// delivered.
func TestUpstreamDownAndRecovery(t *testing.T) {
	up := smtptest.New(t, smtptest.Options{})
	e := newEnv(t, []*smtptest.Upstream{up})
	up.Stop()
	c := e.client()
	err := send(c, "alice@example.com", []string{"bob@example.org"}, testMsg)
	wantReply(t, err, 451, "4.4.1", "no upstream")
	// while in back-off, not even tried
	err = send(c, "alice@example.com", []string{"bob@example.org"}, testMsg)
	wantReply(t, err, 451, "4.4.1")
	if n := up.Count(); n != 0 {
		t.Fatalf("upstream recorded %d messages while down", n)
	}
	if v := gaugeUp(t, e, up.Addr()); v != 0 {
		t.Fatalf("upstream_up = %v while down", v)
	}
	up.Start()
	err = send(c, "alice@example.com", []string{"bob@example.org"}, testMsg)
	wantReply(t, err, 451, "4.4.1") // back-off not over yet: fake clock
	e.clock.Advance(2 * time.Second)
	if err := send(c, "alice@example.com", []string{"bob@example.org"}, testMsg); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	if n := up.Count(); n != 1 {
		t.Fatalf("upstream recorded %d messages, want 1", n)
	}
	if v := gaugeUp(t, e, up.Addr()); v != 1 {
		t.Fatalf("upstream_up = %v after recovery", v)
	}
	if n := counter(t, e.reg, "failed"); n != 3 {
		t.Fatalf("failed counter = %v, want 3", n)
	}
}

func gaugeUp(t *testing.T, e *env, addr string) float64 {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "outpost_upstream_up" {
			for _, m := range mf.GetMetric() {
				if m.GetLabel()[0].GetValue() == addr {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no outpost_upstream_up for %s", addr)
	return -1
}

// With one of two upstreams down, all mail goes to the other.
func TestFailover(t *testing.T) {
	a := smtptest.New(t, smtptest.Options{})
	b := smtptest.New(t, smtptest.Options{})
	e := newEnv(t, []*smtptest.Upstream{a, b})
	c := e.client()
	for range 4 { // both are used while up
		if err := send(c, "alice@example.com", []string{"bob@example.org"}, testMsg); err != nil {
			t.Fatal(err)
		}
	}
	if a.Count() == 0 || b.Count() == 0 {
		t.Fatalf("round robin: a=%d b=%d", a.Count(), b.Count())
	}
	a.Stop()
	before := b.Count()
	for range 6 {
		if err := send(c, "alice@example.com", []string{"bob@example.org"}, testMsg); err != nil {
			t.Fatalf("failover: %v", err)
		}
	}
	if got := b.Count() - before; got != 6 {
		t.Fatalf("b got %d of 6 messages after a went down", got)
	}
	if v := gaugeUp(t, e, a.Addr()); v != 0 {
		t.Fatalf("a up = %v", v)
	}
}

// An upstream's per-recipient refusal reaches the client for that recipient.
func TestRcptRefusalPassedBack(t *testing.T) {
	up := smtptest.New(t, smtptest.Options{Rcpt: func(to string) error {
		switch to {
		case "nobody@example.org":
			return smtptest.ErrReply(550, 5, 1, 1, "no such user here")
		case "full@example.org":
			return smtptest.ErrReply(452, 4, 2, 2, "mailbox full")
		}
		return nil
	}})
	e := newEnv(t, []*smtptest.Upstream{up})
	c := e.client()
	if err := c.Mail("alice@example.com", nil); err != nil {
		t.Fatal(err)
	}
	wantReply(t, c.Rcpt("nobody@example.org", nil), 550, "5.1.1", "no such user here")
	wantReply(t, c.Rcpt("full@example.org", nil), 452, "4.2.2", "mailbox full")
	if err := c.Rcpt("bob@example.org", nil); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(testMsg))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := up.Messages()
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "bob@example.org" {
		t.Fatalf("upstream got %+v", got)
	}
}

// The upstream's DATA refusal is passed back with its codes.
func TestDataRefusalPassedBack(t *testing.T) {
	up := smtptest.New(t, smtptest.Options{Data: func(*smtptest.Envelope) error {
		return smtptest.ErrReply(554, 5, 7, 1, "spam detected upstream")
	}})
	e := newEnv(t, []*smtptest.Upstream{up})
	c := e.client()
	wantReply(t, send(c, "alice@example.com", []string{"bob@example.org"}, testMsg), 554, "5.7.1", "spam detected upstream")
	// the session and the pooled upstream connection stay usable
	wantReply(t, send(c, "alice@example.com", []string{"bob@example.org"}, testMsg), 554, "5.7.1")
	if _, total := up.Conns(); total != 1 {
		t.Fatalf("%d upstream connections, want 1", total)
	}
}

// Deliver sends released mail through the pool, signed, with a result per
// recipient.
func TestDeliver(t *testing.T) {
	up := smtptest.New(t, smtptest.Options{Rcpt: func(to string) error {
		if to == "gone@example.org" {
			return smtptest.ErrReply(550, 5, 1, 1, "gone")
		}
		if to == "later@example.org" {
			return smtptest.ErrReply(450, 4, 2, 1, "later")
		}
		return nil
	}})
	e := newEnv(t, []*smtptest.Upstream{up})
	res, err := e.srv.Deliver(context.Background(), "alice@example.com",
		[]string{"bob@example.org", "gone@example.org", "later@example.org"}, []byte(testMsg))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"accepted", "permanent", "temporary"}
	for i, r := range res.Recipients {
		if r.Status.String() != want[i] {
			t.Errorf("%s: %v %q, want %s", r.Rcpt, r.Status, r.Reply, want[i])
		}
	}
	if res.Upstream != up.Addr() || res.Accepted() != 1 {
		t.Fatalf("result %+v", res)
	}
	got := up.Messages()
	if len(got) != 1 || string(got[0].Data) != testMsg {
		t.Fatalf("upstream got %+v", got)
	}
	up.Stop()
	e.clock.Advance(time.Hour)
	res, err = e.srv.Deliver(context.Background(), "alice@example.com", []string{"bob@example.org"}, []byte(testMsg))
	if err == nil || res.Recipients[0].Status.String() != "temporary" {
		t.Fatalf("upstream down: %+v, %v", res, err)
	}
}

var _ = smtp.ErrAuthFailed

// An upstream with STARTTLS and AUTH; the message arrives intact (this path
// goes through go-smtp's DotWriter rather than the plain-text fast path).
func TestUpstreamTLSAndAuth(t *testing.T) {
	srvTLS, _ := selfSigned(t)
	up := smtptest.New(t, smtptest.Options{TLS: srvTLS, Username: "outpost", Password: "up-secret"})
	e := newEnv(t, []*smtptest.Upstream{up}, func(o *smtpd.Options) {
		o.Upstreams[0].StartTLS = true
		o.Upstreams[0].InsecureSkipVerify = true
		o.Upstreams[0].Username = "outpost"
		o.Upstreams[0].Password = "up-secret"
	})
	c := e.client()
	for range 2 {
		if err := send(c, "alice@example.com", []string{"bob@example.org"}, testMsg); err != nil {
			t.Fatal(err)
		}
	}
	got := up.Messages()
	if len(got) != 2 {
		t.Fatalf("upstream got %d messages", len(got))
	}
	if _, rest, _ := cutReceived(got[1].Data); string(rest) != testMsg {
		t.Fatalf("message changed: %q", rest)
	}
	if _, total := up.Conns(); total != 1 {
		t.Fatalf("%d upstream connections for 2 messages", total)
	}
}

// Wrong upstream credentials: the upstream counts as unreachable (451).
func TestUpstreamAuthFailure(t *testing.T) {
	up := smtptest.New(t, smtptest.Options{Username: "outpost", Password: "right"})
	e := newEnv(t, []*smtptest.Upstream{up}, func(o *smtpd.Options) {
		o.Upstreams[0].Username = "outpost"
		o.Upstreams[0].Password = "wrong"
	})
	wantReply(t, send(e.client(), "alice@example.com", []string{"bob@example.org"}, testMsg), 451, "4.4.1")
}

// A pooled connection the upstream dropped is replaced without the client
// noticing; old connections are retired after UpstreamMaxAge.
func TestPoolStaleAndMaxAge(t *testing.T) {
	up := smtptest.New(t, smtptest.Options{})
	e := newEnv(t, []*smtptest.Upstream{up}, func(o *smtpd.Options) {
		o.UpstreamIdleCheck = 10 * time.Second
		o.UpstreamMaxAge = time.Minute
	})
	c := e.client()
	msg := func() {
		t.Helper()
		if err := send(c, "alice@example.com", []string{"bob@example.org"}, testMsg); err != nil {
			t.Fatal(err)
		}
	}
	msg()
	// the upstream restarts: the pooled connection is dead
	up.Stop()
	up.Start()
	msg() // MAIL fails on the stale connection, retried on a new one
	up.Stop()
	up.Start()
	e.clock.Advance(11 * time.Second)
	msg() // idle long enough for a NOOP check, which fails: new connection
	if _, total := up.Conns(); total != 3 {
		t.Fatalf("%d upstream connections, want 3", total)
	}
	msg() // reused
	e.clock.Advance(2 * time.Minute)
	msg() // too old: retired, a new one is dialled
	if _, total := up.Conns(); total != 4 {
		t.Fatalf("%d upstream connections, want 4", total)
	}
	if n := up.Count(); n != 5 {
		t.Fatalf("upstream got %d messages, want 5", n)
	}
}

// MAIL refused by the upstream is passed back with its code.
func TestMailRefusalPassedBack(t *testing.T) {
	up := smtptest.New(t, smtptest.Options{Mail: func(from string) error {
		return smtptest.ErrReply(550, 5, 7, 1, "sender "+from+" not allowed")
	}})
	e := newEnv(t, []*smtptest.Upstream{up})
	wantReply(t, e.client().Mail("alice@example.com", nil), 550, "5.7.1", "sender alice@example.com not allowed")
	if l := e.logs.Transactions(t); len(l) != 1 || l[0]["outcome"] != "rejected" {
		t.Fatalf("log %v", l)
	}
}
