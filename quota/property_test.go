package quota_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/testenv"
	"github.com/outpost-mail/outpost/quota"
)

// TestNeverOverLimit drives each counter store with a random but seeded
// sequence of reserves, commits, releases, abandoned reservations and clock
// moves, and checks after every admission that, counting each recipient from
// the moment it was committed (or its reservation expired) and every pending
// one, no 24-hour window holds more than the limit. It also checks the store
// never refuses when the window, widened by one bucket, has room.
func TestNeverOverLimit(t *testing.T) {
	for _, b := range counterBackends() {
		t.Run(b.name, func(t *testing.T) {
			db, c := b.open(t)
			clk := newClock()
			cfg := testConfig()
			m := quota.NewManager(db, c, cfg, nil, clk.Now)
			addTenant(t, db, m, "prop", "trial")
			checkNeverOverLimitFor(t, m, "prop", clk, cfg, rand.New(rand.NewPCG(1, 2)), 400, 30)
		})
	}
}

type sent struct {
	at time.Time
	n  int64
}

type held struct {
	r       *quota.Reservation
	n       int64
	expires time.Time
}

// checkNeverOverLimitFor runs steps random operations on tenant (limit 20)
// and fails if fewer than minAdmitted reservations succeeded.
func checkNeverOverLimitFor(t *testing.T, m *quota.Manager, tenant string, clk *clock, cfg quota.Config, rng *rand.Rand, steps, minAdmitted int) {
	ctx := context.Background()
	const limit = 20
	var done []sent
	var pending []held
	// expire moves reservations whose TTL passed into done, at their expiry.
	expire := func() {
		now := clk.Now()
		kept := pending[:0]
		for _, h := range pending {
			if !h.expires.After(now) {
				done = append(done, sent{h.expires, h.n})
			} else {
				kept = append(kept, h)
			}
		}
		pending = kept
	}
	// inWindow sums what was sent within d before now, plus pending.
	inWindow := func(d time.Duration) int64 {
		now := clk.Now()
		var s int64
		for _, x := range done {
			if x.at.After(now.Add(-d)) {
				s += x.n
			}
		}
		for _, h := range pending {
			s += h.n
		}
		return s
	}
	admitted := 0
	for i := range steps {
		switch op := rng.IntN(10); {
		case op < 5: // reserve
			n := int64(1 + rng.IntN(4))
			expire()
			r, err := m.Reserve(ctx, tenant, int(n))
			if err != nil {
				if !isExceeded(err) {
					t.Fatalf("step %d: %v", i, err)
				}
				// Refusing is only allowed when the window widened by one
				// bucket (the admitted slack) has no room.
				if inWindow(cfg.Window+cfg.BucketWidth)+n <= limit {
					t.Fatalf("step %d: refused %d with only %d in the widened window", i, n, inWindow(cfg.Window+cfg.BucketWidth))
				}
				continue
			}
			admitted++
			pending = append(pending, held{r, n, clk.Now().Add(cfg.ReservationTTL)})
			if got := inWindow(cfg.Window); got > limit {
				t.Fatalf("step %d: %d recipients in a 24 h window, limit %d", i, got, limit)
			}
		case op < 7 && len(pending) > 0: // commit
			k := rng.IntN(len(pending))
			h := pending[k]
			expire()
			if err := h.r.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if h.expires.After(clk.Now()) { // else expiry already counted it
				done = append(done, sent{clk.Now(), h.n})
				pending = removeHeld(pending, h.r)
			}
		case op < 8 && len(pending) > 0: // release
			h := pending[rng.IntN(len(pending))]
			expire()
			if err := h.r.Release(ctx); err != nil {
				t.Fatal(err)
			}
			if h.expires.After(clk.Now()) {
				pending = removeHeld(pending, h.r)
			}
		default: // time passes; some holders never come back
			clk.Advance(time.Duration(rng.IntN(int(3*time.Hour/time.Minute))) * time.Minute)
		}
	}
	if admitted < minAdmitted {
		t.Fatalf("only %d admissions: the sequence did not exercise the window", admitted)
	}
}

func removeHeld(hs []held, r *quota.Reservation) []held {
	for i, h := range hs {
		if h.r == r {
			return append(hs[:i], hs[i+1:]...)
		}
	}
	return hs
}

// FuzzNeverOverLimit runs the same check on Redis with fuzzed seeds: any
// sequence of operations must keep every 24-hour window within the limit.
func FuzzNeverOverLimit(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Add(uint64(42), uint64(7))
	db := testenv.SQLite(f)
	c := quota.NewRedisCounter(redisClient(f), testenv.RedisPrefix(f))
	cfg := testConfig()
	var seq atomic.Int64
	f.Fuzz(func(t *testing.T, a, b uint64) {
		clk := newClock()
		m := quota.NewManager(db, c, cfg, nil, clk.Now)
		id := fmt.Sprintf("fz%d", seq.Add(1))
		addTenant(t, db, m, id, "trial")
		checkNeverOverLimitFor(t, m, id, clk, cfg, rand.New(rand.NewPCG(a, b)), 200, 0)
	})
}
