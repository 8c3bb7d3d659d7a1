package quota_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/quota"
)

// TestCounterConformance runs the same behaviour checks on every counter
// store: Redis, SQL on SQLite, SQL on PostgreSQL.
func TestCounterConformance(t *testing.T) {
	for _, b := range counterBackends() {
		t.Run(b.name, func(t *testing.T) {
			t.Run("limit_exact", func(t *testing.T) { testLimitExact(t, b) })
			t.Run("rolling_window", func(t *testing.T) { testRollingWindow(t, b) })
			t.Run("commit_release", func(t *testing.T) { testCommitRelease(t, b) })
			t.Run("retry_counted_once", func(t *testing.T) { testRetryCountedOnce(t, b) })
			t.Run("reservation_expiry", func(t *testing.T) { testReservationExpiry(t, b) })
			t.Run("shared_budget", func(t *testing.T) { testSharedBudget(t, b) })
			t.Run("concurrent_exact", func(t *testing.T) { testConcurrentExact(t, b) })
			t.Run("counter_direct", func(t *testing.T) { testCounterDirect(t, b) })
		})
	}
}

func setup(t *testing.T, b backend) (*store.DB, *quota.Manager, *clock) {
	t.Helper()
	db, c := b.open(t)
	clk := newClock()
	m := quota.NewManager(db, c, testConfig(), nil, clk.Now)
	return db, m, clk
}

func testLimitExact(t *testing.T, b backend) {
	ctx := context.Background()
	db, m, clk := setup(t, b)
	addTenant(t, db, m, "acme", "trial")
	first := clk.Now()
	for i := range 20 {
		if err := mustReserve(t, m, "acme", 1).Commit(ctx); err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
		clk.Advance(time.Minute)
	}
	_, err := m.Reserve(ctx, "acme", 1)
	var ex *quota.ExceededError
	if !errors.As(err, &ex) {
		t.Fatalf("21st recipient: err = %v, want *ExceededError", err)
	}
	limit, resets := ex.QuotaExceeded()
	// The first recipient's bucket (09:00-09:15) leaves the window at 09:15 next day.
	wantReset := first.Truncate(15 * time.Minute).Add(15*time.Minute + 24*time.Hour)
	if limit != 20 || ex.Used != 20 || ex.Tenant != "acme" || !resets.Equal(wantReset) {
		t.Fatalf("exceeded = %+v, want limit 20, used 20, resets %v", ex, wantReset)
	}
	if !ex.Temporary() || !strings.Contains(ex.Error(), "20 of 20") || !strings.Contains(ex.Error(), "raise the limit") {
		t.Fatalf("ExceededError must be temporary with an actionable message: %q", ex.Error())
	}
	// Several recipients at once: all or nothing.
	if _, err := m.Reserve(ctx, "acme", 3); !errors.As(err, &ex) {
		t.Fatalf("reserve 3 over the limit: %v", err)
	}
	// More recipients than the limit can ever hold: the message says so.
	if _, err := m.Reserve(ctx, "acme", 21); !errors.As(err, &ex) || !strings.Contains(err.Error(), "smaller batches") {
		t.Fatalf("reserve 21 of 20: %v", err)
	}
	st := mustStatus(t, m, "acme")
	if st.Limit != 20 || st.Used != 20 || st.Remaining != 0 || st.Plan != "trial" || !st.ResetsAt.Equal(wantReset) {
		t.Fatalf("status = %+v", st)
	}
}

func testRollingWindow(t *testing.T, b backend) {
	ctx := context.Background()
	db, m, clk := setup(t, b)
	addTenant(t, db, m, "roll", "trial")
	if st := mustStatus(t, m, "roll"); st.Used != 0 || !st.ResetsAt.Equal(clk.Now().Add(24*time.Hour)) {
		t.Fatalf("fresh status = %+v", st)
	}
	// 12 at t0 (bucket 09:00), 8 twelve hours later.
	commitN(t, m, "roll", 12)
	clk.Advance(12 * time.Hour)
	commitN(t, m, "roll", 8)
	if _, err := m.Reserve(ctx, "roll", 1); !isExceeded(err) {
		t.Fatalf("full window: err = %v", err)
	}
	// At t0+24h the t0 bucket (09:00–09:15) has not fully left: still full.
	clk.Advance(12 * time.Hour)
	if _, err := m.Reserve(ctx, "roll", 1); !isExceeded(err) {
		t.Fatalf("at t0+24h the first bucket still counts: err = %v", err)
	}
	// Once its whole width has left, its 12 are free again, not more.
	clk.Advance(15 * time.Minute)
	if st := mustStatus(t, m, "roll"); st.Used != 8 || st.Remaining != 12 {
		t.Fatalf("after the first bucket left: %+v", st)
	}
	commitN(t, m, "roll", 12)
	if _, err := m.Reserve(ctx, "roll", 1); !isExceeded(err) {
		t.Fatalf("refilled window: err = %v", err)
	}
	// A full day later nothing counts.
	clk.Advance(25 * time.Hour)
	if st := mustStatus(t, m, "roll"); st.Used != 0 {
		t.Fatalf("after a quiet day: %+v", st)
	}
}

func commitN(t *testing.T, m *quota.Manager, tenant string, n int) {
	t.Helper()
	if err := mustReserve(t, m, tenant, n).Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func isExceeded(err error) bool {
	var ex *quota.ExceededError
	return errors.As(err, &ex)
}

func testCommitRelease(t *testing.T, b backend) {
	ctx := context.Background()
	db, m, _ := setup(t, b)
	addTenant(t, db, m, "cr", "trial")
	r1 := mustReserve(t, m, "cr", 15)
	if st := mustStatus(t, m, "cr"); st.Used != 15 {
		t.Fatalf("pending must count: %+v", st)
	}
	if _, err := m.Reserve(ctx, "cr", 6); !isExceeded(err) {
		t.Fatalf("15 pending + 6 > 20: err = %v", err)
	}
	// A temporary failure gives the recipients back.
	if err := r1.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, m, "cr"); st.Used != 0 {
		t.Fatalf("after release: %+v", st)
	}
	// Commit after Release is a no-op (the relay's defer may do both).
	if err := r1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, m, "cr"); st.Used != 0 {
		t.Fatalf("commit after release counted: %+v", st)
	}
	r2 := mustReserve(t, m, "cr", 20)
	if err := r2.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r2.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, m, "cr"); st.Used != 20 {
		t.Fatalf("release after commit must not give back: %+v", st)
	}
}

func testRetryCountedOnce(t *testing.T, b backend) {
	ctx := context.Background()
	db, m, clk := setup(t, b)
	addTenant(t, db, m, "retry", "trial")
	// Attempt 1: upstream 4xx → release. Attempt 2 later: 250 → commit (twice, as a sloppy caller might).
	mustReserve(t, m, "retry", 3).Release(ctx)
	clk.Advance(10 * time.Minute)
	r := mustReserve(t, m, "retry", 3)
	for range 2 {
		if err := r.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if st := mustStatus(t, m, "retry"); st.Used != 3 {
		t.Fatalf("a retried 3-recipient message must count 3, got %+v", st)
	}
}

func testReservationExpiry(t *testing.T, b backend) {
	ctx := context.Background()
	db, m, clk := setup(t, b)
	addTenant(t, db, m, "crash", "trial")
	// A holder reserves and "crashes".
	crashed := mustReserve(t, m, "crash", 5)
	expiresAt := clk.Now().Add(15 * time.Minute)
	clk.Advance(14 * time.Minute)
	if st := mustStatus(t, m, "crash"); st.Used != 5 {
		t.Fatalf("pending before expiry: %+v", st)
	}
	clk.Advance(2 * time.Minute)
	// Expired: committed on its holder's behalf, into the expiry's bucket.
	st := mustStatus(t, m, "crash")
	wantReset := expiresAt.Truncate(15 * time.Minute).Add(15*time.Minute + 24*time.Hour)
	if st.Used != 5 || !st.ResetsAt.Equal(wantReset) {
		t.Fatalf("after expiry: %+v, want used 5 resetting %v", st, wantReset)
	}
	// A late Commit does not count it twice; a late Release does not give it back.
	if err := crashed.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	late := mustReserve(t, m, "crash", 2)
	clk.Advance(time.Hour)
	if err := late.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, m, "crash"); st.Used != 7 {
		t.Fatalf("late settle: %+v, want 7 (5 + 2 expired)", st)
	}
	// And it does leave the window in time: memory is not leaked either.
	clk.Advance(24*time.Hour + 15*time.Minute)
	if st := mustStatus(t, m, "crash"); st.Used != 0 {
		t.Fatalf("a day later: %+v", st)
	}
}

func testSharedBudget(t *testing.T, b backend) {
	ctx := context.Background()
	db, m, _ := setup(t, b)
	addTenant(t, db, m, "bot1", "trial")
	addTenant(t, db, m, "bot2", "trial")
	if err := m.SetBudget(ctx, "bot1", "linked:42"); err != nil {
		t.Fatal(err)
	}
	if err := m.SetBudget(ctx, "bot2", "linked:42"); err != nil {
		t.Fatal(err)
	}
	if got, err := m.Budget(ctx, "bot2"); err != nil || got != "linked:42" {
		t.Fatalf("budget = %q, %v", got, err)
	}
	commitN(t, m, "bot1", 15)
	if _, err := m.Reserve(ctx, "bot2", 6); !isExceeded(err) {
		t.Fatalf("bot2 shares bot1's budget: err = %v", err)
	}
	commitN(t, m, "bot2", 5)
	if st := mustStatus(t, m, "bot2"); st.Used != 20 || st.Budget != "linked:42" {
		t.Fatalf("shared status %+v", st)
	}
	if err := m.SetBudget(ctx, "bot2", "bad{tag}"); !errors.Is(err, quota.ErrInvalid) {
		t.Fatalf("budget with braces: %v", err)
	}
	if err := m.SetBudget(ctx, "bot2", ""); err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, m, "bot2"); st.Used != 0 || st.Budget != "bot2" {
		t.Fatalf("own budget again: %+v", st)
	}
}

// testConcurrentExact: 200 goroutines race for 20 recipients.
func testConcurrentExact(t *testing.T, b backend) {
	ctx := context.Background()
	db, m, _ := setup(t, b)
	addTenant(t, db, m, "race", "trial")
	if n := raceReserve(t, []*quota.Manager{m}, "race", 200); n != 20 {
		t.Fatalf("%d of 200 concurrent reservations succeeded, want exactly 20", n)
	}
	if st := mustStatus(t, m, "race"); st.Used != 20 {
		t.Fatalf("status after race: %+v", st)
	}
	_ = ctx
}

// raceReserve starts n goroutines, spread over managers, each reserving and
// committing one recipient, and returns how many were admitted. Any error
// other than ExceededError fails the test.
func raceReserve(t *testing.T, managers []*quota.Manager, tenant string, n int) int {
	t.Helper()
	ctx := context.Background()
	var ok atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for i := range n {
		m := managers[i%len(managers)]
		wg.Go(func() {
			<-start
			r, err := m.Reserve(ctx, tenant, 1)
			if isExceeded(err) {
				return
			}
			if err != nil {
				errs <- err
				return
			}
			if i%2 == 0 { // half commit at once, half stay pending: both count
				if err := r.Commit(ctx); err != nil {
					errs <- err
					return
				}
			}
			ok.Add(1)
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("unexpected error: %v", err)
	}
	return int(ok.Load())
}

// testCounterDirect checks the Counter contract itself: Reserve reports the
// state it decided on, Commit and Release report whether the reservation
// was still there, and an unknown id changes nothing.
func testCounterDirect(t *testing.T, b backend) {
	ctx := context.Background()
	_, c := b.open(t)
	now := newClock().Now()
	req := func(id string, n, limit int64) quota.Request {
		return quota.Request{Budget: "direct", ID: id, N: n, Limit: limit, Now: now, Expires: now.Add(time.Minute),
			Window: 24 * time.Hour, Bucket: 15 * time.Minute}
	}
	u, ok, err := c.Reserve(ctx, req("a", 3, 5))
	if err != nil || !ok || u.Used() != 0 {
		t.Fatalf("first reserve = %+v, %v, %v", u, ok, err)
	}
	u, ok, err = c.Reserve(ctx, req("b", 3, 5))
	if err != nil || ok || u.Pending != 3 || u.Committed != 0 {
		t.Fatalf("over-limit reserve = %+v, %v, %v", u, ok, err)
	}
	if found, err := c.Commit(ctx, req("a", 0, 0)); err != nil || !found {
		t.Fatalf("commit = %v, %v", found, err)
	}
	if found, err := c.Commit(ctx, req("a", 0, 0)); err != nil || found {
		t.Fatalf("second commit = %v, %v, want false", found, err)
	}
	if found, err := c.Release(ctx, req("nope", 0, 0)); err != nil || found {
		t.Fatalf("release of unknown id = %v, %v", found, err)
	}
	u, err = c.Usage(ctx, req("", 0, 0))
	if err != nil || u.Committed != 3 || u.Pending != 0 || len(u.Buckets) != 1 || u.Buckets[0].Count != 3 ||
		!u.Buckets[0].Start.Equal(now.Truncate(15*time.Minute)) {
		t.Fatalf("usage = %+v, %v", u, err)
	}
	// Add counts into the bucket of its Now, past the limit if need be.
	earlier := req("", 4, 0)
	earlier.Now = now.Add(-time.Hour)
	if err := c.Add(ctx, earlier); err != nil {
		t.Fatal(err)
	}
	u, err = c.Usage(ctx, req("", 0, 0))
	if err != nil || u.Committed != 7 || len(u.Buckets) != 2 {
		t.Fatalf("usage after add = %+v, %v", u, err)
	}
	// A partial Commit (a settled lease) counts what it names, at most what
	// was held, and drops the rest.
	if _, ok, err := c.Reserve(ctx, req("lease", 10, 100)); err != nil || !ok {
		t.Fatalf("lease reserve = %v, %v", ok, err)
	}
	if found, err := c.Commit(ctx, req("lease", 4, 0)); err != nil || !found {
		t.Fatalf("partial commit = %v, %v", found, err)
	}
	if _, ok, err := c.Reserve(ctx, req("lease2", 2, 100)); err != nil || !ok {
		t.Fatalf("second lease reserve = %v, %v", ok, err)
	}
	if found, err := c.Commit(ctx, req("lease2", 5, 0)); err != nil || !found {
		t.Fatalf("over-asking commit = %v, %v", found, err)
	}
	u, err = c.Usage(ctx, req("", 0, 0))
	if err != nil || u.Committed != 7+4+2 || u.Pending != 0 {
		t.Fatalf("usage after partial commits = %+v, %v; want 13 committed, none pending", u, err)
	}
}
