package quota_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/internal/testenv"
	"github.com/outpost-mail/outpost/quota"
)

type clock = testenv.Clock

func newClock() *clock { return testenv.NewClock(time.Date(2026, 3, 10, 9, 7, 30, 0, time.UTC)) }

// backend is one counter store under test, with the SQL store holding limits.
type backend struct {
	name string
	open func(t testing.TB) (*store.DB, quota.Counter)
}

func redisClient(t testing.TB) *redis.Client {
	t.Helper()
	addr := testenv.RedisAddr(t)
	c := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 64})
	t.Cleanup(func() { c.Close() })
	return c
}

// counterBackends are the shared counter stores: Redis (limits in SQLite),
// SQL on SQLite, SQL on PostgreSQL.
func counterBackends() []backend {
	return []backend{
		{"redis", func(t testing.TB) (*store.DB, quota.Counter) {
			c := redisClient(t)
			return testenv.SQLite(t), quota.NewRedisCounter(c, testenv.RedisPrefix(t))
		}},
		{"sqlite", func(t testing.TB) (*store.DB, quota.Counter) {
			db := testenv.SQLite(t)
			return db, quota.NewSQLCounter(db)
		}},
		{"postgres", func(t testing.TB) (*store.DB, quota.Counter) {
			db := testenv.Postgres(t)
			return db, quota.NewSQLCounter(db)
		}},
	}
}

func testConfig() quota.Config {
	cfg := quota.DefaultConfig()
	cfg.LimitCacheTTL = time.Second
	// The per-message path; lease_test.go turns leases on.
	cfg.Lease = quota.LeasePolicy{}
	return cfg
}

// addTenant creates tenant id on plan and gives it its plan's limit.
func addTenant(t testing.TB, db *store.DB, m *quota.Manager, id, plan string) {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateTenant(ctx, store.Tenant{ID: id, Plan: plan}); err != nil {
		t.Fatal(err)
	}
	if err := m.InitTenant(ctx, id, plan, "test"); err != nil {
		t.Fatal(err)
	}
}

func mustReserve(t testing.TB, m *quota.Manager, tenant string, n int) *quota.Reservation {
	t.Helper()
	r, err := m.Reserve(context.Background(), tenant, n)
	if err != nil {
		t.Fatalf("reserve %d for %s: %v", n, tenant, err)
	}
	return r
}

func mustStatus(t testing.TB, m *quota.Manager, tenant string) quota.Status {
	t.Helper()
	st, err := m.Status(context.Background(), tenant)
	if err != nil {
		t.Fatalf("status of %s: %v", tenant, err)
	}
	return st
}
