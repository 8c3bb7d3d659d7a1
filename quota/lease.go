package quota

import (
	"context"
	"sync"
	"time"
)

// LeasePolicy lets an instance take a busy budget's recipients from the
// counter store several at a time (a lease) and hand them to its messages
// in process, so that a budget with room to spare costs the store two calls
// per lease instead of two per message. A lease is an ordinary reservation
// in the store: it counts against the limit from the moment it is taken,
// so leases never admit more than the limit; they can only make another
// instance wait for room this one holds, for at most TTL. See doc.go.
type LeasePolicy struct {
	// Max is the largest lease, in recipients; 0 or 1 turns leasing off.
	Max int64
	// Share bounds a lease to the room the budget had left when this
	// instance last asked the store, divided by Share. A budget closer to
	// its limit than 2×Share recipients is therefore served one message at
	// a time, exactly as without leases, and the instances together hold
	// a small part of what is left.
	Share int64
	// TTL is how long a lease hands out recipients. Then it is settled:
	// what its messages used is committed and the rest given back, once
	// the last of them has been committed or released.
	TTL time.Duration
}

func (p LeasePolicy) on() bool { return p.Max > 1 && p.Share > 0 && p.TTL > 0 }

// size is the lease to take for a message of n recipients when the budget
// had room left, or 0 for none (not worth it, or too close to the limit).
func (p LeasePolicy) size(room, n int64) int64 {
	if !p.on() || room <= 0 {
		return 0
	}
	k := min(p.Max, room/p.Share)
	if k <= n {
		return 0
	}
	return k
}

// leaseKey is what a lease serves: one budget checked against one limit
// (tenants linked into one budget may have different limits).
type leaseKey struct {
	budget string
	limit  int64
}

// leases are a Manager's leases; one mutex guards them all (the work under
// it is a few field updates).
type leases struct {
	mu       sync.Mutex
	slots    map[leaseKey]*leaseSlot
	settling int // settlements in flight
	// unused is, per budget, the recipients this instance's leases hold
	// in the store and have not handed out (until their settlement
	// starts), so that Status can report what was really used.
	unused map[string]int64
}

// addUnused changes budget's unused count. Callers hold ls.mu.
func (ls *leases) addUnused(budget string, n int64) {
	if v := ls.unused[budget] + n; v != 0 {
		ls.unused[budget] = v
	} else {
		delete(ls.unused, budget)
	}
}

// unusedOf is what this instance's leases of budget hold unused.
func (ls *leases) unusedOf(budget string) int64 {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.unused[budget]
}

// leaseSlot is one budget's leasing state in this instance.
type leaseSlot struct {
	cur       *lease        // the lease handing out recipients, or nil
	room      int64         // room left at the store's last answer, after what it granted
	acquiring chan struct{} // closed when the acquisition in flight ends; nil when none
}

// lease is a reservation of size recipients taken from the counter store.
type lease struct {
	key      leaseKey
	id       string
	size     int64
	taken    int64 // handed to messages and not given back: used + in flight
	used     int64 // committed by its messages
	deadline time.Time
	closed   bool // hands out nothing more
	settling bool // its settlement has started
}

// maxLeaseSlots bounds the slots kept for budgets that hold no lease.
const maxLeaseSlots = 100_000

func (ls *leases) slot(k leaseKey) *leaseSlot {
	s := ls.slots[k]
	if s == nil {
		if len(ls.slots) >= maxLeaseSlots {
			for k, s := range ls.slots {
				if s.cur == nil && s.acquiring == nil {
					delete(ls.slots, k)
				}
			}
		}
		s = &leaseSlot{room: -1}
		ls.slots[k] = s
	}
	return s
}

// noteRoom records the room a budget had left after a plain reservation;
// only a budget with room enough for a lease gets a slot.
func (m *Manager) noteRoom(k leaseKey, room, n int64) {
	if !m.cfg.Lease.on() {
		return
	}
	ls := &m.leases
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if m.cfg.Lease.size(room, n) == 0 {
		if s := ls.slots[k]; s != nil && s.cur == nil && s.acquiring == nil {
			delete(ls.slots, k)
		}
		return
	}
	ls.slot(k).room = room
}

// reserveLeased tries to serve n recipients from a lease, taking a new one
// when the budget has room for it. It reports false when the plain path
// must decide (no room known, too close to the limit, the store refused or
// failed the lease); then it has reserved nothing.
func (m *Manager) reserveLeased(ctx context.Context, tenantID string, lim tenantLimit, n int64, now time.Time) (*Reservation, bool) {
	ls := &m.leases
	k := leaseKey{budget: lim.Budget, limit: lim.Limit}
	for range 3 {
		ls.mu.Lock()
		s := ls.slots[k]
		if s == nil {
			ls.mu.Unlock()
			return nil, false
		}
		if l := s.cur; l != nil && !l.closed && now.Before(l.deadline) && l.size-l.taken >= n {
			l.taken += n
			ls.addUnused(k.budget, -n)
			ls.mu.Unlock()
			return m.leasedReservation(tenantID, lim, l, n), true
		}
		if ch := s.acquiring; ch != nil {
			ls.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, false
			}
		}
		size := m.cfg.Lease.size(s.room, n)
		if size == 0 {
			ls.mu.Unlock()
			return nil, false
		}
		if s.cur != nil {
			m.closeLease(s.cur)
			s.cur = nil
		}
		ch := make(chan struct{})
		s.acquiring = ch
		ls.mu.Unlock()

		l, ok := m.acquireLease(ctx, k, s, size, now)

		ls.mu.Lock()
		s.acquiring = nil
		close(ch)
		if !ok {
			ls.mu.Unlock()
			return nil, false
		}
		l.taken = n
		s.cur = l
		ls.addUnused(k.budget, l.size-n)
		ls.mu.Unlock()
		time.AfterFunc(m.cfg.Lease.TTL, func() { m.expireLease(l) })
		return m.leasedReservation(tenantID, lim, l, n), true
	}
	return nil, false
}

// acquireLease reserves size recipients in the store for a new lease and
// records the room the store's answer shows. Called without ls.mu.
func (m *Manager) acquireLease(ctx context.Context, k leaseKey, s *leaseSlot, size int64, now time.Time) (*lease, bool) {
	req := m.request(k.budget, now)
	req.ID, req.N, req.Limit, req.Expires = m.newID(), size, k.limit, now.Add(m.cfg.ReservationTTL)
	t0 := time.Now()
	u, ok, err := m.c.Reserve(ctx, req)
	m.met.storeLatency.Observe(time.Since(t0).Seconds())
	if err != nil {
		m.met.leases.WithLabelValues("failed").Inc()
		if ctx.Err() == nil {
			m.noteFailure("lease", err)
		}
		return nil, false
	}
	room := k.limit - u.Used()
	if ok {
		room -= size
	}
	m.leases.mu.Lock()
	s.room = room
	m.leases.mu.Unlock()
	if !ok {
		m.met.leases.WithLabelValues("refused").Inc()
		return nil, false
	}
	m.met.leases.WithLabelValues("acquired").Inc()
	return &lease{key: k, id: req.ID, size: size, deadline: now.Add(m.cfg.Lease.TTL)}, true
}

func (m *Manager) leasedReservation(tenantID string, lim tenantLimit, l *lease, n int64) *Reservation {
	return &Reservation{m: m, ID: l.id, Tenant: tenantID, Budget: lim.Budget, N: n, Limit: lim.Limit, lease: l}
}

// settleLeased commits or releases a message's share of its lease: in
// process, no store call. The last one out of a closed lease settles it.
func (m *Manager) settleLeased(l *lease, n int64, commit bool) {
	ls := &m.leases
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if commit {
		l.used += n
	} else {
		l.taken -= n
		if !l.settling {
			ls.addUnused(l.key.budget, n)
		}
	}
	if l.closed && l.taken == l.used {
		m.startSettle(l)
	}
}

// expireLease closes l at the end of its TTL. Called by its timer.
func (m *Manager) expireLease(l *lease) {
	ls := &m.leases
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if s := ls.slots[l.key]; s != nil && s.cur == l {
		s.cur = nil
		if s.acquiring == nil {
			delete(ls.slots, l.key) // an idle budget keeps nothing here
		}
	}
	m.closeLease(l)
}

// closeLease stops l handing out recipients and settles it when none of its
// messages is in flight. Callers hold ls.mu.
func (m *Manager) closeLease(l *lease) {
	l.closed = true
	if l.taken == l.used {
		m.startSettle(l)
	}
}

// startSettle settles l in the background, once. Callers hold ls.mu.
func (m *Manager) startSettle(l *lease) {
	if l.settling {
		return
	}
	l.settling = true
	// From here the store is giving them back: Status stops discounting
	// them (it may over-report for one round trip, never under-report).
	m.leases.addUnused(l.key.budget, -(l.size - l.taken))
	used := l.used
	m.leases.settling++
	go func() {
		m.settleLease(l, used)
		m.leases.mu.Lock()
		m.leases.settling--
		m.leases.mu.Unlock()
	}()
}

// settleLease commits what l's messages used and gives back the rest, in
// one store call. If it fails the whole lease is committed at its expiry
// (ReservationTTL): conservative, as for any reservation.
func (m *Manager) settleLease(l *lease, used int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := m.request(l.key.budget, m.now())
	req.ID, req.N = l.id, used
	op, f := "commit", m.c.Commit
	if used == 0 {
		op, f = "release", m.c.Release
	}
	t0 := time.Now()
	found, err := f(ctx, req)
	m.met.storeLatency.Observe(time.Since(t0).Seconds())
	if err != nil {
		m.noteFailure("lease "+op, err)
		m.met.settleErrors.WithLabelValues("lease").Inc()
		m.log.Warn("quota: settling a lease failed; it is committed whole at its expiry",
			"budget", l.key.budget, "lease", l.id, "size", l.size, "used", used, "err", err)
		return
	}
	m.met.leases.WithLabelValues("settled").Inc()
	m.noteSuccess(ctx)
	if !found {
		m.log.Warn("quota: lease already settled by expiry", "budget", l.key.budget, "lease", l.id,
			"size", l.size, "used", used)
	}
}

// closeLeases closes every lease and waits until their settlements are
// done (or ctx ends). Leases with messages in flight settle when the last
// of them does.
func (m *Manager) closeLeases(ctx context.Context) error {
	ls := &m.leases
	ls.mu.Lock()
	for k, s := range ls.slots {
		if s.cur != nil {
			m.closeLease(s.cur)
			s.cur = nil
		}
		if s.acquiring == nil {
			delete(ls.slots, k)
		}
	}
	ls.mu.Unlock()
	for {
		ls.mu.Lock()
		busy := ls.settling
		ls.mu.Unlock()
		if busy == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}
