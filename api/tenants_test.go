package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/api"
	"github.com/outpost-mail/outpost/internal/store"
)

func TestCreateTenant(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		r := e.do("POST", "/api/v1/tenants", store.ScopeAdmin, map[string]any{
			"id": "acme", "plan": "trial", "signup": map[string]any{"ip": "192.0.2.7", "email": "ops@acme.example", "country": "fr"},
		}).must(t, http.StatusCreated)
		m := r.json(t)
		pw, _ := m["smtp_password"].(string)
		if m["id"] != "acme" || m["plan"] != "trial" || m["status"] != "active" || m["smtp_username"] != "acme" || len(pw) < 40 {
			t.Fatalf("create answer: %s", r.Body)
		}
		if loc := r.Header.Get("Location"); loc != "/api/v1/tenants/acme" {
			t.Errorf("Location %q", loc)
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Error("an answer with a secret must not be cached")
		}
		q, _ := m["quota"].(map[string]any)
		if q["limit"] != 20.0 || q["used"] != 0.0 || q["remaining"] != 20.0 || q["resets_at"] == nil {
			t.Fatalf("quota in create answer: %v", q)
		}
		if m["created_at"] != "2026-11-24T12:00:00Z" {
			t.Errorf("created_at %v, want the injected clock's time", m["created_at"])
		}

		// Stored hashed only, and the hash checks the shown password.
		tn, err := e.db.Tenant(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if tn.SecretHash == pw || !strings.HasPrefix(tn.SecretHash, "$2") || !store.CheckSecret(tn.SecretHash, pw) {
			t.Fatalf("stored secret is not a bcrypt hash of the password: %q", tn.SecretHash)
		}
		if store.CheckSecret(tn.SecretHash, pw+"x") {
			t.Fatal("the hash accepts a wrong password")
		}
		if tn.Signup != (store.Signup{IP: "192.0.2.7", Email: "ops@acme.example", Country: "FR"}) {
			t.Errorf("signup stored as %+v", tn.Signup)
		}
		var n int
		if err := e.db.QueryRow(ctx, `SELECT COUNT(*) FROM tenants WHERE smtp_secret_hash LIKE ?`, "%"+pw+"%").Scan(&n); err != nil || n != 0 {
			t.Fatalf("the password is stored in clear (%d, %v)", n, err)
		}

		// Shown once: never again on a read.
		g := e.do("GET", "/api/v1/tenants/acme", store.ScopeSupport, nil).must(t, http.StatusOK)
		if strings.Contains(string(g.Body), pw) || strings.Contains(string(g.Body), "smtp_password") || strings.Contains(string(g.Body), tn.SecretHash) {
			t.Fatalf("GET shows the secret: %s", g.Body)
		}
		gm := g.json(t)
		gq, _ := gm["quota"].(map[string]any)
		if gm["id"] != "acme" || gm["status"] != "active" || gm["plan"] != "trial" || gq["limit"] != 20.0 || gq["remaining"] != 20.0 {
			t.Fatalf("GET answer: %s", g.Body)
		}

		// Audited with the token as actor.
		a := e.lastAudit("tenant.create", "tenant:acme")
		if !strings.Contains(a.Actor, e.ids[store.ScopeAdmin]) || !strings.Contains(a.Actor, "(admin)") || !strings.Contains(a.Actor, "admin-bot") {
			t.Errorf("audit actor %q does not name the token, its scope and its name", a.Actor)
		}

		// Duplicate id.
		d := e.do("POST", "/api/v1/tenants", store.ScopeBilling, map[string]any{"id": "acme"}).must(t, http.StatusConflict)
		if d.errCode(t) != "conflict" {
			t.Fatal(string(d.Body))
		}
		if tn2, _ := e.db.Tenant(ctx, "acme"); tn2.SecretHash != tn.SecretHash {
			t.Fatal("a duplicate create changed the existing tenant's secret")
		}

		// Default plan is trial.
		r = e.do("POST", "/api/v1/tenants", store.ScopeBilling, map[string]any{"id": "beta"}).must(t, http.StatusCreated)
		if m := r.json(t); m["plan"] != "trial" {
			t.Fatalf("default plan: %s", r.Body)
		}
	})
}

func TestCreateTenantValidation(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		cases := []struct {
			name   string
			body   any
			status int
			code   string
		}{
			{"unknown field", `{"id":"x1","plan":"trial","admin":true}`, 400, "invalid_json"},
			{"unknown signup field", `{"id":"x1","signup":{"ip":"192.0.2.1","phone":"1"}}`, 400, "invalid_json"},
			{"malformed", `{"id":"x1"`, 400, "invalid_json"},
			{"not an object", `["x1"]`, 400, "invalid_json"},
			{"wrong type", `{"id":7}`, 400, "invalid_json"},
			{"two values", `{"id":"x1"}{"id":"x2"}`, 400, "invalid_json"},
			{"empty body", ``, 400, "invalid_json"},
			{"missing id", `{"plan":"trial"}`, 422, "validation"},
			{"upper-case id", `{"id":"Acme"}`, 422, "validation"},
			{"id with slash", `{"id":"a/b"}`, 422, "validation"},
			{"id with dots only", `{"id":"../x"}`, 422, "validation"},
			{"id too long", `{"id":"` + strings.Repeat("a", 64) + `"}`, 422, "validation"},
			{"bad plan name", `{"id":"x1","plan":"Gold Plan"}`, 422, "validation"},
			{"plan quota does not know", `{"id":"x1","plan":"gold"}`, 422, "validation"},
			{"bad ip", `{"id":"x1","signup":{"ip":"300.1.1.1"}}`, 422, "validation"},
			{"bad email", `{"id":"x1","signup":{"email":"nobody"}}`, 422, "validation"},
			{"bad country", `{"id":"x1","signup":{"country":"France"}}`, 422, "validation"},
			{"oversized", `{"id":"x1","signup":{"email":"` + strings.Repeat("a", 5000) + `@x.example"}}`, 413, "too_large"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do("POST", "/api/v1/tenants", store.ScopeAdmin, tc.body).must(t, tc.status)
				if got := r.errCode(t); got != tc.code {
					t.Fatalf("code %q, want %q: %s", got, tc.code, r.Body)
				}
			})
		}
		// A refused create leaves nothing behind: the id is still free.
		if _, err := e.db.Tenant(context.Background(), "x1"); err != store.ErrNotFound {
			t.Fatalf("a refused create left tenant x1 behind: %v", err)
		}
		e.do("POST", "/api/v1/tenants", store.ScopeAdmin, `{"id":"x1"}`).must(t, http.StatusCreated)
	})
}

// TestTenantIsolation: one tenant's data is never reachable through another
// id, and odd ids never reach a handler's query.
func TestTenantIsolation(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		e.seed("a", "trial", store.Signup{Email: "alice@a.example"})
		e.seed("b", "paid", store.Signup{Email: "bob@b.example"})
		e.do("POST", "/api/v1/tenants/b/quota", store.ScopeSupport, map[string]any{"reason": "b's raise"}).must(t, http.StatusOK)

		ga := e.do("GET", "/api/v1/tenants/a", store.ScopeAdmin, nil).must(t, http.StatusOK)
		if s := string(ga.Body); strings.Contains(s, "bob@") || !strings.Contains(s, "alice@") || ga.json(t)["id"] != "a" {
			t.Fatalf("GET /tenants/a: %s", ga.Body)
		}
		q := ga.json(t)["quota"].(map[string]any)
		if q["limit"] != 20.0 {
			t.Fatalf("a's quota shows %v, b has 400", q["limit"])
		}
		h := e.do("GET", "/api/v1/tenants/a/quota/history", store.ScopeAdmin, nil).must(t, http.StatusOK)
		if strings.Contains(string(h.Body), "b's raise") || strings.Contains(string(h.Body), `"tenant_id":"b"`) {
			t.Fatalf("a's history shows b's change: %s", h.Body)
		}

		for _, p := range []string{
			"/api/v1/tenants/A",
			"/api/v1/tenants/a%2Fb",
			"/api/v1/tenants/a%2F..%2Fb",
			"/api/v1/tenants/..%2Fb",
			"/api/v1/tenants/%2e%2e",
			"/api/v1/tenants/a%00",
			"/api/v1/tenants/a%20b",
			"/api/v1/tenants/a/../b",
			"/api/v1/tenants/a/..%2Fb",
			"/api/v1/tenants/a;b",
			"/api/v1/tenants/" + strings.Repeat("a", 64),
			"/api/v1/tenants//b",
			"/api/v1/tenants/a/quota/../../b",
			"/api/v1/tenants/nobody",
		} {
			r := e.do("GET", p, store.ScopeAdmin, nil)
			if r.Status != http.StatusBadRequest && r.Status != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 400 or 404: %s", p, r.Status, r.Body)
				continue
			}
			r.errCode(t)
			if strings.Contains(string(r.Body), "bob@") || strings.Contains(string(r.Body), "alice@") {
				t.Errorf("GET %s leaks a tenant: %s", p, r.Body)
			}
		}
		// The same on a state-changing route: nothing happens to b.
		for _, p := range []string{"/api/v1/tenants/B/suspend", "/api/v1/tenants/a%2F..%2Fb/suspend", "/api/v1/tenants/..%2Fb/suspend"} {
			r := e.do("POST", p, store.ScopeAdmin, map[string]any{"reason": "x"})
			if r.Status != http.StatusBadRequest && r.Status != http.StatusNotFound {
				t.Errorf("POST %s: status %d", p, r.Status)
			}
		}
		if tb, _ := e.db.Tenant(context.Background(), "b"); tb.Status != store.StatusActive {
			t.Fatalf("b was changed through another path: %s", tb.Status)
		}
	})
}

func TestListTenantsPagination(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		var all []string
		for i := range 7 {
			id := fmt.Sprintf("t%02d", i)
			plan := "trial"
			if i%3 == 0 {
				plan = "paid"
			}
			e.seed(id, plan, store.Signup{})
			all = append(all, id)
			if i%2 == 1 {
				if err := e.db.SetTenantStatus(ctx, id, store.StatusSuspended, "test", "t"); err != nil {
					t.Fatal(err)
				}
			}
		}
		walk := func(query string, limit int) []string {
			t.Helper()
			var got []string
			cursor := ""
			for page := 0; ; page++ {
				if page > 10 {
					t.Fatal("pagination does not end")
				}
				path := fmt.Sprintf("/api/v1/tenants?limit=%d%s", limit, query)
				if cursor != "" {
					path += "&cursor=" + cursor
				}
				r := e.do("GET", path, store.ScopeSupport, nil).must(t, http.StatusOK)
				var body struct {
					Items []struct{ ID, Plan, Status string } `json:"items"`
					Next  *string                             `json:"next"`
				}
				decodeInto(t, r.Body, &body)
				if body.Next == nil || body.Items == nil {
					t.Fatalf("list answer lacks items or next: %s", r.Body)
				}
				if len(body.Items) > limit {
					t.Fatalf("page of %d items, limit %d", len(body.Items), limit)
				}
				for _, it := range body.Items {
					got = append(got, it.ID)
				}
				if *body.Next == "" {
					return got
				}
				cursor = *body.Next
			}
		}
		if got := walk("", 3); strings.Join(got, ",") != strings.Join(all, ",") {
			t.Fatalf("pages of 3: %v, want %v", got, all)
		}
		if got := walk("", 7); strings.Join(got, ",") != strings.Join(all, ",") {
			t.Fatalf("one exact page: %v", got)
		}
		if got := walk("&status=suspended", 2); strings.Join(got, ",") != "t01,t03,t05" {
			t.Fatalf("suspended: %v", got)
		}
		if got := walk("&plan=paid", 1); strings.Join(got, ",") != "t00,t03,t06" {
			t.Fatalf("paid: %v", got)
		}
		if got := walk("&plan=paid&status=active", 5); strings.Join(got, ",") != "t00,t06" {
			t.Fatalf("paid and active: %v", got)
		}
		for _, q := range []string{"?limit=0", "?limit=201", "?limit=x", "?cursor=%%%", "?cursor=Li4v", "?status=gone", "?plan=Big+Plan", "?sort=id", "?limit=1&limit=2"} {
			r := e.do("GET", "/api/v1/tenants"+q, store.ScopeAdmin, nil).must(t, http.StatusBadRequest)
			if r.errCode(t) != "bad_request" {
				t.Fatalf("%s: %s", q, r.Body)
			}
		}
	})
}

func TestRaiseQuotaAndHistory(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		e.seed("acme", "trial", store.Signup{})
		path := "/api/v1/tenants/acme/quota"
		for _, tc := range []struct {
			body   string
			status int
			code   string
		}{
			{`{}`, 422, "validation"},
			{`{"reason":"   "}`, 422, "validation"},
			{`{"reason":"` + strings.Repeat("x", 1001) + `"}`, 422, "validation"},
			{`{"reason":"ok","to":-5}`, 422, "validation"},
			{`{"reason":"ok","to":1000}`, 422, "validation"}, // beyond the next ladder step
			{`{"reason":"ok","to":"40"}`, 400, "invalid_json"},
			{`{"reason":"ok","why":"x"}`, 400, "invalid_json"},
		} {
			r := e.do("POST", path, store.ScopeSupport, tc.body).must(t, tc.status)
			if got := r.errCode(t); got != tc.code {
				t.Fatalf("%s: code %q, want %q", tc.body, got, tc.code)
			}
		}
		r := e.do("POST", path, store.ScopeSupport, map[string]any{"reason": "sends invoices, checked samples"}).must(t, http.StatusOK)
		var out struct {
			Change struct {
				TenantID      string `json:"tenant_id"`
				Actor, Reason string
			} `json:"change"`
			Quota struct{ Limit, Remaining int64 } `json:"quota"`
		}
		decodeInto(t, r.Body, &out)
		m := r.json(t)["change"].(map[string]any)
		if m["old_limit"] != 20.0 || m["new_limit"] != 40.0 || out.Quota.Limit != 40 || out.Change.TenantID != "acme" {
			t.Fatalf("raise answer: %s", r.Body)
		}
		if !strings.Contains(out.Change.Actor, e.ids[store.ScopeSupport]) || !strings.Contains(out.Change.Actor, "support-bot") ||
			out.Change.Reason != "sends invoices, checked samples" {
			t.Fatalf("raise actor/reason: %+v", out.Change)
		}
		if a := e.lastAudit("quota.raise", "tenant:acme"); !strings.Contains(a.Actor, e.ids[store.ScopeSupport]) {
			t.Fatalf("raise audit actor %q", a.Actor)
		}
		e.do("POST", path, store.ScopeAdmin, map[string]any{"reason": "explicit", "to": 60}).must(t, http.StatusOK)
		e.do("POST", path, store.ScopeSupport, map[string]any{"reason": "again"}).must(t, http.StatusOK)
		// Unknown tenant.
		e.do("POST", "/api/v1/tenants/nobody/quota", store.ScopeSupport, map[string]any{"reason": "x"}).must(t, http.StatusNotFound)
		e.do("GET", "/api/v1/tenants/nobody/quota/history", store.ScopeSupport, nil).must(t, http.StatusNotFound)

		// History: init, 40, 60, 120 — newest first, across pages of one.
		var limits []float64
		cursor := ""
		for page := 0; page < 10; page++ {
			p := "/api/v1/tenants/acme/quota/history?limit=1"
			if cursor != "" {
				p += "&cursor=" + cursor
			}
			h := e.do("GET", p, store.ScopeBilling, nil).must(t, http.StatusOK).json(t)
			items := h["items"].([]any)
			if len(items) > 1 {
				t.Fatalf("page of %d", len(items))
			}
			for _, it := range items {
				limits = append(limits, it.(map[string]any)["new_limit"].(float64))
			}
			cursor = h["next"].(string)
			if cursor == "" {
				break
			}
		}
		if fmt.Sprint(limits) != "[120 60 40 20]" {
			t.Fatalf("history limits %v, want [120 60 40 20]", limits)
		}
		e.do("GET", "/api/v1/tenants/acme/quota/history?cursor=abc", store.ScopeAdmin, nil).must(t, http.StatusBadRequest)
	})
}

func TestSuspendResume(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.seed("acme", "trial", store.Signup{})
		e.do("POST", "/api/v1/tenants/acme/suspend", store.ScopeSupport, `{}`).must(t, 422)
		e.do("POST", "/api/v1/tenants/acme/suspend", store.ScopeSupport, `{"reason":""}`).must(t, 422)
		e.do("POST", "/api/v1/tenants/acme/suspend", store.ScopeSupport, `{"reason":"x","until":1}`).must(t, 400)
		e.do("POST", "/api/v1/tenants/acme/suspend", store.ScopeSupport, nil).must(t, 400)

		r := e.do("POST", "/api/v1/tenants/acme/suspend", store.ScopeSupport, map[string]any{"reason": "spam complaints"}).must(t, http.StatusOK)
		if r.json(t)["status"] != "suspended" {
			t.Fatal(string(r.Body))
		}
		a := e.lastAudit("tenant.status", "tenant:acme")
		d, _ := a.Detail.(map[string]any)
		if !strings.Contains(a.Actor, e.ids[store.ScopeSupport]) || d["reason"] != "spam complaints" || d["new"] != "suspended" {
			t.Fatalf("audit %+v", a)
		}
		// Idempotent: a second suspend changes and records nothing.
		e.do("POST", "/api/v1/tenants/acme/suspend", store.ScopeAdmin, map[string]any{"reason": "again"}).must(t, http.StatusOK)
		if n := e.auditCount("tenant.status", "tenant:acme"); n != 1 {
			t.Fatalf("%d status audit rows after a repeated suspend", n)
		}
		r = e.do("POST", "/api/v1/tenants/acme/resume", store.ScopeSupport, map[string]any{"reason": "talked to them"}).must(t, http.StatusOK)
		if r.json(t)["status"] != "active" {
			t.Fatal(string(r.Body))
		}
		if tn, _ := e.db.Tenant(ctx, "acme"); tn.Status != store.StatusActive {
			t.Fatalf("stored status %s", tn.Status)
		}
		// Under review: resume is the review case's decision, not this route's.
		if err := e.db.SetTenantStatus(ctx, "acme", store.StatusReview, "test", "held"); err != nil {
			t.Fatal(err)
		}
		if c := e.do("POST", "/api/v1/tenants/acme/resume", store.ScopeAdmin, map[string]any{"reason": "x"}).must(t, http.StatusConflict).errCode(t); c != "conflict" {
			t.Fatal(c)
		}
		e.do("POST", "/api/v1/tenants/acme/suspend", store.ScopeAdmin, map[string]any{"reason": "confirmed spam"}).must(t, http.StatusOK)
		e.do("POST", "/api/v1/tenants/nobody/suspend", store.ScopeAdmin, map[string]any{"reason": "x"}).must(t, http.StatusNotFound)
	})
}

func TestRotateSecret(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := e.do("POST", "/api/v1/tenants", store.ScopeAdmin, map[string]any{"id": "acme"}).must(t, http.StatusCreated).json(t)
		old := c["smtp_password"].(string)
		e.do("POST", "/api/v1/tenants/acme/rotate-secret", store.ScopeAdmin, `{"x":1}`).must(t, http.StatusBadRequest)
		r := e.do("POST", "/api/v1/tenants/acme/rotate-secret", store.ScopeAdmin, nil).must(t, http.StatusOK).json(t)
		pw := r["smtp_password"].(string)
		if r["smtp_username"] != "acme" || pw == "" || pw == old {
			t.Fatalf("rotate answer %v", r)
		}
		tn, err := e.db.Tenant(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if !store.CheckSecret(tn.SecretHash, pw) || store.CheckSecret(tn.SecretHash, old) {
			t.Fatal("after rotation the new password must work and the old one must not")
		}
		if a := e.lastAudit("tenant.secret_rotated", "tenant:acme"); !strings.Contains(a.Actor, e.ids[store.ScopeAdmin]) {
			t.Fatalf("rotation audit actor %q", a.Actor)
		}
		e.do("POST", "/api/v1/tenants/nobody/rotate-secret", store.ScopeAdmin, `{}`).must(t, http.StatusNotFound)
	})
}

// TestErrorAnswers: unknown routes and methods, and a dead database, answer
// the JSON error shape with no internal detail.
func TestErrorAnswers(t *testing.T) {
	db := testenvSQLite(t)
	e := newEnv(t, db, func(o *api.Options) {
		o.Now = func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) }
	})
	if c := e.do("GET", "/api/v1/nothing", store.ScopeAdmin, nil).must(t, 404).errCode(t); c != "not_found" {
		t.Fatal(c)
	}
	if c := e.do("DELETE", "/api/v1/tenants", store.ScopeAdmin, nil).must(t, 405).errCode(t); c != "method_not_allowed" {
		t.Fatal(c)
	}
	db.Close()
	r := e.do("GET", "/api/v1/tenants", store.ScopeAdmin, nil)
	if r.Status != http.StatusServiceUnavailable && r.Status != http.StatusInternalServerError {
		t.Fatalf("dead database: status %d", r.Status)
	}
	r.errCode(t)
	if s := strings.ToLower(string(r.Body)); strings.Contains(s, "sql") || strings.Contains(s, "closed") {
		t.Fatalf("error answer leaks internals: %s", r.Body)
	}
}
