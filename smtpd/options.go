package smtpd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Upstream is one mail server outpost relays to.
type Upstream struct {
	// Addr is host:port.
	Addr string
	// StartTLS asks for STARTTLS before MAIL; the upstream must offer it.
	StartTLS bool
	// TLSConfig is used for STARTTLS (ServerName defaults to Addr's host).
	TLSConfig *tls.Config
	// InsecureSkipVerify skips certificate checks (tests only).
	InsecureSkipVerify bool
	// Username and Password, when set, authenticate with AUTH PLAIN.
	Username, Password string
}

// Options configure a Server. Zero limits take the documented default;
// go-smtp's own defaults (unlimited) are never used.
type Options struct {
	// Addr is the listen address for ListenAndServe (default ":2525").
	Addr string
	// Hostname is our name in the greeting, in Received headers and in EHLO
	// to upstreams (required).
	Hostname string
	// TLSConfig enables STARTTLS. Without it AUTH is not offered (except to
	// loopback clients with AllowInsecureAuth).
	TLSConfig *tls.Config
	// AllowInsecureAuth allows AUTH without TLS, for loopback clients only
	// (development). Other clients are still refused with 523 5.7.10.
	AllowInsecureAuth bool
	// TrustedNets are networks whose clients may skip AUTH and name the
	// tenant in an X-Outpost-Tenant header.
	TrustedNets []netip.Prefix

	// MaxMessageBytes is the message size limit (default 25 MiB); larger
	// messages get 552 5.3.4.
	MaxMessageBytes int64
	// MaxRecipients per message (default 100); more get 452 4.5.3.
	MaxRecipients int
	// MaxLineLength bounds command lines and message lines, CRLF included
	// (default 2000, go-smtp's doubled RFC 5321 limit). Longer message lines
	// get 554 5.6.0; longer command lines 500 5.4.0 and a closed connection.
	MaxLineLength int
	// CommandTimeout bounds the wait for each command and each upstream
	// command (default 2 minutes).
	CommandTimeout time.Duration
	// DataTimeout bounds receiving one message body (default 5 minutes) and
	// the upstream's answer to it.
	DataTimeout time.Duration
	// MaxConnsPerIP and MaxConns bound concurrent client connections (defaults
	// 50 and 1000); extra connections get 421 4.7.0 at connect.
	MaxConnsPerIP int
	MaxConns      int
	// MaxAuthFailures per client IP within AuthFailureWindow (defaults 5 and 10
	// minutes) put the IP on cool-down for AuthCooldown (default 10 minutes):
	// AUTH gets 454 4.7.0 and new connections 421 4.7.0 until it ends.
	MaxAuthFailures   int
	AuthFailureWindow time.Duration
	AuthCooldown      time.Duration
	// AuthCacheSize and AuthCacheTTL bound the cache of successful secret
	// checks (defaults 10000 entries, 5 minutes). See the package doc.
	AuthCacheSize int
	AuthCacheTTL  time.Duration
	// ShutdownGrace is how long Shutdown lets sessions finish before
	// cancelling them, when its context has no earlier deadline (default 30s).
	ShutdownGrace time.Duration

	// Upstreams are the mail servers to relay to (at least one).
	Upstreams []Upstream
	// UpstreamMaxIdle is the number of idle connections kept per upstream
	// (default 32); UpstreamMaxAge closes connections older than it (default
	// 5 minutes); UpstreamIdleCheck is the idle time after which a pooled
	// connection is checked with NOOP before reuse (default 10 seconds).
	UpstreamMaxIdle   int
	UpstreamMaxAge    time.Duration
	UpstreamIdleCheck time.Duration
	// UpstreamRetryMin and UpstreamRetryMax bound the back-off before a failed
	// upstream is tried again (defaults 1 second and 1 minute, doubling).
	UpstreamRetryMin time.Duration
	UpstreamRetryMax time.Duration

	// Tenants looks tenants up (required; a *store.DB).
	Tenants Tenants
	// TenantCacheTTL is how long a tenant record read at the end of DATA is
	// reused (default 2 seconds; negative disables): a suspension takes
	// effect within it. AUTH always reads the store.
	TenantCacheTTL time.Duration
	// Quota reserves recipients (required: pass NoQuota{} to disable quotas).
	Quota Quota
	// Inspector decides relay/hold/reject (required: RelayAll{} relays all).
	Inspector Inspector
	// Holder stores held mail; without it a Hold decision answers 451 4.3.0.
	Holder Holder
	// DKIMKeys is the source of signing keys (nil: no DKIM signing);
	// reloaded every DKIMRefresh (default 1 minute).
	DKIMKeys    DKIMKeySource
	DKIMRefresh time.Duration

	// Logger gets one line per transaction and server events (default: discard).
	Logger *slog.Logger
	// Registerer registers the metrics (nil: metrics are kept but not registered).
	Registerer prometheus.Registerer
	// Now is the clock (default time.Now); used for back-off, auth cool-down,
	// caches and Received headers.
	Now func() time.Time
}

func (o *Options) setDefaults() error {
	if o.Hostname == "" {
		return errors.New("smtpd: Options.Hostname is required")
	}
	if len(o.Upstreams) == 0 {
		return errors.New("smtpd: at least one upstream is required")
	}
	for _, u := range o.Upstreams {
		if u.Addr == "" {
			return errors.New("smtpd: upstream with empty address")
		}
	}
	if o.Tenants == nil {
		return errors.New("smtpd: Options.Tenants is required")
	}
	if o.Quota == nil {
		return errors.New("smtpd: Options.Quota is required (NoQuota{} disables quotas)")
	}
	if o.Inspector == nil {
		return errors.New("smtpd: Options.Inspector is required (RelayAll{} relays everything)")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(d *int, v int) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.Addr == "" {
		o.Addr = ":2525"
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 25 << 20
	}
	defInt(&o.MaxRecipients, 100)
	defInt(&o.MaxLineLength, 2000)
	if o.MaxLineLength < 100 {
		return fmt.Errorf("smtpd: MaxLineLength %d is too small", o.MaxLineLength)
	}
	def(&o.CommandTimeout, 2*time.Minute)
	def(&o.DataTimeout, 5*time.Minute)
	defInt(&o.MaxConnsPerIP, 50)
	defInt(&o.MaxConns, 1000)
	defInt(&o.MaxAuthFailures, 5)
	def(&o.AuthFailureWindow, 10*time.Minute)
	def(&o.AuthCooldown, 10*time.Minute)
	defInt(&o.AuthCacheSize, 10000)
	def(&o.AuthCacheTTL, 5*time.Minute)
	def(&o.ShutdownGrace, 30*time.Second)
	defInt(&o.UpstreamMaxIdle, 32)
	def(&o.UpstreamMaxAge, 5*time.Minute)
	def(&o.UpstreamIdleCheck, 10*time.Second)
	def(&o.UpstreamRetryMin, time.Second)
	def(&o.UpstreamRetryMax, time.Minute)
	def(&o.DKIMRefresh, time.Minute)
	if o.TenantCacheTTL == 0 {
		o.TenantCacheTTL = 2 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}
