package api_test

import (
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/outpost-mail/outpost/api"
	"github.com/outpost-mail/outpost/internal/store"
)

// TestMountExtension: routes added through Options.Mount sit behind
// Authenticate, can use RequireScope, and see the caller's Principal.
func TestMountExtension(t *testing.T) {
	e := newEnv(t, testenvSQLite(t), func(o *api.Options) {
		o.Mount = func(r chi.Router) {
			r.With(api.RequireScope(nil, store.ScopeSupport)).Get("/reviews", func(w http.ResponseWriter, r *http.Request) {
				p, ok := api.PrincipalFrom(r.Context())
				if !ok {
					http.Error(w, "no principal", 500)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"items":[],"next":"","actor":"` + p.Actor() + `"}`))
			})
		}
	})
	e.do("GET", "/api/v1/reviews", "none", nil).must(t, http.StatusUnauthorized)
	e.do("GET", "/api/v1/reviews", "revoked", nil).must(t, http.StatusUnauthorized)
	if c := e.do("GET", "/api/v1/reviews", store.ScopeBilling, nil).must(t, http.StatusForbidden).errCode(t); c != "forbidden" {
		t.Fatal(c)
	}
	e.do("GET", "/api/v1/reviews", store.ScopeAdmin, nil).must(t, http.StatusOK)
	m := e.do("GET", "/api/v1/reviews", store.ScopeSupport, nil).must(t, http.StatusOK).json(t)
	if m["actor"] != "token:"+e.ids[store.ScopeSupport]+" (support) support-bot" {
		t.Fatalf("actor %v", m["actor"])
	}
}
