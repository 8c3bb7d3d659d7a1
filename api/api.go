package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/outpost-mail/outpost/internal/store"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// DefaultMaxBodyBytes is the request body limit when Options leaves it zero.
const DefaultMaxBodyBytes = 64 << 10

// SignatureTolerance is how far a webhook's signed timestamp may be from now.
const SignatureTolerance = 5 * time.Minute

// Options configures the API. Store and Quotas are required.
type Options struct {
	// Store holds tenants, tokens, the audit log and billing_events (0005).
	Store *store.DB
	// Quotas is the quota manager (*quota.Manager).
	Quotas Quotas
	// BillingSecret is the HMAC-SHA256 key the billing system signs webhook
	// bodies with. Empty: POST /billing/events answers 503.
	BillingSecret []byte
	// Logger receives one line per request and the detail of internal
	// errors. Default: discard.
	Logger *slog.Logger
	// Now is the clock (webhook tolerance, record times). Default time.Now.
	Now func() time.Time
	// MaxBodyBytes limits request bodies (413 above). Default 64 KiB.
	MaxBodyBytes int64
	// PaidPlan is the plan payment.succeeded moves a tenant to. Default "paid".
	PaidPlan string
	// DefaultPlan is the plan of a tenant created without one. Default "trial".
	DefaultPlan string
	// Reviews is the review service (*review.Service). Optional: when nil
	// the review routes (GET /reviews, POST /feedback, ...) are absent and
	// POST /tenants does not register signup traits with review.
	Reviews Reviews
	// Mount, when set, is called with the /api/v1 router behind Authenticate
	// to add routes owned elsewhere (the review routes). Guard each with
	// RequireScope and document it in openapi.json.
	Mount func(r chi.Router)
}

// API serves the admin HTTP API. Build it with New.
type API struct {
	db          *store.DB
	quotas      Quotas
	reviews     Reviews
	secret      []byte
	log         *slog.Logger
	now         func() time.Time
	maxBody     int64
	paidPlan    string
	defaultPlan string
}

// New returns the admin API's handler, with every route under /api/v1. The
// handler is a chi.Router, so chi.Walk can list its routes.
//
// New panics when Store or Quotas is nil: that is a wiring mistake.
func New(opts Options) http.Handler {
	if opts.Store == nil || opts.Quotas == nil {
		panic("api.New: Options.Store and Options.Quotas are required")
	}
	a := &API{
		db:          opts.Store,
		quotas:      opts.Quotas,
		reviews:     opts.Reviews,
		secret:      opts.BillingSecret,
		log:         opts.Logger,
		now:         opts.Now,
		maxBody:     opts.MaxBodyBytes,
		paidPlan:    opts.PaidPlan,
		defaultPlan: opts.DefaultPlan,
	}
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.maxBody <= 0 {
		a.maxBody = DefaultMaxBodyBytes
	}
	if a.paidPlan == "" {
		a.paidPlan = "paid"
	}
	if a.defaultPlan == "" {
		a.defaultPlan = "trial"
	}
	return a.routes(opts.Mount)
}

func (a *API) routes(mount func(chi.Router)) chi.Router {
	r := chi.NewRouter()
	r.NotFound(func(w http.ResponseWriter, req *http.Request) {
		writeError(w, req, a.log, errorf(http.StatusNotFound, CodeNotFound, "no such route"))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		writeError(w, req, a.log, errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "method not allowed on this route"))
	})
	r.Use(a.accessLog)
	r.Route(Prefix, func(r chi.Router) {
		r.Get("/openapi.json", a.serveOpenAPI)
		r.Group(func(r chi.Router) {
			r.Use(Authenticate(a.db, a.log))
			scoped := func(scopes ...string) chi.Router { return r.With(RequireScope(a.log, scopes...)) }
			read := scoped(store.ScopeSupport, store.ScopeBilling)
			support := scoped(store.ScopeSupport)

			scoped(store.ScopeBilling).Post("/tenants", a.handle(a.createTenant))
			read.Get("/tenants", a.handle(a.listTenants))
			read.Get("/tenants/{id}", a.handle(a.getTenant))
			support.Post("/tenants/{id}/quota", a.handle(a.raiseQuota))
			read.Get("/tenants/{id}/quota/history", a.handle(a.quotaHistory))
			support.Post("/tenants/{id}/suspend", a.handle(a.suspendTenant))
			support.Post("/tenants/{id}/resume", a.handle(a.resumeTenant))
			scoped().Post("/tenants/{id}/rotate-secret", a.handle(a.rotateSecret))
			scoped(store.ScopeBilling).Post("/billing/events", a.handle(a.billingEvent))
			if a.reviews != nil {
				a.reviewRoutes(support)
			}
			if mount != nil {
				mount(r)
			}
		})
	})
	return r
}

// handle adapts a handler that returns an error; the error is answered by
// writeError, the one place that maps errors to HTTP.
func (a *API) handle(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, r, a.log, err)
		}
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// requestNote is filled in by Authenticate for the access log line.
type requestNote struct{ tokenID string }

type noteKey struct{}

// accessLog writes one line per request: route pattern, status, duration
// and the token's id (never the token, never the body).
func (a *API) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		note := &requestNote{}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), noteKey{}, note)))
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration", time.Since(start).Round(time.Microsecond)}
		if note.tokenID != "" {
			attrs = append(attrs, "token", note.tokenID)
		}
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			attrs = append(attrs, "route", rc.RoutePattern())
		}
		a.log.InfoContext(r.Context(), "api request", attrs...)
	})
}
