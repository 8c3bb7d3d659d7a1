// Package api owns outpost's admin HTTP API under /api/v1: who may call which
// route (bearer tokens with scopes), the JSON shapes billing and support
// tooling script against, the HMAC-signed billing webhook and its idempotency,
// and the OpenAPI document (openapi.json, served at /api/v1/openapi.json).
// It calls quota through the consumer-owned Quotas interface (deps.go), review
// through Reviews (reviews_deps.go; optional), and the shared store for
// tenants, tokens and the audit log.
//
// # Routes and scopes
//
// Scope admin may do everything. Tenant reads are open to every valid token;
// review routes are for support.
//
//	GET  /api/v1/openapi.json               no token
//	POST /api/v1/tenants                    admin, billing (provisioning creates tenants)
//	GET  /api/v1/tenants                    admin, support, billing
//	GET  /api/v1/tenants/{id}               admin, support, billing
//	POST /api/v1/tenants/{id}/quota         admin, support
//	GET  /api/v1/tenants/{id}/quota/history admin, support, billing
//	POST /api/v1/tenants/{id}/suspend       admin, support
//	POST /api/v1/tenants/{id}/resume        admin, support
//	POST /api/v1/tenants/{id}/rotate-secret admin
//	POST /api/v1/billing/events             admin, billing, AND a valid Outpost-Signature
//
// With Options.Reviews (absent otherwise; openapi.json marks them
// "x-outpost-requires": "reviews"):
//
//	GET  /api/v1/reviews                    admin, support (?state=open|closed|approved|rejected|all,
//	                                        min_priority, assignee, tenant_id, campaign_id, limit, cursor)
//	GET  /api/v1/reviews/{id}               admin, support
//	POST /api/v1/reviews/{id}/decision      admin, support
//	POST /api/v1/reviews/{id}/assign        admin, support
//	POST /api/v1/reviews/{id}/notes         admin, support
//	POST /api/v1/campaigns/{id}/decision    admin, support
//	GET  /api/v1/tenants/{id}/held          admin, support (?state=held|queued|sent|failed|discarded|all)
//	GET  /api/v1/held/{id}                  admin, support
//	POST /api/v1/held/{id}/release          admin, support
//	POST /api/v1/held/{id}/discard          admin, support
//	POST /api/v1/feedback                   admin, support (the feedback-loop processor holds a support token)
//
// # Decisions
//
//   - Errors are mapped to HTTP in one place (errors.go) and always answer
//     {"error":{"code","message"}} with a stable code: bad_request,
//     invalid_json, unauthorized, signature_missing, signature_invalid,
//     signature_stale, forbidden, not_found, conflict, too_large, validation,
//     internal, unavailable. A 500 never carries internal detail; the detail
//     goes to the injected logger.
//   - Request bodies are strict (DisallowUnknownFields, one JSON value, a size
//     limit answering 413). The one exception is the billing webhook, whose
//     schema belongs to the billing system: it ignores fields it does not know,
//     which is safe because the whole raw body is authenticated by the HMAC.
//   - Tenant ids come only from the path and must pass store.ValidTenantID
//     (400 otherwise), so no route reaches one tenant's data through another's id.
//   - Every state change is audited with the actor "token:<id> (<scope>) <name>":
//     tenant creation and billing events by this package, status and secret
//     changes by store, quota changes by quota.
//   - Resume only lifts a suspension: a tenant in "review" is released by its
//     review case, not by this route (409). Suspend and resume are idempotent.
//   - Webhook: both a billing (or admin) bearer token and the signature
//     "Outpost-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>"
//     are required; several v1 values are allowed (secret rotation); the
//     timestamp must be within 5 minutes of now, either way. Events are
//     idempotent by id (table billing_events): a replay answers the first
//     status and body with the header Outpost-Replay: true and takes no
//     effect; the same id with a different body is 409. payment.succeeded
//     moves the tenant to the "paid" plan (no-op, outcome "unchanged", when it
//     is already paid); any other type is recorded as "ignored" and answered
//     200 so the billing system does not retry it forever. An event for a
//     tenant that does not exist yet answers 404 and is not recorded, so the
//     billing system's retry succeeds once provisioning has caught up. A
//     failure while applying removes the claim, so a retry applies it again.
//   - Lists answer {"items":[...],"next":"<cursor>"} with an opaque cursor
//     and ?limit= (default 50, at most 200).
//   - The GET /tenants/{id} quota comes from quota.Status; when the counter
//     store is unavailable the route answers 503, never a guessed quota.
//
// # Review routes
//
//   - Every review route is for people (support, admin); billing is refused.
//     POST /feedback takes the same scopes rather than a new one: the
//     feedback-loop processor is given a support token. Review audits every
//     state change itself (store.AuditTx) with the caller's actor string;
//     this package adds one "feedback.batch" row per feedback batch.
//   - Case, campaign and held-message ids are positive integers (400
//     otherwise); review's ErrNotFound, ErrConflict and ErrInvalid map to
//     404, 409 and 422 in toHTTP (reviewerr.go).
//   - Decisions: {"decision":"approve|reject","raise_quota":bool,"note":"…"}.
//     A reject needs a note (it suspends a tenant; the note is the reason the
//     tenant is told); raise_quota goes only with approve. A decided case is
//     final: deciding it again, even the same way, is 409, so a double submit
//     cannot raise a quota twice. The answer says what happened: released or
//     discarded counts, messages learned, the tenant's new status, and with
//     raise_quota the old and new limit. If the case was approved but the
//     raise failed (top of the ladder), the answer is still 200 with
//     quota_raised false and quota_error, since the decision itself stands.
//   - Campaign decisions take the same body but refuse raise_quota (quotas
//     are raised case by case); a settled campaign is 409.
//   - Held mail is metadata only (envelope, subject, score, signals, state):
//     no route returns a message body; the console renders samples safely.
//     GET /tenants/{id}/held lists state "held" unless ?state= says otherwise.
//     Single messages are released ({"note"}) or discarded ({"note","spam"});
//     a message no longer held is 409.
//   - POST /feedback: {"events":[{"id","type":"bounce|complaint","tenant_id",
//     "recipient","queue_id","at"}]}, at most 1000 events (413 above) and
//     1 MiB (MaxBodyBytes when larger). Events are idempotent by id: a
//     replay counts as duplicates and has no effect, so a failed batch is
//     retried whole. An invalid event (or one for an unknown tenant) is
//     rejected alone and listed with its index; the others are recorded.
//     Bounces are hard bounces; the sender filters soft ones.
//   - Case lists are ordered by priority then id, both descending; state
//     "closed" merges approved and rejected pages.
//   - With Reviews, POST /tenants calls Reviews.RegisterTenant with the
//     signup traits and an optional signup.payment_fingerprint (never shown
//     back) before answering, so linked-tenant detection sees every tenant;
//     if that fails the tenant is removed again and the call can be retried.
//
// # Extension point
//
// Options.Mount receives the /api/v1 router behind Authenticate, for routes
// owned elsewhere: guard each route with RequireScope, read the caller with
// PrincipalFrom, answer with WriteJSON and WriteError (the same error
// mapping), and document it in openapi.json.
//
// # Wiring
//
//	h := api.New(api.Options{Store: db, Quotas: quotaManager, Reviews: reviewService,
//		BillingSecret: secret, Logger: log.With("component", "api")})
//	mux.Handle("/api/", h) // the handler routes the full /api/v1/... path
//
// The handler sets no server timeouts; the http.Server that serves it should.
package api
