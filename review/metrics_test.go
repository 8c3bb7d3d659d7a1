package review

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/scoring"
)

// reviewSeries gathers reg and returns every outpost_review_* series as
// `name{label="value",...}` → value.
func reviewSeries(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "outpost_review_") {
			continue
		}
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			key := mf.GetName()
			if len(ls) > 0 {
				key += "{" + strings.Join(ls, ",") + "}"
			}
			switch {
			case m.GetCounter() != nil:
				out[key] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				out[key] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

// checkSeries asserts that every series in want has its value, that each
// exists, and that every other outpost_review_* series (but the refresh
// timestamp) is 0.
func checkSeries(t *testing.T, step string, reg *prometheus.Registry, want map[string]float64) {
	t.Helper()
	got := reviewSeries(t, reg)
	var bad []string
	for k, v := range want {
		g, ok := got[k]
		if !ok {
			bad = append(bad, fmt.Sprintf("%s missing", k))
		} else if g != v {
			bad = append(bad, fmt.Sprintf("%s = %v, want %v", k, g, v))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok && g != 0 && !strings.HasPrefix(k, "outpost_review_held_messages_refreshed") {
			bad = append(bad, fmt.Sprintf("%s = %v, want 0", k, g))
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("%s:\n  %s", step, strings.Join(bad, "\n  "))
	}
}

// TestMetrics runs assessments, holds, a campaign, decisions of every scope,
// a probation release and deliveries (sent, failed, retried), and reads the
// counters back through a registry after each stage.
func TestMetrics(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fd := &flakyDeliverer{tempFail: map[string]bool{}, tried: map[string]bool{}, accepted: map[string]int{}}
		e := newEnv(t, db, func(o *Options) { o.Deliverer = fd })
		reg := prometheus.NewRegistry()
		if err := e.svc.RegisterMetrics(reg); err != nil {
			t.Fatal(err)
		}
		refresh := func() {
			t.Helper()
			if err := e.svc.refreshHeld(ctx); err != nil {
				t.Fatal(err)
			}
		}
		refresh()
		checkSeries(t, "start", reg, nil)

		e.tenant("paid1", "paid", 40*24*time.Hour, "192.0.2.1", "a@paid1.test")
		e.tenant("bad", "paid", 40*24*time.Hour, "192.0.2.2", "a@bad.test")
		e.tenant("young1", "trial", time.Hour, "198.51.100.1", "a@young1.test")
		e.tenant("y2", "trial", time.Hour, "203.0.113.7", "a@y2.test")
		e.tenant("y3", "trial", time.Hour, "203.0.113.9", "a@y3.test")

		expect := func(m *Message, code string) *Message {
			t.Helper()
			if d := e.send(m); d.Code != code {
				t.Fatalf("%s from %s: %s, want %s", m.QueueID, m.TenantID, d.Code, code)
			}
			return m
		}
		expect(e.msg("paid1", scoring.Fingerprint(0x1234), 0), CodeClean)
		expect(e.msg("paid1", scoring.Fingerprint(0x1234), 15), CodeContentReject)
		// A paid tenant without history: its first content hold freezes it.
		bad1 := expect(e.msg("bad", scoring.Fingerprint(0x5678), 6, "a@example.org", "b@example.org"), CodeContentHold)
		fd.tempFail[bad1.QueueID] = true
		expect(e.msg("bad", scoring.Fingerprint(0x9abc), 0, "bounce@nowhere.example"), CodeTenantReview)
		expect(e.msg("young1", fpInvoice, 0), CodeProbation)
		// Two young tenants of one signup network, one content: a campaign.
		expect(e.msg("y2", fpSpam, 0), CodeProbation)
		expect(e.msg("y3", flip(fpSpam, 3), 0), CodeCampaign)
		refresh()
		afterHolds := map[string]float64{
			`outpost_review_assessed_total{action="relay",reason="clean"}`:           1,
			`outpost_review_assessed_total{action="reject",reason="content.reject"}`: 1,
			`outpost_review_assessed_total{action="hold",reason="content.hold"}`:     1,
			`outpost_review_assessed_total{action="hold",reason="tenant.review"}`:    1,
			`outpost_review_assessed_total{action="hold",reason="probation"}`:        2,
			`outpost_review_assessed_total{action="hold",reason="campaign"}`:         1,
			`outpost_review_cases_opened_total{reason="content.reject"}`:             1,
			`outpost_review_cases_opened_total{reason="content.hold"}`:               1,
			`outpost_review_cases_opened_total{reason="campaign"}`:                   2,
			`outpost_review_campaigns_total{kind="content"}`:                         1,
			`outpost_review_held_messages{state="probation"}`:                        1, // young1
			`outpost_review_held_messages{state="review"}`:                           4, // bad ×2, y2, y3
		}
		checkSeries(t, "after the holds", reg, afterHolds)

		// One message, then the rest of bad's case; the campaign rejected.
		held, _, err := e.svc.ListHeld(ctx, "bad", HeldFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var bad1ID int64
		for _, h := range held {
			if h.QueueID == bad1.QueueID {
				bad1ID = h.ID
			}
		}
		if err := e.svc.ReleaseMessage(ctx, bad1ID, "console:alice", ""); err != nil {
			t.Fatal(err)
		}
		cs, _, err := e.svc.ListCases(ctx, CaseFilter{TenantID: "bad", State: CaseOpen})
		if err != nil || len(cs) != 1 {
			t.Fatalf("bad's open cases: %v %v", cs, err)
		}
		for range 2 { // the repeat is a no-op, not a second decision
			if _, err := e.svc.Decide(ctx, cs[0].ID, DecisionRequest{Decision: "approve", Actor: "console:alice"}); err != nil {
				t.Fatal(err)
			}
		}
		cs, _, err = e.svc.ListCases(ctx, CaseFilter{TenantID: "y3", State: CaseOpen})
		if err != nil || len(cs) != 1 || cs[0].CampaignID == 0 {
			t.Fatalf("y3's open cases: %v %v", cs, err)
		}
		if _, err := e.svc.DecideCampaign(ctx, cs[0].CampaignID, DecisionRequest{Decision: "reject", Actor: "console:alice"}); err != nil {
			t.Fatal(err)
		}
		expect(e.msg("y2", fpSpam, 0), CodeSuspended)
		e.clock.Advance(6 * time.Minute)
		if st, err := e.svc.ReleaseDue(ctx); err != nil || st.Released != 1 {
			t.Fatalf("ReleaseDue: %+v %v", st, err)
		}
		refresh()
		afterDecisions := maps.Clone(afterHolds)
		delete(afterDecisions, `outpost_review_held_messages{state="probation"}`) // released
		delete(afterDecisions, `outpost_review_held_messages{state="review"}`)    // decided
		for k, v := range map[string]float64{
			`outpost_review_assessed_total{action="reject",reason="tenant.suspended"}`: 1,
			`outpost_review_decisions_total{decision="approve",scope="message"}`:       1,
			`outpost_review_decisions_total{decision="approve",scope="single"}`:        1,
			`outpost_review_decisions_total{decision="reject",scope="campaign"}`:       2,
			`outpost_review_probation_total{outcome="released"}`:                       1,
			`outpost_review_held_messages{state="queued"}`:                             3, // bad ×2, young1
		} {
			afterDecisions[k] = v
		}
		checkSeries(t, "after the decisions", reg, afterDecisions)

		// bad1: b@ answers 451 once (retry, then sent); bad's second
		// message: 550 (failed); young1's: sent.
		for _, step := range []time.Duration{0, time.Minute} {
			e.clock.Advance(step)
			if _, err := e.svc.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		refresh()
		afterDelivery := maps.Clone(afterDecisions)
		delete(afterDelivery, `outpost_review_held_messages{state="queued"}`) // all delivered or failed
		afterDelivery[`outpost_review_deliveries_total{outcome="sent"}`] = 2
		afterDelivery[`outpost_review_deliveries_total{outcome="failed"}`] = 1
		afterDelivery[`outpost_review_deliveries_total{outcome="retry"}`] = 1
		checkSeries(t, "after delivery", reg, afterDelivery)
		if got := reviewSeries(t, reg)["outpost_review_held_messages_refreshed_timestamp_seconds"]; got != float64(e.clock.Now().UnixMilli())/1000 {
			t.Errorf("refreshed at %v, want %v", got, float64(e.clock.Now().UnixMilli())/1000)
		}
	})
}
