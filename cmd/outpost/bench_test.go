package main

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/internal/testenv"
	"github.com/outpost-mail/outpost/quota"
	"github.com/outpost-mail/outpost/scoring"
	"github.com/outpost-mail/outpost/smtpd"
	"github.com/outpost-mail/outpost/smtpd/smtptest"
)

// BenchmarkPipeline measures the relay as serve wires it, one stage at a
// time, each against direct delivery to the same sink in the same run:
//
//	bare         no quota, no content inspection, no DKIM (smtpd alone)
//	quota=sql    + quota counters in the SQLite database
//	quota=redis  + quota counters in Redis
//	quota=redis-per-message  the same with leases off: what a budget near
//	             its limit costs (every message asks Redis twice)
//	scoring      + content scoring of every message
//	all          quota in Redis + scoring + Ed25519 DKIM
//	product      what serve wires, through wire() itself: quota in Redis,
//	             scoring, review (tenant state, campaigns, held mail, in
//	             the SQLite database) and Ed25519 DKIM; a new paid tenant
//	product-pg   the same on PostgreSQL
//
// 20 keep-alive sessions, STARTTLS + AUTH once per session, a 4 KB invoice.
//
//	go test -run '^$' -bench BenchmarkPipeline -benchtime 3000x ./cmd/outpost
func BenchmarkPipeline(b *testing.B) {
	for _, v := range []string{"bare", "quota=sql", "quota=redis", "quota=redis-per-message", "scoring", "all", "product", "product-pg"} {
		b.Run(v, func(b *testing.B) { benchPipeline(b, v) })
	}
}

func benchPipeline(b *testing.B, variant string) {
	ctx := context.Background()
	db := testenv.SQLite(b)
	if variant == "product-pg" {
		db = testenv.Postgres(b)
	}
	const secret = "bench-secret-bench-secret"
	hash, _ := store.HashSecret(secret)
	// A paid tenant with a limit far above what the benchmark sends.
	if err := db.CreateTenant(ctx, store.Tenant{ID: "acme", Plan: "paid", SecretHash: hash}); err != nil {
		b.Fatal(err)
	}
	newManager := func(c quota.Counter) *quota.Manager {
		cfg := quota.DefaultConfig() // leases on, as serve runs
		if variant == "quota=redis-per-message" {
			cfg.Lease = quota.LeasePolicy{}
		}
		cfg.Plans["paid"] = 10_000_000 // a limit the benchmark never reaches
		cfg.Ladder.Cap = 10_000_000
		m := quota.NewManager(db, c, cfg, slog.New(slog.DiscardHandler), time.Now)
		if err := m.InitTenant(ctx, "acme", "paid", "bench"); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = m.Close(context.Background()) }) // settles leases
		return m
	}
	redisManager := func() *quota.Manager {
		rc := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(b)})
		b.Cleanup(func() { rc.Close() })
		return newManager(quota.NewRedisCounter(rc, testenv.RedisPrefix(b)))
	}
	var q smtpd.Quota = smtpd.NoQuota{}
	var insp smtpd.Inspector = smtpd.RelayAll{}
	var holder smtpd.Holder
	dkimOn := false
	switch variant {
	case "product", "product-pg":
		q, insp, holder = productWiring(b, db)
		dkimOn = true
	case "quota=sql":
		q = quotaGate{newManager(quota.NewSQLCounter(db))}
	case "quota=redis", "quota=redis-per-message":
		q = quotaGate{redisManager()}
	case "scoring", "all":
		sc, err := newScorer(serveConfig{scoreHold: scoring.DefaultHoldThreshold, scoreReject: scoring.DefaultRejectThreshold}, db)
		if err != nil {
			b.Fatal(err)
		}
		insp = &contentInspector{scorer: sc}
		if variant == "all" {
			q = quotaGate{redisManager()}
			dkimOn = true
		}
	}
	var keys smtpd.DKIMKeySource
	if dkimOn {
		pemText, _, err := smtpd.GenerateDKIMKey("ed25519")
		if err != nil {
			b.Fatal(err)
		}
		if err := db.PutDKIMKey(ctx, store.DKIMKey{Domain: "example.com", Selector: "bench", Algorithm: "ed25519", PrivateKeyPEM: pemText}, "bench"); err != nil {
			b.Fatal(err)
		}
		keys = db
	}

	dir := b.TempDir()
	if err := writeSelfSigned(dir, "outpost.test"); err != nil {
		b.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if err != nil {
		b.Fatal(err)
	}
	sink := smtptest.New(b, smtptest.Options{Sink: true})
	srv, err := smtpd.New(smtpd.Options{
		Hostname: "outpost.test", TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
		MaxConnsPerIP: 1000, UpstreamMaxIdle: 64,
		Upstreams: []smtpd.Upstream{{Addr: sink.Addr()}},
		Tenants:   db, Quota: q, Inspector: insp, Holder: holder, DKIMKeys: keys,
		Logger: slog.New(slog.NewJSONHandler(discard{}, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Shutdown(context.Background()) })

	smtptest.Bench(b, smtptest.Load{
		Sessions:    20,
		DialThrough: smtptest.DialAuth(b, ln.Addr().String(), &tls.Config{InsecureSkipVerify: true}, "acme", secret),
		From:        "billing@example.com", To: []string{"customer@example.org"},
		Msg: smtptest.InvoiceMsg, Sink: sink,
	})
}

// productWiring wires quota, scoring and review exactly as serve does
// (wire), with counters in Redis, and raises the benchmark's paid tenant
// to the ladder's cap so that the run never meets its quota.
func productWiring(b *testing.B, db *store.DB) (smtpd.Quota, smtpd.Inspector, smtpd.Holder) {
	ctx := context.Background()
	c := serveConfig{redis: testenv.RedisAddr(b), redisPrefix: testenv.RedisPrefix(b), redisTimeout: time.Second,
		quotaLeaseMax: 64, quotaLeaseTTL: time.Second,
		scoreHold: scoring.DefaultHoldThreshold, scoreReject: scoring.DefaultRejectThreshold,
		probationDelay: 5 * time.Minute, probationMaxDelay: time.Hour, probationMessages: 20}
	m, closer, err := cliQuota(db)
	if err != nil {
		b.Fatal(err)
	}
	defer closer()
	if err := m.InitTenant(ctx, "acme", "paid", "bench"); err != nil {
		b.Fatal(err)
	}
	for {
		_, err := m.Raise(ctx, "acme", quota.RaiseRequest{Actor: "bench", Reason: "benchmark"})
		if errors.Is(err, quota.ErrAtCap) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	if st, err := m.Status(ctx, "acme"); err != nil || st.Limit < 100_000 {
		b.Fatalf("benchmark tenant's limit: %+v, %v", st, err)
	}
	w, err := wire(ctx, c, db, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		for _, f := range w.closers {
			f()
		}
	})
	if err := w.review.RegisterTenant(ctx, "acme", ""); err != nil {
		b.Fatal(err)
	}
	return w.quota, w.inspector, w.holder
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
