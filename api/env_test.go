package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/api"
	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/internal/testenv"
)

// clock is a settable time source shared by the API and quota.
type clock = testenv.Clock

// env is the real API on a loopback HTTP server over a real store.
type env struct {
	t      *testing.T
	db     *store.DB
	srv    *httptest.Server
	clock  *clock
	quotas api.Quotas
	// reviews is a real review.Service on the same store, quota and clock,
	// with a recording deliverer and learner (reviews_env_test.go).
	reviews *reviewsEnv
	secret  []byte
	// tokens by name: "admin", "support", "billing", "revoked" (a revoked
	// support token), "bad" (never issued), "none" (no header).
	tokens map[string]string
	ids    map[string]string // token ids by name
}

const testBillingSecret = "whsec_test_0123456789abcdef"

// forBackends runs fn once on SQLite and once on a fresh PostgreSQL database.
func forBackends(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			if db == nil {
				return
			}
			fn(t, newEnv(t, db, nil))
		})
	}
}

func newEnv(t *testing.T, db *store.DB, tweak func(*api.Options)) *env {
	t.Helper()
	ctx := context.Background()
	c := testenv.NewClock(time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC))
	e := &env{t: t, db: db, clock: c, secret: []byte(testBillingSecret),
		tokens: map[string]string{"bad": "opt_" + store.NewSecret(), "none": ""}, ids: map[string]string{}}
	for _, s := range []string{store.ScopeAdmin, store.ScopeSupport, store.ScopeBilling} {
		tok, text, err := db.CreateToken(ctx, s, s+"-bot", "test")
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[s], e.ids[s] = text, tok.ID
	}
	tok, text, err := db.CreateToken(ctx, store.ScopeSupport, "gone", "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeToken(ctx, tok.ID, "test"); err != nil {
		t.Fatal(err)
	}
	e.tokens["revoked"], e.ids["revoked"] = text, tok.ID
	qm := newTestQuotas(t, db, c.Now)
	e.quotas = qm
	e.reviews = newReviewsEnv(t, db, qm, c.Now)
	opts := api.Options{Store: db, Quotas: e.quotas, Reviews: e.reviews.svc, BillingSecret: e.secret, Now: c.Now, MaxBodyBytes: 4096}
	if tweak != nil {
		tweak(&opts)
	}
	e.srv = httptest.NewServer(api.New(opts))
	t.Cleanup(e.srv.Close)
	return e
}

// resp is one answer.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("answer is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// errCode returns the error code of an error answer, failing on any other shape.
func (r resp) errCode(t *testing.T) string {
	t.Helper()
	var b struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil || b.Error == nil || b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("not an error answer {\"error\":{\"code\",\"message\"}} (status %d): %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error answer has Content-Type %q", ct)
	}
	return b.Error.Code
}

// do sends a request with the named token; body is a string, []byte or a
// value to encode as JSON (nil: no body).
func (e *env) do(method, path, token string, body any, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		text, ok := e.tokens[token]
		if !ok {
			e.t.Fatalf("no token %q", token)
		}
		if text != "" {
			req.Header.Set("Authorization", "Bearer "+text)
		}
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// must checks the status, showing the body when it differs.
func (r resp) must(t *testing.T, status int) resp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

// seed makes a tenant directly in the store and quota (no bcrypt), for
// tests about other routes.
func (e *env) seed(id, plan string, signup store.Signup) {
	e.t.Helper()
	ctx := context.Background()
	if err := e.db.CreateTenant(ctx, store.Tenant{ID: id, Plan: plan, Signup: signup, CreatedAt: e.clock.Now()}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.quotas.InitTenant(ctx, id, plan, "test"); err != nil {
		e.t.Fatal(err)
	}
}

// signed sends a billing event signed at the clock's time with the token.
func (e *env) signed(token string, body []byte) resp {
	e.t.Helper()
	return e.do("POST", "/api/v1/billing/events", token, body,
		api.SignatureHeader, api.Sign(e.secret, e.clock.Now(), body))
}

func (e *env) auditCount(action, subject string) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = ? AND subject = ?`,
		action, subject).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) lastAudit(action, subject string) store.AuditEntry {
	e.t.Helper()
	entries, err := e.db.AuditLog(context.Background(), subject, 0, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range entries {
		if a.Action == action {
			return a
		}
	}
	e.t.Fatalf("no audit entry %s for %s", action, subject)
	return store.AuditEntry{}
}

func decodeInto(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

func testenvSQLite(t *testing.T) *store.DB { return testenv.SQLite(t) }
