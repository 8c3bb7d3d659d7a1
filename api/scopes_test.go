package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/outpost-mail/outpost/internal/store"
)

// TestEveryRouteEveryScope drives every route with every kind of caller:
// each scope, no token, an unknown token and a revoked one.
func TestEveryRouteEveryScope(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		e.seed("acme", "trial", store.Signup{})
		type route struct {
			method, path string
			body         func(n int) (any, []string) // n makes each call unique
			ok           int
			scopes       []string // besides admin
		}
		reason := func(int) (any, []string) { return map[string]any{"reason": "scope test"}, nil }
		none := func(int) (any, []string) { return nil, nil }
		all := []string{store.ScopeSupport, store.ScopeBilling}
		routes := []route{
			{"POST", "/api/v1/tenants", func(n int) (any, []string) {
				return map[string]any{"id": fmt.Sprintf("new-%d", n), "plan": "trial"}, nil
			}, http.StatusCreated, []string{store.ScopeBilling}},
			{"GET", "/api/v1/tenants", none, http.StatusOK, all},
			{"GET", "/api/v1/tenants/acme", none, http.StatusOK, all},
			{"POST", "/api/v1/tenants/acme/quota", reason, http.StatusOK, []string{store.ScopeSupport}},
			{"GET", "/api/v1/tenants/acme/quota/history", none, http.StatusOK, all},
			{"POST", "/api/v1/tenants/acme/suspend", reason, http.StatusOK, []string{store.ScopeSupport}},
			{"POST", "/api/v1/tenants/acme/resume", reason, http.StatusOK, []string{store.ScopeSupport}},
			{"POST", "/api/v1/tenants/acme/rotate-secret", none, http.StatusOK, nil},
			{"POST", "/api/v1/billing/events", func(n int) (any, []string) {
				b := fmt.Appendf(nil, `{"id":"evt_scope_%d","type":"payment.succeeded","tenant_id":"acme","created":1}`, n)
				return b, nil
			}, http.StatusOK, []string{store.ScopeBilling}},
			{"GET", "/api/v1/openapi.json", none, http.StatusOK, nil}, // public: checked below
		}
		callers := []string{store.ScopeAdmin, store.ScopeSupport, store.ScopeBilling, "none", "bad", "revoked"}
		n := 0
		for _, rt := range routes {
			for _, who := range callers {
				t.Run(rt.method+" "+rt.path+" as "+who, func(t *testing.T) {
					n++
					body, _ := rt.body(n)
					var r resp
					if rt.path == "/api/v1/billing/events" {
						r = e.signed(who, body.([]byte))
					} else {
						r = e.do(rt.method, rt.path, who, body)
					}
					want, code := rt.ok, ""
					switch {
					case rt.path == "/api/v1/openapi.json":
					case who == "none" || who == "bad" || who == "revoked":
						want, code = http.StatusUnauthorized, "unauthorized"
					case who != store.ScopeAdmin && !slices.Contains(rt.scopes, who):
						want, code = http.StatusForbidden, "forbidden"
					}
					r.must(t, want)
					if code != "" {
						if got := r.errCode(t); got != code {
							t.Fatalf("error code %q, want %q", got, code)
						}
						if want == http.StatusUnauthorized && r.Header.Get("WWW-Authenticate") == "" {
							t.Fatal("401 without WWW-Authenticate")
						}
					}
				})
			}
		}
	})
}

// TestAuthorizationHeaderForms checks what counts as a bearer token.
func TestAuthorizationHeaderForms(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		tok := e.tokens[store.ScopeAdmin]
		for _, tc := range []struct {
			header string
			want   int
		}{
			{"Bearer " + tok, http.StatusOK},
			{"bearer " + tok, http.StatusOK},
			{"Basic " + tok, http.StatusUnauthorized},
			{tok, http.StatusUnauthorized},
			{"Bearer ", http.StatusUnauthorized},
			{"Bearer " + tok + "x", http.StatusUnauthorized},
		} {
			r := e.do("GET", "/api/v1/tenants", "none", nil, "Authorization", tc.header)
			if r.Status != tc.want {
				t.Errorf("Authorization %.12q...: status %d, want %d", tc.header, r.Status, tc.want)
			}
		}
	})
}
