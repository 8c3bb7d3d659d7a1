package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/scoring"
	"github.com/outpost-mail/outpost/smtpd"
)

// serveConfig is everything `outpost serve` can be told.
type serveConfig struct {
	db                dbFlags
	migrate           string
	smtpAddr          string
	httpAddr          string
	hostname          string
	upstreams         string
	upstreamUser      string
	upstreamPass      string
	upstreamTLS       bool
	upstreamInsecure  bool
	tlsCert, tlsKey   string
	trustedNets       string
	allowInsecureAuth bool
	maxMessageBytes   int64
	maxRecipients     int
	maxConns          int
	maxConnsPerIP     int
	redis             string
	redisPrefix       string
	redisTimeout      time.Duration
	quotaLeaseMax     int64
	quotaLeaseTTL     time.Duration
	dbMaxConns        int
	scoreHold         float64
	probationDelay    time.Duration
	probationMaxDelay time.Duration
	probationMessages int
	scoreReject       float64
	billingSecret     string
	logFormat         string
	logLevel          string
	shutdownGrace     time.Duration
}

func (c *serveConfig) register(fs *flag.FlagSet) {
	c.db.register(fs)
	host, _ := os.Hostname()
	fs.StringVar(&c.migrate, "migrate", "auto", "apply pending migrations at start: auto (SQLite yes, PostgreSQL no), true, false")
	fs.StringVar(&c.smtpAddr, "smtp-addr", "127.0.0.1:2525", "SMTP listen address for tenants")
	fs.StringVar(&c.httpAddr, "http-addr", "127.0.0.1:8080", "HTTP listen address: admin API, /metrics, /healthz, /readyz")
	fs.StringVar(&c.hostname, "hostname", host, "our host name in the SMTP greeting and Received headers")
	fs.StringVar(&c.upstreams, "upstreams", "127.0.0.1:25", "comma-separated upstream mail servers (host:port), tried in order with failover")
	fs.StringVar(&c.upstreamUser, "upstream-user", "", "AUTH PLAIN username towards the upstreams (optional)")
	fs.StringVar(&c.upstreamPass, "upstream-password", "", "AUTH PLAIN password towards the upstreams (optional)")
	fs.BoolVar(&c.upstreamTLS, "upstream-starttls", false, "require STARTTLS towards the upstreams")
	fs.BoolVar(&c.upstreamInsecure, "upstream-insecure-skip-verify", false, "do not verify upstream certificates (testing only)")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate for STARTTLS (default: a self-signed one generated in <data-dir>/tls)")
	fs.StringVar(&c.tlsKey, "tls-key", "", "PEM private key for --tls-cert")
	fs.StringVar(&c.trustedNets, "trusted-nets", "", "comma-separated CIDRs whose clients may skip AUTH and name the tenant in X-Outpost-Tenant")
	fs.BoolVar(&c.allowInsecureAuth, "allow-insecure-auth", false, "allow AUTH without STARTTLS from loopback clients (development only)")
	fs.Int64Var(&c.maxMessageBytes, "max-message-bytes", 25<<20, "largest message accepted, in bytes")
	fs.IntVar(&c.maxRecipients, "max-recipients", 100, "most recipients per message")
	fs.IntVar(&c.maxConns, "max-conns", 1000, "most concurrent SMTP connections")
	fs.IntVar(&c.maxConnsPerIP, "max-conns-per-ip", 50, "most concurrent SMTP connections from one client IP")
	fs.StringVar(&c.redis, "redis", "", "Redis for quota counters shared by several instances: host:port, redis://..., or several comma-separated host:port for Cluster (default: counters in the database)")
	fs.StringVar(&c.redisPrefix, "redis-prefix", "outpost:", "prefix of every Redis key, so several deployments can share one Redis")
	fs.IntVar(&c.dbMaxConns, "db-max-conns", 20, "most open PostgreSQL connections per instance (mind max_connections when running several instances)")
	fs.DurationVar(&c.redisTimeout, "redis-timeout", 250*time.Millisecond, "dial/read/write timeout towards Redis; past it the quota fail policy answers (keep it short)")
	fs.Int64Var(&c.quotaLeaseMax, "quota-lease-max", 64, "largest quota lease: recipients an instance takes from the counter store at once for a budget far from its limit (0 or 1: one message at a time)")
	fs.DurationVar(&c.quotaLeaseTTL, "quota-lease-ttl", time.Second, "how long a quota lease hands out recipients before its unused ones go back")
	fs.Float64Var(&c.scoreHold, "score-hold", scoring.DefaultHoldThreshold, "content score at or above which a message is held for review")
	fs.Float64Var(&c.scoreReject, "score-reject", scoring.DefaultRejectThreshold, "content score at or above which a message is refused (5.7.1)")
	fs.DurationVar(&c.probationDelay, "probation-delay", 5*time.Minute, "how long a young trial tenant's first messages wait before they go out")
	fs.DurationVar(&c.probationMaxDelay, "probation-max-delay", time.Hour, "the longest probation may be extended while look-alike mail is investigated")
	fs.IntVar(&c.probationMessages, "probation-messages", 20, "how many of a young trial tenant's first messages are on probation")
	fs.StringVar(&c.billingSecret, "billing-secret", "", "HMAC secret for signed billing webhooks (POST /api/v1/billing/events)")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.DurationVar(&c.shutdownGrace, "shutdown-grace", 30*time.Second, "on SIGTERM, how long sessions may finish before they are cut")
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", "Run the SMTP relay and the HTTP admin API. With no configuration it uses an embedded SQLite database in ./data and listens on loopback.", stderr)
	var c serveConfig
	c.register(fs)
	if code, done := parse(fs, args); done {
		return code
	}
	log, err := newLogger(stderr, c.logFormat, c.logLevel)
	if err != nil {
		return fail(stderr, "%v", err)
	}
	if err := serve(ctx, c, log, nil); err != nil {
		log.Error("outpost stopped", "err", err)
		return 1
	}
	return 0
}

// serve runs until ctx ends. ready, when set, receives the bound addresses.
func serve(ctx context.Context, c serveConfig, log *slog.Logger, ready func(smtp, http net.Addr)) error {
	migrate := c.db.autoMigrate()
	switch c.migrate {
	case "auto":
	case "true", "yes", "1":
		migrate = true
	case "false", "no", "0":
		migrate = false
	default:
		return fmt.Errorf("--migrate must be auto, true or false")
	}
	db, err := c.db.open(ctx, migrate)
	if err != nil {
		return err
	}
	defer db.Close()
	if db.Dialect == store.Postgres && c.dbMaxConns > 0 {
		db.SQL.SetMaxOpenConns(c.dbMaxConns)
		db.SQL.SetMaxIdleConns(c.dbMaxConns)
	}
	log.Info("database ready", "dialect", db.Dialect.String(), "where", db.Where)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	w, err := wire(ctx, c, db, log, reg)
	if err != nil {
		return err
	}
	defer w.close()

	tlsConfig, err := loadTLS(c, log)
	if err != nil {
		return err
	}
	trusted, err := parsePrefixes(c.trustedNets)
	if err != nil {
		return fmt.Errorf("--trusted-nets: %w", err)
	}
	var ups []smtpd.Upstream
	for _, a := range splitList(c.upstreams) {
		ups = append(ups, smtpd.Upstream{Addr: a, StartTLS: c.upstreamTLS, InsecureSkipVerify: c.upstreamInsecure,
			Username: c.upstreamUser, Password: c.upstreamPass})
	}
	srv, err := smtpd.New(smtpd.Options{
		Addr:              c.smtpAddr,
		Hostname:          c.hostname,
		TLSConfig:         tlsConfig,
		AllowInsecureAuth: c.allowInsecureAuth,
		TrustedNets:       trusted,
		MaxMessageBytes:   c.maxMessageBytes,
		MaxRecipients:     c.maxRecipients,
		MaxConns:          c.maxConns,
		MaxConnsPerIP:     c.maxConnsPerIP,
		ShutdownGrace:     c.shutdownGrace,
		Upstreams:         ups,
		Tenants:           db,
		Quota:             w.quota,
		Inspector:         w.inspector,
		Holder:            w.holder,
		DKIMKeys:          db,
		Logger:            log.With("component", "smtpd"),
		Registerer:        reg,
	})
	if err != nil {
		return err
	}
	w.started(srv)

	smtpLn, err := net.Listen("tcp", c.smtpAddr)
	if err != nil {
		return fmt.Errorf("smtp listen: %w", err)
	}
	httpLn, err := net.Listen("tcp", c.httpAddr)
	if err != nil {
		smtpLn.Close()
		return fmt.Errorf("http listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(rw http.ResponseWriter, r *http.Request) {
		if err := w.ready(r.Context()); err != nil {
			http.Error(rw, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(rw, "ready")
	})
	if w.api != nil {
		mux.Handle("/api/", w.api)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}

	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(smtpLn) }()
	go func() { errc <- hs.Serve(httpLn) }()
	log.Info("outpost serving", "smtp", smtpLn.Addr().String(), "http", httpLn.Addr().String(),
		"upstreams", c.upstreams, "starttls", tlsConfig != nil, "quota", w.quotaDesc, "content", w.inspectorDesc)
	if ready != nil {
		ready(smtpLn.Addr(), httpLn.Addr())
	}
	workersDone := w.runWorkers(ctx)

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "grace", c.shutdownGrace)
	case err := <-errc:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			runErr = err
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdownGrace+5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("smtp shutdown", "err", err)
	}
	if err := hs.Shutdown(sctx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	<-workersDone
	return runErr
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range splitList(s) {
		if !strings.Contains(p, "/") {
			a, err := netip.ParseAddr(p)
			if err != nil {
				return nil, err
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		pf, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, err
		}
		out = append(out, pf.Masked())
	}
	return out, nil
}

// loadTLS loads --tls-cert/--tls-key, or makes (once) a self-signed
// certificate in <data-dir>/tls so STARTTLS and AUTH work with no set-up.
func loadTLS(c serveConfig, log *slog.Logger) (*tls.Config, error) {
	certFile, keyFile := c.tlsCert, c.tlsKey
	if certFile == "" && keyFile == "" {
		dir := filepath.Join(c.db.dataDir, "tls")
		certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
		if _, err := os.Stat(certFile); errors.Is(err, os.ErrNotExist) {
			if err := writeSelfSigned(dir, c.hostname); err != nil {
				return nil, fmt.Errorf("self-signed certificate: %w", err)
			}
			log.Warn("no --tls-cert given: generated a self-signed certificate; give a real one in production", "cert", certFile)
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load TLS certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
