package review

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/scoring"
)

// holdRaceSetup makes a tenant whose first message (a content hold) opened a
// holding case and put it under review, and returns that case.
func holdRaceSetup(t *testing.T, e *env, id string) (caseID int64, first *Message) {
	t.Helper()
	e.tenant(id, "paid", 40*24*time.Hour, "", "")
	first = e.msg(id, 0x6161, 6)
	if d := e.send(first); d.Code != CodeContentHold {
		t.Fatalf("%s: %+v, want a content hold", id, d)
	}
	cs, _, err := e.svc.ListCases(context.Background(), CaseFilter{State: CaseOpen, TenantID: id})
	if err != nil || len(cs) != 1 || !cs[0].Holding || e.status(id) != store.StatusReview {
		t.Fatalf("%s: cases %+v %v, status %s", id, cs, err, e.status(id))
	}
	return cs[0].ID, first
}

// approveIn returns a hook that approves caseID once, from inside Hold.
func approveIn(t *testing.T, e *env, caseID int64, errp *error, ran *bool) func(string) {
	return func(string) {
		if *ran {
			return
		}
		*ran = true
		_, *errp = e.svc.Decide(context.Background(), caseID, DecisionRequest{Decision: "approve", Note: "fine", Actor: "console:alice"})
	}
}

// checkAgreement asserts that the tenant's status agrees with its cases
// (under review exactly when an open holding case exists) and that every
// message still held belongs to an open case. It returns the open holding
// cases.
func checkAgreement(t *testing.T, e *env, id string) []Case {
	t.Helper()
	ctx := context.Background()
	cs, _, err := e.svc.ListCases(ctx, CaseFilter{State: CaseOpen, TenantID: id})
	if err != nil {
		t.Fatal(err)
	}
	var holding []Case
	open := map[int64]bool{}
	for _, c := range cs {
		open[c.ID] = true
		if c.Holding {
			holding = append(holding, c)
		}
	}
	if st := e.status(id); (st == store.StatusReview) != (len(holding) > 0) {
		t.Errorf("%s: status %s, but open holding cases %+v", id, st, holding)
	}
	hs, _, err := e.svc.ListHeld(ctx, id, HeldFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		if h.State == "held" && !open[h.CaseID] {
			c, _ := e.svc.Case(ctx, h.CaseID)
			t.Errorf("%s: held message %s belongs to case %d (%s), not to an open case", id, h.QueueID, h.CaseID, c.State)
		}
	}
	return holding
}

// checkDelivery delivers what is due and asserts every released message went
// out exactly once.
func checkDelivery(t *testing.T, e *env, msgs ...*Message) {
	t.Helper()
	if _, err := e.svc.DeliverDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeliverDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if n := e.deliv.count[m.QueueID]; n != 1 {
			t.Errorf("%s delivered %d times, want once", m.QueueID, n)
		}
	}
	if n := e.deliv.total(); n != len(msgs) {
		t.Errorf("%d deliveries, want %d", n, len(msgs))
	}
}

// TestHoldThenApproveBeforeStatus approves the tenant's case right after a
// hold's transaction committed (the hook afterHoldTx). The hold used to put
// the tenant under review only after that, in a transaction of its own,
// leaving it under review with no open case: all its mail held, nothing in
// the queue. Now the status commits with the hold and the approval, which
// came later, wins whole.
func TestHoldThenApproveBeforeStatus(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		const id = "hr1"
		caseID, first := holdRaceSetup(t, e, id)

		var decideErr error
		var ran bool
		afterHoldTx = approveIn(t, e, caseID, &decideErr, &ran)
		t.Cleanup(func() { afterHoldTx = nil })
		second := e.msg(id, 0x6162, 0.1)
		if d := e.send(second); d.Code != CodeTenantReview {
			t.Fatalf("second: %+v, want a tenant.review hold", d)
		}
		afterHoldTx = nil
		if !ran || decideErr != nil {
			t.Fatalf("approval in the hook: ran %v, %v", ran, decideErr)
		}

		if holding := checkAgreement(t, e, id); len(holding) != 0 {
			t.Errorf("open holding cases after the approval: %+v", holding)
		}
		if st := e.status(id); st != store.StatusActive {
			t.Errorf("status %s after the approval, want active", st)
		}
		if c, err := e.svc.Case(ctx, caseID); err != nil || c.State != CaseApproved {
			t.Fatalf("case %d: %+v %v", caseID, c, err)
		}
		// The second message committed with the case before the approval,
		// so the approval released it.
		if got := e.heldStates(id); got["queued"] != 2 || len(got) != 1 {
			t.Errorf("held %v, want both queued", got)
		}
		// Audit: the case opened by the system and approved by alice; the
		// tenant put under review once by the system and back by alice.
		if got, want := auditActions(t, db, fmt.Sprintf("case:%d", caseID)), []string{"review.decision/console:alice", "review.case_open/system"}; !slices.Equal(got, want) {
			t.Errorf("case audit %v, want %v", got, want)
		}
		if got, want := auditActions(t, db, "tenant:"+id), []string{"tenant.status/console:alice", "tenant.status/system"}; !slices.Equal(got, want) {
			t.Errorf("tenant audit %v, want %v", got, want)
		}
		// The tenant's mail flows again.
		if d := e.send(e.msg(id, 0x6163, 0.1)); d.Action != Relay {
			t.Errorf("third message after the approval: %+v, want relay", d)
		}
		checkDelivery(t, e, first, second)
	})
}

// TestHoldExtendsDecidedCase approves the tenant's case while a hold's
// transaction is between finding that case open and extending it (the hook
// afterCaseLookup). The hold used to attach its message to the approved case,
// where it stayed held for ever, and to put the tenant under review with no
// open case. Now it opens a new case for it.
//
// PostgreSQL only: on SQLite the hold's transaction holds the write lock from
// BEGIN, so no decision can commit inside it (it would wait for the lock).
func TestHoldExtendsDecidedCase(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		if db.Dialect != store.Postgres {
			t.Skip("SQLite serialises the hold's transaction and the decision")
		}
		e := newEnv(t, db, nil)
		ctx := context.Background()
		const id = "hr2"
		caseID, first := holdRaceSetup(t, e, id)

		var decideErr error
		var ran bool
		approve := approveIn(t, e, caseID, &decideErr, &ran)
		afterCaseLookup = func(tenantID string, found int64) {
			if found == caseID {
				approve(tenantID)
			}
		}
		t.Cleanup(func() { afterCaseLookup = nil })
		second := e.msg(id, 0x6162, 0.1)
		if d := e.send(second); d.Code != CodeTenantReview {
			t.Fatalf("second: %+v, want a tenant.review hold", d)
		}
		afterCaseLookup = nil
		if !ran || decideErr != nil {
			t.Fatalf("approval in the hook: ran %v, %v", ran, decideErr)
		}

		holding := checkAgreement(t, e, id)
		if len(holding) != 1 || holding[0].ID == caseID {
			t.Fatalf("open holding cases %+v, want one new case", holding)
		}
		newID := holding[0].ID
		if st := e.status(id); st != store.StatusReview {
			t.Errorf("status %s, want review for the new case", st)
		}
		c, err := e.svc.Case(ctx, caseID)
		if err != nil || c.State != CaseApproved || len(c.Reasons) != 1 {
			t.Errorf("approved case %d: %+v %v, want it untouched by the hold", caseID, c, err)
		}
		hs, _, err := e.svc.ListHeld(ctx, id, HeldFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			switch h.QueueID {
			case first.QueueID:
				if h.State != "queued" || h.CaseID != caseID {
					t.Errorf("first message %s on case %d, want queued on %d", h.State, h.CaseID, caseID)
				}
			case second.QueueID:
				if h.State != "held" || h.CaseID != newID {
					t.Errorf("second message %s on case %d, want held on %d", h.State, h.CaseID, newID)
				}
			}
		}
		if got, want := auditActions(t, db, fmt.Sprintf("case:%d", caseID)), []string{"review.decision/console:alice", "review.case_open/system"}; !slices.Equal(got, want) {
			t.Errorf("approved case audit %v, want %v", got, want)
		}
		if got, want := auditActions(t, db, fmt.Sprintf("case:%d", newID)), []string{"review.case_open/system"}; !slices.Equal(got, want) {
			t.Errorf("new case audit %v, want %v", got, want)
		}
		if got, want := auditActions(t, db, "tenant:"+id), []string{"tenant.status/system", "tenant.status/console:alice", "tenant.status/system"}; !slices.Equal(got, want) {
			t.Errorf("tenant audit %v, want %v", got, want)
		}

		// Approving the new case releases the second message, once.
		if _, err := e.svc.Decide(ctx, newID, DecisionRequest{Decision: "approve", Actor: "console:alice"}); err != nil {
			t.Fatal(err)
		}
		if holding := checkAgreement(t, e, id); len(holding) != 0 || e.status(id) != store.StatusActive {
			t.Errorf("after approving case %d: holding %+v, status %s", newID, holding, e.status(id))
		}
		checkDelivery(t, e, first, second)
	})
}

// TestHoldsRaceApproval races holds of a tenant's mail against the approval
// of its case, several rounds on each backend, with no hooks: afterwards the
// tenant's status agrees with its cases, no held message is left on a decided
// case, and every message is either released or held on the open case.
func TestHoldsRaceApproval(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		const rounds, holds = 8, 3
		for i := range rounds {
			id := fmt.Sprintf("hrr%d", i)
			caseID, _ := holdRaceSetup(t, e, id)
			var msgs []*Message
			for j := range holds {
				msgs = append(msgs, e.msg(id, scoring.Fingerprint(0x6200+j), 0.1))
			}
			var decideErr error
			holdErrs := make([]error, holds)
			start := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				<-start
				_, decideErr = e.svc.Decide(ctx, caseID, DecisionRequest{Decision: "approve", Actor: "console:alice"})
			})
			wg.Go(func() {
				<-start
				for j, m := range msgs {
					d, err := e.svc.Assess(ctx, m)
					if err == nil && d.Action == Hold {
						err = e.svc.Hold(ctx, m, d)
					}
					holdErrs[j] = err
				}
			})
			close(start)
			wg.Wait()
			if decideErr != nil {
				t.Fatalf("%s: approve: %v", id, decideErr)
			}
			for j, err := range holdErrs {
				if err != nil {
					t.Fatalf("%s: message %d: %v", id, j, err)
				}
			}
			checkAgreement(t, e, id)
			decisions := 0
			for _, a := range auditActions(t, db, fmt.Sprintf("case:%d", caseID)) {
				if a == "review.decision/console:alice" {
					decisions++
				}
			}
			if decisions != 1 {
				t.Errorf("%s: %d decisions on case %d", id, decisions, caseID)
			}
		}
	})
}
