// Package smtptest runs a real go-smtp server for tests: an upstream mail
// server that records what it received, answers per recipient as told, can
// block in DATA, can be stopped and started again on the same port, and
// checks at cleanup that its clients left no connection open.
package smtptest

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Envelope is one message the upstream accepted.
type Envelope struct {
	From     string
	MailOpts smtp.MailOptions
	To       []string
	Data     []byte
	ConnID   int // which connection carried it (to see reuse)
}

// Options tune an Upstream. The zero value accepts everything.
type Options struct {
	// Rcpt answers each RCPT: nil accepts. Called concurrently.
	Rcpt func(to string) error
	// Mail answers MAIL FROM: nil accepts.
	Mail func(from string) error
	// Data is called with the body before answering DATA; its error is the
	// answer. It may block (e.g. on a channel) to hold the reply back.
	Data func(e *Envelope) error
	// TLS enables STARTTLS with this config.
	TLS *tls.Config
	// Username/Password, when set, require AUTH PLAIN with them.
	Username, Password string
	// Sink records no envelopes (benchmarks): it only counts them.
	Sink bool
}

// Upstream is a running test mail server.
type Upstream struct {
	tb   testing.TB
	opts Options
	addr string

	mu      sync.Mutex
	srv     *smtp.Server
	l       net.Listener
	got     []Envelope
	count   int
	open    int // connections currently open
	total   int // connections ever accepted
	arrived chan struct{}
}

// New starts an upstream on 127.0.0.1 and stops it at cleanup, failing the
// test if a client connection is still open 5 seconds after the test's own
// cleanups ran (register New before the server under test, so that server
// is shut down first).
func New(tb testing.TB, opts Options) *Upstream {
	tb.Helper()
	u := &Upstream{tb: tb, opts: opts, arrived: make(chan struct{}, 1<<16)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	u.addr = l.Addr().String()
	u.serve(l)
	tb.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			u.mu.Lock()
			open := u.open
			u.mu.Unlock()
			if open == 0 {
				break
			}
			if time.Now().After(deadline) {
				tb.Errorf("smtptest: %d upstream connection(s) still open at cleanup: the client leaks connections", open)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		u.Stop()
	})
	return u
}

// Addr is host:port.
func (u *Upstream) Addr() string { return u.addr }

func (u *Upstream) serve(l net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{u: u, id: u.connID(c)}, nil
	}))
	srv.Domain = "upstream.test"
	srv.MaxMessageBytes = 64 << 20
	srv.MaxRecipients = 1000
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.TLSConfig = u.opts.TLS
	srv.ErrorLog = nopLogger{}
	u.mu.Lock()
	u.srv, u.l = srv, l
	u.mu.Unlock()
	go func() { _ = srv.Serve(&countingListener{Listener: l, u: u}) }()
}

func (u *Upstream) connID(c *smtp.Conn) int {
	nc := c.Conn()
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	if cc, ok := nc.(*countedConn); ok {
		return cc.id
	}
	return 0
}

// Stop closes the listener and every connection (the upstream goes down).
func (u *Upstream) Stop() {
	u.mu.Lock()
	srv := u.srv
	u.srv = nil
	u.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Start listens again on the same address after Stop.
func (u *Upstream) Start() {
	u.tb.Helper()
	var l net.Listener
	var err error
	for range 50 { // the port may linger briefly after Stop
		if l, err = net.Listen("tcp", u.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		u.tb.Fatalf("smtptest: restart on %s: %v", u.addr, err)
	}
	u.serve(l)
}

// Messages returns a copy of what arrived so far.
func (u *Upstream) Messages() []Envelope {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]Envelope(nil), u.got...)
}

// Count is the number of messages accepted (also in Sink mode).
func (u *Upstream) Count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.count
}

// Conns reports connections open now and accepted in total.
func (u *Upstream) Conns() (open, total int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.open, u.total
}

// Wait waits until n messages in all have arrived, failing the test after
// timeout.
func (u *Upstream) Wait(n int, timeout time.Duration) {
	u.tb.Helper()
	deadline := time.Now().Add(timeout)
	for u.Count() < n {
		if time.Now().After(deadline) {
			u.tb.Fatalf("smtptest: %d of %d messages arrived within %v", u.Count(), n, timeout)
		}
		select {
		case <-u.arrived:
		case <-time.After(20 * time.Millisecond): // sink mode does not signal
		}
	}
}

type countingListener struct {
	net.Listener
	u *Upstream
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.u.mu.Lock()
	l.u.open++
	l.u.total++
	id := l.u.total
	l.u.mu.Unlock()
	return &countedConn{Conn: c, u: l.u, id: id}, nil
}

type countedConn struct {
	net.Conn
	u    *Upstream
	id   int
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() {
		c.u.mu.Lock()
		c.u.open--
		c.u.mu.Unlock()
	})
	return c.Conn.Close()
}

type session struct {
	u      *Upstream
	id     int
	authed bool
	env    Envelope
}

func (s *session) AuthMechanisms() []string {
	if s.u.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.u.opts.Username || pass != s.u.opts.Password {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	if s.u.opts.Username != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	if f := s.u.opts.Mail; f != nil {
		if err := f(from); err != nil {
			return err
		}
	}
	s.env = Envelope{From: from, ConnID: s.id}
	if opts != nil {
		s.env.MailOpts = *opts
	}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if f := s.u.opts.Rcpt; f != nil {
		if err := f(to); err != nil {
			return err
		}
	}
	s.env.To = append(s.env.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	var b bytes.Buffer
	if _, err := b.ReadFrom(r); err != nil {
		return err
	}
	e := s.env
	e.Data = b.Bytes()
	if f := s.u.opts.Data; f != nil {
		if err := f(&e); err != nil {
			return err
		}
	}
	s.u.mu.Lock()
	s.u.count++
	if !s.u.opts.Sink {
		s.u.got = append(s.u.got, e)
	}
	s.u.mu.Unlock()
	if !s.u.opts.Sink {
		select {
		case s.u.arrived <- struct{}{}:
		default:
		}
	}
	return nil
}

func (s *session) Reset()        { s.env = Envelope{} }
func (s *session) Logout() error { return nil }

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}

// ErrReply builds an SMTP reply error, e.g. ErrReply(550, 5,1,1, "no such user").
func ErrReply(code, c1, c2, c3 int, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{c1, c2, c3}, Message: msg}
}
