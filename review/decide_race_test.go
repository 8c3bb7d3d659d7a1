package review

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
)

// TestConcurrentOppositeDecisions races an approve against a reject on one
// case, several rounds on each backend: exactly one decision wins, the other
// gets ErrConflict, and the case's state, the tenant's status, its held mail
// and the audit log all follow the winner.
func TestConcurrentOppositeDecisions(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		const rounds = 12
		wins := map[string]int{}
		for i := range rounds {
			id := fmt.Sprintf("race%d", i)
			e.tenant(id, "paid", 40*24*time.Hour, "", "")
			if d := e.send(e.msg(id, 0x7171, 6)); d.Code != CodeContentHold {
				t.Fatalf("%s: %+v, want a content hold", id, d)
			}
			e.send(e.msg(id, 0x7172, 0.1))
			cs, _, err := e.svc.ListCases(ctx, CaseFilter{State: CaseOpen, TenantID: id})
			if err != nil || len(cs) != 1 || e.status(id) != store.StatusReview {
				t.Fatalf("%s: cases %+v %v, status %s", id, cs, err, e.status(id))
			}
			caseID := cs[0].ID

			reqs := []DecisionRequest{
				{Decision: "approve", Note: "looks fine", Actor: "console:alice"},
				{Decision: "reject", Note: "spam", Actor: "console:bob"},
			}
			errs := make([]error, len(reqs))
			start := make(chan struct{})
			var wg sync.WaitGroup
			for j, req := range reqs {
				wg.Go(func() {
					<-start
					_, errs[j] = e.svc.Decide(ctx, caseID, req)
				})
			}
			close(start)
			wg.Wait()

			winner := -1
			for j, err := range errs {
				switch {
				case err == nil:
					if winner >= 0 {
						t.Fatalf("%s: both decisions succeeded", id)
					}
					winner = j
				case !errors.Is(err, ErrConflict):
					t.Fatalf("%s: %s: %v, want nil or ErrConflict", id, reqs[j].Decision, err)
				}
			}
			if winner < 0 {
				t.Fatalf("%s: no decision won: %v", id, errs)
			}
			w := reqs[winner]
			wins[w.Decision]++
			wantState, wantStatus, wantHeld := CaseApproved, store.StatusActive, "queued"
			if w.Decision == "reject" {
				wantState, wantStatus, wantHeld = CaseRejected, store.StatusSuspended, "discarded"
			}
			c, err := e.svc.Case(ctx, caseID)
			if err != nil {
				t.Fatal(err)
			}
			if c.State != wantState || c.DecidedBy != w.Actor || e.status(id) != wantStatus {
				t.Fatalf("%s: %s won, but case %s by %s, tenant %s (want %s, %s)", id, w.Decision, c.State, c.DecidedBy, e.status(id), wantState, wantStatus)
			}
			if got := e.heldStates(id); got[wantHeld] != 2 || len(got) != 1 {
				t.Fatalf("%s: %s won, held %v", id, w.Decision, got)
			}
			// Audit: one decision, one status change by a person, both the winner's.
			decisions := 0
			for _, a := range auditActions(t, db, fmt.Sprintf("case:%d", caseID)) {
				if a == "review.decision/"+w.Actor {
					decisions++
				} else if a != "review.case_open/system" {
					t.Fatalf("%s: unexpected case audit row %s", id, a)
				}
			}
			if decisions != 1 {
				t.Fatalf("%s: %d review.decision rows by %s, want 1", id, decisions, w.Actor)
			}
			var byPeople []string
			for _, a := range auditActions(t, db, "tenant:"+id) {
				if a != "tenant.status/system" {
					byPeople = append(byPeople, a)
				}
			}
			if len(byPeople) != 1 || byPeople[0] != "tenant.status/"+w.Actor {
				t.Fatalf("%s: %s won, tenant audit by people %v", id, w.Decision, byPeople)
			}
			// The loser's retry keeps conflicting; the winner's is a no-op.
			if _, err := e.svc.Decide(ctx, caseID, reqs[1-winner]); !errors.Is(err, ErrConflict) {
				t.Fatalf("%s: loser's retry: %v", id, err)
			}
			if _, err := e.svc.Decide(ctx, caseID, w); err != nil || e.status(id) != wantStatus {
				t.Fatalf("%s: winner's retry: %v, status %s", id, err, e.status(id))
			}
		}
		t.Logf("winners over %d rounds: %v", rounds, wins)
	})
}
