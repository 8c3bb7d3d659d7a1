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
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/outpost-mail/outpost/internal/store"
)

// Transaction outcomes, as logged and counted.
const (
	outcomeRelayed  = "relayed"
	outcomeHeld     = "held"
	outcomeRejected = "rejected"
	outcomeFailed   = "failed"
)

func smtpErr(code int, e1, e2, e3 int, msg string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{e1, e2, e3}, Message: msg}
}

var (
	errAuthRequired = smtpErr(530, 5, 7, 0, "authentication required (AUTH after STARTTLS); this server is not an open relay")
	errTLSRequired  = smtpErr(523, 5, 7, 10, "TLS is required for AUTH; use STARTTLS first")
	errAuthTemp     = smtpErr(454, 4, 7, 0, "authentication temporarily unavailable; try again later")
	errTemp         = smtpErr(451, 4, 3, 0, "temporary local problem; try again later")
)

type session struct {
	s       *Server
	c       *smtp.Conn
	tc      *trackedConn
	id      string
	ip      netip.Addr
	trusted bool
	tls     *tls.ConnectionState
	ctx     context.Context
	cancel  context.CancelFunc
	tenant  string // authenticated tenant id ("" if none)

	// mu serialises the transaction methods with a Logout that go-smtp may
	// call from another goroutine (Server.Close at the end of Shutdown).
	mu sync.Mutex
	// the current transaction
	txn     *Txn
	qid     string
	from    string
	rcpts   []string
	started time.Time
	logged  bool
	// txTenant is the tenant the current message is for (from AUTH or the
	// trusted header), for the log line
	txTenant string
}

var (
	_ smtp.Session     = (*session)(nil)
	_ smtp.AuthSession = (*session)(nil)
)

func (ss *session) cmdCtx(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ss.ctx, d)
}

func (ss *session) authAllowed() bool {
	return ss.tls != nil || (ss.s.opts.AllowInsecureAuth && ss.ip.IsLoopback())
}

// AuthMechanisms offers PLAIN and LOGIN only where AUTH is allowed.
func (ss *session) AuthMechanisms() []string {
	if !ss.authAllowed() {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

// Auth checks tenant credentials: username = tenant id, password = secret.
func (ss *session) Auth(mech string) (sasl.Server, error) {
	if !ss.authAllowed() {
		return nil, errTLSRequired
	}
	if until := ss.s.limit.blockedUntil(ss.ip, ss.s.opts.Now()); !until.IsZero() {
		return nil, smtpErr(454, 4, 7, 0, "too many authentication failures from your address; try again after "+until.UTC().Format(time.RFC3339))
	}
	switch strings.ToUpper(mech) {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				return ss.authFailed()
			}
			return ss.authenticate(username, password)
		}), nil
	case sasl.Login:
		return &loginServer{auth: ss.authenticate}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *session) authFailed() error {
	ss.s.limit.fail(ss.ip, ss.s.opts.Now())
	ss.s.log.LogAttrs(ss.ctx, slog.LevelInfo, "smtp auth failed", slog.String("conn", ss.id), slog.String("ip", ss.ip.String()))
	return smtp.ErrAuthFailed // 535 5.7.8, the same whether the tenant exists or not
}

func (ss *session) authenticate(id, secret string) error {
	ctx, cancel := ss.cmdCtx(ss.s.opts.CommandTimeout)
	defer cancel()
	if !store.ValidTenantID(id) {
		store.CheckSecret(ss.s.dummy(), secret) // same cost as a real check
		return ss.authFailed()
	}
	t, err := ss.s.opts.Tenants.Tenant(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		store.CheckSecret(ss.s.dummy(), secret)
		return ss.authFailed()
	}
	if err != nil {
		ss.s.log.Error("tenant lookup failed", "conn", ss.id, "err", err)
		return errAuthTemp
	}
	now := ss.s.opts.Now()
	key := authKey(t.ID, secret, t.SecretHash)
	if !ss.s.cache.ok(key, now) {
		if !store.CheckSecret(t.SecretHash, secret) {
			return ss.authFailed()
		}
		ss.s.cache.add(key, now)
	}
	if t.Status == store.StatusSuspended {
		return suspended(t.ID)
	}
	ss.tenant = t.ID
	return nil
}

func suspended(id string) error {
	return smtpErr(550, 5, 7, 1, "tenant "+id+" is suspended; contact support")
}

// Mail starts a transaction and proxies MAIL FROM to an upstream at once.
func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.endTxn("aborted")
	if ss.s.isDraining() {
		return smtpErr(421, 4, 3, 2, "shutting down; try again later")
	}
	if ss.tenant == "" && !ss.trusted {
		return errAuthRequired
	}
	if !cleanAddress(from) {
		return smtpErr(501, 5, 1, 7, "bad sender address syntax: control characters are not allowed")
	}
	ss.qid, ss.from, ss.rcpts, ss.started, ss.logged = ss.s.newID(), from, ss.rcpts[:0], time.Now(), false
	ss.txTenant = ss.tenant
	if ss.tc != nil {
		ss.tc.setInTxn(true)
	}
	var up smtp.MailOptions
	if opts != nil {
		up.Size, up.UTF8 = opts.Size, opts.UTF8
		up.Body = opts.Body
	}
	ctx, cancel := ss.cmdCtx(ss.s.opts.CommandTimeout)
	defer cancel()
	txn, err := ss.s.relay.Begin(ctx, from, &up)
	if err != nil {
		se := ss.replyFor(err)
		outcome := outcomeFailed
		if se.Code >= 500 {
			outcome = outcomeRejected
		}
		ss.logTxn(outcome, "upstream.mail", "", se, 0)
		ss.resetTxn()
		return se
	}
	ss.txn = txn
	return nil
}

// Rcpt proxies RCPT TO; the upstream's answer is the client's answer.
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.txn == nil {
		return smtpErr(503, 5, 5, 1, "MAIL first")
	}
	if to == "" || !cleanAddress(to) {
		return smtpErr(501, 5, 1, 3, "bad recipient address syntax: control characters are not allowed")
	}
	ctx, cancel := ss.cmdCtx(ss.s.opts.CommandTimeout)
	defer cancel()
	if err := ss.txn.Rcpt(ctx, to, nil); err != nil {
		return ss.replyFor(err)
	}
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

// Data receives the body, checks it, runs quota and inspection and, when
// relaying, answers only with the upstream's answer.
func (ss *session) Data(r io.Reader) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.txn == nil {
		return smtpErr(503, 5, 5, 1, "MAIL first")
	}
	ctx, cancel := ss.cmdCtx(ss.s.opts.DataTimeout)
	defer cancel()
	_ = ss.c.Conn().SetReadDeadline(time.Now().Add(ss.s.opts.DataTimeout))

	in := ss.s.getBuf()
	defer ss.s.putBuf(in)
	_, err := in.ReadFrom(r)
	if err != nil {
		var se *smtp.SMTPError
		var ne net.Error
		switch {
		case errors.As(err, &se):
		case errors.Is(err, smtp.ErrTooLongLine):
			se = smtpErr(554, 5, 6, 0, fmt.Sprintf("a line is longer than %d bytes (RFC 5322 2.1.1); not relayed", ss.s.opts.MaxLineLength))
		case errors.As(err, &ne) && ne.Timeout():
			se = smtpErr(451, 4, 4, 2, "timeout receiving the message; try again")
		default:
			se = smtpErr(451, 4, 3, 0, "error receiving the message; try again")
		}
		ss.logTxn(outcomeRejected, "smtp.data", "", se, in.Len())
		return se
	}
	return ss.finish(ctx, in.Bytes())
}

func (s *Server) getBuf() *bytes.Buffer {
	if b, ok := s.bufs.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

// putBuf keeps buffers up to 4 MiB for reuse; larger ones go to the GC.
func (s *Server) putBuf(b *bytes.Buffer) {
	if b.Cap() <= 4<<20 {
		s.bufs.Put(b)
	}
}

func (ss *session) finish(ctx context.Context, body []byte) error {
	s := ss.s
	if se := checkBody(body, s.opts.MaxLineLength); se != nil {
		ss.logTxn(outcomeRejected, "smtp.malformed", "", se, len(body))
		return se
	}
	h := scanHeader(body)

	// tenant: authenticated, or named by a trusted client's header
	id := ss.tenant
	switch {
	case h.tenantBad:
		return ss.reject("tenant.header", smtpErr(550, 5, 7, 1, "several different "+TenantHeader+" headers"), len(body))
	case id != "" && h.tenant != "" && h.tenant != id:
		return ss.reject("tenant.mismatch", smtpErr(550, 5, 7, 1, TenantHeader+" names another tenant than the authenticated one"), len(body))
	case id == "" && h.tenant == "":
		return ss.reject("tenant.missing", smtpErr(550, 5, 7, 0, "no tenant: authenticate, or name the tenant in an "+TenantHeader+" header"), len(body))
	case id == "":
		id = h.tenant
	}
	ss.txTenant = sanitizeToken(id)
	var t store.Tenant
	var err error
	if store.ValidTenantID(id) {
		t, err = s.tcache.Tenant(ctx, id)
	} else {
		err = store.ErrNotFound
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ss.reject("tenant.unknown", smtpErr(550, 5, 7, 1, fmt.Sprintf("unknown tenant %q", sanitizeToken(id))), len(body))
	case err != nil:
		s.log.Error("tenant lookup failed", "conn", ss.id, "err", err)
		ss.logTxn(outcomeFailed, "tenant.lookup", "", errTemp, len(body))
		return errTemp
	case t.Status == store.StatusSuspended:
		return ss.reject("tenant.suspended", suspended(t.ID).(*smtp.SMTPError), len(body))
	}

	// the message as relayed: Received + header without X-Outpost-Tenant + body
	now := s.opts.Now()
	out := ss.s.getBuf()
	defer ss.s.putBuf(out)
	out.Grow(len(body) + 1024) // room for the Received header: no reallocation
	rb := out.AvailableBuffer()
	rb = ss.appendReceived(rb, t.ID, now)
	rb = appendWithoutTenantHeader(rb, body, h.hdrEnd)
	raw := rb
	msg := &Message{QueueID: ss.qid, Tenant: t, RemoteIP: ss.ip, Helo: ss.c.Hostname(), From: ss.from,
		To: slices.Clone(ss.rcpts), Raw: raw, MessageID: h.messageID, Received: now}

	res, err := s.opts.Quota.Reserve(ctx, t.ID, len(ss.rcpts))
	if err != nil {
		var qe QuotaExceededError
		if errors.As(err, &qe) {
			limit, at := qe.QuotaExceeded()
			se := smtpErr(451, 4, 7, 1, fmt.Sprintf("daily quota of %d recipients reached; capacity frees up at %s; ask support or upgrade your plan to raise it",
				limit, at.UTC().Format(time.RFC3339)))
			ss.logMsg(msg, outcomeRejected, "quota.exceeded", "", se)
			return se
		}
		s.log.Error("quota reserve failed", "conn", ss.id, "tenant", t.ID, "err", err)
		ss.logMsg(msg, outcomeFailed, "quota.error", "", errTemp)
		return errTemp
	}
	d, err := s.opts.Inspector.Inspect(ctx, msg)
	if err != nil {
		s.log.Error("inspect failed", "conn", ss.id, "tenant", t.ID, "err", err)
		ss.release(ctx, res)
		ss.logMsg(msg, outcomeFailed, "inspect.error", "", errTemp)
		return errTemp
	}
	switch d.Action {
	case ActionRelay:
		return ss.relayMsg(ctx, msg, h.fromDomain, res, d)
	case ActionHold:
		if s.opts.Holder == nil {
			ss.release(ctx, res)
			ss.logMsg(msg, outcomeFailed, "hold.no_holder", "", errTemp)
			return errTemp
		}
		held := *msg
		held.Raw = bytes.Clone(msg.Raw) // the Holder may keep it; ours is pooled
		if err := s.opts.Holder.Hold(ctx, &held, d); err != nil {
			s.log.Error("hold failed", "conn", ss.id, "tenant", t.ID, "err", err)
			ss.release(ctx, res)
			ss.logMsg(msg, outcomeFailed, "hold.error", "", errTemp)
			return errTemp
		}
		if err := res.Commit(ctx); err != nil {
			s.log.Error("quota commit failed", "conn", ss.id, "tenant", t.ID, "err", err)
		}
		ok := smtpErr(250, 2, 0, 0, "OK: held for review as "+ss.qid)
		ss.logMsg(msg, outcomeHeld, d.Code, "", ok)
		return ok
	default:
		ss.release(ctx, res)
		reason := d.Reason
		if reason == "" {
			reason = "message refused by policy"
		}
		se := smtpErr(550, 5, 7, 1, oneLine(reason))
		ss.logMsg(msg, outcomeRejected, d.Code, "", se)
		return se
	}
}

func (ss *session) relayMsg(ctx context.Context, msg *Message, domain string, res Reservation, d Decision) error {
	s := ss.s
	sig, err := s.keys.sign(domain, msg.Raw)
	if err != nil {
		s.log.Warn("dkim signing failed; relaying unsigned", "conn", ss.id, "domain", domain, "err", err)
	}
	t0 := time.Now()
	reply, err := ss.txn.Data(ctx, sig, msg.Raw)
	s.m.relayLatency.Observe(time.Since(t0).Seconds())
	up := ss.txn.Upstream()
	if err != nil {
		ss.release(ctx, res)
		se := ss.replyFor(err)
		outcome := outcomeFailed
		if se.Code >= 500 {
			outcome = outcomeRejected
		}
		ss.logMsg(msg, outcome, "upstream.data", up, se)
		return se
	}
	if err := res.Commit(ctx); err != nil {
		s.log.Error("quota commit failed", "conn", ss.id, "tenant", msg.Tenant.ID, "err", err)
	}
	ok := smtpErr(250, 2, 0, 0, "OK: queued as "+ss.qid)
	code := d.Code
	if code == "" {
		code = "ok"
	}
	ss.logMsg(msg, outcomeRelayed, code, up, &smtp.SMTPError{Code: 250, Message: reply})
	return ok
}

func (ss *session) release(ctx context.Context, r Reservation) {
	if err := r.Release(ctx); err != nil {
		ss.s.log.Error("quota release failed", "conn", ss.id, "err", err)
	}
}

func (ss *session) reject(code string, se *smtp.SMTPError, n int) error {
	ss.logTxn(outcomeRejected, code, "", se, n)
	return se
}

// replyFor is the one place that turns an error into the client's reply:
// upstream replies pass through with their codes, the rest become generic
// temporary failures (no internal detail).
func (ss *session) replyFor(err error) *smtp.SMTPError {
	var se *smtp.SMTPError
	switch {
	// first: these may wrap an upstream's handshake reply, not for the client
	case errors.Is(err, errNoUpstream):
		return smtpErr(451, 4, 4, 1, "no upstream mail server available; try again later")
	case errors.Is(err, errUpstreamLost):
		return smtpErr(451, 4, 4, 2, "connection to the upstream mail server lost; try again later")
	case errors.As(err, &se):
		if se.EnhancedCode == smtp.NoEnhancedCode || se.EnhancedCode == smtp.EnhancedCodeNotSet {
			c := *se
			c.EnhancedCode = smtp.EnhancedCode{se.Code / 100, 0, 0}
			return &c
		}
		return se
	case errors.Is(err, context.DeadlineExceeded):
		return smtpErr(451, 4, 4, 5, "timeout; try again later")
	}
	return errTemp
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}

// appendReceived appends our trace field (RFC 5321 §4.4; "with" per RFC 3848).
func (ss *session) appendReceived(b []byte, tenant string, now time.Time) []byte {
	proto := "ESMTP"
	if ss.tls != nil {
		proto += "S"
	}
	if ss.tenant != "" {
		proto += "A"
	}
	b = append(b, "Received: from "...)
	b = append(b, sanitizeToken(ss.c.Hostname())...)
	b = append(b, " (["...)
	b = append(b, ss.ip.String()...)
	b = append(b, "])\r\n\tby "...)
	b = append(b, ss.s.opts.Hostname...)
	b = append(b, " (outpost) with "...)
	b = append(b, proto...)
	b = append(b, " id "...)
	b = append(b, ss.qid...)
	if ss.tls != nil {
		b = append(b, "\r\n\t(version="...)
		b = append(b, strings.ReplaceAll(tls.VersionName(ss.tls.Version), " ", "")...)
		b = append(b, " cipher="...)
		b = append(b, tls.CipherSuiteName(ss.tls.CipherSuite)...)
		b = append(b, ')')
	}
	b = append(b, "\r\n\t(tenant "...)
	b = append(b, tenant...)
	b = append(b, ')')
	if len(ss.rcpts) == 1 && !strings.ContainsAny(ss.rcpts[0], "\r\n") {
		b = append(b, "\r\n\tfor <"...)
		b = append(b, ss.rcpts[0]...)
		b = append(b, '>')
	}
	b = append(b, ";\r\n\t"...)
	b = now.AppendFormat(b, time.RFC1123Z)
	return append(b, "\r\n"...)
}

func (ss *session) logTxn(outcome, code, upstream string, se *smtp.SMTPError, n int) {
	ss.log(outcome, code, "", upstream, se, n)
}

func (ss *session) logMsg(m *Message, outcome, code, upstream string, se *smtp.SMTPError) {
	ss.log(outcome, code, m.MessageID, upstream, se, len(m.Raw))
}

// log writes the one line per transaction.
func (ss *session) log(outcome, code, msgID, upstream string, se *smtp.SMTPError, n int) {
	if ss.logged {
		return
	}
	ss.logged = true
	ss.s.m.transactions.WithLabelValues(outcome).Inc()
	reply := ""
	if se != nil {
		reply = replyText(se)
	}
	lvl := slog.LevelInfo
	if outcome == outcomeFailed {
		lvl = slog.LevelWarn
	}
	ss.s.log.LogAttrs(ss.ctx, lvl, "smtp transaction",
		slog.String("conn", ss.id),
		slog.String("queue_id", ss.qid),
		slog.String("tenant", ss.txTenant),
		slog.String("message_id", msgID),
		slog.Int("rcpts", len(ss.rcpts)),
		slog.String("outcome", outcome),
		slog.String("reason", code),
		slog.String("upstream", upstream),
		slog.String("reply", reply),
		slog.Int("bytes", n),
		slog.Duration("duration", time.Since(ss.started)),
	)
}

// endTxn closes the upstream side of the current transaction (RSET if
// unfinished) and logs it if nothing was logged yet.
func (ss *session) endTxn(why string) {
	if ss.txn == nil {
		return
	}
	if !ss.logged {
		ss.logTxn(outcomeFailed, "smtp."+why, ss.txn.Upstream(), nil, 0)
	}
	if ss.txn.done || ss.txn.c.broken { // no RSET to send: no I/O, no timer
		ss.txn.Close(ss.ctx)
	} else {
		ctx, cancel := ss.cmdCtx(ss.s.opts.CommandTimeout)
		ss.txn.Close(ctx)
		cancel()
	}
	ss.resetTxn()
}

func (ss *session) resetTxn() {
	ss.txn = nil
	ss.rcpts = ss.rcpts[:0]
	if ss.tc != nil {
		ss.tc.setInTxn(false)
	}
}

// Reset is called after DATA, on RSET and on a new EHLO.
func (ss *session) Reset() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.endTxn("reset")
}

// Logout frees the session. It may run on another goroutine than the
// session's commands (when the server closes connections at shutdown): it
// first cancels the session's context and unblocks the client connection,
// so a command under way returns promptly, then closes the transaction.
func (ss *session) Logout() error {
	ss.cancel()
	if ss.tc != nil && ss.s.base.Err() != nil { // shutdown's hard phase, not QUIT or STARTTLS
		_ = ss.tc.Conn.SetDeadline(time.Now())
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.endTxn("disconnect")
	return nil
}
