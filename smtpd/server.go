package smtpd

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/outpost-mail/outpost/internal/store"
)

// Server is outpost's SMTP front. Create it with New.
type Server struct {
	opts   Options
	log    *slog.Logger
	m      *metrics
	relay  *Relay
	keys   *keyring
	tcache *tenantCache
	bufs   sync.Pool // *bytes.Buffer for message bodies
	cache  *authCache
	limit  *authLimiter
	srv    *smtp.Server
	idPfx  string
	ids    atomic.Uint64
	dummy  func() string // a bcrypt hash to compare against for unknown tenants
	base   context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	conns    map[*trackedConn]struct{}
	perIP    map[netip.Addr]int
	addr     net.Addr
	draining atomic.Bool   // written under mu
	drained  chan struct{} // closed when draining and no connection is left
	shutOnce sync.Once
}

// New checks opts, fills in defaults and returns a Server ready to Serve.
// When opts.DKIMKeys is set it loads the keys once (failing if it cannot)
// and then refreshes them every DKIMRefresh until Shutdown.
func New(opts Options) (*Server, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	var pfx [4]byte
	if _, err := rand.Read(pfx[:]); err != nil {
		return nil, fmt.Errorf("smtpd: random id prefix: %w", err)
	}
	base, cancel := context.WithCancel(context.Background())
	s := &Server{
		opts: opts, log: opts.Logger, m: m,
		cache:  newAuthCache(opts.AuthCacheSize, opts.AuthCacheTTL),
		limit:  newAuthLimiter(opts.MaxAuthFailures, opts.AuthFailureWindow, opts.AuthCooldown),
		idPfx:  hex.EncodeToString(pfx[:]),
		base:   base,
		cancel: cancel,
		conns:  make(map[*trackedConn]struct{}),
		perIP:  make(map[netip.Addr]int),
		dummy: sync.OnceValue(func() string {
			h, _ := store.HashSecret("outpost-timing-equaliser")
			return h
		}),
	}
	s.relay = newRelay(&s.opts, m)
	s.tcache = &tenantCache{src: opts.Tenants, ttl: opts.TenantCacheTTL, now: opts.Now, max: 10000,
		m: make(map[string]cachedTenant)}
	if opts.DKIMKeys != nil {
		s.keys = &keyring{src: opts.DKIMKeys, log: opts.Logger}
		lctx, lcancel := context.WithTimeout(base, 30*time.Second)
		err := s.keys.load(lctx)
		lcancel()
		if err != nil {
			cancel()
			return nil, err
		}
		go s.keys.run(base, opts.DKIMRefresh)
	}
	srv := smtp.NewServer(backend{s})
	srv.Addr = opts.Addr
	srv.Domain = opts.Hostname
	srv.TLSConfig = opts.TLSConfig
	srv.AllowInsecureAuth = opts.AllowInsecureAuth
	srv.MaxMessageBytes = opts.MaxMessageBytes
	srv.MaxRecipients = opts.MaxRecipients
	srv.MaxLineLength = opts.MaxLineLength
	srv.ReadTimeout = opts.CommandTimeout
	srv.WriteTimeout = opts.CommandTimeout
	srv.ErrorLog = slogPrinter{opts.Logger}
	s.srv = srv
	return s, nil
}

// Relay is the upstream pool the server relays through.
func (s *Server) Relay() *Relay { return s.relay }

// Serve accepts connections on l until Shutdown. It returns nil after Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.addr == nil {
		s.addr = l.Addr()
	}
	s.mu.Unlock()
	err := s.srv.Serve(&listener{Listener: l, s: s})
	if errors.Is(err, net.ErrClosed) && s.base.Err() != nil {
		return nil
	}
	return err
}

// ListenAndServe listens on Options.Addr and serves.
func (s *Server) ListenAndServe() error {
	l, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("smtpd: listen: %w", err)
	}
	return s.Serve(l)
}

// Addr is the address of the first listener served (nil before Serve).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Shutdown stops the server in two phases. First it stops taking new work:
// new connections get "421 4.3.2" and idle sessions are closed (with a 421)
// as soon as they are between transactions, while transactions under way
// finish. When they have all ended, or after Options.ShutdownGrace or when
// ctx is done (whichever comes first), it cancels what is left (upstream
// commands abort, connections close). It returns ctx's error if ctx ended
// the grace period.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.shutOnce.Do(func() {
		s.mu.Lock()
		s.draining.Store(true)
		s.drained = make(chan struct{})
		if len(s.conns) == 0 {
			close(s.drained)
		}
		for c := range s.conns {
			c.kickIfIdle()
		}
		s.mu.Unlock()

		grace := time.NewTimer(s.opts.ShutdownGrace)
		defer grace.Stop()
		select {
		case <-s.drained:
		case <-grace.C:
		case <-ctx.Done():
			err = ctx.Err()
		}
		s.cancel()
		_ = s.srv.Close()
		_ = s.relay.Close()
	})
	return err
}

// Deliver sends a message that no client is waiting for (released held
// mail) through the same upstream pool, DKIM-signed like relayed mail. The
// result says, per recipient, accepted, temporary or permanent; the error
// is non-nil when no upstream could be reached or the connection was lost
// (then every recipient is temporary).
func (s *Server) Deliver(ctx context.Context, from string, to []string, raw []byte) (DeliveryResult, error) {
	if len(to) == 0 {
		return DeliveryResult{}, errors.New("smtpd: deliver: no recipients")
	}
	if err := checkBody(raw, 1<<30); err != nil {
		return DeliveryResult{}, fmt.Errorf("smtpd: deliver: %s", err.Message)
	}
	h := scanHeader(raw)
	sig, err := s.keys.sign(h.fromDomain, raw)
	if err != nil {
		s.log.Warn("dkim signing failed; delivering unsigned", "err", err, "domain", h.fromDomain)
	}
	return s.relay.deliver(ctx, from, to, sig, raw)
}

func (s *Server) newID() string {
	return s.idPfx + strconv.FormatUint(s.ids.Add(1), 36)
}

// admit decides at connect whether a client may have a session; it returns
// the refusal reply, or "" and counts the connection.
func (s *Server) admit(ip netip.Addr) (string, string) {
	if until := s.limit.blockedUntil(ip, s.opts.Now()); !until.IsZero() {
		return "auth_cooldown", "421 4.7.0 too many authentication failures from your address; try again after " + until.UTC().Format(time.RFC3339)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.draining.Load():
		return "shutdown", "421 4.3.2 " + s.opts.Hostname + " is shutting down; try again later"
	case len(s.conns) >= s.opts.MaxConns:
		return "max_conns", "421 4.7.0 too many connections; try again later"
	case s.perIP[ip] >= s.opts.MaxConnsPerIP:
		return "max_conns_per_ip", fmt.Sprintf("421 4.7.0 too many connections from your address (limit %d); try again later", s.opts.MaxConnsPerIP)
	}
	return "", ""
}

type listener struct {
	net.Listener
	s *Server
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := addrIP(c.RemoteAddr())
		if reason, reply := l.s.admit(ip); reply != "" {
			l.s.m.connsRefused.WithLabelValues(reason).Inc()
			_ = c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
			_, _ = c.Write([]byte(reply + "\r\n"))
			_ = c.Close()
			continue
		}
		tc := &trackedConn{Conn: c, s: l.s, ip: ip}
		l.s.mu.Lock()
		if l.s.draining.Load() { // raced with Shutdown
			l.s.mu.Unlock()
			_, _ = c.Write([]byte("421 4.3.2 shutting down\r\n"))
			_ = c.Close()
			continue
		}
		l.s.conns[tc] = struct{}{}
		l.s.perIP[ip]++
		l.s.mu.Unlock()
		return tc, nil
	}
}

// trackedConn counts a client connection and lets Shutdown end it when it is
// idle: while the server drains, read deadlines of a connection that is not
// in a transaction are set to now, so go-smtp answers 421 and closes it.
type trackedConn struct {
	net.Conn
	s      *Server
	ip     netip.Addr
	inTxn  atomic.Bool
	closed atomic.Bool
}

func (c *trackedConn) SetReadDeadline(t time.Time) error {
	if !c.inTxn.Load() && c.s.isDraining() {
		t = time.Now()
	}
	return c.Conn.SetReadDeadline(t)
}

func (c *trackedConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.SetReadDeadline(t)
}

func (c *trackedConn) kickIfIdle() {
	if !c.inTxn.Load() {
		_ = c.Conn.SetReadDeadline(time.Now())
	}
}

func (c *trackedConn) setInTxn(v bool) {
	c.inTxn.Store(v)
	if !v && c.s.isDraining() {
		c.kickIfIdle()
	}
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	if c.closed.CompareAndSwap(false, true) {
		s := c.s
		s.mu.Lock()
		delete(s.conns, c)
		if s.perIP[c.ip]--; s.perIP[c.ip] <= 0 {
			delete(s.perIP, c.ip)
		}
		if s.draining.Load() && len(s.conns) == 0 {
			close(s.drained)
		}
		s.mu.Unlock()
	}
	return err
}

func (s *Server) isDraining() bool { return s.draining.Load() }

func addrIP(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(ta.IP)
		return ip.Unmap()
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

func (s *Server) trusted(ip netip.Addr) bool {
	for _, p := range s.opts.TrustedNets {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s := b.s
	nc := c.Conn()
	var tlsState *tls.ConnectionState
	if tc, ok := nc.(*tls.Conn); ok {
		st := tc.ConnectionState()
		tlsState = &st
		nc = tc.NetConn()
	}
	tc, _ := nc.(*trackedConn)
	if s.isDraining() {
		return nil, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "shutting down; try again later"}
	}
	ip := addrIP(c.Conn().RemoteAddr())
	ctx, cancel := context.WithCancel(s.base)
	return &session{
		s: s, c: c, tc: tc, ip: ip, trusted: s.trusted(ip), tls: tlsState,
		id: s.newID(), ctx: ctx, cancel: cancel,
	}, nil
}

type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Printf(format string, v ...any) {
	p.l.Warn("smtp server", "msg", fmt.Sprintf(format, v...))
}
func (p slogPrinter) Println(v ...any) { p.l.Warn("smtp server", "msg", fmt.Sprint(v...)) }
