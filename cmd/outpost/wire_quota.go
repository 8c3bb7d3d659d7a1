package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/quota"
	"github.com/outpost-mail/outpost/smtpd"
)

// quotaGate adapts quota.Manager to the relay's Quota hook.
type quotaGate struct{ m *quota.Manager }

func (g quotaGate) Reserve(ctx context.Context, tenant string, n int) (smtpd.Reservation, error) {
	r, err := g.m.Reserve(ctx, tenant, n)
	if err != nil {
		return nil, err
	}
	return r, nil
}

var _ smtpd.Quota = quotaGate{}

// redisLogger sends go-redis's own log lines (failed dials, pool
// trouble) to our structured log instead of its package logger on stderr.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, strings.TrimSpace(fmt.Sprintf(format, v...)))
}

// Redis timeouts (--redis-timeout) are short on purpose: when Redis is down,
// the quota fail policy should answer within a fraction of a second, not
// after go-redis's default retries (several hundred ms per request).
const redisMaxRetries = 1

// newRedis makes a client from --redis: "host:port", "redis://…" /
// "rediss://…", or a comma-separated list of host:port for Redis Cluster.
func newRedis(spec string, timeout time.Duration) (redis.UniversalClient, error) {
	if timeout <= 0 {
		timeout = 250 * time.Millisecond
	}
	addrs := splitList(spec)
	switch {
	case len(addrs) == 0:
		return nil, errors.New("empty --redis")
	case len(addrs) > 1:
		return redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs,
			DialTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout, MaxRetries: redisMaxRetries}), nil
	}
	opt := &redis.Options{Addr: addrs[0]}
	if strings.Contains(addrs[0], "://") {
		var err error
		if opt, err = redis.ParseURL(addrs[0]); err != nil {
			return nil, fmt.Errorf("--redis: %w", err)
		}
	}
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout, opt.MaxRetries = timeout, timeout, timeout, redisMaxRetries
	return redis.NewClient(opt), nil
}

// newQuota builds the quota manager: Redis counters when --redis is set,
// else counters in the database. It returns a description for the logs and a
// close function.
func newQuota(c serveConfig, db *store.DB, log *slog.Logger) (*quota.Manager, string, func(), error) {
	var counter quota.Counter
	desc := "database counters (" + db.Dialect.String() + ")"
	closeRedis := func() {}
	if c.redis != "" {
		rc, err := newRedis(c.redis, c.redisTimeout)
		if err != nil {
			return nil, "", nil, err
		}
		redis.SetLogger(redisLogger{log.With("component", "redis")})
		counter = quota.NewRedisCounter(rc, c.redisPrefix)
		desc = "redis counters (" + c.redis + ")"
		closeRedis = func() { rc.Close() }
	} else {
		counter = quota.NewSQLCounter(db)
	}
	cfg := quota.DefaultConfig()
	cfg.Lease.Max, cfg.Lease.TTL = c.quotaLeaseMax, c.quotaLeaseTTL
	if c.quotaLeaseMax < 0 || c.quotaLeaseTTL < 0 || (c.quotaLeaseMax > 1 && c.quotaLeaseTTL >= cfg.ReservationTTL) {
		closeRedis()
		return nil, "", nil, fmt.Errorf("--quota-lease-max must be ≥ 0 and --quota-lease-ttl between 0 and %v", cfg.ReservationTTL)
	}
	if c.quotaLeaseMax > 1 && c.quotaLeaseTTL > 0 {
		desc += fmt.Sprintf(", leases of up to %d for %v", c.quotaLeaseMax, c.quotaLeaseTTL)
	}
	m := quota.NewManager(db, counter, cfg, log.With("component", "quota"), time.Now)
	closer := func() {
		// Settlements queued behind in-flight Redis calls go out before the
		// client closes (a lost one would only be committed at expiry).
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			log.Warn("quota: flushing queued settlements", "err", err)
		}
		closeRedis()
	}
	return m, desc, closer, nil
}

// cliQuota is the manager the CLI commands use: database counters unless
// OUTPOST_REDIS names the Redis the servers count in.
func cliQuota(db *store.DB) (*quota.Manager, func(), error) {
	var c serveConfig
	c.redis = envOrEmpty("OUTPOST_REDIS")
	c.redisPrefix = envOrEmpty("OUTPOST_REDIS_PREFIX")
	if c.redisPrefix == "" {
		c.redisPrefix = "outpost:"
	}
	m, _, closer, err := newQuota(c, db, slog.New(slog.DiscardHandler))
	return m, closer, err
}

// createTenant creates the tenant record and its quota in one step.
func createTenant(ctx context.Context, db *store.DB, t store.Tenant, actor string) error {
	m, closer, err := cliQuota(db)
	if err != nil {
		return err
	}
	defer closer()
	if err := db.CreateTenant(ctx, t); err != nil {
		return err
	}
	if err := db.Audit(ctx, store.AuditEntry{Actor: actor, Action: "tenant.create", Subject: "tenant:" + t.ID,
		Detail: map[string]any{"plan": t.Plan, "signup_ip": t.Signup.IP, "signup_email": t.Signup.Email, "signup_country": t.Signup.Country}}); err != nil {
		return err
	}
	if err := m.InitTenant(ctx, t.ID, t.Plan, actor); err != nil {
		return err
	}
	// Signup traits link trial tenants (shared network, contact domain) to
	// one quota budget.
	rv, err := newReview(serveConfig{}, db, m, nil, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	return rv.RegisterTenant(ctx, t.ID, "")
}

func tenantQuotaStatus(ctx context.Context, db *store.DB, id string) (map[string]any, error) {
	m, closer, err := cliQuota(db)
	if err != nil {
		return nil, err
	}
	defer closer()
	st, err := m.Status(ctx, id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"limit": st.Limit, "used": st.Used, "remaining": st.Remaining, "resets_at": st.ResetsAt}, nil
}

func tenantQuota(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return withDB(ctx, "tenant quota ID", "Show a tenant's quota (limit, used, remaining, reset) and its change history.", args, stderr, nil,
		func(db *store.DB, rest []string) int {
			if len(rest) != 1 {
				return fail(stderr, "tenant quota: give exactly one tenant id")
			}
			m, closer, err := cliQuota(db)
			if err != nil {
				return fail(stderr, "%v", err)
			}
			defer closer()
			st, err := m.Status(ctx, rest[0])
			if err != nil {
				return fail(stderr, "%v", err)
			}
			fmt.Fprintf(stdout, "tenant %s: plan %s, limit %d/24h, used %d, remaining %d, resets at %s\n",
				rest[0], st.Plan, st.Limit, st.Used, st.Remaining, st.ResetsAt.Format(time.RFC3339))
			hist, err := m.History(ctx, rest[0], 0, 50)
			if err != nil {
				return fail(stderr, "%v", err)
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "\nWHEN\tKIND\tLIMIT\tPLAN\tWHO\tWHY")
			for _, h := range hist {
				fmt.Fprintf(tw, "%s\t%s\t%d → %d\t%s → %s\t%s\t%s\n", h.At.Format(time.RFC3339), h.Kind, h.OldLimit, h.NewLimit, h.OldPlan, h.NewPlan, h.Actor, h.Reason)
			}
			tw.Flush()
			return 0
		})
}

func tenantRaise(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var reason string
	var to int64
	return withDB(ctx, "tenant raise ID", "Raise a tenant's daily limit one step on the ladder (or to --to N). The reason is required and audited.", args, stderr,
		func(fs *flagSetT) {
			fs.StringVar(&reason, "reason", "", "why (required)")
			fs.Int64Var(&to, "to", 0, "a specific new limit instead of the next ladder step")
		},
		func(db *store.DB, rest []string) int {
			if len(rest) != 1 {
				return fail(stderr, "tenant raise: give exactly one tenant id")
			}
			m, closer, err := cliQuota(db)
			if err != nil {
				return fail(stderr, "%v", err)
			}
			defer closer()
			ch, err := m.Raise(ctx, rest[0], quota.RaiseRequest{Actor: cliActor(), Reason: reason, To: to})
			if err != nil {
				return fail(stderr, "%v", err)
			}
			fmt.Fprintf(stdout, "tenant %s: limit %d → %d\n", rest[0], ch.OldLimit, ch.NewLimit)
			return 0
		})
}

func tenantPlan(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var reason string
	return withDB(ctx, "tenant plan ID PLAN", "Move a tenant to another plan (trial, paid, ...). The reason is required and audited.", args, stderr,
		func(fs *flagSetT) { fs.StringVar(&reason, "reason", "", "why (required)") },
		func(db *store.DB, rest []string) int {
			if len(rest) != 2 || reason == "" {
				return fail(stderr, "tenant plan: give a tenant id, a plan and --reason")
			}
			m, closer, err := cliQuota(db)
			if err != nil {
				return fail(stderr, "%v", err)
			}
			defer closer()
			ch, err := m.SetPlan(ctx, rest[0], rest[1], cliActor(), reason)
			if err != nil {
				return fail(stderr, "%v", err)
			}
			fmt.Fprintf(stdout, "tenant %s: plan %s → %s, limit %d → %d\n", rest[0], ch.OldPlan, ch.NewPlan, ch.OldLimit, ch.NewLimit)
			return 0
		})
}
