// Package smtpd is outpost's SMTP front: it authenticates tenants, enforces
// the SMTP limits, checks each message, asks quota and inspection what to do
// with it, and relays it through a pool of upstream connections, DKIM-signed.
// It owns the decision "may this SMTP transaction go through, and what do we
// answer"; quota, scoring and review plug in through the interfaces in
// deps.go.
//
// # Pass-through relay
//
// MAIL FROM and each RCPT TO are proxied live to an upstream inside the
// client's transaction, so the upstream's per-recipient 4xx/5xx reaches the
// client for exactly that recipient, and the upstream sees the envelope
// exactly as the client sent it. The body is buffered (bounded by
// MaxMessageBytes), checked, then: tenant (AUTH, or X-Outpost-Tenant from a
// trusted network) → Quota.Reserve(accepted recipients) → Inspector.Inspect
// → relay (DATA upstream; Commit on its 250, Release otherwise) | hold
// (Holder.Hold; Commit) | reject (Release; 550 5.7.1). The client gets 250
// only after the upstream's 250 (or a durable hold); when no upstream can
// take the message it gets 451 4.4.x so its own queue retries. outpost never
// owns relayed mail.
//
// The upstream Relay pool spreads transactions round-robin over the
// upstreams that are up, marks one down when it cannot be reached and tries
// it again after a doubling back-off (UpstreamRetryMin..Max), reuses
// connections (NOOP check after UpstreamIdleCheck idle, closed after
// UpstreamMaxAge). A completed DATA leaves an upstream session in its
// initial state (RFC 5321 §4.1.1.4), so RSET is sent only after an aborted
// transaction.
//
// # Authentication
//
// AUTH PLAIN and LOGIN (username = tenant id) are offered only after
// STARTTLS; AllowInsecureAuth lifts that for loopback clients only. Secrets
// are bcrypt hashes (store.CheckSecret). Successful checks are cached in
// memory, keyed by SHA-256 of (tenant, secret, stored hash), for
// AuthCacheTTL, at most AuthCacheSize entries: a busy tenant's mail workers
// reconnecting do not pay bcrypt each time, a rotated secret never matches a
// stale entry, and no secret is kept. Unknown tenants cost the same bcrypt
// time and get the same 535 5.7.8 as a wrong secret. MaxAuthFailures in
// AuthFailureWindow from one IP start a cool-down (454 4.7.0 to AUTH, 421
// 4.7.0 at connect). Clients in TrustedNets may skip AUTH and name the tenant
// in X-Outpost-Tenant; the header is always removed before relaying, and one
// naming another tenant than the authenticated one is refused. Without AUTH
// and outside TrustedNets, MAIL gets 530 5.7.0: no open relay.
//
// The tenant record is read again at the end of DATA (a suspension stops
// mail from connected clients), through a cache of TenantCacheTTL (2 s by
// default) so a busy session does not query the database per message.
//
// # Message checks and SMTP smuggling
//
// go-smtp ends DATA only at <CRLF>.<CRLF> and passes bare LF and bare CR
// through; smtpd refuses any bare LF, bare CR or NUL and any line longer
// than MaxLineLength (554 5.6.0), so "\n.\n", "\r.\r", "\n.\r\n" and similar
// end-of-data tricks never reach an upstream; what is relayed is re-encoded
// with canonical CRLF and dot-stuffing. One case is invisible to us: go-smtp
// drops ".\r" at the start of a line when anything but LF follows, so
// "\r\n.\rMAIL FROM..." arrives as the ordinary line "MAIL FROM..."; it is
// relayed as body text inside the one message, which is harmless (tested).
// Towards plain-text upstreams the dot-stuffed message is written with one
// writev instead of go-smtp's byte-wise DotWriter (fuzzed to produce the
// same bytes); TLS upstreams use the DotWriter.
//
// # DKIM
//
// A relayed or delivered message is signed (relaxed/relaxed, SHA-256, the
// RFC 6376 §5.4.1 header set) with the newest key whose domain equals the
// From header's domain; no key, no signature. Keys come from a DKIMKeySource
// (store.DB) at New and every DKIMRefresh; a failed refresh keeps the old
// keys, an unusable key is logged and skipped, a signing error relays the
// message unsigned (logged). ParseDKIMKey and GenerateDKIMKey serve
// "outpost dkim add".
//
// # Context and shutdown
//
// go-smtp's Session has no context: each session derives one from the
// server's base context, and each command runs under a timeout derived from
// it (CommandTimeout, DataTimeout); cancelling the base context aborts
// upstream commands. Shutdown first stops taking work (new connections get
// 421 4.3.2, idle sessions are closed between transactions), then cancels
// what is left after the grace period.
//
// # Observability
//
// Each transaction logs exactly one structured line ("smtp transaction":
// conn, queue_id, tenant, message_id, rcpts, outcome
// relayed|held|rejected|failed, reason, upstream, reply, bytes, duration);
// a transaction the client abandons (RSET, QUIT) is logged as failed with
// reason smtp.reset or smtp.disconnect. Metrics (registered on
// Options.Registerer): outpost_smtp_transactions_total{outcome},
// outpost_upstream_up{upstream}, outpost_relay_duration_seconds,
// outpost_smtp_connections_refused_total{reason}.
//
// # Benchmark
//
//	go test -run '^$' -bench BenchmarkRelay -benchtime 3000x ./smtpd
//
// compares N keep-alive sessions sending straight to a go-smtp sink with
// the same sessions going through outpost (STARTTLS, AUTH once) to it.
package smtpd
