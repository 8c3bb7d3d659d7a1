package quota

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
)

// Manager decides quotas: limits and plans from SQL, usage from a Counter.
// It is safe for concurrent use; one per process.
type Manager struct {
	db     *store.DB
	c      Counter
	local  *memoryCounter // FailLocal admissions while c is down
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	newID  func() string
	met    *metrics
	failed atomic.Bool // last counter call failed (for logging transitions only)

	mu    sync.Mutex
	cache map[string]limitEntry
	daily map[dayKey]*dayUsage // committed recipients not yet flushed to quota_daily
	owed  map[owedKey]int64    // local admissions not yet replayed into c
	// hasOwed is set while owed is not empty, so the hot path need not lock.
	hasOwed atomic.Bool

	leases leases
}

type owedKey struct {
	budget string
	bucket int64 // bucket start, ms
}

// maxStaleLimit is how long a cached limit may stand in for the database
// while the database cannot be read.
const maxStaleLimit = 10 * time.Minute

type limitEntry struct {
	lim     tenantLimit
	fetched time.Time
}

// tenantLimit is what Reserve needs to know of a tenant.
type tenantLimit struct {
	Plan   string
	Limit  int64
	Budget string
}

type dayKey struct {
	tenant string
	day    int64 // UTC midnight, ms
}

type dayUsage struct{ sent, limit int64 }

// NewManager returns a Manager. cfg is validated (an invalid Config panics:
// it is a wiring bug); logger may be nil; now defaults to time.Now.
func NewManager(db *store.DB, c Counter, cfg Config, logger *slog.Logger, now func() time.Time) *Manager {
	if err := cfg.validate(); err != nil {
		panic(err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Manager{
		db: db, c: c, local: newMemoryCounter(), cfg: cfg, log: logger, now: now,
		newID: randomID, met: newMetrics(),
		cache: map[string]limitEntry{},
		daily: map[dayKey]*dayUsage{},
		owed:  map[owedKey]int64{},

		leases: leases{slots: map[leaseKey]*leaseSlot{}, unused: map[string]int64{}},
	}
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Reservation holds n recipients of one message against a tenant's budget
// until Commit or Release. Exactly one of them counts; later calls are
// no-ops. A reservation neither committed nor released is committed by the
// counter after Config.ReservationTTL.
type Reservation struct {
	m      *Manager
	ID     string
	Tenant string
	Budget string
	N      int64
	Limit  int64
	local  bool   // admitted by the FailLocal policy; settled in process
	lease  *lease // served from this instance's lease; settled in process
	mu     sync.Mutex
	done   bool
}

// Reserve holds n recipients for tenantID. It returns an *ExceededError when
// the budget's window has no room, and an error matching ErrUnavailable when
// the store is down and the fail policy refuses.
func (m *Manager) Reserve(ctx context.Context, tenantID string, n int) (*Reservation, error) {
	r, err := m.reserve(ctx, tenantID, n)
	var outcome string
	var ex *ExceededError
	switch {
	case err == nil && r.local:
		outcome = outcomeLocal
	case err == nil:
		outcome = outcomeAdmitted
	case errors.As(err, &ex):
		outcome = outcomeExceeded
	case errors.Is(err, ErrUnavailable):
		outcome = outcomeUnavailable
	default:
		outcome = outcomeError
	}
	m.met.reservations.WithLabelValues(outcome).Inc()
	return r, err
}

func (m *Manager) reserve(ctx context.Context, tenantID string, n int) (*Reservation, error) {
	if n <= 0 {
		return nil, invalid("reserve %d recipients", n)
	}
	lim, err := m.limit(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	now := m.now()
	if m.cfg.Lease.on() && !m.failed.Load() && !m.hasOwed.Load() {
		if r, ok := m.reserveLeased(ctx, tenantID, lim, int64(n), now); ok {
			return r, nil
		}
	}
	req := m.request(lim.Budget, now)
	req.ID, req.N, req.Limit, req.Expires = m.newID(), int64(n), lim.Limit, now.Add(m.cfg.ReservationTTL)
	t0 := time.Now()
	u, ok, err := m.c.Reserve(ctx, req)
	m.met.storeLatency.Observe(time.Since(t0).Seconds())
	local := false
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, fmt.Errorf("quota: reserve for %s: %w", tenantID, cerr)
		}
		m.noteFailure("reserve", err)
		mode := m.cfg.Fail.Mode(lim.Plan)
		if mode != FailLocal {
			return nil, &UnavailableError{Tenant: tenantID, Op: "reserve", Err: err}
		}
		localLimit := int64(math.Floor(float64(lim.Limit) * m.cfg.Fail.LocalFraction))
		req.Limit = localLimit
		u, ok, _ = m.local.Reserve(ctx, req)
		if !ok {
			m.log.Warn("quota: local fail-safe limit reached", "tenant", tenantID, "budget", lim.Budget,
				"local_limit", localLimit, "used_locally", u.Used())
			return nil, &UnavailableError{Tenant: tenantID, Op: "reserve", Err: fmt.Errorf("%w (local fail-safe limit %d of %d reached)", err, localLimit, lim.Limit)}
		}
		local = true
	} else {
		m.noteSuccess(ctx)
		room := lim.Limit - u.Used()
		if ok {
			room -= int64(n)
		}
		m.noteRoom(leaseKey{budget: lim.Budget, limit: lim.Limit}, room, int64(n))
		if !ok {
			return nil, &ExceededError{Tenant: tenantID, Limit: lim.Limit, Used: u.Used(), Requested: int64(n),
				ResetsAt: resetsAt(u, u.Used()+int64(n)-lim.Limit, now, m.cfg.Window, m.cfg.BucketWidth)}
		}
	}
	return &Reservation{m: m, ID: req.ID, Tenant: tenantID, Budget: lim.Budget, N: int64(n), Limit: lim.Limit, local: local}, nil
}

func (m *Manager) request(budget string, now time.Time) Request {
	return Request{Budget: budget, Now: now, Window: m.cfg.Window, Bucket: m.cfg.BucketWidth}
}

func (m *Manager) counterFor(local bool) Counter {
	if local {
		return m.local
	}
	return m.c
}

// Commit counts the reservation (the upstream said 250, or the message is
// durably held). Calling it again, or after Release, does nothing. On a
// busy Redis counter it may queue the commit behind the calls in flight and
// return nil at once; a queued commit that fails is logged and metered, and
// the reservation is committed at its expiry (see doc.go).
func (r *Reservation) Commit(ctx context.Context) error { return r.settle(ctx, true) }

// Release gives the reservation back (temporary failure: the message was not
// sent and its retry will reserve again). Calling it again, or after Commit,
// does nothing. If the reservation already expired it was committed and
// stays counted. Like Commit it may be queued (it then lands within a
// round trip; until then the reservation still counts).
func (r *Reservation) Release(ctx context.Context) error { return r.settle(ctx, false) }

func (r *Reservation) settle(ctx context.Context, commit bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return nil
	}
	m := r.m
	now := m.now()
	if r.lease != nil {
		m.settleLeased(r.lease, r.N, commit)
		r.done = true
		if commit {
			m.recordDaily(r.Tenant, now, r.N, r.Limit)
		}
		return nil
	}
	req := m.request(r.Budget, now)
	req.ID = r.ID
	c := m.counterFor(r.local)
	op, f := "release", c.Release
	if commit {
		op, f = "commit", c.Commit
	}
	t0 := time.Now()
	if m.settleAsync(ctx, r, req, commit, op, t0) {
		m.met.settleQueued.Inc()
		r.done = true
		if commit {
			m.recordDaily(r.Tenant, now, r.N, r.Limit)
		}
		return nil
	}
	found, err := f(ctx, req)
	if !r.local {
		m.met.storeLatency.Observe(time.Since(t0).Seconds())
	}
	if err != nil {
		if !r.local {
			m.noteFailure(op, err)
			m.met.settleErrors.WithLabelValues(op).Inc()
		}
		// The reservation stays pending and is committed at its expiry:
		// safe for the limit either way.
		return &UnavailableError{Tenant: r.Tenant, Op: op, Err: err}
	}
	if r.local {
		if found && commit {
			m.owe(r.Budget, bucketStart(now, m.cfg.BucketWidth), r.N)
		}
	} else {
		m.noteSuccess(ctx)
	}
	r.done = true
	if !found {
		m.log.Warn("quota: reservation already settled by expiry", "tenant", r.Tenant, "budget", r.Budget,
			"reservation", r.ID, "op", op)
	}
	if commit {
		m.recordDaily(r.Tenant, now, r.N, r.Limit)
	}
	return nil
}

// asyncSettler is a Counter that can queue a Commit or Release behind the
// calls in flight instead of waiting for it (RedisCounter).
type asyncSettler interface {
	settleAsync(ctx context.Context, r Request, commit bool, done func(found bool, err error)) bool
	flush(ctx context.Context) error
}

// settleAsync queues r's settlement when the store is busy and healthy,
// and reports whether it did. The answer is logged and metered when it
// comes: a failure leaves the reservation pending, to be committed at its
// expiry, as a synchronous failure would. While the store is failing (or
// owed a replay) settlements stay synchronous, so the caller hears of it.
func (m *Manager) settleAsync(ctx context.Context, r *Reservation, req Request, commit bool, op string, t0 time.Time) bool {
	a, ok := m.c.(asyncSettler)
	if !ok || r.local || m.failed.Load() || m.hasOwed.Load() {
		return false
	}
	return a.settleAsync(ctx, req, commit, func(found bool, err error) {
		// Runs in the goroutine that sent the batch: no counter calls here.
		m.met.storeLatency.Observe(time.Since(t0).Seconds())
		if err != nil {
			m.noteFailure(op, err)
			m.met.settleErrors.WithLabelValues(op).Inc()
			m.log.Warn("quota: queued settlement failed; the reservation is committed at its expiry",
				"tenant", r.Tenant, "budget", r.Budget, "reservation", r.ID, "op", op, "err", err)
			return
		}
		if m.failed.Load() && m.failed.Swap(false) {
			m.met.storeUp.Set(1)
			m.log.Info("quota: counter store available again")
		}
		if !found {
			m.log.Warn("quota: reservation already settled by expiry", "tenant", r.Tenant, "budget", r.Budget,
				"reservation", r.ID, "op", op)
		}
	})
}

// Close waits until the Commits and Releases queued for the counter store
// have been sent and answered (or ctx ends). Call it at shutdown, after the
// last session ended and before closing the store's client. Without it a
// queued Commit may be lost, and is then committed at the reservation's
// expiry; a lost Release over-counts until then. The Manager stays usable.
func (m *Manager) Close(ctx context.Context) error {
	if err := m.closeLeases(ctx); err != nil {
		return fmt.Errorf("quota: settle leases: %w", err)
	}
	if a, ok := m.c.(asyncSettler); ok {
		if err := a.flush(ctx); err != nil {
			return fmt.Errorf("quota: flush queued settlements: %w", err)
		}
	}
	return nil
}

// Status is a tenant's quota now. Used counts committed and pending
// recipients of its budget, less what this instance's leases hold unused
// (another instance's leases count until they settle, within a lease
// TTL); ResetsAt is when the oldest counted bucket leaves the window, or
// now+window when nothing is used.
type Status struct {
	Plan      string
	Budget    string
	Limit     int64
	Used      int64
	Remaining int64
	ResetsAt  time.Time
}

// Status reports tenantID's quota.
func (m *Manager) Status(ctx context.Context, tenantID string) (Status, error) {
	lim, err := m.limit(ctx, tenantID)
	if err != nil {
		return Status{}, err
	}
	now := m.now()
	u, err := m.c.Usage(ctx, m.request(lim.Budget, now))
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return Status{}, fmt.Errorf("quota: status for %s: %w", tenantID, cerr)
		}
		m.noteFailure("status", err)
		return Status{}, &UnavailableError{Tenant: tenantID, Op: "status", Err: err}
	}
	m.noteSuccess(ctx)
	// This instance's leases' unused recipients are pending in the store
	// but not used; other instances' count for at most a lease TTL.
	used := max(u.Used()-m.leases.unusedOf(lim.Budget), u.Committed)
	st := Status{Plan: lim.Plan, Budget: lim.Budget, Limit: lim.Limit, Used: used,
		Remaining: max(lim.Limit-used, 0), ResetsAt: now.Add(m.cfg.Window).UTC()}
	if len(u.Buckets) > 0 {
		oldest := u.Buckets[0].Start
		for _, b := range u.Buckets[1:] {
			if b.Start.Before(oldest) {
				oldest = b.Start
			}
		}
		st.ResetsAt = leavesAt(oldest.UnixMilli(), m.cfg.Window, m.cfg.BucketWidth)
	}
	return st, nil
}

func (m *Manager) noteFailure(op string, err error) {
	m.met.storeUp.Set(0)
	if !m.failed.Swap(true) {
		m.log.Error("quota: counter store unavailable; applying fail policy", "op", op, "err", err)
	}
}

// noteSuccess follows a successful counter call: it logs a recovery and
// replays into the store what was admitted locally during the outage.
func (m *Manager) noteSuccess(ctx context.Context) {
	if m.failed.Load() && m.failed.Swap(false) {
		m.met.storeUp.Set(1)
		m.log.Info("quota: counter store available again")
	}
	if m.hasOwed.Load() {
		m.replayOwed(ctx)
	}
}

// owe remembers n recipients committed locally in bucket, to be added to
// the shared counter when it is back, so that the window there counts them.
func (m *Manager) owe(budget string, bucket, n int64) {
	m.mu.Lock()
	m.owed[owedKey{budget, bucket}] += n
	m.hasOwed.Store(true)
	m.mu.Unlock()
}

func (m *Manager) replayOwed(ctx context.Context) {
	m.mu.Lock()
	owed := m.owed
	m.owed = map[owedKey]int64{}
	m.hasOwed.Store(false)
	m.mu.Unlock()
	now := m.now()
	var replayed int64
	for k, n := range owed {
		if !counted(k.bucket, now, m.cfg.Window, m.cfg.BucketWidth) {
			delete(owed, k)
			continue
		}
		req := m.request(k.budget, time.UnixMilli(k.bucket))
		req.N = n
		if err := m.c.Add(ctx, req); err != nil {
			m.log.Warn("quota: replaying local admissions failed; will retry", "budget", k.budget, "err", err)
			break
		}
		delete(owed, k)
		replayed += n
	}
	if len(owed) > 0 {
		m.mu.Lock()
		for k, n := range owed {
			m.owed[k] += n
		}
		m.hasOwed.Store(true)
		m.mu.Unlock()
	}
	if replayed > 0 {
		m.met.replayed.Add(float64(replayed))
		m.log.Info("quota: replayed local admissions into the counter store", "recipients", replayed)
	}
}

// limit returns tenantID's limit, plan and budget, from the cache when it
// is younger than LimitCacheTTL. Only successful reads are cached.
func (m *Manager) limit(ctx context.Context, tenantID string) (tenantLimit, error) {
	now := m.now()
	m.mu.Lock()
	e, ok := m.cache[tenantID]
	m.mu.Unlock()
	if ok && now.Sub(e.fetched) < m.cfg.LimitCacheTTL && now.Sub(e.fetched) >= 0 {
		return e.lim, nil
	}
	lim, err := m.readLimit(ctx, m.db, tenantID)
	if err != nil {
		if errors.Is(err, ErrUnknownTenant) || errors.Is(err, ErrInvalid) || ctx.Err() != nil {
			return tenantLimit{}, err
		}
		// The database is down: a recently known limit beats refusing all
		// mail, for a bounded time.
		if ok && now.Sub(e.fetched) < maxStaleLimit {
			m.log.Warn("quota: limit lookup failed; using the last known limit", "tenant", tenantID,
				"age", now.Sub(e.fetched), "err", err)
			return e.lim, nil
		}
		return tenantLimit{}, &UnavailableError{Tenant: tenantID, Op: "limit", Err: err}
	}
	m.mu.Lock()
	if len(m.cache) > 100_000 { // bound memory: start over rather than grow
		clear(m.cache)
	}
	m.cache[tenantID] = limitEntry{lim: lim, fetched: now}
	m.mu.Unlock()
	return lim, nil
}

func (m *Manager) forget(tenantID string) {
	m.mu.Lock()
	delete(m.cache, tenantID)
	m.mu.Unlock()
}

type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// readLimit reads a tenant's limit; a tenant never given one (no InitTenant)
// gets its plan's default and its own budget.
func (m *Manager) readLimit(ctx context.Context, q querier, tenantID string) (tenantLimit, error) {
	var tPlan string
	var qPlan, budget sql.NullString
	var limit sql.NullInt64
	err := q.QueryRow(ctx, `SELECT t.plan, q.plan, q.daily_limit, q.budget_id FROM tenants t
		LEFT JOIN quota_limits q ON q.tenant_id = t.id WHERE t.id = ?`, tenantID).Scan(&tPlan, &qPlan, &limit, &budget)
	if isNoRows(err) {
		return tenantLimit{}, fmt.Errorf("%w %q: %w", ErrUnknownTenant, tenantID, store.ErrNotFound)
	}
	if err != nil {
		return tenantLimit{}, fmt.Errorf("quota: read limit of %s: %w", tenantID, err)
	}
	if qPlan.Valid {
		return tenantLimit{Plan: qPlan.String, Limit: limit.Int64, Budget: budget.String}, nil
	}
	def, ok := m.cfg.Plans[tPlan]
	if !ok {
		return tenantLimit{}, fmt.Errorf("%w: tenant %s has plan %q, which the quota config does not define", ErrInvalid, tenantID, tPlan)
	}
	return tenantLimit{Plan: tPlan, Limit: def, Budget: tenantID}, nil
}
