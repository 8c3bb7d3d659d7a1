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
//     Commit and Release are idempotent. A Commit may count part of a
//     reservation and drop the rest (how a lease settles).
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
//     it at shutdown before closing the Redis client).
//
//   - Cost (BenchmarkPipeline/quota=redis, 20 sessions, 2 shared cores;
//     A/B against the unbatched code, back to back). The quota's share of
//     the relay process's CPU fell from ~8% to ~4-5.5% (pprof, focus
//     quota: the write/read syscalls of separate round trips went); the
//     extra CPU per message over bare (relay + redis-server) fell from
//     ~24% to ~14%; redis-server's CPU per message fell ~30% (fewer reads
//     and writes, and the scripts refresh only the TTLs of keys they add
//     to). Allocations per Reserve+Commit: 57 → 40 (keys cached per
//     budget, config arguments boxed once). What remains is mostly the
//     two scripts' time in Redis (~40 µs a message under load), dominated
//     by the number of redis.call()s; fewer would need a new key layout,
//     which a rolling upgrade cannot mix with the old one.
//
//   - Leases (Config.Lease; serve's --quota-lease-max, --quota-lease-ttl).
//     A budget far from its limit is served from a lease: one Reserve of k
//     recipients in the store, handed to this instance's messages in
//     process, then settled in one Commit that counts what its messages
//     committed and gives back the rest (Counter.Commit with N). k is at
//     most Lease.Max (64) and at most 1/Share (1/16) of the room the
//     budget had left at the store's last answer, so a budget with less
//     than 2×16 recipients of room — every trial tenant, every tenant near
//     its limit — is served one message at a time, exactly as without
//     leases. A lease hands out recipients for Lease.TTL (1 s), then
//     settles as soon as its last message is committed or released.
//     Exactness: a lease is an ordinary reservation, counted against the
//     limit from the moment it is taken, so the store never admits more
//     than the limit; what a lease costs is that another instance may be
//     refused while this one holds unused recipients, for at most a TTL
//     and at most 1/16 of what was left (a sender's retry after a second
//     finds them; TestQuotaLeasesExactThreeInstances). Used and Status
//     count a lease's unused recipients as pending until it settles. A
//     crashed holder's lease is committed whole at its expiry
//     (conservative, like any reservation). Leases are per (budget,
//     limit), so linked tenants with different limits never share one;
//     a limit lowered on another instance applies here within
//     LimitCacheTTL plus a lease TTL. Leases are skipped while the store is
//     failing or owed a replay. Taking, settling and failing are counted in
//     outpost_quota_leases_total.
//
//     Why: the per-message path costs Redis two scripts (~9 µs each of
//     Lua) and their I/O per message; on the relay's two cores that was
//     15–20% of its throughput. With leases of 64 the store sees two calls
//     per 64 messages. Measured on the idle 2-core machine (median of 4):
//     BenchmarkPipeline bare 7,610 msg/s, quota=redis 7,460 (2%),
//     quota=sql 7,260 (5%; it was 1,800–1,900 before leases),
//     quota=redis-per-message 6,350 (17%); BenchmarkReserveCommit in one
//     goroutine, Redis: 9,280 → 406,000 reserve+commit a second, p99 194 →
//     77 µs; SQLite 9,040 → 237,000.
//     Per-instance leases are the usual answer for distributed rate
//     limiters (e.g. token leasing in Google's Doorman); the alternative,
//     a leaner key layout, would have cut the per-message cost by half at
//     most and needed a migration of keys.
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
