package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/outpost-mail/outpost/internal/store"
)

// Principal is the caller behind a bearer token.
type Principal struct {
	TokenID string
	Name    string
	Scope   string // store.ScopeAdmin, ScopeSupport or ScopeBilling
}

// Actor is how the principal appears in audit records and quota history:
// "token:<id> (<scope>) <name>".
func (p Principal) Actor() string {
	s := "token:" + p.TokenID + " (" + p.Scope + ")"
	if p.Name != "" {
		s += " " + p.Name
	}
	return s
}

// Allowed reports whether the principal may use a route open to scopes.
// Admin may use every route.
func (p Principal) Allowed(scopes ...string) bool {
	if p.Scope == store.ScopeAdmin {
		return true
	}
	for _, s := range scopes {
		if p.Scope == s {
			return true
		}
	}
	return false
}

type principalKey struct{}

// PrincipalFrom returns the principal Authenticate put in ctx.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// TokenLookup finds a live API token by its text; *store.DB implements it.
type TokenLookup interface {
	TokenBySecret(ctx context.Context, secret string) (store.Token, error)
}

var _ TokenLookup = (*store.DB)(nil)

// Authenticate is middleware that requires "Authorization: Bearer <token>"
// naming a live token, and puts its Principal in the request context. A
// missing, unknown or revoked token answers 401 unauthorized; a store failure
// answers 503.
func Authenticate(tokens TokenLookup, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			secret, ok := bearer(r.Header.Get("Authorization"))
			if !ok {
				writeError(w, r, log, errorf(http.StatusUnauthorized, CodeUnauthorized, "a bearer token is required"))
				return
			}
			tok, err := tokens.TokenBySecret(r.Context(), secret)
			if errors.Is(err, store.ErrNotFound) {
				writeError(w, r, log, errorf(http.StatusUnauthorized, CodeUnauthorized, "unknown or revoked token"))
				return
			}
			if err != nil {
				writeError(w, r, log, errUnavailable(err))
				return
			}
			p := Principal{TokenID: tok.ID, Name: tok.Name, Scope: tok.Scope}
			if n, ok := r.Context().Value(noteKey{}).(*requestNote); ok {
				n.tokenID = tok.ID
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
		})
	}
}

// RequireScope is middleware that lets through principals holding one of
// scopes (admin always passes) and answers 403 forbidden to the others. Use
// it behind Authenticate.
func RequireScope(log *slog.Logger, scopes ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := PrincipalFrom(r.Context())
			if !ok {
				writeError(w, r, log, errorf(http.StatusUnauthorized, CodeUnauthorized, "a bearer token is required"))
				return
			}
			if !p.Allowed(scopes...) {
				writeError(w, r, log, errorf(http.StatusForbidden, CodeForbidden,
					"this route needs scope "+strings.Join(append([]string{store.ScopeAdmin}, scopes...), " or ")))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func bearer(h string) (string, bool) {
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	tok := strings.TrimSpace(h[len(prefix):])
	if tok == "" || len(tok) > 512 {
		return "", false
	}
	return tok, true
}

// unavailableError marks a dependency failure as temporary (503).
type unavailableError struct{ err error }

func (e unavailableError) Error() string   { return "unavailable: " + e.err.Error() }
func (e unavailableError) Unwrap() error   { return e.err }
func (e unavailableError) Temporary() bool { return true }

func errUnavailable(err error) error { return unavailableError{err} }
