package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/outpost-mail/outpost/api"
	"github.com/outpost-mail/outpost/internal/store"
)

// TestReviewRoutesScopes drives every review route as every kind of caller:
// support and admin get through, billing is forbidden, no token or a bad
// or revoked one is unauthorized.
func TestReviewRoutesScopes(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		re := e.reviews
		callers := []string{store.ScopeAdmin, store.ScopeSupport, store.ScopeBilling, "none", "bad", "revoked"}
		// One spammy tenant per caller, so each allowed caller has an open
		// case and held mail of its own to act on.
		type fixture struct {
			tenant   string
			caseID   int64
			held     []heldOut
			campaign int64
		}
		fx := map[string]*fixture{}
		for i, who := range callers {
			f := &fixture{tenant: fmt.Sprintf("s%d", i)}
			re.tenant(f.tenant, "trial", 10*24*time.Hour, store.Signup{})
			re.holdSpam(f.tenant, 3)
			f.caseID = e.openCase(t, f.tenant).ID
			f.held = e.held(t, f.tenant, "").Items
			fx[who] = f
		}
		// A campaign for each allowed caller (young tenants, same spam).
		for i, who := range []string{store.ScopeAdmin, store.ScopeSupport} {
			var last string
			for j := range 2 {
				last = fmt.Sprintf("c%d-%d", i, j)
				re.tenant(last, "trial", time.Hour, store.Signup{})
				re.holdText(last, 1, []string{spamBody, spamBody2}[i]) // one campaign per caller
			}
			c := e.openCase(t, last)
			if c.CampaignID == nil {
				t.Fatalf("no campaign for %s", last)
			}
			fx[who].campaign = *c.CampaignID
		}
		type route struct {
			method, path string
			body         string
			ok           int
		}
		routes := func(f *fixture) []route {
			cp := f.campaign
			if cp == 0 {
				cp = 1
			}
			return []route{
				{"GET", "/api/v1/reviews", "", http.StatusOK},
				{"GET", fmt.Sprintf("/api/v1/reviews/%d", f.caseID), "", http.StatusOK},
				{"POST", fmt.Sprintf("/api/v1/reviews/%d/assign", f.caseID), `{"assignee":"alice"}`, http.StatusOK},
				{"POST", fmt.Sprintf("/api/v1/reviews/%d/notes", f.caseID), `{"body":"hm"}`, http.StatusCreated},
				{"GET", "/api/v1/tenants/" + f.tenant + "/held", "", http.StatusOK},
				{"GET", fmt.Sprintf("/api/v1/held/%d", f.held[0].ID), "", http.StatusOK},
				{"POST", fmt.Sprintf("/api/v1/held/%d/release", f.held[0].ID), `{"note":"fine"}`, http.StatusOK},
				{"POST", fmt.Sprintf("/api/v1/held/%d/discard", f.held[1].ID), `{"spam":true}`, http.StatusOK},
				{"POST", fmt.Sprintf("/api/v1/reviews/%d/decision", f.caseID), `{"decision":"approve"}`, http.StatusOK},
				{"POST", fmt.Sprintf("/api/v1/campaigns/%d/decision", cp), `{"decision":"approve"}`, http.StatusOK},
				{"POST", "/api/v1/feedback", `{"events":[{"id":"ev-` + f.tenant + `","type":"bounce","tenant_id":"` + f.tenant + `"}]}`, http.StatusOK},
			}
		}
		for _, who := range callers {
			for _, rt := range routes(fx[who]) {
				t.Run(rt.method+" "+rt.path+" as "+who, func(t *testing.T) {
					var body any
					if rt.body != "" {
						body = rt.body
					}
					r := e.do(rt.method, rt.path, who, body)
					want, code := rt.ok, ""
					switch who {
					case "none", "bad", "revoked":
						want, code = http.StatusUnauthorized, "unauthorized"
					case store.ScopeBilling:
						want, code = http.StatusForbidden, "forbidden"
					}
					r.must(t, want)
					if code != "" {
						if got := r.errCode(t); got != code {
							t.Fatalf("error code %q, want %q", got, code)
						}
					}
				})
			}
		}
		// Nothing a refused caller asked for happened.
		for _, who := range []string{store.ScopeBilling, "none", "bad", "revoked"} {
			f := fx[who]
			if c := e.openCase(t, f.tenant); c.Assignee != "" || c.State != "open" {
				t.Errorf("%s changed case %+v", who, c)
			}
			if l := e.held(t, f.tenant, ""); len(l.Items) != 3 {
				t.Errorf("%s settled held mail: %d left", who, len(l.Items))
			}
		}
	})
}

// TestReviewsAbsent: without Options.Reviews the review routes are not
// served, every served route is still documented, and the documented
// routes missing are exactly those marked x-outpost-requires: reviews.
func TestReviewsAbsent(t *testing.T) {
	e := newEnv(t, testenvSQLite(t), func(o *api.Options) { o.Reviews = nil })
	e.seed("acme", "trial", store.Signup{})
	if c := e.do("GET", "/api/v1/reviews", store.ScopeAdmin, nil).must(t, http.StatusNotFound).errCode(t); c != "not_found" {
		t.Fatal(c)
	}
	e.do("GET", "/api/v1/tenants/acme/held", store.ScopeAdmin, nil).must(t, http.StatusNotFound)
	e.do("POST", "/api/v1/feedback", store.ScopeAdmin, `{"events":[]}`).must(t, http.StatusNotFound)
	// Tenants are still created (a payment fingerprint is accepted and ignored).
	e.do("POST", "/api/v1/tenants", store.ScopeAdmin, `{"id":"new","signup":{"payment_fingerprint":"fp_1"}}`).must(t, http.StatusCreated)

	routes, _ := api.New(api.Options{Store: e.db, Quotas: e.quotas}).(chi.Routes)
	served := map[string]bool{}
	if err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		served[method+" "+strings.TrimSuffix(route, "/")] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	decodeInto(t, api.OpenAPIDocument(), &doc)
	documented := map[string]bool{}
	for path, methods := range doc.Paths {
		for method, raw := range methods {
			var op struct {
				Requires string `json:"x-outpost-requires"`
			}
			decodeInto(t, raw, &op)
			key := strings.ToUpper(method) + " " + api.Prefix + path
			documented[key] = true
			if served[key] == (op.Requires == "reviews") {
				t.Errorf("%s: served %v, x-outpost-requires %q", key, served[key], op.Requires)
			}
		}
	}
	for k := range served {
		if !documented[k] {
			t.Errorf("%s served but not documented", k)
		}
	}
}

// TestCreateTenantRegistersWithReview: POST /tenants hands the signup traits
// and payment fingerprint to review, which links trial tenants sharing them
// into one quota budget; the answer's shape does not change.
func TestCreateTenantRegistersWithReview(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		r := e.do("POST", "/api/v1/tenants", store.ScopeBilling,
			`{"id":"first","plan":"trial","signup":{"email":"a@gmail.com","payment_fingerprint":"card_fp_42"}}`).must(t, http.StatusCreated)
		if strings.Contains(string(r.Body), "card_fp_42") || strings.Contains(string(r.Body), "payment") {
			t.Fatalf("answer shows the payment fingerprint: %s", r.Body)
		}
		m := r.json(t)
		for _, k := range []string{"id", "plan", "status", "smtp_username", "smtp_password", "quota"} {
			if _, ok := m[k]; !ok {
				t.Fatalf("answer lacks %s: %s", k, r.Body)
			}
		}
		e.do("POST", "/api/v1/tenants", store.ScopeBilling,
			`{"id":"second","plan":"trial","signup":{"email":"b@gmail.com","payment_fingerprint":"card_fp_42"}}`).must(t, http.StatusCreated)
		e.do("POST", "/api/v1/tenants", store.ScopeBilling,
			`{"id":"third","plan":"trial","signup":{"email":"c@gmail.com","payment_fingerprint":"card_fp_7"}}`).must(t, http.StatusCreated)
		b1, err := e.reviews.qm.Budget(ctx, "first")
		if err != nil {
			t.Fatal(err)
		}
		b2, _ := e.reviews.qm.Budget(ctx, "second")
		b3, _ := e.reviews.qm.Budget(ctx, "third")
		if b1 != b2 || b1 == "first" || b3 != "third" {
			t.Fatalf("budgets first %q second %q third %q", b1, b2, b3)
		}
		pic, err := e.reviews.svc.TenantPicture(ctx, "third")
		if err != nil || pic.TenantID != "third" {
			t.Fatalf("review does not know third: %+v %v", pic, err)
		}
		for _, fp := range []string{`""x`, `"has space"`, `"` + strings.Repeat("f", 129) + `"`, `42`} {
			r := e.do("POST", "/api/v1/tenants", store.ScopeBilling, `{"id":"x1","signup":{"payment_fingerprint":`+fp+`}}`)
			if r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest {
				t.Errorf("payment_fingerprint %s: status %d", fp, r.Status)
			}
		}
		e.do("GET", "/api/v1/tenants/x1", store.ScopeAdmin, nil).must(t, http.StatusNotFound)
	})
}
