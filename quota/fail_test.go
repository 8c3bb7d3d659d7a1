package quota_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/internal/testenv"
	"github.com/outpost-mail/outpost/quota"
)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func failClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond,
		ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, MaxRetries: 1, DialerRetries: 1, PoolSize: 16})
}

func isUnavailable(err error) bool {
	var tmp interface{ Temporary() bool }
	return errors.Is(err, quota.ErrUnavailable) && errors.As(err, &tmp) && tmp.Temporary()
}

// TestFailPolicyClosedPort: Redis unreachable from the start.
func TestFailPolicyClosedPort(t *testing.T) {
	ctx := context.Background()
	c := failClient("127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))) // nothing listens there
	t.Cleanup(func() { c.Close() })
	db := testenv.SQLite(t)
	var logs syncBuffer
	m := quota.NewManager(db, quota.NewRedisCounter(c, testenv.RedisPrefix(t)), testConfig(),
		slog.New(slog.NewTextHandler(&logs, nil)), newClock().Now)
	addTenant(t, db, m, "trial1", "trial")
	addTenant(t, db, m, "paid1", "paid")

	_, err := m.Reserve(ctx, "trial1", 1)
	if !isUnavailable(err) {
		t.Fatalf("trial with Redis down: err = %v, want temporary ErrUnavailable", err)
	}
	if isExceeded(err) {
		t.Fatal("a store outage is not an exhausted quota")
	}
	// Paid: 10% of 200 per instance, under concurrency, never more.
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range 60 {
		wg.Go(func() {
			r, err := m.Reserve(ctx, "paid1", 1)
			if err != nil {
				if !isUnavailable(err) {
					t.Errorf("paid over the local limit: err = %v, want ErrUnavailable", err)
				}
				return
			}
			if err := r.Commit(ctx); err != nil {
				t.Errorf("commit of a local reservation: %v", err)
			}
			ok.Add(1)
		})
	}
	wg.Wait()
	if ok.Load() != 20 {
		t.Fatalf("paid admitted %d with Redis down, want exactly 20 (10%% of 200)", ok.Load())
	}
	if _, err := m.Status(ctx, "paid1"); !isUnavailable(err) {
		t.Fatalf("status with Redis down: %v", err)
	}
	if !bytes.Contains([]byte(logs.String()), []byte("counter store unavailable")) {
		t.Fatalf("outage not logged: %s", logs.String())
	}
}

// TestFailPolicyRedisDiesAndReturns kills the Redis a Manager uses mid-run,
// then restarts it on the same port: the same Manager recovers on its own.
func TestFailPolicyRedisDiesAndReturns(t *testing.T) {
	ctx := context.Background()
	srv := testenv.StartRedis(t)
	c := failClient(srv.Addr())
	t.Cleanup(func() { c.Close() })
	db := testenv.SQLite(t)
	clk := newClock()
	m := quota.NewManager(db, quota.NewRedisCounter(c, testenv.RedisPrefix(t)), testConfig(), nil, clk.Now)
	reg := prometheus.NewPedanticRegistry()
	if err := m.RegisterMetrics(reg); err != nil {
		t.Fatal(err)
	}
	addTenant(t, db, m, "t", "trial")
	addTenant(t, db, m, "p", "paid")

	// Normal operation.
	commitN(t, m, "t", 3)
	commitN(t, m, "p", 150)
	inflight := mustReserve(t, m, "p", 1)

	srv.Kill()

	if _, err := m.Reserve(ctx, "t", 1); !isUnavailable(err) {
		t.Fatalf("trial after Redis died: %v", err)
	}
	if err := inflight.Commit(ctx); !isUnavailable(err) {
		t.Fatalf("commit while Redis is down: %v, want ErrUnavailable", err)
	}
	admitted := 0
	for range 30 {
		r, err := m.Reserve(ctx, "p", 1)
		if err != nil {
			if !isUnavailable(err) {
				t.Fatalf("paid during outage: %v", err)
			}
			continue
		}
		admitted++
		r.Commit(ctx)
	}
	if admitted != 20 {
		t.Fatalf("paid admitted %d during the outage, want the local limit 20", admitted)
	}

	srv.Start(t) // same port, empty (no persistence)

	// Recovery without a new Manager. After PoolSize failed dials go-redis
	// fails fast and probes the server once a second, so recovery takes up
	// to about a second of wall time: poll for it (this waits for the
	// driver, not for a quota window).
	var err error
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err = m.Reserve(ctx, "t", 1); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("trial after Redis came back: %v", err)
	}
	for i := range 25 { // more than the local limit: Redis decides again
		if _, err := m.Reserve(ctx, "p", 1); err != nil {
			t.Fatalf("paid reservation %d after recovery: %v", i, err)
		}
	}
	// The 20 admitted locally during the outage were replayed into Redis
	// (which restarted empty), beside the 25 pending since.
	st := mustStatus(t, m, "p")
	if st.Used != 45 || st.Limit != 200 {
		t.Fatalf("status after recovery: %+v, want 20 replayed + 25 pending", st)
	}

	// The metrics tell the story.
	if got := gatherValue(t, reg, "outpost_quota_store_up", ""); got != 1 {
		t.Errorf("store_up = %v after recovery", got)
	}
	if got := gatherValue(t, reg, "outpost_quota_local_replayed_total", ""); got != 20 {
		t.Errorf("local_replayed_total = %v, want 20", got)
	}
	// admitted: 3 before the outage, 1 trial and 25 paid after it.
	if got := gatherValue(t, reg, "outpost_quota_reservations_total", "local"); got != 20 {
		t.Errorf("reservations{local} = %v, want 20", got)
	}
	if got := gatherValue(t, reg, "outpost_quota_reservations_total", "admitted"); got != 29 {
		t.Errorf("reservations{admitted} = %v, want 29", got)
	}
	if got := gatherValue(t, reg, "outpost_quota_reservations_total", "unavailable"); got < 11 {
		t.Errorf("reservations{unavailable} = %v, want at least 11", got)
	}
}

// TestLeaseRedisDiesAndReturns: Redis dies while an instance holds a
// lease with a message in flight. The message still settles (in process);
// the lease's own settlement fails and is counted, to be committed at
// expiry; new messages get the fail policy, not the dead lease; when
// Redis is back the same Manager leases again, without a restart.
func TestLeaseRedisDiesAndReturns(t *testing.T) {
	ctx := context.Background()
	srv := testenv.StartRedis(t)
	c := failClient(srv.Addr())
	t.Cleanup(func() { c.Close() })
	db := testenv.SQLite(t)
	cfg := leaseConfig(1000)
	cfg.Lease.TTL = 200 * time.Millisecond
	m := quota.NewManager(db, quota.NewRedisCounter(c, testenv.RedisPrefix(t)), cfg, nil, nil)
	reg := prometheus.NewPedanticRegistry()
	if err := m.RegisterMetrics(reg); err != nil {
		t.Fatal(err)
	}
	addTenant(t, db, m, "p", quota.PlanPaid)
	for range 5 {
		if err := mustReserve(t, m, "p", 1).Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	inflight := mustReserve(t, m, "p", 1)
	if got := gatherValue(t, reg, "outpost_quota_leases_total", "acquired"); got < 1 {
		t.Fatalf("leases acquired = %v before the outage, want a lease in use", got)
	}
	acquired := gatherValue(t, reg, "outpost_quota_leases_total", "acquired")

	srv.Kill()

	// The first reservation after the death finds the lease in place and
	// may take from it; the store's failure shows once the lease is spent
	// or expired. Wait past the TTL so the next ones must ask the store.
	time.Sleep(cfg.Lease.TTL + 100*time.Millisecond)
	admitted, refused := 0, 0
	for range 150 {
		r, err := m.Reserve(ctx, "p", 1)
		if isUnavailable(err) {
			refused++
			continue
		}
		if err != nil {
			t.Fatalf("paid during outage: %v", err)
		}
		admitted++
		if err := r.Commit(ctx); err != nil {
			t.Fatalf("local commit: %v", err)
		}
	}
	if admitted != 100 || refused != 50 {
		t.Fatalf("during the outage: %d admitted, %d refused; want the local limit of 100, then refusals", admitted, refused)
	}
	// The in-flight message commits in process; its lease, closed by its
	// TTL, settles now and fails against the dead store.
	if err := inflight.Commit(ctx); err != nil {
		t.Fatalf("commit from a lease while Redis is down: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for gatherValue(t, reg, "outpost_quota_settle_errors_total", "lease") < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the lease's failed settlement was not counted")
		}
		time.Sleep(20 * time.Millisecond)
	}

	srv.Start(t) // same port, empty (no persistence)

	deadline = time.Now().Add(5 * time.Second)
	var err error
	for {
		var r *quota.Reservation
		if r, err = m.Reserve(ctx, "p", 1); err == nil {
			err = r.Commit(ctx)
			break
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("after Redis came back: %v", err)
	}
	for i := range 20 {
		if err := mustReserve(t, m, "p", 1).Commit(ctx); err != nil {
			t.Fatalf("after recovery %d: %v", i, err)
		}
	}
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := gatherValue(t, reg, "outpost_quota_leases_total", "acquired"); got <= acquired {
		t.Errorf("leases acquired = %v after recovery, %v before the outage: leasing did not resume", got, acquired)
	}
	// Redis restarted empty: it holds the 100 replayed local admissions
	// and the 21 since.
	if st := mustStatus(t, m, "p"); st.Used != 100+21 {
		t.Fatalf("status after recovery: %+v, want 121", st)
	}
}

// TestFailPolicyConfigurable: every plan refused when configured so, and
// a zero fraction admits nothing.
func TestFailPolicyConfigurable(t *testing.T) {
	ctx := context.Background()
	c := failClient("127.0.0.1:" + strconv.Itoa(testenv.FreePort(t)))
	t.Cleanup(func() { c.Close() })
	db := testenv.SQLite(t)
	cfg := testConfig()
	cfg.Fail = quota.FailPolicy{Default: quota.FailRefuse, Plans: map[string]quota.FailMode{"trial": quota.FailLocal}, LocalFraction: 0.5}
	m := quota.NewManager(db, quota.NewRedisCounter(c, testenv.RedisPrefix(t)), cfg, nil, newClock().Now)
	addTenant(t, db, m, "p", "paid")
	addTenant(t, db, m, "tr", "trial")
	if _, err := m.Reserve(ctx, "p", 1); !isUnavailable(err) {
		t.Fatalf("paid under refuse-all: %v", err)
	}
	n := 0
	for range 15 {
		if _, err := m.Reserve(ctx, "tr", 1); err == nil {
			n++
		}
	}
	if n != 10 {
		t.Fatalf("trial with local 50%%: %d admitted, want 10", n)
	}
}

// TestSQLCounterUnavailable: the SQL counter's database gone → the same policy.
func TestSQLCounterUnavailable(t *testing.T) {
	ctx := context.Background()
	limits := testenv.SQLite(t)
	counterDB := testenv.SQLite(t)
	m := quota.NewManager(limits, quota.NewSQLCounter(counterDB), testConfig(), nil, newClock().Now)
	addTenant(t, limits, m, "p", "paid")
	addTenant(t, limits, m, "t", "trial")
	commitN(t, m, "p", 1)
	counterDB.Close()
	if _, err := m.Reserve(ctx, "t", 1); !isUnavailable(err) {
		t.Fatalf("trial: %v", err)
	}
	if _, err := m.Reserve(ctx, "p", 1); err != nil {
		t.Fatalf("paid within local limit: %v", err)
	}
	var _ *store.DB = limits
}

// TestLimitLookupStaleOnError: with the limits database gone, a recently
// read limit is used for a bounded time, then the error surfaces.
func TestLimitLookupStaleOnError(t *testing.T) {
	ctx := context.Background()
	limits := testenv.SQLite(t)
	clk := newClock()
	m := quota.NewManager(limits, quota.NewRedisCounter(redisClient(t), testenv.RedisPrefix(t)), testConfig(), nil, clk.Now)
	addTenant(t, limits, m, "s", "trial")
	mustStatus(t, m, "s") // cache the limit
	limits.Close()
	clk.Advance(5 * time.Minute)
	if _, err := m.Reserve(ctx, "s", 1); err != nil {
		t.Fatalf("reserve with a 5-minute-old limit and the database down: %v", err)
	}
	clk.Advance(6 * time.Minute)
	if _, err := m.Reserve(ctx, "s", 1); !isUnavailable(err) {
		t.Fatalf("reserve with an 11-minute-old limit: %v, want ErrUnavailable", err)
	}
}

// TestRunFlushesDailyUsage: Run writes the day's tally when stopped.
func TestRunFlushesDailyUsage(t *testing.T) {
	db := testenv.SQLite(t)
	m := quota.NewManager(db, quota.NewSQLCounter(db), testConfig(), nil, newClock().Now)
	addTenant(t, db, m, "r", "trial")
	commitN(t, m, "r", 7)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx, time.Hour); close(done) }()
	cancel()
	<-done
	var sent, limit int64
	if err := db.QueryRow(context.Background(), `SELECT sent, day_limit FROM quota_daily WHERE tenant_id = ?`, "r").Scan(&sent, &limit); err != nil {
		t.Fatal(err)
	}
	if sent != 7 || limit != 20 {
		t.Fatalf("quota_daily = %d sent of %d", sent, limit)
	}
}

// gatherValue returns the value of metric name (with a label of value
// outcome, if given) from reg.
func gatherValue(t *testing.T, reg *prometheus.Registry, name, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			match := outcome == ""
			for _, l := range m.GetLabel() {
				if l.GetValue() == outcome {
					match = true
				}
			}
			if !match {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("metric %s{outcome=%q} not found", name, outcome)
	return 0
}
