package review

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/scoring"
)

func TestBandWhereFindsDistanceSeven(t *testing.T) {
	// Every fingerprint within distance 7 shares a probed band value.
	fp := fpSpam
	for _, bitsSet := range [][]int{{}, {0}, {1, 17, 33, 49}, {0, 1, 16, 17, 32, 33, 48}, {3, 4, 5, 6, 7, 8, 9}} {
		other := flip(fp, bitsSet...)
		_, args := bandWhere("", fp, 1)
		ob := bands(other)
		found := false
		for i := range 4 {
			for _, a := range args[i*17 : (i+1)*17] {
				found = found || a.(int64) == ob[i]
			}
		}
		if !found {
			t.Errorf("distance %d (%v) not probed", distance(fp, other), bitsSet)
		}
	}
}

func TestCampaignAcrossYoungTenants(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		for i := range 4 {
			e.tenant(fmt.Sprintf("bot%d", i), "trial", time.Hour, fmt.Sprintf("198.%d.7.9", 10+i), fmt.Sprintf("x@d%d.example", i))
		}
		// Clean-ish content (score 1.5): no corroboration, so three tenants are needed.
		if d := e.send(e.msg("bot0", fpSpam, 1.5)); d.Code != CodeProbation {
			t.Fatalf("bot0: %+v, want probation", d)
		}
		if d := e.send(e.msg("bot1", flip(fpSpam, 3, 40), 1.5)); d.Code != CodeProbation {
			t.Fatalf("bot1: %+v, want probation", d)
		}
		d := e.send(e.msg("bot2", flip(fpSpam, 9, 20, 50), 1.5))
		if d.Action != Hold || d.Code != CodeCampaign {
			t.Fatalf("bot2: %+v, want campaign hold", d)
		}
		for _, id := range []string{"bot0", "bot1", "bot2"} {
			if got := e.status(id); got != store.StatusReview {
				t.Errorf("%s status %q, want review", id, got)
			}
		}
		cases, _, err := e.svc.ListCases(context.Background(), CaseFilter{State: CaseOpen})
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) != 3 || cases[0].CampaignID == 0 {
			t.Fatalf("cases %+v, want 3 in a campaign", cases)
		}
		// A new tenant's first matching message joins the campaign at once.
		if d := e.send(e.msg("bot3", flip(fpSpam, 60), 0.5)); d.Code != CodeCampaign {
			t.Fatalf("bot3 first message: %+v, want campaign", d)
		}
		// Probation mail of bot0 waits for the decision, not the clock.
		e.clock.Advance(time.Hour)
		st, err := e.svc.ReleaseDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Released != 0 || e.heldStates("bot0")["held"] != 1 {
			t.Fatalf("release %+v, bot0 held %v", st, e.heldStates("bot0"))
		}
		cd, err := e.svc.CaseDetail(context.Background(), cases[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if cd.Campaign == nil || len(cd.Campaign.Tenants) != 4 || len(cd.Related) != 3 || len(cd.Reasons) == 0 {
			t.Fatalf("detail campaign %+v related %v reasons %v", cd.Campaign, cd.Related, cd.Reasons)
		}
		// Bulk reject settles all four.
		res, err := e.svc.DecideCampaign(context.Background(), cd.CampaignID, DecisionRequest{Decision: "reject", Actor: "console:alice", Note: "spam run"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 4 {
			t.Fatalf("decided %d cases, want 4", len(res))
		}
		for i := range 4 {
			if got := e.status(fmt.Sprintf("bot%d", i)); got != store.StatusSuspended {
				t.Errorf("bot%d %s, want suspended", i, got)
			}
		}
		if e.learner.spam != 4 {
			t.Errorf("learned %d spam, want 4", e.learner.spam)
		}
	})
}

func TestSharedTraitsCorroborate(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		e.tenant("a1", "trial", time.Hour, "203.0.113.5", "a@gmail.com")
		e.tenant("a2", "trial", time.Hour, "203.0.113.77", "b@gmail.com")
		e.send(e.msg("a1", fpSpam, 1.5))
		if d := e.send(e.msg("a2", flip(fpSpam, 1), 1.5)); d.Code != CodeCampaign {
			t.Fatalf("two tenants from one /24: %+v, want campaign", d)
		}
	})
}

func TestPlatformTemplateNotFlagged(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		e.tenant("old1", "trial", 90*24*time.Hour, "", "")
		e.tenant("paid1", "paid", time.Hour, "", "")
		e.send(e.msg("old1", fpInvoice, 0.2))
		e.send(e.msg("paid1", flip(fpInvoice, 5), 0.3))
		for i := range 10 {
			id := fmt.Sprintf("new%d", i)
			e.tenant(id, "trial", time.Hour, fmt.Sprintf("10.%d.0.1", i), "")
			if d := e.send(e.msg(id, flip(fpInvoice, i, 30+i), 0.4)); d.Code != CodeProbation {
				t.Fatalf("%s: %+v, want probation", id, d)
			}
		}
		e.clock.Advance(6 * time.Minute)
		st, err := e.svc.ReleaseDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Released != 10 || st.Extended != 0 {
			t.Fatalf("release %+v, want 10 released", st)
		}
		if cs, _, _ := e.svc.ListCases(ctx, CaseFilter{}); len(cs) != 0 {
			t.Fatalf("cases opened for a template: %+v", cs)
		}
		// The same template with a spammy score is not protected.
		e.tenant("new-spam", "trial", time.Hour, "", "")
		e.tenant("new-spam2", "trial", time.Hour, "", "")
		e.send(e.msg("new-spam", flip(fpInvoice, 2), 3.5))
		if d := e.send(e.msg("new-spam2", flip(fpInvoice, 4), 3.5)); d.Code != CodeCampaign {
			t.Fatalf("suspicious template look-alike: %+v, want campaign", d)
		}
	})
}

func TestProbation(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, func(o *Options) { o.ProbationMessages = 3 })
		e.tenant("fresh", "trial", time.Hour, "", "")
		var ds []Decision
		for i := range 4 {
			ds = append(ds, e.send(e.msg("fresh", scoring.Fingerprint(0x1234567890abcdef+uint64(i)*0x1111111111111111), 0.5)))
		}
		if ds[0].Code != CodeProbation || ds[2].Code != CodeProbation || ds[3].Action != Relay {
			t.Fatalf("decisions %+v: want 3 probation then relay", ds)
		}
		e.clock.Advance(4 * time.Minute)
		if st, _ := e.svc.ReleaseDue(ctx); st.Released != 0 {
			t.Fatalf("released before the window: %+v", st)
		}
		e.clock.Advance(time.Minute)
		if st, err := e.svc.ReleaseDue(ctx); err != nil || st.Released != 3 {
			t.Fatalf("release %+v %v, want 3", st, err)
		}
		if n, err := e.svc.DeliverDue(ctx); err != nil || n != 3 || e.deliv.total() != 3 {
			t.Fatalf("delivered %d (%d) %v", n, e.deliv.total(), err)
		}
		if got := e.heldStates("fresh"); got["sent"] != 3 {
			t.Fatalf("states %v", got)
		}

		// A look-alike from one other young tenant extends the wait; a third
		// tenant makes a campaign and the held mail stays held.
		e.tenant("p1", "trial", time.Hour, "", "")
		e.tenant("p2", "trial", time.Hour, "", "")
		e.tenant("p3", "trial", time.Hour, "", "")
		e.send(e.msg("p1", fpSpam, 0.5))
		e.send(e.msg("p2", flip(fpSpam, 7), 0.5))
		e.clock.Advance(5 * time.Minute)
		if st, _ := e.svc.ReleaseDue(ctx); st.Extended != 2 || st.Released != 0 {
			t.Fatalf("look-alikes: %+v, want 2 extended", st)
		}
		e.send(e.msg("p3", flip(fpSpam, 8), 1.5))
		if e.status("p1") != store.StatusReview {
			t.Fatalf("p1 %s, want review (campaign of 3 tenants)", e.status("p1"))
		}
		e.clock.Advance(2 * time.Hour)
		if st, _ := e.svc.ReleaseDue(ctx); st.Released != 0 {
			t.Fatalf("released campaign mail: %+v", st)
		}
		// Mail only to a verified domain skips probation.
		e2 := newEnv(t, db, func(o *Options) { o.Domains = verified{"own.example"} })
		e2.tenant("own", "trial", time.Hour, "", "")
		if d := e2.send(e2.msg("own", 0xabcdef, 0.1, "boss@own.example")); d.Action != Relay {
			t.Fatalf("verified-domain mail: %+v, want relay", d)
		}
		if d := e2.send(e2.msg("own", 0xabcdef, 0.1, "x@other.example")); d.Code != CodeProbation {
			t.Fatalf("other-domain mail: %+v, want probation", d)
		}
	})
}

type verified []string

func (v verified) VerifiedDomains(context.Context, string) ([]string, error) { return v, nil }

func TestLinkedTenantsShareBudget(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		e.tenant("l1", "trial", time.Hour, "192.0.2.10", "one@gmail.com")
		e.tenant("l2", "trial", time.Hour, "192.0.2.200", "two@gmail.com")     // same /24
		e.tenant("l3", "trial", time.Hour, "2001:db8::1", "x@shady.example")   // alone so far
		e.tenant("l4", "trial", time.Hour, "2001:db8:1::1", "y@shady.example") // same contact domain as l3
		e.tenant("l5", "trial", time.Hour, "198.51.100.1", "z@gmail.com")      // free-mail only: not linked
		e.tenant("l6", "trial", time.Hour, "2001:db8::99", "q@hotmail.com")    // same /48 as l3
		for _, id := range []string{"l1", "l2", "l3", "l4", "l5", "l6"} {
			if err := e.svc.RegisterTenant(ctx, id, ""); err != nil {
				t.Fatal(err)
			}
		}
		b := e.quotas.budgets
		if b["l1"] == "" || b["l1"] != b["l2"] {
			t.Errorf("l1/l2 budgets %q %q", b["l1"], b["l2"])
		}
		if b["l3"] == "" || b["l3"] != b["l4"] || b["l4"] != b["l6"] || b["l3"] == b["l1"] {
			t.Errorf("l3/l4/l6 budgets %q %q %q", b["l3"], b["l4"], b["l6"])
		}
		if _, ok := b["l5"]; ok {
			t.Errorf("l5 linked by a free-mail domain: %q", b["l5"])
		}
		// A payment fingerprint links too.
		e.tenant("l7", "trial", time.Hour, "", "")
		if err := e.svc.RegisterTenant(ctx, "l5", "card:42"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RegisterTenant(ctx, "l7", "card:42"); err != nil {
			t.Fatal(err)
		}
		if b["l7"] == "" || b["l7"] != b["l5"] {
			t.Errorf("payment link: %q %q", b["l5"], b["l7"])
		}
	})
}

func TestFeedbackThresholds(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		to := make([]string, 10)
		for i := range to {
			to[i] = fmt.Sprintf("r%d@example.org", i)
		}
		for _, id := range []string{"shop", "spammy"} {
			e.tenant(id, "paid", 60*24*time.Hour, "", "")
			for i := range 20 { // 200 recipients relayed
				if d := e.send(e.msg(id, scoring.Fingerprint(0x100+i), 0.2, to...)); d.Action != Relay {
					t.Fatalf("%s: %+v", id, d)
				}
			}
		}
		var evs []FeedbackEvent
		for i := range 9 { // 4.5%: below review
			evs = append(evs, FeedbackEvent{ID: fmt.Sprintf("b-shop-%d", i), TenantID: "shop", Type: FeedbackBounce})
		}
		res, err := e.svc.RecordFeedback(ctx, evs)
		if err != nil || res.Recorded != 9 || len(res.Cases) != 0 {
			t.Fatalf("%+v %v", res, err)
		}
		// Replays are ignored; two more bounces make 5.5%: review, not pause.
		evs = append(evs, FeedbackEvent{ID: "b-shop-9", TenantID: "shop", Type: FeedbackBounce}, FeedbackEvent{ID: "b-shop-10", TenantID: "shop", Type: FeedbackBounce})
		res, err = e.svc.RecordFeedback(ctx, evs)
		if err != nil || res.Recorded != 2 || res.Duplicates != 9 || len(res.Cases) != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		if e.status("shop") != store.StatusActive {
			t.Fatalf("review-level bounces paused the tenant")
		}
		c, err := e.svc.Case(ctx, res.Cases[0])
		if err != nil || c.Holding || c.Reasons[0].Code != CodeBounces {
			t.Fatalf("case %+v %v", c, err)
		}
		// One complaint in 200 (0.5%) is at the pause threshold.
		res, err = e.svc.RecordFeedback(ctx, []FeedbackEvent{{ID: "c-1", TenantID: "spammy", Type: FeedbackComplaint}})
		if err != nil || len(res.Cases) != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		if e.status("spammy") != store.StatusReview {
			t.Fatalf("pause-level complaints did not hold mail")
		}
		if d := e.send(e.msg("spammy", 0x77, 0.1)); d.Code != CodeTenantReview {
			t.Fatalf("mail of a paused tenant: %+v", d)
		}
		// Below the minimum volume nothing opens.
		e.tenant("tiny", "paid", 60*24*time.Hour, "", "")
		e.send(e.msg("tiny", 0x99, 0.1))
		if res, _ := e.svc.RecordFeedback(ctx, []FeedbackEvent{{ID: "t-1", TenantID: "tiny", Type: FeedbackBounce}}); len(res.Cases) != 0 {
			t.Fatalf("case below minimum volume")
		}
		if _, err := e.svc.RecordFeedback(ctx, []FeedbackEvent{{ID: "x", TenantID: "tiny", Type: "spam"}}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad type: %v", err)
		}
	})
}

func auditActions(t *testing.T, db *store.DB, subject string) []string {
	t.Helper()
	es, err := db.AuditLog(context.Background(), subject, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Action+"/"+e.Actor)
	}
	return out
}

func TestDecisions(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		e.tenant("good", "paid", 40*24*time.Hour, "", "")
		e.tenant("bad", "paid", 40*24*time.Hour, "", "")
		for _, id := range []string{"good", "bad"} {
			if d := e.send(e.msg(id, 0x5151, 6)); d.Code != CodeContentHold {
				t.Fatalf("%s: %+v", id, d)
			}
			if d := e.send(e.msg(id, 0x5152, 0.1)); d.Code != CodeTenantReview {
				t.Fatalf("%s second: %+v", id, d)
			}
		}
		good, _, _ := e.svc.ListCases(ctx, CaseFilter{TenantID: "good"})
		bad, _, _ := e.svc.ListCases(ctx, CaseFilter{TenantID: "bad"})
		if len(good) != 1 || len(bad) != 1 || !good[0].Holding {
			t.Fatalf("cases %+v %+v", good, bad)
		}
		if err := e.svc.Assign(ctx, good[0].ID, "alice", "console:lead"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AddNote(ctx, good[0].ID, "console:alice", "customer confirmed the invoices"); err != nil {
			t.Fatal(err)
		}
		res, err := e.svc.Decide(ctx, good[0].ID, DecisionRequest{Decision: "approve", RaiseQuota: true, Note: "ok", Actor: "console:alice"})
		if err != nil || res.Messages != 2 || res.Learned != 2 || !res.QuotaRaised {
			t.Fatalf("approve: %+v %v", res, err)
		}
		if e.status("good") != store.StatusActive || len(e.quotas.raises) != 1 || e.learner.hams != 2 {
			t.Fatalf("after approve: status %s raises %v hams %d", e.status("good"), e.quotas.raises, e.learner.hams)
		}
		if got := e.heldStates("good"); got["queued"] != 2 {
			t.Fatalf("good held %v", got)
		}
		if n, err := e.svc.DeliverDue(ctx); err != nil || n != 2 {
			t.Fatalf("deliver %d %v", n, err)
		}
		res, err = e.svc.Decide(ctx, bad[0].ID, DecisionRequest{Decision: "reject", Note: "phishing", Actor: "console:bob"})
		if err != nil || res.Messages != 2 {
			t.Fatalf("reject: %+v %v", res, err)
		}
		if e.status("bad") != store.StatusSuspended || e.learner.spam != 2 || e.heldStates("bad")["discarded"] != 2 {
			t.Fatalf("after reject: %s spam %d %v", e.status("bad"), e.learner.spam, e.heldStates("bad"))
		}
		if d, _ := e.svc.Assess(ctx, e.msg("bad", 0x1, 0)); d.Code != CodeSuspended || d.Action != Reject {
			t.Fatalf("suspended tenant: %+v", d)
		}
		// Audit: every step, with who.
		want := map[string]bool{"review.case_open/system": true, "review.assign/console:lead": true, "review.decision/console:alice": true}
		for _, a := range auditActions(t, db, fmt.Sprintf("case:%d", good[0].ID)) {
			delete(want, a)
		}
		if len(want) != 0 {
			t.Fatalf("missing audit rows %v", want)
		}
		if got := auditActions(t, db, "tenant:bad"); len(got) < 2 || got[0] != "tenant.status/console:bob" {
			t.Fatalf("tenant audit %v", got)
		}
		cd, err := e.svc.CaseDetail(ctx, good[0].ID)
		if err != nil || len(cd.Notes) != 1 || cd.State != CaseApproved || cd.Assignee != "alice" || len(cd.History) < 3 {
			t.Fatalf("detail %+v %v", cd.Case, err)
		}
		// Deciding again: same decision is a no-op, the other a conflict.
		if _, err := e.svc.Decide(ctx, good[0].ID, DecisionRequest{Decision: "approve", Actor: "console:alice"}); err != nil {
			t.Fatalf("repeat approve: %v", err)
		}
		if _, err := e.svc.Decide(ctx, good[0].ID, DecisionRequest{Decision: "reject", Actor: "console:alice"}); !errors.Is(err, ErrConflict) {
			t.Fatalf("reject after approve: %v", err)
		}
		// Single message release and discard.
		e.tenant("mixed", "paid", 40*24*time.Hour, "", "")
		e.send(e.msg("mixed", 0x61, 7))
		e.send(e.msg("mixed", 0x62, 7))
		hs, _, _ := e.svc.ListHeld(ctx, "mixed", HeldFilter{State: "held"})
		if len(hs) != 2 {
			t.Fatalf("held %d", len(hs))
		}
		if err := e.svc.ReleaseMessage(ctx, hs[0].ID, "console:alice", "fine"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DiscardMessage(ctx, hs[1].ID, "console:alice", "spam", true); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DiscardMessage(ctx, hs[1].ID, "console:alice", "again", false); !errors.Is(err, ErrConflict) {
			t.Fatalf("double discard: %v", err)
		}
		if got := auditActions(t, db, fmt.Sprintf("held:%d", hs[0].ID)); len(got) != 1 || got[0] != "review.message_release/console:alice" {
			t.Fatalf("release audit %v", got)
		}
	})
}

func TestHeldCap(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, func(o *Options) { o.HeldMaxCount = 2 })
		ctx := context.Background()
		e.tenant("capped", "paid", 40*24*time.Hour, "", "")
		for i := range 2 {
			e.send(e.msg("capped", scoring.Fingerprint(i+1), 6))
		}
		m := e.msg("capped", 3, 6)
		d, err := e.svc.Assess(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		err = e.svc.Hold(ctx, m, d)
		var tmp interface{ Temporary() bool }
		if !errors.As(err, &tmp) || !tmp.Temporary() || !errors.Is(err, ErrHeldCap) {
			t.Fatalf("third hold: %v, want a temporary ErrHeldCap", err)
		}
		e2 := newEnv(t, db, func(o *Options) { o.HeldMaxBytes = 100 })
		e2.tenant("big", "paid", 40*24*time.Hour, "", "")
		m = e2.msg("big", 3, 6)
		if err := e2.svc.Hold(ctx, m, Decision{Action: Hold, Code: CodeContentHold}); !errors.Is(err, ErrHeldCap) {
			t.Fatalf("byte cap: %v", err)
		}
	})
}

func TestListCasesPagination(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		for i := range 7 {
			id := fmt.Sprintf("t%d", i)
			e.tenant(id, "paid", 40*24*time.Hour, "", "")
			e.send(e.msg(id, scoring.Fingerprint(i+1), 5+float64(i)/2))
		}
		seen := map[int64]bool{}
		cursor, pages, last := "", 0, 101
		for {
			cs, next, err := e.svc.ListCases(ctx, CaseFilter{State: CaseOpen, Cursor: cursor, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, c := range cs {
				if seen[c.ID] || c.Priority > last {
					t.Fatalf("page %d: case %d (prio %d) repeated or out of order", pages, c.ID, c.Priority)
				}
				seen[c.ID], last = true, c.Priority
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 7 || pages != 3 {
			t.Fatalf("%d cases in %d pages", len(seen), pages)
		}
		if _, _, err := e.svc.ListCases(ctx, CaseFilter{Cursor: "junk"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

type fakeProposer struct{ candidates []string }

func (p fakeProposer) ProposeEarnedRaises(ctx context.Context, clean func(string) bool) ([]RaiseProposal, error) {
	var out []RaiseProposal
	for _, c := range p.candidates {
		if clean(c) {
			out = append(out, RaiseProposal{TenantID: c, CurrentLimit: 200, ProposedLimit: 300, Reason: "7 days at 90%"})
		}
	}
	return out, nil
}

func TestEarnedRaiseCases(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, func(o *Options) { o.Proposer = fakeProposer{[]string{"steady", "dirty", "unknown"}} })
		ctx := context.Background()
		e.tenant("steady", "paid", 60*24*time.Hour, "", "")
		e.tenant("dirty", "paid", 60*24*time.Hour, "", "")
		e.tenant("unknown", "paid", 60*24*time.Hour, "", "")
		e.send(e.msg("steady", 0x10, 0.3))
		e.send(e.msg("dirty", 0x11, 6)) // held: not clean
		ids, err := e.svc.ProposeRaises(ctx)
		if err != nil || len(ids) != 1 {
			t.Fatalf("cases %v %v, want one", ids, err)
		}
		c, err := e.svc.Case(ctx, ids[0])
		if err != nil || c.TenantID != "steady" || c.Holding || c.Reasons[0].Code != CodeEarnedRaise {
			t.Fatalf("case %+v %v", c, err)
		}
		if e.status("steady") != store.StatusActive {
			t.Fatal("an earned-raise case held the tenant's mail")
		}
		if d := e.send(e.msg("steady", 0x12, 0.3)); d.Action != Relay {
			t.Fatalf("mail during an earned-raise case: %+v", d)
		}
		res, err := e.svc.Decide(ctx, ids[0], DecisionRequest{Decision: "approve", RaiseQuota: true, Actor: "console:alice"})
		if err != nil || !res.QuotaRaised || len(e.quotas.raises) != 1 || e.quotas.raises[0] != "steady" {
			t.Fatalf("approve raise: %+v %v %v", res, err, e.quotas.raises)
		}
	})
}

func TestProbationOfSuspendedTenantDiscarded(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		e.tenant("gone", "trial", time.Hour, "", "")
		if d := e.send(e.msg("gone", 0x4242, 0.2)); d.Code != CodeProbation {
			t.Fatalf("%+v", d)
		}
		if err := db.SetTenantStatus(ctx, "gone", store.StatusSuspended, "console:alice", "fraud"); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(10 * time.Minute)
		st, err := e.svc.ReleaseDue(ctx)
		if err != nil || st.Discarded != 1 || st.Released != 0 {
			t.Fatalf("%+v %v", st, err)
		}
		if got := e.heldStates("gone"); got["discarded"] != 1 {
			t.Fatalf("%v", got)
		}
	})
}

func TestHousekeep(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		e.tenant("hk", "trial", time.Hour, "", "")
		e.send(e.msg("hk", fpSpam, 0.2))
		e.clock.Advance(10 * time.Minute)
		if _, err := e.svc.ReleaseDue(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		count := func(q string) int {
			var n int
			if err := db.QueryRow(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		e.clock.Advance(31 * 24 * time.Hour)
		if err := e.svc.Housekeep(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(`SELECT COUNT(*) FROM review_fps`); n != 0 {
			t.Errorf("%d fingerprints left", n)
		}
		if n := count(`SELECT COUNT(*) FROM review_messages`); n != 0 {
			t.Errorf("%d samples left", n)
		}
		if n := count(`SELECT COUNT(*) FROM review_held WHERE raw IS NOT NULL`); n != 0 {
			t.Errorf("%d settled bodies kept", n)
		}
		if n := count(`SELECT COUNT(*) FROM review_held`); n != 1 {
			t.Errorf("held rows %d, want the record kept", n)
		}
	})
}
