package review

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/scoring"
)

// TestTemplateWidensPastNarrowMatch: the 7-bit template lookup finds a proven
// template vouched for at a low score (3.5); the template's other copies,
// 8–11 bits away, were vouched for at 4.94. Young tenants' copies scoring 4.7
// are explained by the template (4.94 + margin), so they form no campaign:
// the lookup must widen even when the narrow one found a proven template.
func TestTemplateWidensPastNarrowMatch(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		// Narrow row: two paid tenants at 3.5, 1 bit from fpInvoice.
		for i := range 2 {
			id := fmt.Sprintf("paid-n%d", i)
			e.tenant(id, "paid", 90*24*time.Hour, "", "")
			e.send(e.msg(id, flip(fpInvoice, i), 3.5))
		}
		// Wide rows: paid tenants at 4.94, 9 bits from fpInvoice (more than 7
		// from the narrow row, so they are rows of their own).
		for i := range 3 {
			id := fmt.Sprintf("paid-w%d", i)
			e.tenant(id, "paid", 90*24*time.Hour, "", "")
			e.send(e.msg(id, flip(fpInvoice, 20, 21, 22, 23, 24, 25, 26, 27, 28+i), 4.94))
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM review_templates`); n < 2 {
			t.Fatalf("%d template rows, want the narrow and the wide one apart", n)
		}
		// Eight honest trial tenants send their own copy at 4.7 (0–3 bits from
		// fpInvoice; 9–12 from the wide row).
		for i := range 8 {
			id := fmt.Sprintf("trial-inv%d", i)
			e.tenant(id, "trial", time.Hour, fmt.Sprintf("10.%d.0.1", i), "")
			fp := flip(fpInvoice, 40+i%3, 50+i%5)
			if i == 0 {
				fp = fpInvoice
			}
			if d := e.send(e.msg(id, fp, 4.7)); d.Code != CodeProbation {
				t.Fatalf("%s: %+v, want probation (a copy of a proven template)", id, d)
			}
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM review_campaigns`); n != 0 {
			t.Fatalf("%d campaigns formed from a proven template's copies", n)
		}
		// A spammier look-alike (above 4.94 + margin) is not protected.
		e.tenant("trial-x1", "trial", time.Hour, "", "")
		e.tenant("trial-x2", "trial", time.Hour, "", "")
		e.send(e.msg("trial-x1", flip(fpInvoice, 60), 6.2))
		if d := e.send(e.msg("trial-x2", flip(fpInvoice, 61), 6.2)); d.Code != CodeCampaign {
			t.Fatalf("spammy template look-alike: %+v, want campaign", d)
		}
	})
}

func countRows(t *testing.T, db *store.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestProbationReleasesTemplateCopies: a young trial tenant's copy of a
// proven platform template, scoring up to the vouched-for score + margin, is
// released after probation like Assess would accept it, also when the scorer
// alone would hold it; content that is no proven template, or a copy
// spammier than its vouched-for copies, still goes to review.
func TestProbationReleasesTemplateCopies(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		for i := range 3 {
			id := fmt.Sprintf("paid%d", i)
			e.tenant(id, "paid", 90*24*time.Hour, "", "")
			e.send(e.msg(id, flip(fpInvoice, i), 4.9))
		}
		for _, id := range []string{"t-inv", "t-inv-hold", "t-other", "t-spammy"} {
			e.tenant(id, "trial", time.Hour, "", "")
		}
		if d := e.send(e.msg("t-inv", flip(fpInvoice, 40), 4.5)); d.Code != CodeProbation {
			t.Fatalf("t-inv: %+v, want probation", d)
		}
		if d := e.send(e.msg("t-inv-hold", flip(fpInvoice, 41, 42), 5.3)); d.Code != CodeProbation {
			t.Fatalf("t-inv-hold (scorer: hold, a proven template's copy): %+v, want probation", d)
		}
		if d := e.send(e.msg("t-other", fpSpam, 4.5)); d.Code != CodeProbation {
			t.Fatalf("t-other: %+v, want probation", d)
		}
		// A copy linking to a domain that then turns out to be a suspicious
		// new one (linked from 3 young tenants, no established one) is not
		// explained by the template, at release as at assessment.
		m := e.msg("t-link", flip(fpInvoice, 43), 4.5)
		m.Score.LinkDomains = []string{"Pay-Now.example"}
		e.tenant("t-link", "trial", time.Hour, "", "")
		if d := e.send(m); d.Code != CodeProbation {
			t.Fatalf("t-link: %+v, want probation", d)
		}
		for i := range 2 {
			id := fmt.Sprintf("t-linker%d", i)
			e.tenant(id, "trial", time.Hour, "", "")
			m := e.msg(id, spread(900+i), 0.5)
			m.Score.LinkDomains = []string{"pay-now.example"}
			e.send(m)
		}
		e.clock.Advance(6 * time.Minute)
		st, err := e.svc.ReleaseDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Released != 4 || st.ToReview != 2 {
			t.Fatalf("release %+v, want 4 released (the template copies, the linkers' mail), 2 to review", st)
		}
		for id, want := range map[string]string{"t-inv": store.StatusActive, "t-inv-hold": store.StatusActive,
			"t-other": store.StatusReview, "t-link": store.StatusReview} {
			if got := e.status(id); got != want {
				t.Errorf("%s: status %s, want %s", id, got, want)
			}
		}
		if got := e.heldStates("t-inv-hold"); got["queued"] != 1 && got["sent"] != 1 {
			t.Fatalf("t-inv-hold held %v, want queued", got)
		}
		// Spammier than the vouched-for copies (4.9 + margin): held, and with
		// the released copies as look-alikes, a campaign (which takes in the
		// earlier copies' tenants: see doc.go).
		if d := e.send(e.msg("t-spammy", flip(fpInvoice, 50), 6.2)); d.Action != Hold || d.Code == CodeProbation {
			t.Fatalf("t-spammy (above 4.9 + margin): %+v, want held for review", d)
		}
		if got := e.status("t-spammy"); got != store.StatusReview {
			t.Fatalf("t-spammy: status %s, want review", got)
		}
	})
}

// TestContentHoldProportionate: one content hold of an established tenant
// with a clean history holds that message and opens a non-holding case; its
// other mail flows. Evidence accumulating (ContentStrikesToFreeze: three
// holds, or a hold and a reject, within ContentStrikeWindow) freezes it. A
// tenant without that history is frozen by its first hold, as before.
func TestContentHoldProportionate(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		history := func(id string) {
			for i := range 10 {
				if d := e.send(e.msg(id, spread(0x1000+i), -2)); d.Action != Relay {
					t.Fatalf("%s history: %+v", id, d)
				}
			}
		}
		openCase := func(id string) Case {
			t.Helper()
			cs, _, err := e.svc.ListCases(ctx, CaseFilter{TenantID: id, State: CaseOpen})
			if err != nil || len(cs) != 1 {
				t.Fatalf("%s: open cases %+v %v", id, cs, err)
			}
			return cs[0]
		}
		for _, id := range []string{"paid-a", "paid-b"} {
			e.tenant(id, "paid", 400*24*time.Hour, "", "")
			history(id)
		}
		e.tenant("old-trial", "trial", 60*24*time.Hour, "", "")
		history("old-trial")

		// One hold: that message waits, the tenant's mail does not.
		for _, id := range []string{"paid-a", "old-trial"} {
			if d := e.send(e.msg(id, spread(0x5151), 5.6)); d.Code != CodeContentHold {
				t.Fatalf("%s: %+v, want content.hold", id, d)
			}
			if d := e.send(e.msg(id, spread(0x5152), -12)); d.Action != Relay {
				t.Fatalf("%s after one hold: %+v, want relay", id, d)
			}
			if c := openCase(id); c.Holding || e.status(id) != store.StatusActive {
				t.Fatalf("%s: case %+v status %s, want a non-holding case, active", id, c, e.status(id))
			}
			if got := e.heldStates(id); got["held"] != 1 {
				t.Fatalf("%s held %v", id, got)
			}
		}
		// A second hold within the window: still proportionate; the third
		// freezes the tenant.
		e.clock.Advance(2 * time.Hour)
		if d := e.send(e.msg("paid-a", spread(0x5153), 5.2)); d.Code != CodeContentHold || e.status("paid-a") != store.StatusActive {
			t.Fatalf("second hold: %+v status %s", d, e.status("paid-a"))
		}
		e.send(e.msg("paid-a", spread(0x5154), 6.5))
		if c := openCase("paid-a"); !c.Holding || e.status("paid-a") != store.StatusReview {
			t.Fatalf("third hold: case %+v status %s, want holding, review", c, e.status("paid-a"))
		}
		if d := e.send(e.msg("paid-a", spread(0x5155), -12)); d.Code != CodeTenantReview {
			t.Fatalf("after the third hold: %+v, want tenant.review", d)
		}
		// A reject-level message and a hold within the window freeze too.
		if d := e.send(e.msg("paid-b", spread(0x6161), 15)); d.Action != Reject || e.status("paid-b") != store.StatusActive {
			t.Fatalf("reject: %+v status %s", d, e.status("paid-b"))
		}
		e.send(e.msg("paid-b", spread(0x6162), 5.5))
		if c := openCase("paid-b"); !c.Holding || e.status("paid-b") != store.StatusReview {
			t.Fatalf("reject + hold: case %+v status %s, want holding, review", c, e.status("paid-b"))
		}
		// Holds spread beyond the window do not add up.
		e.clock.Advance(25 * time.Hour)
		if d := e.send(e.msg("old-trial", spread(0x7171), 5.5)); d.Code != CodeContentHold || e.status("old-trial") != store.StatusActive {
			t.Fatalf("old-trial second hold a day later: %+v status %s", d, e.status("old-trial"))
		}
		// Strict where there is no clean history: a young trial tenant, an
		// established tenant without enough history, or with a spammy mean.
		e.tenant("young", "trial", time.Hour, "", "")
		e.tenant("new-paid", "paid", time.Hour, "", "")
		e.tenant("spammy-paid", "paid", 400*24*time.Hour, "", "")
		for i := range 10 {
			e.send(e.msg("spammy-paid", spread(0x2000+i), 3.5))
		}
		for _, id := range []string{"young", "new-paid", "spammy-paid"} {
			e.send(e.msg(id, spread(0x8181), 5.5))
			if c := openCase(id); !c.Holding || e.status(id) != store.StatusReview {
				t.Fatalf("%s: case %+v status %s, want frozen by its first hold", id, c, e.status(id))
			}
		}
		// Support's decision on a non-holding case works as on any other.
		c := openCase("old-trial")
		res, err := e.svc.Decide(ctx, c.ID, DecisionRequest{Decision: "approve", Actor: "console:alice"})
		if err != nil || res.Messages != 2 {
			t.Fatalf("approve: %+v %v", res, err)
		}
	})
}

// spread maps n to a fingerprint far from spread(m) for m != n (about 32
// bits apart), so hand-made messages are no accidental look-alikes.
func spread(n int) scoring.Fingerprint { return scoring.Fingerprint(uint64(n) * 0x9e3779b97f4a7c15) }
