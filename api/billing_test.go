package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/api"
	"github.com/outpost-mail/outpost/internal/store"
)

const billingPath = "/api/v1/billing/events"

func payment(id, tenant string) []byte {
	return fmt.Appendf(nil, `{"id":%q,"type":"payment.succeeded","tenant_id":%q,"created":1795000000}`, id, tenant)
}

// planChanges counts quota's recorded plan changes of tenant.
func (e *env) planChanges(tenant string) int {
	e.t.Helper()
	h, err := e.quotas.History(context.Background(), tenant, 0, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, c := range h {
		if c.Kind == "plan" {
			n++
		}
	}
	return n
}

func (e *env) eventRows(id string) (n int, outcome string) {
	e.t.Helper()
	err := e.db.QueryRow(context.Background(), `SELECT COUNT(*), COALESCE(MAX(outcome), '') FROM billing_events WHERE id = ?`, id).Scan(&n, &outcome)
	if err != nil {
		e.t.Fatal(err)
	}
	return n, outcome
}

func TestBillingWebhook(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		e.seed("acme", "trial", store.Signup{})
		body := payment("evt_1", "acme")

		// Applied once: paid plan, paid limit, one plan change, one audit row.
		r := e.signed(store.ScopeBilling, body).must(t, http.StatusOK)
		m := r.json(t)
		if m["outcome"] != "applied" || m["id"] != "evt_1" || m["tenant_id"] != "acme" || m["plan"] != "paid" {
			t.Fatalf("first delivery: %s", r.Body)
		}
		if r.Header.Get(api.ReplayHeader) != "" {
			t.Fatal("first delivery marked as a replay")
		}
		g := e.do("GET", "/api/v1/tenants/acme", store.ScopeBilling, nil).must(t, http.StatusOK).json(t)
		if g["plan"] != "paid" || g["quota"].(map[string]any)["limit"] != 200.0 {
			t.Fatalf("after payment: %v", g)
		}
		if a := e.lastAudit("quota.plan", "tenant:acme"); !strings.Contains(a.Actor, e.ids[store.ScopeBilling]) {
			t.Fatalf("plan change actor %q", a.Actor)
		}

		// Replay, later, with a fresh signature: same answer, no effect.
		e.clock.Advance(time.Minute)
		rr := e.signed(store.ScopeBilling, body).must(t, http.StatusOK)
		if string(rr.Body) != string(r.Body) || rr.Header.Get(api.ReplayHeader) != "true" {
			t.Fatalf("replay answered %s (replay header %q), first answer %s", rr.Body, rr.Header.Get(api.ReplayHeader), r.Body)
		}
		e.signed(store.ScopeAdmin, body).must(t, http.StatusOK)
		if n := e.planChanges("acme"); n != 1 {
			t.Fatalf("%d plan changes after replays, want 1", n)
		}
		if n := e.auditCount("quota.plan", "tenant:acme"); n != 1 {
			t.Fatalf("%d quota.plan audit rows, want 1", n)
		}
		if n := e.auditCount("billing.event", "tenant:acme"); n != 1 {
			t.Fatalf("%d billing.event audit rows, want 1", n)
		}
		if n, outcome := e.eventRows("evt_1"); n != 1 || outcome != "applied" {
			t.Fatalf("billing_events: %d rows, outcome %q", n, outcome)
		}

		// A second, distinct payment for a paid tenant changes nothing.
		if m := e.signed(store.ScopeBilling, payment("evt_2", "acme")).must(t, http.StatusOK).json(t); m["outcome"] != "unchanged" {
			t.Fatalf("second payment: %v", m)
		}
		if n := e.planChanges("acme"); n != 1 {
			t.Fatalf("%d plan changes, want 1", n)
		}

		// Same id, different body: refused, not applied.
		e.seed("other", "trial", store.Signup{})
		if c := e.signed(store.ScopeBilling, payment("evt_1", "other")).must(t, http.StatusConflict).errCode(t); c != "conflict" {
			t.Fatal(c)
		}
		if n := e.planChanges("other"); n != 0 {
			t.Fatal("a reused event id changed another tenant's plan")
		}

		// Unknown types are recorded as ignored and answered 200.
		ign := []byte(`{"id":"evt_3","type":"invoice.created","tenant_id":"other","created":1,"data":{"amount":12}}`)
		if m := e.signed(store.ScopeBilling, ign).must(t, http.StatusOK).json(t); m["outcome"] != "ignored" {
			t.Fatalf("unknown type: %v", m)
		}
		if n, outcome := e.eventRows("evt_3"); n != 1 || outcome != "ignored" {
			t.Fatalf("ignored event stored as %d rows, %q", n, outcome)
		}
		if n := e.planChanges("other"); n != 0 {
			t.Fatal("an ignored event changed a plan")
		}
		if e.signed(store.ScopeBilling, ign).must(t, http.StatusOK).Header.Get(api.ReplayHeader) != "true" {
			t.Fatal("ignored event replay not marked")
		}

		// An event for a tenant not created yet: 404, not recorded; the
		// retry after provisioning applies it.
		early := payment("evt_4", "late")
		e.signed(store.ScopeBilling, early).must(t, http.StatusNotFound)
		if n, _ := e.eventRows("evt_4"); n != 0 {
			t.Fatal("an event for an unknown tenant was recorded")
		}
		e.seed("late", "trial", store.Signup{})
		if m := e.signed(store.ScopeBilling, early).must(t, http.StatusOK).json(t); m["outcome"] != "applied" {
			t.Fatalf("retry after provisioning: %v", m)
		}

		// Validation.
		for _, b := range []string{
			`{"type":"payment.succeeded","tenant_id":"acme"}`,
			`{"id":"evt 5","type":"payment.succeeded","tenant_id":"acme"}`,
			`{"id":"evt_5","tenant_id":"acme"}`,
			`{"id":"evt_5","type":"payment.succeeded"}`,
			`{"id":"evt_5","type":"payment.succeeded","tenant_id":"../acme"}`,
		} {
			if c := e.signed(store.ScopeBilling, []byte(b)).must(t, 422).errCode(t); c != "validation" {
				t.Fatalf("%s: %s", b, c)
			}
		}
		if c := e.signed(store.ScopeBilling, []byte(`{"id":`)).must(t, 400).errCode(t); c != "invalid_json" {
			t.Fatal(c)
		}
	})
}

func TestBillingSignature(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		e.seed("acme", "trial", store.Signup{})
		body := payment("evt_sig", "acme")
		now := e.clock.Now()
		sig := api.Sign(e.secret, now, body)
		ts := fmt.Sprint(now.Unix())
		post := func(token string, b []byte, hdr ...string) resp {
			return e.do("POST", billingPath, token, b, hdr...)
		}
		cases := []struct {
			name string
			r    func() resp
			code string
		}{
			{"missing header", func() resp { return post(store.ScopeBilling, body) }, "signature_missing"},
			{"wrong secret", func() resp {
				return post(store.ScopeBilling, body, api.SignatureHeader, api.Sign([]byte("other secret"), now, body))
			}, "signature_invalid"},
			{"tampered body", func() resp {
				return post(store.ScopeBilling, payment("evt_sig", "other"), api.SignatureHeader, sig)
			}, "signature_invalid"},
			{"tampered timestamp", func() resp {
				return post(store.ScopeBilling, body, api.SignatureHeader, strings.Replace(sig, "t="+ts, fmt.Sprintf("t=%d", now.Unix()+1), 1))
			}, "signature_invalid"},
			{"no v1", func() resp { return post(store.ScopeBilling, body, api.SignatureHeader, "t="+ts) }, "signature_invalid"},
			{"v0 only", func() resp {
				return post(store.ScopeBilling, body, api.SignatureHeader, strings.Replace(sig, "v1=", "v0=", 1))
			}, "signature_invalid"},
			{"garbage", func() resp { return post(store.ScopeBilling, body, api.SignatureHeader, "hello") }, "signature_invalid"},
			{"stale", func() resp {
				return post(store.ScopeBilling, body, api.SignatureHeader, api.Sign(e.secret, now.Add(-5*time.Minute-time.Second), body))
			}, "signature_stale"},
			{"future", func() resp {
				return post(store.ScopeBilling, body, api.SignatureHeader, api.Sign(e.secret, now.Add(6*time.Minute), body))
			}, "signature_stale"},
			{"no bearer token", func() resp { return post("none", body, api.SignatureHeader, sig) }, "unauthorized"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.r().must(t, http.StatusUnauthorized)
				if c := r.errCode(t); c != tc.code {
					t.Fatalf("code %q, want %q: %s", c, tc.code, r.Body)
				}
			})
		}
		if c := post(store.ScopeSupport, body, api.SignatureHeader, sig).must(t, 403).errCode(t); c != "forbidden" {
			t.Fatal(c)
		}
		if n := e.planChanges("acme"); n != 0 {
			t.Fatal("a refused delivery changed the plan")
		}
		if n, _ := e.eventRows("evt_sig"); n != 0 {
			t.Fatal("a refused delivery was recorded")
		}
		// Within tolerance, and with a second (rotated-out) v1 value first.
		inTol := api.Sign(e.secret, now.Add(-4*time.Minute), body)
		rotated := strings.Replace(inTol, "v1=", "v1="+strings.Repeat("ab", 32)+",v1=", 1)
		if m := post(store.ScopeBilling, body, api.SignatureHeader, rotated).must(t, 200).json(t); m["outcome"] != "applied" {
			t.Fatal(m)
		}
		// Oversized body.
		big := fmt.Appendf(nil, `{"id":"evt_big","type":"x","pad":%q}`, strings.Repeat("a", 5000))
		if c := e.signed(store.ScopeBilling, big).must(t, 413).errCode(t); c != "too_large" {
			t.Fatal(c)
		}
	})
}

// TestBillingConcurrentDeliveries: the same event delivered at once by
// several requests takes effect once.
func TestBillingConcurrentDeliveries(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		e.seed("acme", "trial", store.Signup{})
		body := payment("evt_race", "acme")
		sig := api.Sign(e.secret, e.clock.Now(), body)
		var wg sync.WaitGroup
		statuses := make([]int, 6)
		for i := range statuses {
			wg.Go(func() {
				req, _ := http.NewRequest("POST", e.srv.URL+billingPath, strings.NewReader(string(body)))
				req.Header.Set("Authorization", "Bearer "+e.tokens[store.ScopeBilling])
				req.Header.Set(api.SignatureHeader, sig)
				res, err := e.srv.Client().Do(req)
				if err != nil {
					return
				}
				res.Body.Close()
				statuses[i] = res.StatusCode
			})
		}
		wg.Wait()
		ok := 0
		for _, s := range statuses {
			switch s {
			case http.StatusOK:
				ok++
			case http.StatusConflict: // another delivery holds the claim; billing retries
			default:
				t.Fatalf("concurrent delivery answered %d (all: %v)", s, statuses)
			}
		}
		if ok == 0 {
			t.Fatalf("no delivery succeeded: %v", statuses)
		}
		if n := e.planChanges("acme"); n != 1 {
			t.Fatalf("%d plan changes from concurrent deliveries, want 1", n)
		}
		if n := e.auditCount("billing.event", "tenant:acme"); n != 1 {
			t.Fatalf("%d billing.event audit rows, want 1", n)
		}
	})
}

func TestBillingNotConfigured(t *testing.T) {
	e := newEnv(t, testenvSQLite(t), func(o *api.Options) { o.BillingSecret = nil })
	e.seed("acme", "trial", store.Signup{})
	if c := e.signed(store.ScopeBilling, payment("evt_1", "acme")).must(t, 503).errCode(t); c != "unavailable" {
		t.Fatal(c)
	}
}
