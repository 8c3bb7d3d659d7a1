package quota_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/quota"
)

// BenchmarkReserveCommit measures one message's quota round trip (Reserve
// then Commit, limit lookup cached) on each counter store, and reports
// ops/s and the 99th-percentile latency of the pair: lease=off is the
// per-message path (every budget near its limit), lease=on the default for
// a budget with room to spare (the tenant here has a limit it never nears).
//
//	go test -run '^$' -bench 'BenchmarkReserveCommit' -benchtime 5000x ./quota/
func BenchmarkReserveCommit(b *testing.B) {
	for _, be := range counterBackends() {
		for _, lease := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/lease=%s", be.name, onOff(lease)), func(b *testing.B) {
				db, c := be.open(b)
				benchReserveCommit(b, db, c, 0, lease)
			})
		}
	}
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// benchConfig is the default configuration with a plan "bench" whose limit
// is never reached, leases on or off.
func benchConfig(lease bool) quota.Config {
	cfg := quota.DefaultConfig()
	cfg.Plans["bench"] = 1 << 40
	if !lease {
		cfg.Lease = quota.LeasePolicy{}
	}
	return cfg
}

// BenchmarkReserveCommitFullWindow is the same with a clock that moves one
// bucket per message, so every decision sums a full window of 97 buckets
// (the steady state of a busy tenant) and drops the one that left.
func BenchmarkReserveCommitFullWindow(b *testing.B) {
	for _, be := range counterBackends() {
		b.Run(be.name, func(b *testing.B) {
			db, c := be.open(b)
			benchReserveCommit(b, db, c, quota.DefaultConfig().BucketWidth, false)
		})
	}
}

// benchReserveCommit reserves and commits one recipient per iteration; step
// > 0 moves a test clock by step per iteration, 0 uses the wall clock.
func benchReserveCommit(b *testing.B, db *store.DB, c quota.Counter, step time.Duration, lease bool) {
	ctx := context.Background()
	cfg := benchConfig(lease)
	now := time.Now
	clk := newClock()
	if step > 0 {
		now = clk.Now
	}
	m := quota.NewManager(db, c, cfg, nil, now)
	addTenant(b, db, m, "bench", "bench")
	durs := make([]time.Duration, 0, 1<<16)
	start := time.Now()
	for b.Loop() {
		clk.Advance(step)
		t0 := time.Now()
		r, err := m.Reserve(ctx, "bench", 1)
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		durs = append(durs, time.Since(t0))
	}
	elapsed := time.Since(start)
	slices.Sort(durs)
	p50 := durs[len(durs)/2]
	p99 := durs[min(len(durs)-1, len(durs)*99/100)]
	b.ReportMetric(float64(p50.Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(p99.Nanoseconds())/1e3, "p99-µs")
	b.ReportMetric(float64(len(durs))/elapsed.Seconds(), "ops/s")
	if err := m.Close(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReserveCommitParallel is BenchmarkReserveCommit from 20
// goroutines at once (the relay's concurrent sessions), on one Manager and
// one budget: concurrent calls to the Redis counter share pipelines.
//
//	go test -run '^$' -bench 'BenchmarkReserveCommitParallel' -benchtime 20000x ./quota/
func BenchmarkReserveCommitParallel(b *testing.B) {
	for _, be := range counterBackends() {
		for _, lease := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/lease=%s", be.name, onOff(lease)), func(b *testing.B) {
				benchParallel(b, be, lease)
			})
		}
	}
}

func benchParallel(b *testing.B, be backend, lease bool) {
	db, c := be.open(b)
	ctx := context.Background()
	m := quota.NewManager(db, c, benchConfig(lease), nil, time.Now)
	addTenant(b, db, m, "bench", "bench")
	b.SetParallelism(10) // × GOMAXPROCS goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r, err := m.Reserve(ctx, "bench", 1)
			if err != nil {
				b.Error(err)
				return
			}
			if err := r.Commit(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	if err := m.Close(ctx); err != nil {
		b.Fatal(err)
	}
}
