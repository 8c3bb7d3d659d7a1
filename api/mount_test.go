package api_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/outpost-mail/outpost/api"
	"github.com/outpost-mail/outpost/internal/store"
)

// TestMountExtension: routes added through Options.Mount sit behind
// Authenticate, can use RequireScope, and see the caller's Principal.
func TestMountExtension(t *testing.T) {
	var logs syncBuffer
	e := newEnv(t, testenvSQLite(t), func(o *api.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
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
	// One access line per request naming the token's id, never its text.
	out := logs.String()
	if !strings.Contains(out, "token="+e.ids[store.ScopeSupport]) || !strings.Contains(out, "route=/api/v1/reviews") {
		t.Fatalf("access log lacks the token id or route:\n%s", out)
	}
	for _, name := range []string{store.ScopeAdmin, store.ScopeSupport, store.ScopeBilling, "revoked"} {
		if strings.Contains(out, e.tokens[name]) {
			t.Fatalf("access log shows the %s token itself", name)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
