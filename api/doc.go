// Package api owns outpost's admin HTTP API under /api/v1: who may call which
// route (bearer tokens with scopes), the JSON shapes billing and support
// tooling script against, the HMAC-signed billing webhook and its idempotency,
// and the OpenAPI document (openapi.json, served at /api/v1/openapi.json).
// It calls quota through the consumer-owned Quotas interface (deps.go) and the
// shared store for tenants, tokens and the audit log.
//
// # Routes and scopes
//
// Scope admin may do everything. Reads are open to every valid token.
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
// # Extension point
//
// Review routes (GET /reviews, GET /reviews/{id}, POST /reviews/{id}/decision,
// GET /tenants/{id}/held, POST /feedback) are added with Options.Mount, which
// receives the /api/v1 router behind Authenticate: guard each route with
// RequireScope, read the caller with PrincipalFrom, answer with WriteJSON and
// WriteError (the same error mapping), and document it in openapi.json. When
// the review package's API is agreed, the routes belong in this package
// (reviews.go, with a consumer-owned Reviews interface in deps.go that may be
// nil), so that the OpenAPI route test covers them.
//
// # Wiring
//
//	h := api.New(api.Options{Store: db, Quotas: quotaManager,
//		BillingSecret: secret, Logger: log.With("component", "api")})
//	mux.Handle("/api/", h) // the handler routes the full /api/v1/... path
//
// The handler sets no server timeouts; the http.Server that serves it should.
package api
