// Package quota owns outpost's sending limits: plans and their default
// limits, the trust ladder support climbs, per-tenant limits with their full
// change history, the counters that enforce a limit over a rolling 24-hour
// window (Redis for several instances, SQL for the embedded default), the
// policy when the counter store is down, and earned-raise proposals. It
// knows nothing of SMTP or HTTP: smtpd calls Reserve/Commit/Release, api
// calls Status/SetPlan/Raise/History.
//
// Decisions:
//
//   - Unit and window. One recipient of one accepted message; a rolling
//     window (Config.Window, 24 h) counted in buckets (Config.BucketWidth,
//     15 min), so memory per budget is bounded by Window/BucketWidth+1
//     counters at any limit. A bucket counts until all of it has left the
//     window: a recipient counts for at least 24 h and a tenant is
//     under-admitted by at most one bucket's width, never over-admitted.
//
//   - Reserve → Commit / Release. Reserve checks and consumes in one atomic
//     step: committed + pending + n <= limit. Commit (upstream 250 or durable
//     hold) moves the reservation into the bucket of the commit time;
//     Release (temporary failure) drops it, so a failed delivery does not
//     burn quota and its retry, which reserves afresh, is counted once.
//     Commit and Release are idempotent.
//
//   - Abandoned reservations are COMMITTED at their expiry
//     (Config.ReservationTTL, 15 min), into the bucket of the expiry time.
//     A holder that crashed may have delivered the message before it could
//     commit; releasing would let the tenant exceed its limit, committing
//     can only under-admit. Committing in the expiry's bucket (never
//     earlier than the real send) keeps "never over the limit in any
//     window" true. ReservationTTL must exceed the relay's longest
//     delivery attempt.
//
//   - One atomic decision per operation. Redis: one Lua script per
//     operation over one budget's keys, which share the hash tag {budget}
//     (one slot: Cluster works), built in RedisCounter.keys with a
//     configurable prefix (model: go-redis/redis_rate). SQL: one
//     transaction per operation that locks the budget's row
//     (quota_counter_heads upsert; a row lock on PostgreSQL, the immediate
//     write lock on SQLite). Time comes from the Manager's clock, not the
//     store's, so instances' clocks must agree to well within a bucket
//     (NTP).
//
//   - Group pipelining (Redis). Calls made while another is in flight
//     queue, and go to Redis together in one pipeline as soon as it
//     returns (leader/follower, no timer): one write and one read for the
//     lot on both sides instead of one pair per call, which is most of the
//     client's CPU per message. A call made while none is in flight runs
//     alone at once. Each call is still its own atomic script, sent after
//     it was made and answered before it returns, so Commit and Release
//     keep their synchronous contract and exactness is untouched; only
//     round trips fall as load rises. A batch runs without its leader's
//     cancellation (one session giving up must not fail the others; the
//     client's timeouts bound it); a call whose context is done is not
//     sent. NOSCRIPT answers in a batch are re-run with the source.
//
//   - Queued settlement (Redis). A Commit or Release made while a call is
//     in flight does not wait: it is queued for the next batch and returns
//     nil (outpost_quota_settlements_queued_total); made while none is in
//     flight, or while the store is failing or owed a replay, it runs
//     synchronously as before and reports errors to its caller. This is
//     safe for exactness: until it lands the reservation is pending and
//     counts against the limit exactly as the committed recipients will; a
//     late Release only under-admits for a round trip; and a queued
//     settlement that fails (logged, outpost_quota_settle_errors_total,
//     outpost_quota_store_up 0) or is lost in a crash leaves the
//     reservation pending, to be committed at its expiry, as a failed
//     synchronous Commit always did. Queued calls are FIFO with the
//     Manager's later calls, so the instance that settled reads its own
//     settlement. Manager.Close waits until the queue has been sent (call
//     it at shutdown before closing the Redis client). Measured on the
//     relay (BenchmarkPipeline/quota=redis, 2 cores): the quota's share of
//     the process CPU fell from ~8% to ~4-5.5% (profiles), most of it the
//     syscalls of separate round trips; redis-server's share falls with
//     the number of reads and writes it serves too.
//
//   - Budgets. Usage is counted per budget id, the tenant id by default;
//     SetBudget links tenants (review: linked trials) into one shared
//     budget. Each tenant's own limit is checked against the shared usage.
//
//   - Limits live in SQL (quota_limits) and every change is one
//     transaction that writes the limit, tenants.plan, a quota_changes row
//     and an audit_log row. SetPlan to a plan whose default is not lower
//     keeps a higher earned limit (payment.succeeded: max(current, paid));
//     a move down resets to the plan's default. Raise is one ladder step at
//     most (×Factor, or explicit Steps, up to Cap) with a mandatory reason.
//     Limits are cached per instance for Config.LimitCacheTTL (5 s): a
//     change is seen at once by the Manager that made it, by others within
//     the TTL. Only successful reads are cached. While the database cannot
//     be read, a limit read within the last 10 minutes stands in for it;
//     after that Reserve answers ErrUnavailable.
//
//   - Fail policy (counter store unavailable). Per plan: FailRefuse
//     answers a temporary ErrUnavailable (default for trial); FailLocal
//     (default for every other plan) admits up to LocalFraction (10%) of the
//     daily limit per instance per window, counted in process. Never
//     unlimited: during an outage a paid tenant can send at most
//     instances × 10% on top of what the store had counted. Local
//     admissions are replayed into the store (Counter.Add, into the bucket
//     they were sent in) after the first successful call once it returns,
//     so the shared window counts them; they also keep counting against
//     the local limit for a later outage in the same window. Nothing
//     broken is remembered: every call tries the store first, so recovery
//     is automatic. go-redis itself, after PoolSize failed dials, fails
//     fast and probes the server once a second, so recovery follows within
//     about a second of the server's return. Configure the Redis client
//     with short DialTimeout/ReadTimeout/WriteTimeout (e.g. 200 ms),
//     MaxRetries 1 and DialerRetries 1 so an outage costs little per
//     message. A commit that fails while the store is down leaves the
//     reservation pending, to be committed at its expiry (safe). So does
//     an ambiguous failure (a timeout after the script ran): the stray
//     reservation over-counts until it expires, never under-counts.
//
//   - Metrics (RegisterMetrics): reservations by outcome (admitted,
//     exceeded, local, unavailable, error), whether the counter store is
//     up, the latency of each store call, recipients replayed after an
//     outage, settlements queued, and settlements the store failed.
//
//   - Status.Used is committed + pending recipients of the tenant's budget;
//     ResetsAt is when the oldest counted bucket leaves the window (now +
//     window when nothing is counted). ExceededError.ResetsAt is when
//     enough leaves for the refused request to fit.
//
//   - Earned raises. Each Commit adds to an in-process per-tenant daily
//     tally, flushed to quota_daily by Run (every minute) and before
//     ProposeEarnedRaises; a crash loses at most one interval of these
//     statistics, never quota accounting. A tenant at ≥ 80% of its limit on
//     each of the last 7 complete UTC days that the caller's clean
//     predicate accepts gets one open proposal (quota_proposals) for the
//     review queue.
package quota
