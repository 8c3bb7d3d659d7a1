package smtpd_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/internal/testenv"
	"github.com/outpost-mail/outpost/smtpd"
	"github.com/outpost-mail/outpost/smtpd/smtptest"
)

const secret = "s3cret-acme"

// secretHash is computed once: bcrypt at cost 10 is slow (more so under -race).
var secretHash = sync.OnceValues(func() (string, error) { return store.HashSecret(secret) })

func newStore(t testing.TB) *store.DB {
	t.Helper()
	db := testenv.SQLite(t)
	hash, err := secretHash()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tn := range []store.Tenant{
		{ID: "acme", Plan: "paid", SecretHash: hash},
		{ID: "other", Plan: "paid", SecretHash: hash},
		{ID: "banned", Plan: "trial", SecretHash: hash, Status: store.StatusSuspended},
	} {
		if err := db.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

type clock = testenv.Clock

func newClock() *clock { return testenv.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)) }

// syncBuffer collects log output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// Lines returns the JSON log records with msg == "smtp transaction".
func (s *syncBuffer) Transactions(t testing.TB) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(s.b.String(), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("bad log line %q: %v", l, err)
		}
		if m["msg"] == "smtp transaction" {
			out = append(out, m)
		}
	}
	return out
}

type env struct {
	t     testing.TB
	db    *store.DB
	ups   []*smtptest.Upstream
	srv   *smtpd.Server
	addr  string
	clock *clock
	logs  *syncBuffer
	reg   *prometheus.Registry
	tls   *tls.Config // client config trusting the server's cert
}

type envOpt func(*smtpd.Options)

// newEnv starts outpost on 127.0.0.1:0 in front of the given upstreams (one
// fresh upstream when none), with a real SQLite store and TLS.
func newEnv(t testing.TB, ups []*smtptest.Upstream, opts ...envOpt) *env {
	t.Helper()
	if len(ups) == 0 {
		ups = []*smtptest.Upstream{smtptest.New(t, smtptest.Options{})}
	}
	e := &env{t: t, ups: ups, clock: newClock(), logs: &syncBuffer{}, reg: prometheus.NewRegistry()}
	e.db = newStore(t)
	serverTLS, clientTLS := selfSigned(t)
	e.tls = clientTLS
	o := smtpd.Options{
		Hostname:       "outpost.test",
		TLSConfig:      serverTLS,
		Tenants:        e.db,
		Quota:          smtpd.NoQuota{},
		Inspector:      smtpd.RelayAll{},
		Logger:         slog.New(slog.NewJSONHandler(e.logs, nil)),
		Registerer:     e.reg,
		Now:            e.clock.Now,
		CommandTimeout: 10 * time.Second,
		DataTimeout:    10 * time.Second,
	}
	for _, u := range ups {
		o.Upstreams = append(o.Upstreams, smtpd.Upstream{Addr: u.Addr()})
	}
	for _, f := range opts {
		f(&o)
	}
	srv, err := smtpd.New(o)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	e.srv, e.addr = srv, l.Addr().String()
	return e
}

func trusted(o *smtpd.Options) {
	o.TrustedNets = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
}

// dialTLS connects, STARTTLS, and (when tenant != "") AUTH PLAIN.
func (e *env) dialTLS(tenant, pass string) (*smtp.Client, error) {
	e.t.Helper()
	c, err := smtp.DialStartTLS(e.addr, e.tls)
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	e.t.Cleanup(func() { c.Close() })
	if tenant != "" {
		if err := c.Auth(sasl.NewPlainClient("", tenant, pass)); err != nil {
			return c, err
		}
	}
	return c, nil
}

func (e *env) client() *smtp.Client {
	e.t.Helper()
	c, err := e.dialTLS("acme", secret)
	if err != nil {
		e.t.Fatalf("auth: %v", err)
	}
	return c
}

func (e *env) plain() *smtp.Client {
	e.t.Helper()
	c, err := smtp.Dial(e.addr)
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

// send runs one transaction; it returns the first error.
func send(c *smtp.Client, from string, to []string, msg string) error {
	return smtptest.Send(c, from, to, msg)
}

// wantReply asserts err is an SMTP reply with the code and enhanced code.
func wantReply(t testing.TB, err error, code int, enhanced string, contains ...string) {
	t.Helper()
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want SMTP reply %d %s", err, code, enhanced)
	}
	ec := fmt.Sprintf("%d.%d.%d", se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2])
	if se.Code != code || ec != enhanced {
		t.Fatalf("got reply %d %s %q, want %d %s", se.Code, ec, se.Message, code, enhanced)
	}
	for _, s := range contains {
		if !strings.Contains(se.Message, s) {
			t.Fatalf("reply %d %s %q does not say %q", se.Code, ec, se.Message, s)
		}
	}
}

func counter(t testing.TB, reg *prometheus.Registry, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "outpost_smtp_transactions_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == outcome {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func selfSigned(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "outpost.test"},
		DNSNames:     []string{"outpost.test", "localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// rawConn speaks SMTP by hand, for what a client library would not send.
type rawConn struct {
	t testing.TB
	c net.Conn
	r *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	return &rawConn{t: t, c: c, r: bufio.NewReader(c)}
}

// reply reads one (possibly multi-line) reply and returns its last line.
func (r *rawConn) reply() string {
	r.t.Helper()
	for {
		l, err := r.r.ReadString('\n')
		if err != nil {
			r.t.Fatalf("read reply: %v (so far %q)", err, l)
		}
		l = strings.TrimRight(l, "\r\n")
		if len(l) < 4 || l[3] != '-' {
			return l
		}
	}
}

func (r *rawConn) send(s string) {
	r.t.Helper()
	if _, err := r.c.Write([]byte(s)); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

// cmd sends a line and returns the reply's last line.
func (r *rawConn) cmd(line string) string {
	r.t.Helper()
	r.send(line + "\r\n")
	return r.reply()
}

func wantPrefix(t testing.TB, got, want string) {
	t.Helper()
	if !strings.HasPrefix(got, want) {
		t.Fatalf("reply %q, want %q...", got, want)
	}
}

const testMsg = "From: Alice <alice@example.com>\r\n" +
	"To: bob@example.org\r\n" +
	"Subject: invoice 42\r\n" +
	"Message-ID: <m42@example.com>\r\n" +
	"Date: Wed, 04 Mar 2026 05:06:07 +0000\r\n" +
	"\r\n" +
	"Hello Bob,\r\n" +
	".leading dot line\r\n" +
	"your invoice is attached.\r\n"
