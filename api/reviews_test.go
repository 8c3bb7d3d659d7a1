package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/quota"
)

// Wire shapes as a client reads them.
type caseOut struct {
	ID         int64  `json:"id"`
	TenantID   string `json:"tenant_id"`
	State      string `json:"state"`
	Priority   int    `json:"priority"`
	Holding    bool   `json:"holding"`
	CampaignID *int64 `json:"campaign_id"`
	Assignee   string `json:"assignee"`
	OpenedAt   string `json:"opened_at"`
	DecidedBy  string `json:"decided_by"`
	Reasons    []struct {
		Code   string  `json:"code"`
		Detail string  `json:"detail"`
		Weight float64 `json:"weight"`
	} `json:"reasons"`
}

type heldOut struct {
	ID      int64    `json:"id"`
	QueueID string   `json:"queue_id"`
	Tenant  string   `json:"tenant_id"`
	From    string   `json:"from"`
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Score   float64  `json:"score"`
	Reason  string   `json:"reason"`
	State   string   `json:"state"`
	HeldAt  string   `json:"held_at"`
	Size    int64    `json:"size"`
	Signals []struct {
		Name   string  `json:"name"`
		Weight float64 `json:"weight"`
	} `json:"signals"`
}

type listOut[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

func (e *env) cases(t *testing.T, query string) listOut[caseOut] {
	t.Helper()
	var out listOut[caseOut]
	decodeInto(t, e.do("GET", "/api/v1/reviews"+query, store.ScopeSupport, nil).must(t, http.StatusOK).Body, &out)
	return out
}

func (e *env) held(t *testing.T, tenant, query string) listOut[heldOut] {
	t.Helper()
	var out listOut[heldOut]
	decodeInto(t, e.do("GET", "/api/v1/tenants/"+tenant+"/held"+query, store.ScopeSupport, nil).must(t, http.StatusOK).Body, &out)
	return out
}

// openCase returns the open case of tenant.
func (e *env) openCase(t *testing.T, tenant string) caseOut {
	t.Helper()
	l := e.cases(t, "?tenant_id="+tenant)
	if len(l.Items) != 1 {
		t.Fatalf("open cases of %s: %+v", tenant, l.Items)
	}
	return l.Items[0]
}

func (e *env) actor(scope string) string {
	return "token:" + e.ids[scope] + " (" + scope + ") " + scope + "-bot"
}

// TestReviewApprove: a spammy tenant's case is listed, shown, assigned,
// noted and approved with a quota raise; its held mail is released to the
// relay; a second decision is a conflict.
func TestReviewApprove(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		re := e.reviews
		re.tenant("spammy", "trial", 10*24*time.Hour, store.Signup{IP: "203.0.113.9", Country: "NL"})
		re.holdSpam("spammy", 2)

		c := e.openCase(t, "spammy")
		if c.State != "open" || !c.Holding || c.CampaignID != nil || c.OpenedAt == "" || len(c.Reasons) == 0 {
			t.Fatalf("case %+v", c)
		}
		if r := c.Reasons[0]; r.Code != "content.hold" || r.Weight < 5 || !strings.Contains(r.Detail, "obfuscation") {
			t.Fatalf("reason %+v", r)
		}
		path := fmt.Sprintf("/api/v1/reviews/%d", c.ID)

		// Detail: reasons, signals, held samples as metadata only.
		r := e.do("GET", path, store.ScopeSupport, nil).must(t, http.StatusOK)
		if strings.Contains(string(r.Body), "pr1ces") || strings.Contains(string(r.Body), "Fr\u200bee") {
			t.Fatalf("detail carries the message body: %s", r.Body)
		}
		var d struct {
			caseOut
			Tenant struct {
				Status   string `json:"status"`
				Plan     string `json:"plan"`
				Network  string `json:"signup_network"`
				Messages int64  `json:"messages"`
			} `json:"tenant"`
			Quota struct {
				Limit int64 `json:"limit"`
			} `json:"quota"`
			QuotaHistory []json.RawMessage `json:"quota_history"`
			Signals      []struct {
				Name     string `json:"name"`
				Messages int    `json:"messages"`
			} `json:"signals"`
			Held struct {
				Count   int64     `json:"count"`
				Bytes   int64     `json:"bytes"`
				Samples []heldOut `json:"samples"`
			} `json:"held"`
			Sent             []json.RawMessage `json:"sent"`
			RecipientDomains []struct {
				Domain string `json:"domain"`
			} `json:"recipient_domains"`
			Related []string          `json:"related_tenants"`
			Notes   []json.RawMessage `json:"notes"`
			History []struct {
				Action string `json:"action"`
			} `json:"history"`
		}
		decodeInto(t, r.Body, &d)
		if d.Tenant.Status != store.StatusReview || d.Tenant.Plan != "trial" || d.Tenant.Network == "" || d.Tenant.Messages != 2 ||
			d.Quota.Limit != 20 || len(d.QuotaHistory) == 0 || d.Held.Count != 2 || d.Held.Bytes == 0 || len(d.Held.Samples) != 2 ||
			len(d.RecipientDomains) == 0 || d.Sent == nil || d.Related == nil || len(d.History) == 0 || d.History[0].Action != "review.case_open" {
			t.Fatalf("detail %s", r.Body)
		}
		if s := d.Held.Samples[0]; s.State != "held" || len(s.Signals) == 0 || s.Subject == "" || s.Size == 0 || len(s.To) != 1 {
			t.Fatalf("held sample %+v", s)
		}
		if !slices.ContainsFunc(d.Signals, func(s struct {
			Name     string `json:"name"`
			Messages int    `json:"messages"`
		}) bool {
			return s.Name == "obfuscation" && s.Messages == 2
		}) {
			t.Fatalf("signals %+v", d.Signals)
		}

		// Assign and note, audited with the token's actor.
		var a caseOut
		decodeInto(t, e.do("POST", path+"/assign", store.ScopeSupport, `{"assignee":"alice"}`).must(t, http.StatusOK).Body, &a)
		if a.Assignee != "alice" {
			t.Fatalf("assign: %+v", a)
		}
		if got := e.lastAudit("review.assign", fmt.Sprintf("case:%d", c.ID)).Actor; got != e.actor(store.ScopeSupport) {
			t.Fatalf("assign audited as %q", got)
		}
		if l := e.cases(t, "?assignee=alice"); len(l.Items) != 1 || l.Items[0].ID != c.ID {
			t.Fatalf("assignee filter: %+v", l)
		}
		if l := e.cases(t, "?assignee=bob"); len(l.Items) != 0 {
			t.Fatalf("assignee filter: %+v", l)
		}
		e.do("POST", path+"/assign", store.ScopeSupport, `{}`).must(t, http.StatusUnprocessableEntity)
		n := e.do("POST", path+"/notes", store.ScopeAdmin, `{"body":"  looks like a pharmacy  "}`).must(t, http.StatusCreated).json(t)
		if n["body"] != "looks like a pharmacy" || n["actor"] != e.actor(store.ScopeAdmin) {
			t.Fatalf("note %v", n)
		}
		e.do("POST", path+"/notes", store.ScopeSupport, `{"body":"  "}`).must(t, http.StatusUnprocessableEntity)

		// Approve with a raise: one ladder step (20 → 40), mail released.
		r = e.do("POST", path+"/decision", store.ScopeSupport, `{"decision":"approve","raise_quota":true,"note":"known pharmacy"}`).must(t, http.StatusOK)
		var res struct {
			CaseID       int64  `json:"case_id"`
			TenantID     string `json:"tenant_id"`
			State        string `json:"state"`
			TenantStatus string `json:"tenant_status"`
			Released     int64  `json:"released"`
			Discarded    int64  `json:"discarded"`
			Learned      int    `json:"learned"`
			QuotaRaised  bool   `json:"quota_raised"`
			QuotaChange  *struct {
				Old int64 `json:"old_limit"`
				New int64 `json:"new_limit"`
			} `json:"quota_change"`
			Quota *struct {
				Limit int64 `json:"limit"`
			} `json:"quota"`
		}
		decodeInto(t, r.Body, &res)
		if res.CaseID != c.ID || res.TenantID != "spammy" || res.State != "approved" || res.TenantStatus != store.StatusActive ||
			res.Released != 2 || res.Discarded != 0 || res.Learned != 2 || !res.QuotaRaised || res.QuotaChange == nil ||
			res.QuotaChange.Old != 20 || res.QuotaChange.New != 40 || res.Quota == nil || res.Quota.Limit != 40 {
			t.Fatalf("decision %s", r.Body)
		}
		if _, hams := re.learner.counts(); hams != 2 {
			t.Fatalf("learned %d ham", hams)
		}
		au := e.lastAudit("review.decision", fmt.Sprintf("case:%d", c.ID))
		if au.Actor != e.actor(store.ScopeSupport) {
			t.Fatalf("decision audited as %q", au.Actor)
		}
		if got := e.lastAudit("quota.raise", "tenant:spammy").Actor; got != e.actor(store.ScopeSupport) {
			t.Fatalf("raise audited as %q", got)
		}
		tj := e.do("GET", "/api/v1/tenants/spammy", store.ScopeSupport, nil).must(t, http.StatusOK).json(t)
		if tj["status"] != store.StatusActive || tj["quota"].(map[string]any)["limit"] != float64(40) {
			t.Fatalf("tenant after approve %v", tj)
		}

		// Decided cases are final.
		for _, body := range []string{`{"decision":"approve"}`, `{"decision":"reject","note":"changed my mind"}`} {
			if code := e.do("POST", path+"/decision", store.ScopeAdmin, body).must(t, http.StatusConflict).errCode(t); code != "conflict" {
				t.Fatal(code)
			}
		}
		if l := e.cases(t, ""); len(l.Items) != 0 {
			t.Fatalf("open cases after approve: %+v", l.Items)
		}
		if l := e.cases(t, "?state=closed"); len(l.Items) != 1 || l.Items[0].State != "approved" || l.Items[0].DecidedBy != e.actor(store.ScopeSupport) {
			t.Fatalf("closed cases: %+v", l.Items)
		}

		// The released mail goes out through the relay, exactly once.
		if l := e.held(t, "spammy", "?state=queued"); len(l.Items) != 2 {
			t.Fatalf("queued: %+v", l.Items)
		}
		if _, err := re.svc.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		if got := re.deliv.delivered(); len(got) != 2 {
			t.Fatalf("delivered %v", got)
		}
		if l := e.held(t, "spammy", "?state=sent"); len(l.Items) != 2 {
			t.Fatalf("sent: %+v", l.Items)
		}
		if l := e.held(t, "spammy", ""); len(l.Items) != 0 {
			t.Fatalf("still held: %+v", l.Items)
		}
	})
}

// TestReviewReject: a reject needs a note, suspends the tenant and discards
// its held mail.
func TestReviewReject(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		re := e.reviews
		re.tenant("bad", "trial", 10*24*time.Hour, store.Signup{})
		re.holdSpam("bad", 3)
		c := e.openCase(t, "bad")
		path := fmt.Sprintf("/api/v1/reviews/%d/decision", c.ID)
		for body, status := range map[string]int{
			`{"decision":"reject"}`:                                  http.StatusUnprocessableEntity,
			`{"decision":"reject","note":"   "}`:                     http.StatusUnprocessableEntity,
			`{"decision":"reject","note":"spam","raise_quota":true}`: http.StatusUnprocessableEntity,
			`{"decision":"maybe"}`:                                   http.StatusUnprocessableEntity,
			`{}`:                                                     http.StatusUnprocessableEntity,
			`{"decision":"reject","note":"x","extra":1}`:             http.StatusBadRequest,
			`{"decision":"reject","note":1}`:                         http.StatusBadRequest,
			`not json`:                                               http.StatusBadRequest,
			`{"decision":"reject","note":"` + strings.Repeat("n", 5000) + `"}`: http.StatusRequestEntityTooLarge,
		} {
			e.do("POST", path, store.ScopeSupport, body).must(t, status)
		}
		e.do("POST", "/api/v1/reviews/999999/decision", store.ScopeSupport, `{"decision":"approve"}`).must(t, http.StatusNotFound)
		e.do("POST", "/api/v1/reviews/abc/decision", store.ScopeSupport, `{"decision":"approve"}`).must(t, http.StatusBadRequest)
		e.do("POST", "/api/v1/reviews/0/decision", store.ScopeSupport, `{"decision":"approve"}`).must(t, http.StatusBadRequest)
		e.do("GET", "/api/v1/reviews/999999", store.ScopeSupport, nil).must(t, http.StatusNotFound)
		e.do("POST", "/api/v1/reviews/999999/assign", store.ScopeSupport, `{"assignee":"a"}`).must(t, http.StatusNotFound)
		e.do("POST", "/api/v1/reviews/999999/notes", store.ScopeSupport, `{"body":"a"}`).must(t, http.StatusNotFound)
		e.do("POST", fmt.Sprintf("/api/v1/reviews/%d/notes", c.ID), store.ScopeSupport,
			`{"body":"`+strings.Repeat("n", 4001)+`"}`).must(t, http.StatusUnprocessableEntity)
		e.do("POST", fmt.Sprintf("/api/v1/reviews/%d/assign", c.ID), store.ScopeSupport, `{"assignee":"a\u0007"}`).must(t, http.StatusUnprocessableEntity)

		m := e.do("POST", path, store.ScopeAdmin, `{"decision":"reject","note":"pharmacy spam"}`).must(t, http.StatusOK).json(t)
		if m["state"] != "rejected" || m["tenant_status"] != store.StatusSuspended || m["discarded"] != float64(3) ||
			m["released"] != float64(0) || m["quota_raised"] != false {
			t.Fatalf("reject: %v", m)
		}
		if spam, _ := re.learner.counts(); spam != 3 {
			t.Fatalf("learned %d spam", spam)
		}
		if s := e.do("GET", "/api/v1/tenants/bad", store.ScopeSupport, nil).json(t)["status"]; s != store.StatusSuspended {
			t.Fatalf("status %v", s)
		}
		if l := e.held(t, "bad", "?state=discarded"); len(l.Items) != 3 {
			t.Fatalf("discarded: %+v", l.Items)
		}
		if got := e.lastAudit("review.decision", fmt.Sprintf("case:%d", c.ID)).Actor; got != e.actor(store.ScopeAdmin) {
			t.Fatalf("audited as %q", got)
		}
		e.do("POST", path, store.ScopeAdmin, `{"decision":"reject","note":"again"}`).must(t, http.StatusConflict)
		if l := e.cases(t, "?state=rejected"); len(l.Items) != 1 {
			t.Fatalf("rejected: %+v", l.Items)
		}
	})
}

// TestReviewListPages pages through cases (one state and merged closed
// states) and checks the filters.
func TestReviewListPages(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		re := e.reviews
		var tenants []string
		for i := range 7 {
			id := fmt.Sprintf("t%d", i)
			tenants = append(tenants, id)
			re.tenant(id, "trial", 10*24*time.Hour, store.Signup{})
			re.holdSpam(id, 1+i%3)
		}
		page := func(query string) []caseOut {
			var all []caseOut
			seen := map[int64]bool{}
			cursor := ""
			for range 20 {
				q := query + "&limit=2"
				if cursor != "" {
					q += "&cursor=" + cursor
				}
				l := e.cases(t, q)
				if len(l.Items) > 2 {
					t.Fatalf("page of %d", len(l.Items))
				}
				for _, c := range l.Items {
					if seen[c.ID] {
						t.Fatalf("case %d twice", c.ID)
					}
					seen[c.ID] = true
					if n := len(all); n > 0 && (all[n-1].Priority < c.Priority || (all[n-1].Priority == c.Priority && all[n-1].ID < c.ID)) {
						t.Fatalf("out of order: %+v then %+v", all[n-1], c)
					}
					all = append(all, c)
				}
				if l.Next == "" {
					return all
				}
				cursor = l.Next
			}
			t.Fatal("no end of pages")
			return nil
		}
		if got := page("?state=open"); len(got) != 7 {
			t.Fatalf("open: %d", len(got))
		}
		// Settle three: two approved, one rejected.
		open := page("?state=open")
		for i, c := range open[:3] {
			body := `{"decision":"approve"}`
			if i == 1 {
				body = `{"decision":"reject","note":"spam"}`
			}
			e.do("POST", fmt.Sprintf("/api/v1/reviews/%d/decision", c.ID), store.ScopeSupport, body).must(t, http.StatusOK)
		}
		for q, want := range map[string]int{"?state=open": 4, "?state=closed": 3, "?state=approved": 2, "?state=rejected": 1, "?state=all": 7} {
			if got := page(q); len(got) != want {
				t.Errorf("%s: %d cases, want %d", q, len(got), want)
			}
		}
		if l := e.cases(t, "?state=all&tenant_id=t3"); len(l.Items) != 1 || l.Items[0].TenantID != "t3" {
			t.Fatalf("tenant filter: %+v", l.Items)
		}
		if l := e.cases(t, "?state=all&min_priority=100"); len(l.Items) != 0 {
			t.Fatalf("min_priority 100: %+v", l.Items)
		}
		for _, q := range []string{"?state=pending", "?limit=0", "?limit=201", "?cursor=%%%", "?cursor=bm9wZQ", "?min_priority=101",
			"?tenant_id=Bad!", "?campaign_id=x", "?bogus=1", "?state=open&state=all"} {
			if code := e.do("GET", "/api/v1/reviews"+q, store.ScopeSupport, nil).must(t, http.StatusBadRequest).errCode(t); code != "bad_request" {
				t.Errorf("%s: code %s", q, code)
			}
		}
		_ = tenants
	})
}

// TestCampaignDecision: young trial tenants sending the same spam form a
// campaign; one decision settles all its cases.
func TestCampaignDecision(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		re := e.reviews
		for _, id := range []string{"bot1", "bot2", "bot3"} {
			re.tenant(id, "trial", time.Hour, store.Signup{})
			re.holdSpam(id, 2)
		}
		c := e.openCase(t, "bot3")
		if c.CampaignID == nil {
			t.Fatalf("no campaign: %+v", c)
		}
		cid := *c.CampaignID
		l := e.cases(t, fmt.Sprintf("?campaign_id=%d", cid))
		if len(l.Items) < 2 {
			t.Fatalf("campaign cases: %+v", l.Items)
		}
		var d struct {
			Campaign *struct {
				ID      int64    `json:"id"`
				State   string   `json:"state"`
				Tenants []string `json:"tenants"`
			} `json:"campaign"`
			Related []string `json:"related_tenants"`
		}
		decodeInto(t, e.do("GET", fmt.Sprintf("/api/v1/reviews/%d", c.ID), store.ScopeSupport, nil).must(t, http.StatusOK).Body, &d)
		if d.Campaign == nil || d.Campaign.ID != cid || d.Campaign.State != "open" || len(d.Campaign.Tenants) < 2 || len(d.Related) == 0 {
			t.Fatalf("campaign in detail: %+v", d)
		}

		path := fmt.Sprintf("/api/v1/campaigns/%d/decision", cid)
		e.do("POST", path, store.ScopeSupport, `{"decision":"approve","raise_quota":true}`).must(t, http.StatusUnprocessableEntity)
		e.do("POST", path, store.ScopeSupport, `{"decision":"reject"}`).must(t, http.StatusUnprocessableEntity)
		e.do("POST", "/api/v1/campaigns/999999/decision", store.ScopeSupport, `{"decision":"approve"}`).must(t, http.StatusNotFound)
		var res struct {
			CampaignID int64  `json:"campaign_id"`
			State      string `json:"state"`
			Discarded  int64  `json:"discarded"`
			Cases      []struct {
				CaseID   int64  `json:"case_id"`
				TenantID string `json:"tenant_id"`
			} `json:"cases"`
		}
		decodeInto(t, e.do("POST", path, store.ScopeSupport, `{"decision":"reject","note":"pharmacy campaign"}`).must(t, http.StatusOK).Body, &res)
		if res.CampaignID != cid || res.State != "confirmed" || len(res.Cases) != len(l.Items) || res.Discarded == 0 {
			t.Fatalf("campaign decision: %+v", res)
		}
		for _, x := range l.Items {
			if s := e.do("GET", "/api/v1/tenants/"+x.TenantID, store.ScopeSupport, nil).json(t)["status"]; s != store.StatusSuspended {
				t.Errorf("%s: status %v", x.TenantID, s)
			}
		}
		if l := e.cases(t, fmt.Sprintf("?campaign_id=%d", cid)); len(l.Items) != 0 {
			t.Fatalf("open campaign cases left: %+v", l.Items)
		}
		if got := e.lastAudit("review.campaign_decision", fmt.Sprintf("campaign:%d", cid)).Actor; got != e.actor(store.ScopeSupport) {
			t.Fatalf("audited as %q", got)
		}
		e.do("POST", path, store.ScopeSupport, `{"decision":"reject","note":"again"}`).must(t, http.StatusConflict)
	})
}

// TestHeldMessages pages a tenant's held mail and settles single messages.
func TestHeldMessages(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		re := e.reviews
		re.tenant("held", "trial", 10*24*time.Hour, store.Signup{})
		e.seed("quiet", "trial", store.Signup{})
		re.holdSpam("held", 5)

		var all []heldOut
		cursor := ""
		for {
			q := "?limit=2"
			if cursor != "" {
				q += "&cursor=" + cursor
			}
			l := e.held(t, "held", q)
			all = append(all, l.Items...)
			if l.Next == "" {
				break
			}
			cursor = l.Next
		}
		if len(all) != 5 {
			t.Fatalf("held: %d", len(all))
		}
		for i, h := range all {
			if h.Tenant != "held" || h.State != "held" || h.QueueID == "" || h.From == "" || len(h.To) != 1 || h.Subject == "" ||
				h.Score < 5 || h.Reason == "" || h.HeldAt == "" || h.Size == 0 || (i > 0 && all[i-1].ID <= h.ID) {
				t.Fatalf("held item %d: %+v", i, h)
			}
		}
		if l := e.held(t, "quiet", ""); len(l.Items) != 0 || l.Next != "" {
			t.Fatalf("quiet: %+v", l)
		}
		e.do("GET", "/api/v1/tenants/nobody/held", store.ScopeSupport, nil).must(t, http.StatusNotFound)
		e.do("GET", "/api/v1/tenants/Bad!/held", store.ScopeSupport, nil).must(t, http.StatusBadRequest)
		e.do("GET", "/api/v1/tenants/held/held?state=lost", store.ScopeSupport, nil).must(t, http.StatusBadRequest)
		e.do("GET", "/api/v1/tenants/held/held?cursor=eA", store.ScopeSupport, nil).must(t, http.StatusBadRequest)

		one, two := all[0], all[1]
		var h heldOut
		decodeInto(t, e.do("GET", fmt.Sprintf("/api/v1/held/%d", one.ID), store.ScopeSupport, nil).must(t, http.StatusOK).Body, &h)
		if h.ID != one.ID || h.QueueID != one.QueueID {
			t.Fatalf("get held %+v", h)
		}
		e.do("GET", "/api/v1/held/999999", store.ScopeSupport, nil).must(t, http.StatusNotFound)
		e.do("GET", "/api/v1/held/x", store.ScopeSupport, nil).must(t, http.StatusBadRequest)

		rel := fmt.Sprintf("/api/v1/held/%d/release", one.ID)
		e.do("POST", rel, store.ScopeSupport, `{"spam":true}`).must(t, http.StatusUnprocessableEntity)
		e.do("POST", rel, store.ScopeSupport, `{"why":"x"}`).must(t, http.StatusBadRequest)
		decodeInto(t, e.do("POST", rel, store.ScopeSupport, nil).must(t, http.StatusOK).Body, &h)
		if h.State != "queued" {
			t.Fatalf("released: %+v", h)
		}
		if got := e.lastAudit("review.message_release", fmt.Sprintf("held:%d", one.ID)).Actor; got != e.actor(store.ScopeSupport) {
			t.Fatalf("audited as %q", got)
		}
		e.do("POST", rel, store.ScopeSupport, `{"note":"again"}`).must(t, http.StatusConflict)

		dis := fmt.Sprintf("/api/v1/held/%d/discard", two.ID)
		decodeInto(t, e.do("POST", dis, store.ScopeAdmin, `{"note":"phishing","spam":true}`).must(t, http.StatusOK).Body, &h)
		if h.State != "discarded" {
			t.Fatalf("discarded: %+v", h)
		}
		if spam, _ := re.learner.counts(); spam != 1 {
			t.Fatalf("learned %d spam", spam)
		}
		au := e.lastAudit("review.message_discard", fmt.Sprintf("held:%d", two.ID))
		if au.Actor != e.actor(store.ScopeAdmin) || au.Detail.(map[string]any)["note"] != "phishing" {
			t.Fatalf("audit %+v", au)
		}
		e.do("POST", fmt.Sprintf("/api/v1/held/%d/release", two.ID), store.ScopeSupport, nil).must(t, http.StatusConflict)
		e.do("POST", "/api/v1/held/999999/discard", store.ScopeSupport, nil).must(t, http.StatusNotFound)

		if l := e.held(t, "held", "?state=all&limit=200"); len(l.Items) != 5 {
			t.Fatalf("all: %d", len(l.Items))
		}
		if l := e.held(t, "held", ""); len(l.Items) != 3 {
			t.Fatalf("still held: %d", len(l.Items))
		}
	})
}

// TestFeedback records a batch, replays it, and refuses bad batches.
func TestFeedback(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		e.seed("shop", "paid", store.Signup{})
		at := e.clock.Now().Add(-time.Minute).Format(time.RFC3339)
		batch := fmt.Sprintf(`{"events":[
			{"id":"fb-1","type":"bounce","tenant_id":"shop","recipient":"a@example.com","at":%q},
			{"id":"fb-2","type":"complaint","tenant_id":"shop","recipient":"b@example.com","queue_id":"Q1"},
			{"id":"fb-3","type":"bounce","tenant_id":"shop"},
			{"id":"fb-4","type":"delivery","tenant_id":"shop"},
			{"id":"fb-5","type":"bounce","tenant_id":"ghost"},
			{"id":"","type":"bounce","tenant_id":"shop"},
			{"id":"fb-7","type":"bounce","tenant_id":"shop","at":"2030-01-01T00:00:00Z"}]}`, at)
		type out struct {
			Accepted   int `json:"accepted"`
			Duplicates int `json:"duplicates"`
			Rejected   []struct {
				Index int    `json:"index"`
				ID    string `json:"id"`
				Code  string `json:"code"`
			} `json:"rejected"`
			Cases []int64 `json:"cases"`
		}
		var o out
		decodeInto(t, e.do("POST", "/api/v1/feedback", store.ScopeSupport, batch).must(t, http.StatusOK).Body, &o)
		if o.Accepted != 3 || o.Duplicates != 0 || len(o.Rejected) != 4 || o.Cases == nil {
			t.Fatalf("first: %+v", o)
		}
		var idx []int
		for _, r := range o.Rejected {
			idx = append(idx, r.Index)
		}
		if !slices.Equal(idx, []int{3, 4, 5, 6}) || o.Rejected[1].Code != "not_found" || o.Rejected[0].Code != "validation" {
			t.Fatalf("rejected: %+v", o.Rejected)
		}
		if got := e.lastAudit("feedback.batch", "feedback").Actor; got != e.actor(store.ScopeSupport) {
			t.Fatalf("audited as %q", got)
		}
		// A replay takes no effect.
		decodeInto(t, e.do("POST", "/api/v1/feedback", store.ScopeAdmin, batch).must(t, http.StatusOK).Body, &o)
		if o.Accepted != 0 || o.Duplicates != 3 || len(o.Rejected) != 4 {
			t.Fatalf("replay: %+v", o)
		}
		if n := e.auditCount("feedback.batch", "feedback"); n != 1 {
			t.Fatalf("%d feedback audit rows", n)
		}

		// Batch size: 1000 is fine (and beyond MaxBodyBytes), 1001 is 413.
		mk := func(n int, prefix string) string {
			var b strings.Builder
			b.WriteString(`{"events":[`)
			for i := range n {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"id":"%s-%d","type":"bounce","tenant_id":"shop","recipient":"r%d@example.com"}`, prefix, i, i)
			}
			b.WriteString(`]}`)
			return b.String()
		}
		decodeInto(t, e.do("POST", "/api/v1/feedback", store.ScopeSupport, mk(1000, "big")).must(t, http.StatusOK).Body, &o)
		if o.Accepted != 1000 {
			t.Fatalf("1000: %+v", o)
		}
		if c := e.do("POST", "/api/v1/feedback", store.ScopeSupport, mk(1001, "huge")).must(t, http.StatusRequestEntityTooLarge).errCode(t); c != "too_large" {
			t.Fatal(c)
		}
		e.do("POST", "/api/v1/feedback", store.ScopeSupport, strings.Repeat(" ", 2<<20)).must(t, http.StatusRequestEntityTooLarge)
		for body, status := range map[string]int{
			`{"events":[]}`: http.StatusUnprocessableEntity,
			`{}`:            http.StatusUnprocessableEntity,
			`{"events":[{"id":"x","type":"bounce","tenant_id":"shop","extra":1}]}`:        http.StatusBadRequest,
			`{"events":[{"id":"x","type":"bounce","tenant_id":"shop","at":"yesterday"}]}`: http.StatusBadRequest,
			`{"events":{}}`: http.StatusBadRequest,
			``:              http.StatusBadRequest,
		} {
			e.do("POST", "/api/v1/feedback", store.ScopeSupport, body).must(t, status)
		}
	})
}

// TestFeedbackOpensCase: bounces past the pause rate over enough volume
// open a holding case, reported in the answer.
func TestFeedbackOpensCase(t *testing.T) {
	e := newEnv(t, testenvSQLite(t), nil)
	re := e.reviews
	re.tenant("mailer", "paid", 60*24*time.Hour, store.Signup{})
	for range 100 {
		if d := re.send(re.message("mailer", false)); d.Action.String() != "relay" {
			t.Fatalf("clean mail: %v %s", d.Action, d.Code)
		}
	}
	var b strings.Builder
	b.WriteString(`{"events":[`)
	for i := range 15 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"b-%d","type":"bounce","tenant_id":"mailer"}`, i)
	}
	b.WriteString(`]}`)
	m := e.do("POST", "/api/v1/feedback", store.ScopeSupport, b.String()).must(t, http.StatusOK).json(t)
	if cs, _ := m["cases"].([]any); len(cs) != 1 {
		t.Fatalf("feedback answer %v", m)
	}
	c := e.openCase(t, "mailer")
	if !c.Holding || c.Reasons[0].Code != "bounces" {
		t.Fatalf("case %+v", c)
	}
}

// TestApproveRaiseAtCap: when the raise fails after the approve (the quota
// is at the top of the ladder), the answer is 200, the case approved, and
// quota_error says the raise did not happen.
func TestApproveRaiseAtCap(t *testing.T) {
	e := newEnv(t, testenvSQLite(t), nil)
	re := e.reviews
	re.tenant("big", "paid", 60*24*time.Hour, store.Signup{})
	for range 30 {
		if _, err := re.qm.Raise(t.Context(), "big", quota.RaiseRequest{Actor: "test", Reason: "to the top"}); err != nil {
			if errors.Is(err, quota.ErrAtCap) {
				break
			}
			t.Fatal(err)
		}
	}
	re.holdSpam("big", 1)
	c := e.openCase(t, "big")
	path := fmt.Sprintf("/api/v1/reviews/%d/decision", c.ID)
	m := e.do("POST", path, store.ScopeSupport, `{"decision":"approve","raise_quota":true}`).must(t, http.StatusOK).json(t)
	qe, _ := m["quota_error"].(map[string]any)
	if m["state"] != "approved" || m["quota_raised"] != false || m["released"] != float64(1) || qe == nil || qe["code"] != "conflict" {
		t.Fatalf("answer %v", m)
	}
	e.do("POST", path, store.ScopeSupport, `{"decision":"approve","raise_quota":true}`).must(t, http.StatusConflict)
}
