package quota_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/internal/testenv"
	"github.com/outpost-mail/outpost/quota"
)

func TestLadderNext(t *testing.T) {
	l := quota.DefaultConfig().Ladder
	for _, c := range []struct{ cur, want int64 }{{20, 40}, {40, 80}, {200, 400}, {80_000, 100_000}, {100_000, 100_000}, {150_000, 150_000}, {0, 2}} {
		if got := l.Next(c.cur); got != c.want {
			t.Errorf("Next(%d) = %d, want %d", c.cur, got, c.want)
		}
	}
	steps := quota.Ladder{Steps: []int64{50, 100, 500}, Cap: 400}
	for _, c := range []struct{ cur, want int64 }{{20, 50}, {50, 100}, {99, 100}, {100, 400}, {400, 400}} {
		if got := steps.Next(c.cur); got != c.want {
			t.Errorf("steps Next(%d) = %d, want %d", c.cur, got, c.want)
		}
	}
}

func TestBadConfigPanics(t *testing.T) {
	cfg := quota.DefaultConfig()
	cfg.BucketWidth = 7 * time.Minute // does not divide 24 h
	defer func() {
		if recover() == nil {
			t.Fatal("NewManager accepted a bucket width that does not divide the window")
		}
	}()
	quota.NewManager(nil, nil, cfg, nil, nil)
}

// TestLimits runs plan, ladder, history and audit checks on SQLite and PostgreSQL.
func TestLimits(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			t.Run("init", func(t *testing.T) { testInit(t, db) })
			t.Run("plan_and_raise", func(t *testing.T) { testPlanAndRaise(t, db) })
			t.Run("raise_validation", func(t *testing.T) { testRaiseValidation(t, db) })
			t.Run("concurrent_raises", func(t *testing.T) { testConcurrentRaises(t, db) })
			t.Run("limit_cache", func(t *testing.T) { testLimitCache(t, db) })
			t.Run("earned_raises", func(t *testing.T) { testEarnedRaises(t, db) })
		})
	}
}

func newSQLManager(db *store.DB, clk *clock) *quota.Manager {
	return quota.NewManager(db, quota.NewSQLCounter(db), testConfig(), nil, clk.Now)
}

func testInit(t *testing.T, db *store.DB) {
	ctx := context.Background()
	m := newSQLManager(db, newClock())
	addTenant(t, db, m, "init1", "trial")
	if err := m.InitTenant(ctx, "init1", "trial", "test"); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second init: %v, want ErrExists", err)
	}
	if err := m.InitTenant(ctx, "nobody", "trial", "test"); !errors.Is(err, quota.ErrUnknownTenant) || !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("init of a missing tenant: %v", err)
	}
	if err := db.CreateTenant(ctx, store.Tenant{ID: "init2", Plan: "trial"}); err != nil {
		t.Fatal(err)
	}
	if err := m.InitTenant(ctx, "init2", "gold", "test"); !errors.Is(err, quota.ErrInvalid) {
		t.Fatalf("unknown plan: %v", err)
	}
	// A tenant never initialised still gets its plan's default, on its own budget.
	if st := mustStatus(t, m, "init2"); st.Limit != 20 || st.Plan != "trial" || st.Budget != "init2" {
		t.Fatalf("uninitialised tenant: %+v", st)
	}
	if _, err := m.Reserve(ctx, "ghost", 1); !errors.Is(err, quota.ErrUnknownTenant) {
		t.Fatalf("reserve for unknown tenant: %v", err)
	}
	if _, err := m.Reserve(ctx, "init1", 0); !errors.Is(err, quota.ErrInvalid) {
		t.Fatalf("reserve 0: %v", err)
	}
	// InitTenant mirrors the plan into tenants.plan.
	if err := db.CreateTenant(ctx, store.Tenant{ID: "init3", Plan: "trial"}); err != nil {
		t.Fatal(err)
	}
	if err := m.InitTenant(ctx, "init3", "paid", "billing"); err != nil {
		t.Fatal(err)
	}
	if tn, _ := db.Tenant(ctx, "init3"); tn.Plan != "paid" {
		t.Fatalf("tenants.plan = %q", tn.Plan)
	}
}

func testPlanAndRaise(t *testing.T, db *store.DB) {
	ctx := context.Background()
	clk := newClock()
	m := newSQLManager(db, clk)
	addTenant(t, db, m, "acme", "trial")

	// Support raises a trial twice: 20 → 40 → 80.
	c1, err := m.Raise(ctx, "acme", quota.RaiseRequest{Actor: "support:alice", Reason: "invoices to 30 customers"})
	if err != nil {
		t.Fatal(err)
	}
	if c1.OldLimit != 20 || c1.NewLimit != 40 || c1.Kind != quota.KindRaise || c1.ID == 0 || c1.NewPlan != "trial" {
		t.Fatalf("first raise = %+v", c1)
	}
	clk.Advance(time.Hour)
	if _, err := m.Raise(ctx, "acme", quota.RaiseRequest{Actor: "support:bob", Reason: "still growing", To: 70}); err != nil {
		t.Fatal(err)
	}
	// payment.succeeded: paid, limit = max(70, 200).
	clk.Advance(time.Hour)
	c3, err := m.SetPlan(ctx, "acme", "paid", "billing", "payment.succeeded evt_1")
	if err != nil {
		t.Fatal(err)
	}
	if c3.OldPlan != "trial" || c3.NewPlan != "paid" || c3.OldLimit != 70 || c3.NewLimit != 200 {
		t.Fatalf("payment = %+v", c3)
	}
	if tn, _ := db.Tenant(ctx, "acme"); tn.Plan != "paid" {
		t.Fatalf("tenants.plan = %q, want paid", tn.Plan)
	}
	// The same event again changes nothing and records nothing.
	again, err := m.SetPlan(ctx, "acme", "paid", "billing", "payment.succeeded evt_1")
	if err != nil || again.ID != 0 {
		t.Fatalf("repeated payment = %+v, %v", again, err)
	}
	// A raised paid tenant keeps its higher limit when paid again after a downgrade path.
	if _, err := m.Raise(ctx, "acme", quota.RaiseRequest{Actor: "support:alice", Reason: "trusted"}); err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, m, "acme"); st.Limit != 400 || st.Plan != "paid" {
		t.Fatalf("status = %+v", st)
	}
	// Moving down resets to the plan's default.
	down, err := m.SetPlan(ctx, "acme", "trial", "support:carol", "chargeback")
	if err != nil || down.NewLimit != 20 {
		t.Fatalf("downgrade = %+v, %v", down, err)
	}
	// A trial raised above the paid default keeps it when paying.
	for range 4 { // 20 → 40 → 80 → 160 → 320
		if _, err := m.Raise(ctx, "acme", quota.RaiseRequest{Actor: "support:alice", Reason: "step"}); err != nil {
			t.Fatal(err)
		}
	}
	up, err := m.SetPlan(ctx, "acme", "paid", "billing", "payment.succeeded evt_2")
	if err != nil || up.NewLimit != 320 {
		t.Fatalf("paying with 320 = %+v, %v", up, err)
	}

	// History: newest first, keyset pages.
	all, err := m.History(ctx, "acme", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	kinds := ""
	for _, c := range all {
		kinds += c.Kind + " "
	}
	if want := "plan raise raise raise raise plan raise plan raise raise init "; kinds != want {
		t.Fatalf("history kinds = %q, want %q", kinds, want)
	}
	if all[len(all)-1].Actor != "test" || all[len(all)-2].Actor != "support:alice" || all[len(all)-2].Reason != "invoices to 30 customers" ||
		!all[len(all)-2].At.Equal(newClock().Now()) || all[len(all)-3].NewLimit != 70 {
		t.Fatalf("history details: %+v", all[len(all)-3:])
	}
	page1, _ := m.History(ctx, "acme", 0, 4)
	page2, _ := m.History(ctx, "acme", page1[len(page1)-1].ID, 4)
	if len(page1) != 4 || len(page2) != 4 || page2[0].ID != all[4].ID {
		t.Fatalf("pagination: %d, %d", len(page1), len(page2))
	}
	// Audit log: one entry per change, same transaction.
	audit, err := db.AuditLog(ctx, "tenant:acme", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) != len(all) {
		t.Fatalf("%d audit entries for %d changes", len(audit), len(all))
	}
	for i, a := range audit {
		c := all[i]
		d, _ := a.Detail.(map[string]any)
		if a.Action != "quota."+c.Kind || a.Actor != c.Actor || d["reason"] != c.Reason ||
			d["new_limit"] != float64(c.NewLimit) || d["old_limit"] != float64(c.OldLimit) || d["change_id"] != float64(c.ID) {
			t.Fatalf("audit %d = %+v for change %+v", i, a, c)
		}
	}
}

func testRaiseValidation(t *testing.T, db *store.DB) {
	ctx := context.Background()
	m := newSQLManager(db, newClock())
	addTenant(t, db, m, "val", "trial")
	for _, c := range []struct {
		name string
		req  quota.RaiseRequest
	}{
		{"no reason", quota.RaiseRequest{Actor: "support:a"}},
		{"blank reason", quota.RaiseRequest{Actor: "support:a", Reason: "  "}},
		{"no actor", quota.RaiseRequest{Reason: "why"}},
		{"two steps", quota.RaiseRequest{Actor: "support:a", Reason: "why", To: 80}},
		{"not up", quota.RaiseRequest{Actor: "support:a", Reason: "why", To: 20}},
	} {
		if _, err := m.Raise(ctx, "val", c.req); !errors.Is(err, quota.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", c.name, err)
		}
	}
	if _, err := m.Raise(ctx, "nobody", quota.RaiseRequest{Actor: "a", Reason: "b"}); !errors.Is(err, quota.ErrUnknownTenant) {
		t.Errorf("unknown tenant: %v", err)
	}
	if _, err := m.SetPlan(ctx, "val", "platinum", "a", "b"); !errors.Is(err, quota.ErrInvalid) {
		t.Errorf("unknown plan: %v", err)
	}
	if h, _ := m.History(ctx, "val", 0, 10); len(h) != 1 {
		t.Fatalf("refused raises were recorded: %+v", h)
	}
	// At the cap.
	cfg := testConfig()
	cfg.Ladder = quota.Ladder{Factor: 2, Cap: 40}
	mc := quota.NewManager(db, quota.NewSQLCounter(db), cfg, nil, newClock().Now)
	if _, err := mc.Raise(ctx, "val", quota.RaiseRequest{Actor: "a", Reason: "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := mc.Raise(ctx, "val", quota.RaiseRequest{Actor: "a", Reason: "b"}); !errors.Is(err, quota.ErrAtCap) {
		t.Fatalf("raise at cap: %v", err)
	}
}

// testConcurrentRaises: no lost update when raises race.
func testConcurrentRaises(t *testing.T, db *store.DB) {
	ctx := context.Background()
	m := newSQLManager(db, newClock())
	addTenant(t, db, m, "cc", "trial")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if _, err := m.Raise(ctx, "cc", quota.RaiseRequest{Actor: fmt.Sprintf("support:%d", i), Reason: "race"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if st := mustStatus(t, m, "cc"); st.Limit != 20<<8 {
		t.Fatalf("after 8 racing raises limit = %d, want %d", st.Limit, 20<<8)
	}
	h, _ := m.History(ctx, "cc", 0, 100)
	for i := 0; i+1 < len(h); i++ {
		if h[i].OldLimit != h[i+1].NewLimit {
			t.Fatalf("history chain broken at %d: %+v after %+v", i, h[i], h[i+1])
		}
	}
}

// testLimitCache: the Manager that made a change sees it at once; another
// instance within LimitCacheTTL.
func testLimitCache(t *testing.T, db *store.DB) {
	ctx := context.Background()
	clk := newClock()
	a, b := newSQLManager(db, clk), newSQLManager(db, clk)
	addTenant(t, db, a, "cache", "trial")
	if st := mustStatus(t, b, "cache"); st.Limit != 20 {
		t.Fatal(st)
	}
	if _, err := a.SetPlan(ctx, "cache", "paid", "billing", "paid"); err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, a, "cache"); st.Limit != 200 {
		t.Fatalf("changing instance sees %d", st.Limit)
	}
	if st := mustStatus(t, b, "cache"); st.Limit != 20 {
		t.Fatalf("other instance within the TTL sees %d; the cache is not used", st.Limit)
	}
	clk.Advance(testConfig().LimitCacheTTL)
	if st := mustStatus(t, b, "cache"); st.Limit != 200 {
		t.Fatalf("other instance after the TTL sees %d", st.Limit)
	}
}

func testEarnedRaises(t *testing.T, db *store.DB) {
	ctx := context.Background()
	clk := testenv.NewClock(time.Date(2026, 5, 4, 0, 30, 0, 0, time.UTC))
	m := newSQLManager(db, clk)
	for _, id := range []string{"steady", "dipped", "dirty", "paidbig"} {
		addTenant(t, db, m, id, "trial")
	}
	// 7 days: steady sends 16/20 (80%) daily, dipped has one day at 15,
	// dirty sends 20 but review says it is not clean.
	for day := range 7 {
		commitN(t, m, "steady", 16)
		if day == 3 {
			commitN(t, m, "dipped", 15)
		} else {
			commitN(t, m, "dipped", 18)
		}
		commitN(t, m, "dirty", 20)
		if day < 6 {
			commitN(t, m, "paidbig", 19)
		}
		clk.Advance(25 * time.Hour) // the next day, after the window rolled
	}
	// Today is day 7; paidbig only has 6 full days.
	clean := func(id string) bool { return id != "dirty" }
	// Two instances propose at once: one proposal, no error.
	if err := m.FlushUsage(ctx); err != nil {
		t.Fatal(err)
	}
	m2 := newSQLManager(db, clk)
	var props []quota.Proposal
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, mm := range []*quota.Manager{m, m2} {
		wg.Go(func() {
			p, err := mm.ProposeEarnedRaises(ctx, clean)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			props = append(props, p...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(props) != 1 || props[0].Tenant != "steady" || props[0].CurrentLimit != 20 || props[0].ProposedLimit != 40 ||
		props[0].State != quota.ProposalOpen || props[0].ID == 0 || props[0].Reason == "" {
		t.Fatalf("proposals = %+v, want one for steady 20 → 40", props)
	}
	// Idempotent: no second open proposal.
	if again, err := m.ProposeEarnedRaises(ctx, clean); err != nil || len(again) != 0 {
		t.Fatalf("second run = %+v, %v", again, err)
	}
	open, err := m.Proposals(ctx, quota.ProposalOpen)
	if err != nil || len(open) != 1 || open[0].ID != props[0].ID || !open[0].At.Equal(clk.Now()) {
		t.Fatalf("open proposals = %+v, %v", open, err)
	}
	if err := m.CloseProposal(ctx, open[0].ID, quota.ProposalAccepted, "support:alice"); err != nil {
		t.Fatal(err)
	}
	if err := m.CloseProposal(ctx, open[0].ID, quota.ProposalRejected, "support:alice"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("closing twice: %v", err)
	}
	if open, _ := m.Proposals(ctx, quota.ProposalOpen); len(open) != 0 {
		t.Fatalf("still open: %+v", open)
	}
	audit, _ := db.AuditLog(ctx, "tenant:steady", 0, 10)
	if len(audit) < 3 || audit[0].Action != "quota.proposal_accepted" || audit[1].Action != "quota.proposal" {
		t.Fatalf("proposal audit = %+v", audit)
	}
}
