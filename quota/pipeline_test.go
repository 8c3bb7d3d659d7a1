package quota_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/redis/go-redis/v9"

	"github.com/outpost-mail/outpost/internal/testenv"
	"github.com/outpost-mail/outpost/quota"
)

// pipelineCounter is a go-redis hook that counts the pipelines of more than
// one command the client sends.
type pipelineCounter struct{ multi, cmds atomic.Int64 }

func (h *pipelineCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *pipelineCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return next
}
func (h *pipelineCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 1 {
			h.multi.Add(1)
			h.cmds.Add(int64(len(cmds)))
		}
		return next(ctx, cmds)
	}
}

// TestRedisPipelinedExact: many goroutines reserve, commit and release on
// one Manager, so concurrent calls share pipelines; every answer is each
// call's own, and the budgets end exactly at what the goroutines kept.
func TestRedisPipelinedExact(t *testing.T) {
	ctx := context.Background()
	c := redisClient(t)
	hook := &pipelineCounter{}
	c.AddHook(hook)
	db := testenv.SQLite(t)
	clk := newClock()
	m := quota.NewManager(db, quota.NewRedisCounter(c, testenv.RedisPrefix(t)), testConfig(), nil, clk.Now)
	const tenants = 4
	for i := range tenants {
		addTenant(t, db, m, fmt.Sprintf("pl%d", i), "paid") // limit 200
	}
	var kept [tenants]atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 64 {
		wg.Go(func() {
			for i := range 40 {
				k := (g + i) % tenants
				r, err := m.Reserve(ctx, fmt.Sprintf("pl%d", k), 1+i%3)
				if isExceeded(err) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				switch i % 3 {
				case 0:
					err = r.Commit(ctx)
					kept[k].Add(r.N)
				case 1:
					err = r.Release(ctx)
				default: // left pending: counts
					kept[k].Add(r.N)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("unexpected error: %v", err)
	}
	for k := range tenants {
		st := mustStatus(t, m, fmt.Sprintf("pl%d", k))
		if st.Used != kept[k].Load() || st.Used > st.Limit {
			t.Errorf("tenant pl%d: status %+v, goroutines kept %d", k, st, kept[k].Load())
		}
		if st.Used < st.Limit-2 {
			t.Errorf("tenant pl%d: used %d of %d: the race should fill the budget", k, st.Used, st.Limit)
		}
	}
	if hook.multi.Load() == 0 {
		t.Errorf("no call shared a pipeline; the test did not exercise batching")
	}
	t.Logf("%d pipelines carried %d calls", hook.multi.Load(), hook.cmds.Load())
}

// TestRedisPipelinedNoScript: after SCRIPT FLUSH (a restarted server, a
// failover) batched calls answer NOSCRIPT; they are run again with the
// script's source, and the race stays exact.
func TestRedisPipelinedNoScript(t *testing.T) {
	ctx := context.Background()
	c := redisClient(t)
	db := testenv.SQLite(t)
	m := quota.NewManager(db, quota.NewRedisCounter(c, testenv.RedisPrefix(t)), testConfig(), nil, newClock().Now)
	for i := range 3 {
		id := fmt.Sprintf("ns%d", i)
		addTenant(t, db, m, id, "trial")
		if err := c.ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		if n := raceReserve(t, []*quota.Manager{m}, id, 100); n != 20 {
			t.Fatalf("after SCRIPT FLUSH: %d of 100 admitted, want exactly 20", n)
		}
	}
}

// TestRedisPipelinedCancelled: a call whose context is already done fails
// with its context's error and reserves nothing, whether it runs alone or
// in a batch; the calls batched with it are unaffected.
func TestRedisPipelinedCancelled(t *testing.T) {
	c := redisClient(t)
	db := testenv.SQLite(t)
	m := quota.NewManager(db, quota.NewRedisCounter(c, testenv.RedisPrefix(t)), testConfig(), nil, newClock().Now)
	addTenant(t, db, m, "cx", "paid")
	mustStatus(t, m, "cx") // limit cached: a cancelled call fails in the counter, not in SQL
	done, cancel := context.WithCancel(context.Background())
	cancel()
	var admitted atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Go(func() {
			ctx := context.Background()
			if i%2 == 1 {
				ctx = done
			}
			_, err := m.Reserve(ctx, "cx", 1)
			switch {
			case i%2 == 1 && !errors.Is(err, context.Canceled):
				errs <- fmt.Errorf("cancelled call: %v", err)
			case i%2 == 0 && err == nil:
				admitted.Add(1)
			case i%2 == 0 && !isExceeded(err):
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := admitted.Load(); n != 100 {
		t.Errorf("admitted %d of the 100 live calls, want all (limit 200)", n)
	}
	if st := mustStatus(t, m, "cx"); st.Used != 100 {
		t.Errorf("status %+v: want exactly the 100 live reservations", st)
	}
}

// commitFailer is a go-redis hook that, while on, fails every Commit and
// Release script call (EVALSHA/EVAL sha|source, 4, 4 keys, 6 arguments for
// Commit, 5 for Release) without sending it.
type commitFailer struct{ on atomic.Bool }

func isCommitCall(cmd redis.Cmder) bool {
	a := cmd.Args()
	name := fmt.Sprint(a[0])
	return (name == "evalsha" || name == "eval") && (len(a) == 12 || len(a) == 13)
}

var errInjected = errors.New("injected commit failure")

func (h *commitFailer) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *commitFailer) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if h.on.Load() && isCommitCall(cmd) {
			cmd.SetErr(errInjected)
			return errInjected
		}
		return next(ctx, cmd)
	}
}
func (h *commitFailer) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !h.on.Load() {
			return next(ctx, cmds)
		}
		var send []redis.Cmder
		for _, c := range cmds {
			if isCommitCall(c) {
				c.SetErr(errInjected)
			} else {
				send = append(send, c)
			}
		}
		if len(send) == 0 {
			return errInjected
		}
		return next(ctx, send)
	}
}

// raceSettle runs n goroutines on m, each reserving one recipient of
// tenant and committing it (even i) or releasing it (odd i); it returns
// how many settlements returned an error.
func raceSettle(t *testing.T, m *quota.Manager, tenant string, n int) int64 {
	t.Helper()
	ctx := context.Background()
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			r, err := m.Reserve(ctx, tenant, 1)
			if err != nil {
				t.Errorf("reserve %d: %v", i, err)
				return
			}
			if i%2 == 0 {
				err = r.Commit(ctx)
				if err != nil {
					failed.Add(1)
				}
			} else if err = r.Release(ctx); err != nil {
				failed.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	return failed.Load()
}

// TestRedisQueuedSettleClose: under concurrency Commits and Releases queue
// behind the calls in flight and return at once; Close waits until they
// all reached Redis, and nothing is lost: another instance then reads
// exactly the commits as committed and nothing pending.
func TestRedisQueuedSettleClose(t *testing.T) {
	ctx := context.Background()
	db := testenv.SQLite(t)
	prefix := testenv.RedisPrefix(t)
	clk := newClock()
	m := quota.NewManager(db, quota.NewRedisCounter(redisClient(t), prefix), testConfig(), nil, clk.Now)
	reg := prometheus.NewPedanticRegistry()
	if err := m.RegisterMetrics(reg); err != nil {
		t.Fatal(err)
	}
	addTenant(t, db, m, "qs", "paid") // limit 200
	queued := 0.0
	for round := range 5 {
		if failed := raceSettle(t, m, "qs", 40); failed != 0 {
			t.Fatalf("%d commits failed", failed)
		}
		if err := m.Close(ctx); err != nil {
			t.Fatal(err)
		}
		other := quota.NewRedisCounter(redisClient(t), prefix)
		cfg := testConfig()
		u, err := other.Usage(ctx, quota.Request{Budget: "qs", Now: clk.Now(), Window: cfg.Window, Bucket: cfg.BucketWidth})
		if want := int64(20 * (round + 1)); err != nil || u.Committed != want || u.Pending != 0 {
			t.Fatalf("round %d, after Close another instance reads %+v, %v: want %d committed, 0 pending", round, u, err, want)
		}
		queued = gatherValue(t, reg, "outpost_quota_settlements_queued_total", "")
	}
	if queued == 0 {
		t.Errorf("no settlement was queued; the test did not exercise queueing")
	}
	t.Logf("%v of 200 settlements queued", queued)
}

// TestRedisQueuedSettleErrors: Commits and Releases that Redis fails,
// whether queued or synchronous, are metered and leave their reservations
// pending; those are committed at expiry (never over the limit).
func TestRedisQueuedSettleErrors(t *testing.T) {
	ctx := context.Background()
	c := redisClient(t)
	hook := &commitFailer{}
	c.AddHook(hook)
	db := testenv.SQLite(t)
	clk := newClock()
	prefix := testenv.RedisPrefix(t)
	m := quota.NewManager(db, quota.NewRedisCounter(c, prefix), testConfig(), nil, clk.Now)
	reg := prometheus.NewPedanticRegistry()
	if err := m.RegisterMetrics(reg); err != nil {
		t.Fatal(err)
	}
	addTenant(t, db, m, "qe", "paid")
	hook.on.Store(true)
	syncFailed := raceSettle(t, m, "qe", 100)
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	hook.on.Store(false)
	// outpost_quota_settle_errors_total{op="commit"} sorts first.
	if got := gatherValue(t, reg, "outpost_quota_settle_errors_total", ""); got != 50 {
		t.Errorf("settle errors{commit} = %v, want all 50 commits", got)
	}
	if st := mustStatus(t, m, "qe"); st.Used != 100 {
		t.Fatalf("status with 100 failed settlements pending: %+v", st)
	}
	clk.Advance(16 * time.Minute)
	cfg := testConfig()
	u, err := quota.NewRedisCounter(c, prefix).Usage(ctx, quota.Request{Budget: "qe", Now: clk.Now(), Window: cfg.Window, Bucket: cfg.BucketWidth})
	if err != nil || u.Committed != 100 || u.Pending != 0 {
		t.Fatalf("after expiry: %+v, %v: want the 100 committed", u, err)
	}
	t.Logf("%d of the 100 failed settlements were synchronous", syncFailed)
}

// TestRedisKeyTTLsAfterSettle: Commit refreshes only the bucket hash's TTL
// and Release none, yet every key a budget has keeps a TTL just over a day
// (what it holds leaves the window, or expires, before it does).
func TestRedisKeyTTLsAfterSettle(t *testing.T) {
	ctx := context.Background()
	c := redisClient(t)
	db := testenv.SQLite(t)
	prefix := testenv.RedisPrefix(t)
	clk := newClock()
	m := quota.NewManager(db, quota.NewRedisCounter(c, prefix), testConfig(), nil, clk.Now)
	addTenant(t, db, m, "slot", "paid")
	r1 := mustReserve(t, m, "slot", 2)
	if err := r1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	checkKeyTTLs(t, c, prefix)
	r2, r3 := mustReserve(t, m, "slot", 1), mustReserve(t, m, "slot", 1)
	clk.Advance(5 * time.Minute)
	if err := r2.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r3.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	mustReserve(t, m, "slot", 1)
	if n := checkKeyTTLs(t, c, prefix); n != 4 {
		t.Fatalf("%d keys, want the 4 keys of one budget", n)
	}
	if st := mustStatus(t, m, "slot"); st.Used != 4 {
		t.Fatalf("status %+v, want 2+1 committed and 1 pending", st)
	}
}
