package review

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/scoring"
)

// flakyDeliverer accepts recipients and counts each (queue id, recipient)
// accepted; call number hangAt blocks until its context ends, and the first
// attempt of every message whose number is in tempFail answers 451 for the
// second recipient.
type flakyDeliverer struct {
	mu       sync.Mutex
	calls    int
	hangAt   int
	started  chan struct{}
	tempFail map[string]bool
	tried    map[string]bool
	accepted map[string]int
}

func (d *flakyDeliverer) Deliver(ctx context.Context, from string, to []string, raw []byte) (DeliveryResult, error) {
	d.mu.Lock()
	d.calls++
	call := d.calls
	q := queueIDOf(raw)
	d.mu.Unlock()
	if call == d.hangAt {
		close(d.started)
		<-ctx.Done()
		return DeliveryResult{}, fmt.Errorf("upstream: %w", ctx.Err())
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var res DeliveryResult
	for i, r := range to {
		if i == 1 && d.tempFail[q] && !d.tried[q] {
			res.Rcpts = append(res.Rcpts, RcptResult{Rcpt: r, Status: TempFail, Code: 451, Text: "try later"})
			continue
		}
		if r == "bounce@nowhere.example" {
			res.Rcpts = append(res.Rcpts, RcptResult{Rcpt: r, Status: PermFail, Code: 550, Text: "no such user"})
			continue
		}
		d.accepted[q+" "+r]++
		res.Rcpts = append(res.Rcpts, RcptResult{Rcpt: r, Status: Accepted, Code: 250})
	}
	d.tried[q] = true
	return res, nil
}

func TestRestartMidRelease(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fd := &flakyDeliverer{hangAt: 5, started: make(chan struct{}), tempFail: map[string]bool{}, tried: map[string]bool{}, accepted: map[string]int{}}
		e := newEnv(t, db, func(o *Options) { o.Deliverer = fd; o.Instance = "first" })
		e.tenant("sender", "paid", 40*24*time.Hour, "", "")
		var queued []string
		for i := range 12 {
			m := e.msg("sender", scoring.Fingerprint(i+1), 6, fmt.Sprintf("a%d@example.org", i), fmt.Sprintf("b%d@example.net", i))
			if i == 11 {
				m.To = []string{"ok@example.org", "bounce@nowhere.example"}
			}
			if i%3 == 0 {
				fd.tempFail[m.QueueID] = true
			}
			e.send(m)
			queued = append(queued, m.QueueID)
		}
		cs, _, _ := e.svc.ListCases(ctx, CaseFilter{TenantID: "sender"})
		if _, err := e.svc.Decide(ctx, cs[0].ID, DecisionRequest{Decision: "approve", Actor: "console:alice"}); err != nil {
			t.Fatal(err)
		}
		// The first worker delivers a few, then hangs on the fifth; stop it.
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { _, err := e.svc.DeliverDue(wctx); done <- err }()
		<-fd.started
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("first worker: %v", err)
		}
		// A row a crashed instance claimed stays its own until the lease ends.
		if _, err := db.Exec(ctx, `UPDATE review_held SET lease_owner = 'crashed', lease_until = ? WHERE queue_id = ?`,
			ms(e.clock.Now().Add(2*time.Minute)), queued[10]); err != nil {
			t.Fatal(err)
		}
		// A new Service on the same database finishes the job.
		svc2, err := New(Options{DB: db, Logger: testLogger(t), Now: e.clock.Now, Deliverer: fd, Instance: "second"})
		if err != nil {
			t.Fatal(err)
		}
		for range 30 {
			if _, err := svc2.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Minute)
		}
		for i, q := range queued {
			rcpts := []string{fmt.Sprintf("a%d@example.org", i), fmt.Sprintf("b%d@example.net", i)}
			if i == 11 {
				rcpts = []string{"ok@example.org"}
			}
			for _, r := range rcpts {
				if n := fd.accepted[q+" "+r]; n != 1 {
					t.Errorf("%s to %s delivered %d times, want 1", q, r, n)
				}
			}
		}
		states := e.heldStates("sender")
		if states["sent"] != 12 {
			t.Fatalf("states %v, want 12 sent", states)
		}
		// The permanent failure is on the case.
		c, err := e.svc.Case(ctx, cs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range c.Reasons {
			found = found || r.Code == "delivery.failed"
		}
		if !found {
			t.Fatalf("no delivery.failed reason on case: %+v", c.Reasons)
		}
	})
}

func TestRunWorkersStops(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, func(o *Options) { o.WorkerTick = 10 * time.Millisecond })
		e.tenant("w", "trial", time.Hour, "", "")
		e.send(e.msg("w", 0xfeed, 0.1))
		e.clock.Advance(10 * time.Minute)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- e.svc.RunWorkers(ctx) }()
		deadline := time.Now().Add(10 * time.Second)
		for e.deliv.total() == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond) // polling for the worker, not waiting for a window
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if e.deliv.total() != 1 {
			t.Fatalf("delivered %d, want 1", e.deliv.total())
		}
	})
}

// TestTwoInstancesDeliverOnce runs two Services' delivery loops at once on
// one database: every message goes out exactly once.
func TestTwoInstancesDeliverOnce(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, func(o *Options) { o.Instance = "one"; o.HeldMaxCount = 1000 })
		e.tenant("busy", "paid", 40*24*time.Hour, "", "")
		var queued []string
		for i := range 40 {
			m := e.msg("busy", scoring.Fingerprint(i+1), 6)
			e.send(m)
			queued = append(queued, m.QueueID)
		}
		cs, _, _ := e.svc.ListCases(ctx, CaseFilter{TenantID: "busy"})
		if _, err := e.svc.Decide(ctx, cs[0].ID, DecisionRequest{Decision: "approve", Actor: "console:alice"}); err != nil {
			t.Fatal(err)
		}
		svc2, err := New(Options{DB: db, Logger: testLogger(t), Now: e.clock.Now, Deliverer: e.deliv, Instance: "two"})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for _, s := range []*Service{e.svc, svc2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					n, err := s.DeliverDue(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if n == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		for _, q := range queued {
			if n := e.deliv.count[q]; n != 1 {
				t.Errorf("%s delivered %d times", q, n)
			}
		}
	})
}
