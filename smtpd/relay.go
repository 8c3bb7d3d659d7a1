package smtpd

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// errNoUpstream means no upstream could be reached; it maps to 451 4.4.1.
var errNoUpstream = errors.New("smtpd: no upstream mail server available")

// errUpstreamLost means a pooled connection broke mid-transaction; 451 4.4.2.
var errUpstreamLost = errors.New("smtpd: upstream connection lost")

// Relay is the pool of upstream SMTP connections. It spreads transactions
// over the upstreams that are up (round robin), marks one down when it
// cannot be reached and tries it again after a doubling back-off, and keeps
// idle connections for reuse (checked with NOOP after UpstreamIdleCheck,
// closed after UpstreamMaxAge). It is safe for concurrent use.
type Relay struct {
	hostname       string
	commandTimeout time.Duration
	dataTimeout    time.Duration
	maxIdle        int
	maxAge         time.Duration
	idleCheck      time.Duration
	retryMin       time.Duration
	retryMax       time.Duration
	now            func() time.Time
	m              *metrics
	log            *slog.Logger
	dialer         net.Dialer

	ups    []*upstream
	rr     atomic.Uint32
	closed atomic.Bool
}

type upstream struct {
	cfg Upstream
	tls *tls.Config

	mu       sync.Mutex
	idle     []*upConn
	down     bool
	failures int
	retryAt  time.Time
}

type upConn struct {
	up      *upstream
	c       *smtp.Client
	nc      net.Conn
	created time.Time
	used    time.Time
	broken  bool
}

func newRelay(o *Options, m *metrics) *Relay {
	r := &Relay{
		hostname: o.Hostname, commandTimeout: o.CommandTimeout, dataTimeout: o.DataTimeout,
		maxIdle: o.UpstreamMaxIdle, maxAge: o.UpstreamMaxAge, idleCheck: o.UpstreamIdleCheck,
		retryMin: o.UpstreamRetryMin, retryMax: o.UpstreamRetryMax, now: o.Now, m: m, log: o.Logger,
	}
	for _, u := range o.Upstreams {
		up := &upstream{cfg: u}
		if u.StartTLS {
			cfg := &tls.Config{}
			if u.TLSConfig != nil {
				cfg = u.TLSConfig.Clone()
			}
			if cfg.ServerName == "" {
				cfg.ServerName, _, _ = net.SplitHostPort(u.Addr)
			}
			if u.InsecureSkipVerify {
				cfg.InsecureSkipVerify = true
			}
			up.tls = cfg
		}
		r.ups = append(r.ups, up)
		m.upstreamUp.WithLabelValues(u.Addr).Set(1)
	}
	return r
}

// candidates lists the upstreams to try, in order: those up (starting at
// the round-robin position), then those down whose back-off has passed.
func (r *Relay) candidates(buf []*upstream) []*upstream {
	now := r.now()
	n := len(r.ups)
	start := int(r.rr.Add(1)) % n
	var retry []*upstream
	for i := range n {
		u := r.ups[(start+i)%n]
		u.mu.Lock()
		down, at := u.down, u.retryAt
		u.mu.Unlock()
		switch {
		case !down:
			buf = append(buf, u)
		case !now.Before(at):
			retry = append(retry, u)
		}
	}
	return append(buf, retry...)
}

func (r *Relay) markDown(u *upstream, err error) {
	u.mu.Lock()
	u.failures++
	back := r.retryMin << min(u.failures-1, 16)
	if back > r.retryMax || back <= 0 {
		back = r.retryMax
	}
	u.down, u.retryAt = true, r.now().Add(back)
	retryAt, failures := u.retryAt, u.failures
	idle := u.idle
	u.idle = nil
	u.mu.Unlock()
	for _, c := range idle {
		c.close()
	}
	r.m.upstreamUp.WithLabelValues(u.cfg.Addr).Set(0)
	r.log.Warn("upstream down", "upstream", u.cfg.Addr, "failures", failures, "retry_at", retryAt, "err", err)
}

func (r *Relay) markUp(u *upstream) {
	u.mu.Lock()
	was := u.down
	u.down, u.failures = false, 0
	u.mu.Unlock()
	if was {
		r.m.upstreamUp.WithLabelValues(u.cfg.Addr).Set(1)
		r.log.Info("upstream up", "upstream", u.cfg.Addr)
	}
}

// get returns a pooled or new connection to u.
func (r *Relay) get(ctx context.Context, u *upstream) (*upConn, error) {
	for {
		u.mu.Lock()
		var c *upConn
		if n := len(u.idle); n > 0 {
			c = u.idle[n-1]
			u.idle[n-1] = nil
			u.idle = u.idle[:n-1]
		}
		u.mu.Unlock()
		if c == nil {
			break
		}
		now := r.now()
		if now.Sub(c.created) > r.maxAge {
			c.quit()
			continue
		}
		if now.Sub(c.used) > r.idleCheck {
			if err := c.do(ctx, r.commandTimeout, func() error { return c.c.Noop() }); err != nil {
				c.close()
				continue
			}
		}
		return c, nil
	}
	return r.dial(ctx, u)
}

func (r *Relay) dial(ctx context.Context, u *upstream) (*upConn, error) {
	dctx, cancel := context.WithTimeout(ctx, r.commandTimeout)
	defer cancel()
	nc, err := r.dialer.DialContext(dctx, "tcp", u.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtpd: dial upstream %s: %w", u.cfg.Addr, err)
	}
	now := r.now()
	c := &upConn{up: u, nc: nc, created: now, used: now}
	err = c.doRaw(ctx, r.commandTimeout, func() error {
		var err error
		if u.tls != nil {
			// The EHLO before STARTTLS says "localhost" (go-smtp's client
			// gives no other choice); the one after it our hostname.
			if c.c, err = smtp.NewClientStartTLS(nc, u.tls); err != nil {
				return err
			}
		} else {
			c.c = smtp.NewClient(nc)
		}
		c.c.CommandTimeout, c.c.SubmissionTimeout = r.commandTimeout, r.commandTimeout
		if err := c.c.Hello(r.hostname); err != nil {
			return err
		}
		if err := c.c.Noop(); err != nil { // reads the greeting and runs EHLO
			return err
		}
		if u.cfg.Username != "" {
			return c.c.Auth(sasl.NewPlainClient("", u.cfg.Username, u.cfg.Password))
		}
		return nil
	})
	if err != nil {
		_ = nc.Close()
		return nil, fmt.Errorf("smtpd: upstream %s handshake: %w", u.cfg.Addr, err)
	}
	return c, nil
}

// put returns c to its pool, or closes it.
func (r *Relay) put(c *upConn) {
	if c.broken || r.closed.Load() {
		c.close()
		return
	}
	now := r.now()
	if now.Sub(c.created) > r.maxAge {
		c.quit()
		return
	}
	c.used = now
	u := c.up
	u.mu.Lock()
	if len(u.idle) < r.maxIdle && !u.down {
		u.idle = append(u.idle, c)
		c = nil
	}
	u.mu.Unlock()
	if c != nil {
		c.quit()
	}
}

// Close closes the idle connections; connections in use close when released.
func (r *Relay) Close() error {
	r.closed.Store(true)
	for _, u := range r.ups {
		u.mu.Lock()
		idle := u.idle
		u.idle = nil
		u.mu.Unlock()
		for _, c := range idle {
			c.quit()
		}
	}
	return nil
}

// do runs f with the upstream command timeout bounded by ctx; a cancelled
// ctx closes the connection, which unblocks f. Any non-SMTP error marks the
// connection broken.
func (c *upConn) do(ctx context.Context, timeout time.Duration, f func() error) error {
	if err := ctx.Err(); err != nil {
		c.broken = true
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		if d := time.Until(dl); d < timeout {
			timeout = max(d, time.Millisecond)
		}
	}
	c.c.CommandTimeout = timeout
	c.c.SubmissionTimeout = timeout
	return c.doRaw(ctx, timeout, f)
}

// doRaw is do without touching the client (which may not exist yet).
func (c *upConn) doRaw(ctx context.Context, timeout time.Duration, f func() error) error {
	if err := ctx.Err(); err != nil {
		c.broken = true
		return err
	}
	_ = c.nc.SetDeadline(time.Now().Add(timeout))
	stop := context.AfterFunc(ctx, func() { c.nc.Close() })
	err := f()
	if !stop() && err == nil {
		err = ctx.Err()
	}
	if err != nil {
		var se *smtp.SMTPError
		if !errors.As(err, &se) || se.Code == 421 {
			c.broken = true
		}
	}
	return err
}

func (c *upConn) close() { c.broken = true; _ = c.c.Close() }

func (c *upConn) quit() {
	_ = c.nc.SetDeadline(time.Now().Add(time.Second))
	_ = c.c.Quit()
	_ = c.c.Close()
}

// Txn is one mail transaction on an upstream connection: MAIL, then RCPTs,
// then Data or Abort. Errors that carry the upstream's reply are
// *smtp.SMTPError; others mean the upstream is unreachable or lost.
type Txn struct {
	r     *Relay
	c     *upConn
	rcpts int
	done  bool
}

// Upstream is the address of the upstream this transaction runs on.
func (t *Txn) Upstream() string { return t.c.up.cfg.Addr }

// Begin sends MAIL FROM to the first upstream that takes the connection.
// An upstream's reply to MAIL (e.g. 550) is returned as *smtp.SMTPError;
// when no upstream can be reached it returns an error wrapping
// errNoUpstream.
func (r *Relay) Begin(ctx context.Context, from string, opts *smtp.MailOptions) (*Txn, error) {
	var buf [4]*upstream
	cands := r.candidates(buf[:0])
	var lastErr error
	for _, u := range cands {
		for attempt := 0; attempt < 2; attempt++ {
			c, err := r.get(ctx, u)
			if err != nil {
				if ctx.Err() != nil {
					return nil, err
				}
				r.markDown(u, err)
				lastErr = err
				break
			}
			err = c.do(ctx, r.commandTimeout, func() error { return c.c.Mail(from, opts) })
			if err == nil {
				r.markUp(u)
				return &Txn{r: r, c: c}, nil
			}
			var se *smtp.SMTPError
			if errors.As(err, &se) && !c.broken {
				r.put(c) // no transaction was started
				return nil, err
			}
			c.close()
			lastErr = err
			if ctx.Err() != nil {
				return nil, err
			}
			// A pooled connection may have gone stale: retry once on a new one.
		}
	}
	if lastErr == nil {
		lastErr = errors.New("all upstreams are in back-off")
	}
	return nil, fmt.Errorf("%w: %w", errNoUpstream, lastErr)
}

// Rcpt sends RCPT TO. The upstream's refusal comes back as *smtp.SMTPError.
func (t *Txn) Rcpt(ctx context.Context, to string, opts *smtp.RcptOptions) error {
	if t.c.broken {
		return errUpstreamLost
	}
	err := t.c.do(ctx, t.r.commandTimeout, func() error { return t.c.c.Rcpt(to, opts) })
	if err == nil {
		t.rcpts++
		return nil
	}
	if t.c.broken {
		return fmt.Errorf("%w: %w", errUpstreamLost, err)
	}
	return err
}

// Data sends the message (the parts written in order) and returns the
// upstream's 250 text, or its refusal as *smtp.SMTPError.
func (t *Txn) Data(ctx context.Context, parts ...[]byte) (string, error) {
	if t.c.broken {
		return "", errUpstreamLost
	}
	var resp *smtp.DataResponse
	err := t.c.do(ctx, t.r.dataTimeout, func() error {
		w, err := t.c.c.Data()
		if err != nil {
			return err
		}
		if t.c.up.tls == nil && endsWithCRLF(parts) {
			// Fast path: write the dot-stuffed message straight to the
			// socket in one writev, instead of byte by byte through
			// textproto's DotWriter. This is safe because go-smtp's client
			// has flushed its buffer after DATA's 354. The final CRLF goes
			// through the DotWriter, which then ends with ".\r\n".
			bufs := stuffed(parts)
			if _, err := bufs.WriteTo(t.c.nc); err != nil {
				return err
			}
			if _, err := w.Write(crlf); err != nil {
				return err
			}
		} else {
			for _, p := range parts {
				if _, err := w.Write(p); err != nil {
					return err
				}
			}
		}
		resp, err = w.CloseWithResponse()
		return err
	})
	if err != nil && t.c.broken {
		return "", fmt.Errorf("%w: %w", errUpstreamLost, err)
	}
	t.done = err == nil || !t.c.broken
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			t.done = true // a DATA reply ends the transaction either way
		}
		return "", err
	}
	return resp.StatusText, nil
}

// Close ends the transaction: it sends RSET if the transaction did not
// complete, and returns the connection to the pool (or closes it).
func (t *Txn) Close(ctx context.Context) {
	if t == nil || t.c == nil {
		return
	}
	c := t.c
	t.c = nil
	if !t.done && !c.broken {
		_ = c.do(ctx, t.r.commandTimeout, func() error { return c.c.Reset() })
	}
	t.r.put(c)
}

// RecipientStatus is what an upstream said about one recipient.
type RecipientStatus int

const (
	RecipientAccepted  RecipientStatus = iota // the upstream took the message for it
	RecipientTemporary                        // 4xx or no upstream: try again later
	RecipientPermanent                        // 5xx: do not retry
)

func (s RecipientStatus) String() string {
	return [...]string{"accepted", "temporary", "permanent"}[s]
}

// RecipientResult is the outcome for one recipient of Deliver.
type RecipientResult struct {
	Rcpt   string
	Status RecipientStatus
	// Reply is the upstream's reply ("250 2.0.0 OK" or the refusal).
	Reply string
}

// DeliveryResult is what Deliver did.
type DeliveryResult struct {
	Upstream   string // address of the upstream that answered ("" if none)
	Recipients []RecipientResult
}

// Accepted counts recipients the upstream took.
func (d DeliveryResult) Accepted() int {
	n := 0
	for _, r := range d.Recipients {
		if r.Status == RecipientAccepted {
			n++
		}
	}
	return n
}

func statusOf(err error) (RecipientStatus, string) {
	if err == nil {
		return RecipientAccepted, "250 2.0.0 OK"
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		st := RecipientTemporary
		if se.Code >= 500 {
			st = RecipientPermanent
		}
		return st, replyText(se)
	}
	if errors.Is(err, errUpstreamLost) {
		return RecipientTemporary, "451 4.4.2 connection to the upstream lost"
	}
	return RecipientTemporary, "451 4.4.1 no upstream mail server available"
}

func replyText(se *smtp.SMTPError) string {
	ec := se.EnhancedCode
	if ec == smtp.NoEnhancedCode || ec == smtp.EnhancedCodeNotSet {
		return fmt.Sprintf("%d %s", se.Code, se.Message)
	}
	return fmt.Sprintf("%d %d.%d.%d %s", se.Code, ec[0], ec[1], ec[2], se.Message)
}

// deliver sends raw (already signed parts) through the pool; see Server.Deliver.
func (r *Relay) deliver(ctx context.Context, from string, to []string, parts ...[]byte) (DeliveryResult, error) {
	res := DeliveryResult{Recipients: make([]RecipientResult, len(to))}
	for i, rc := range to {
		res.Recipients[i].Rcpt = rc
	}
	setAll := func(err error, onlyAccepted bool) {
		st, reply := statusOf(err)
		for i := range res.Recipients {
			if !onlyAccepted || res.Recipients[i].Status == RecipientAccepted {
				res.Recipients[i].Status, res.Recipients[i].Reply = st, reply
			}
		}
	}
	txn, err := r.Begin(ctx, from, nil)
	if err != nil {
		if errors.Is(err, errNoUpstream) || ctx.Err() != nil {
			setAll(errNoUpstream, false)
			return res, err
		}
		setAll(err, false) // the upstream's reply to MAIL
		return res, nil
	}
	defer txn.Close(ctx)
	res.Upstream = txn.Upstream()
	ok := 0
	for i, rc := range to {
		err := txn.Rcpt(ctx, rc, nil)
		res.Recipients[i].Status, res.Recipients[i].Reply = statusOf(err)
		if err == nil {
			ok++
		} else if errors.Is(err, errUpstreamLost) {
			setAll(err, false)
			return res, err
		}
	}
	if ok == 0 {
		return res, nil
	}
	reply, err := txn.Data(ctx, parts...)
	if err != nil {
		setAll(err, true)
		if errors.Is(err, errUpstreamLost) {
			return res, err
		}
		return res, nil
	}
	for i := range res.Recipients {
		if res.Recipients[i].Status == RecipientAccepted {
			res.Recipients[i].Reply = "250 " + reply
		}
	}
	return res, nil
}

var _ io.Closer = (*Relay)(nil)

var (
	crlf  = []byte("\r\n")
	dot   = []byte(".")
	nlDot = []byte("\n.")
)

func endsWithCRLF(parts [][]byte) bool {
	for i := len(parts) - 1; i >= 0; i-- {
		if len(parts[i]) > 0 {
			return bytes.HasSuffix(parts[i], crlf)
		}
	}
	return false
}

// stuffed returns parts, without the final CRLF, dot-stuffed (RFC 5321
// §4.5.2: a line starting with "." gets another "."), as buffers for one
// writev. The parts must end with CRLF (endsWithCRLF).
func stuffed(parts [][]byte) net.Buffers {
	bufs := make(net.Buffers, 0, len(parts)+4)
	last := len(parts) - 1
	for last >= 0 && len(parts[last]) == 0 {
		last--
	}
	bol := true
	for i, p := range parts[:last+1] {
		if i == last {
			p = p[:len(p)-2]
		}
		if len(p) == 0 {
			continue
		}
		if bol && p[0] == '.' {
			bufs = append(bufs, dot)
		}
		for {
			j := bytes.Index(p, nlDot)
			if j < 0 {
				break
			}
			bufs = append(bufs, p[:j+1], dot)
			p = p[j+1:]
		}
		bufs = append(bufs, p)
		bol = p[len(p)-1] == '\n'
	}
	return bufs
}
