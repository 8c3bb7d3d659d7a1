package quota_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/internal/testenv"
	"github.com/outpost-mail/outpost/quota"
)

// countingCounter counts the calls that reach the store, and can fail them.
type countingCounter struct {
	quota.Counter
	reserves, settles atomic.Int64
	fail              atomic.Bool
}

var errStoreDown = errors.New("injected: store down")

func (c *countingCounter) Reserve(ctx context.Context, r quota.Request) (quota.Usage, bool, error) {
	c.reserves.Add(1)
	if c.fail.Load() {
		return quota.Usage{}, false, errStoreDown
	}
	return c.Counter.Reserve(ctx, r)
}

func (c *countingCounter) Commit(ctx context.Context, r quota.Request) (bool, error) {
	c.settles.Add(1)
	if c.fail.Load() {
		return false, errStoreDown
	}
	return c.Counter.Commit(ctx, r)
}

func (c *countingCounter) Release(ctx context.Context, r quota.Request) (bool, error) {
	c.settles.Add(1)
	if c.fail.Load() {
		return false, errStoreDown
	}
	return c.Counter.Release(ctx, r)
}

// leaseManager is an instance with leases on, counting in db through c
// (nil: a plain SQL counter).
func leaseManager(db *store.DB, c quota.Counter) *quota.Manager {
	if c == nil {
		c = quota.NewSQLCounter(db)
	}
	return quota.NewManager(db, c, leaseConfig(1000), nil, nil)
}

func leaseConfig(paidLimit int64) quota.Config {
	cfg := testConfig()
	cfg.Plans[quota.PlanPaid] = paidLimit
	// A TTL far longer than any test step, so that a slow machine never
	// expires a lease a test counts on; TestLeaseExpiresOnItsOwn and the
	// Redis outage test shorten it.
	cfg.Lease = quota.LeasePolicy{Max: 64, Share: 16, TTL: time.Minute}
	return cfg
}

// leaseBackends opens one database and returns a constructor of counters
// on one shared store, one per simulated instance (each Redis instance its
// own client, as separate processes would have).
func leaseBackends() []struct {
	name string
	open func(t *testing.T) (*store.DB, func() quota.Counter)
} {
	return []struct {
		name string
		open func(t *testing.T) (*store.DB, func() quota.Counter)
	}{
		{"redis", func(t *testing.T) (*store.DB, func() quota.Counter) {
			prefix := testenv.RedisPrefix(t)
			return testenv.SQLite(t), func() quota.Counter { return quota.NewRedisCounter(redisClient(t), prefix) }
		}},
		{"sqlite", func(t *testing.T) (*store.DB, func() quota.Counter) {
			db := testenv.SQLite(t)
			return db, func() quota.Counter { return quota.NewSQLCounter(db) }
		}},
		{"postgres", func(t *testing.T) (*store.DB, func() quota.Counter) {
			db := testenv.Postgres(t)
			return db, func() quota.Counter { return quota.NewSQLCounter(db) }
		}},
	}
}

// TestLeaseExactAcrossInstances: three instances with leasing on race for
// one budget of 1,000 with messages of 1–3 recipients, committing two in
// three and releasing the rest (each sender stops at its first refusal). The store never holds more than the limit,
// what it ends with is exactly what the instances committed (leases settle
// used-only), nothing is lost (draining afterwards fills the budget to the
// last recipient), and the store saw far fewer calls than messages.
func TestLeaseExactAcrossInstances(t *testing.T) {
	for _, b := range leaseBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db, newCounter := b.open(t)
			const limit = 1000
			cfg := leaseConfig(limit)
			var counters []*countingCounter
			var managers []*quota.Manager
			for range 3 {
				c := &countingCounter{Counter: newCounter()}
				counters = append(counters, c)
				managers = append(managers, quota.NewManager(db, c, cfg, nil, nil))
			}
			addTenant(t, db, managers[0], "big", quota.PlanPaid)

			var committed, admitted, refused atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, 100)
			for g := range 30 {
				for i, m := range managers {
					rng := rand.New(rand.NewPCG(uint64(g), uint64(i)))
					wg.Go(func() {
						for range 40 {
							n := 1 + rng.IntN(3)
							r, err := m.Reserve(ctx, "big", n)
							if isExceeded(err) {
								refused.Add(1)
								return // a sender backs off when refused
							}
							if err != nil {
								errs <- err
								return
							}
							admitted.Add(1)
							if rng.IntN(3) == 0 {
								err = r.Release(ctx)
							} else {
								err = r.Commit(ctx)
								committed.Add(int64(n))
							}
							if err != nil {
								errs <- err
								return
							}
						}
					})
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("unexpected error: %v", err)
			}
			for _, m := range managers {
				if err := m.Close(ctx); err != nil {
					t.Fatal(err)
				}
			}
			st := mustStatus(t, managers[1], "big")
			if st.Used != committed.Load() || st.Used > limit {
				t.Fatalf("after the race and Close: status %+v, instances committed %d", st, committed.Load())
			}
			if refused.Load() == 0 {
				t.Fatalf("no reservation was refused: the race did not reach the limit")
			}
			// Drain: one recipient at a time until refused; the budget
			// ends exactly full.
			for i := 0; ; i++ {
				r, err := managers[i%3].Reserve(ctx, "big", 1)
				if isExceeded(err) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if err := r.Commit(ctx); err != nil {
					t.Fatal(err)
				}
				committed.Add(1)
				if i > limit {
					t.Fatal("drain admitted past the limit")
				}
			}
			for _, m := range managers {
				if err := m.Close(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if st := mustStatus(t, managers[2], "big"); st.Used != limit || committed.Load() != limit {
				t.Fatalf("after draining: status %+v, committed %d; want exactly %d", st, committed.Load(), limit)
			}
			var calls int64
			for _, c := range counters {
				calls += c.reserves.Load() + c.settles.Load()
			}
			t.Logf("%d messages admitted, %d refused, %d store calls", admitted.Load(), refused.Load(), calls)
			// Without leases each admitted message costs two calls and each
			// refusal one.
			if plain := 2*admitted.Load() + refused.Load(); calls*2 > plain {
				t.Errorf("%d store calls, more than half of the %d the per-message path makes", calls, plain)
			}
		})
	}
}

// TestLeaseSettlesWhatWasUsed: a lease's released recipients are given
// back, its committed ones counted, in one call when it settles.
func TestLeaseSettlesWhatWasUsed(t *testing.T) {
	ctx := context.Background()
	db := testenv.SQLite(t)
	c := &countingCounter{Counter: quota.NewSQLCounter(db)}
	m := leaseManager(db, c)
	addTenant(t, db, m, "acme", quota.PlanPaid)
	// The first reservation goes to the store and learns the room left.
	if err := mustReserve(t, m, "acme", 1).Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var rs []*quota.Reservation
	for range 10 {
		rs = append(rs, mustReserve(t, m, "acme", 1))
	}
	if got := c.reserves.Load(); got != 2 {
		t.Fatalf("%d store reservations for 11 messages, want 2 (one plain, one lease)", got)
	}
	if st := mustStatus(t, m, "acme"); st.Used != 1+10 {
		t.Fatalf("while the lease is held: %+v, want 1 committed + 10 in flight", st)
	}
	other := leaseManager(db, nil)
	if st := mustStatus(t, other, "acme"); st.Used != 1+62 {
		t.Fatalf("another instance while the lease is held: %+v, want 1 committed + the lease of 62 (999/16)", st)
	}
	for i, r := range rs {
		var err error
		if i < 6 {
			err = r.Commit(ctx)
		} else {
			err = r.Release(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, m, "acme"); st.Used != 1+6 {
		t.Fatalf("after the lease settled: %+v, want 7", st)
	}
	if got := c.settles.Load(); got != 2 {
		t.Fatalf("%d store settlements, want 2 (the plain commit and the lease)", got)
	}
}

// TestLeaseExpiresOnItsOwn: a lease nobody uses any more settles after its
// TTL, without Close, giving its unused recipients back: another instance
// sees them free again (the holder never counted them as used).
func TestLeaseExpiresOnItsOwn(t *testing.T) {
	ctx := context.Background()
	db := testenv.SQLite(t)
	cfg := leaseConfig(1000)
	cfg.Lease.TTL = 100 * time.Millisecond
	m := quota.NewManager(db, quota.NewSQLCounter(db), cfg, nil, nil)
	addTenant(t, db, m, "acme", quota.PlanPaid)
	for range 3 {
		if err := mustReserve(t, m, "acme", 1).Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	other := leaseManager(db, nil)
	if st := mustStatus(t, m, "acme"); st.Used != 3 {
		t.Fatalf("the lease holder reports %+v, want 3 used", st)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := mustStatus(t, other, "acme")
		if st.Used == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lease not settled 5 s after its 100 ms TTL: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLeaseNotNearTheLimit: a budget with less than 2×Share room left is
// served one message at a time by the store, exactly as without leases.
func TestLeaseNotNearTheLimit(t *testing.T) {
	ctx := context.Background()
	db := testenv.SQLite(t)
	c := &countingCounter{Counter: quota.NewSQLCounter(db)}
	m := leaseManager(db, c)
	addTenant(t, db, m, "trial1", quota.PlanTrial) // 20
	for range 20 {
		if err := mustReserve(t, m, "trial1", 1).Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Reserve(ctx, "trial1", 1); !isExceeded(err) {
		t.Fatalf("21st: %v", err)
	}
	if got := c.reserves.Load(); got != 21 {
		t.Fatalf("%d store reservations for 21 messages of a trial tenant, want 21 (no lease)", got)
	}
}

// TestLeaseStoreDown: when taking a lease fails, the message gets the fail
// policy like any other (paid: local limit; trial: refused); leasing
// resumes once the store answers again.
func TestLeaseStoreDown(t *testing.T) {
	ctx := context.Background()
	db := testenv.SQLite(t)
	c := &countingCounter{Counter: quota.NewSQLCounter(db)}
	m := leaseManager(db, c)
	addTenant(t, db, m, "acme", quota.PlanPaid)
	if err := mustReserve(t, m, "acme", 1).Commit(ctx); err != nil {
		t.Fatal(err)
	}
	c.fail.Store(true)
	r, err := m.Reserve(ctx, "acme", 1)
	if err != nil {
		t.Fatalf("paid tenant with the store down: %v, want a local admission", err)
	}
	if err := r.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// The local limit is 10% of 1000.
	admitted := 1
	for ; admitted < 200; admitted++ {
		r, err := m.Reserve(ctx, "acme", 1)
		if errors.Is(err, quota.ErrUnavailable) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		_ = r.Commit(ctx)
	}
	if admitted != 100 {
		t.Fatalf("admitted %d with the store down, want the local limit of 100", admitted)
	}
	c.fail.Store(false)
	before := c.reserves.Load()
	for i := range 5 {
		if err := mustReserve(t, m, "acme", 1).Commit(ctx); err != nil {
			t.Fatalf("after recovery %d: %v", i, err)
		}
	}
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.reserves.Load() - before; got > 3 {
		t.Errorf("%d store reservations for 5 messages after recovery: leasing did not resume", got)
	}
	if st := mustStatus(t, m, "acme"); st.Used != 1+100+5 {
		t.Fatalf("after recovery and replay: %+v, want 106", st)
	}
}

// TestLeaseAbandoned: an instance that dies holding a lease leaves it
// pending; at the reservation's expiry the whole lease is committed
// (conservative: never over the limit), as any abandoned reservation.
func TestLeaseAbandoned(t *testing.T) {
	ctx := context.Background()
	db := testenv.SQLite(t)
	clk := newClock()
	cfg := leaseConfig(1000)
	dead := quota.NewManager(db, quota.NewSQLCounter(db), cfg, nil, clk.Now)
	addTenant(t, db, dead, "acme", quota.PlanPaid)
	if err := mustReserve(t, dead, "acme", 1).Commit(ctx); err != nil {
		t.Fatal(err)
	}
	mustReserve(t, dead, "acme", 2) // from a lease of 62; never settled
	other := quota.NewManager(db, quota.NewSQLCounter(db), cfg, nil, clk.Now)
	if st := mustStatus(t, other, "acme"); st.Used != 1+62 {
		t.Fatalf("lease held: %+v", st)
	}
	clk.Advance(cfg.ReservationTTL + time.Minute)
	if st := mustStatus(t, other, "acme"); st.Used != 1+62 {
		t.Fatalf("after the lease expired: %+v, want it committed whole (63)", st)
	}
}
