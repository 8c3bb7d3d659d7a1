package quota

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
)

// Proposal states.
const (
	ProposalOpen     = "open"
	ProposalAccepted = "accepted"
	ProposalRejected = "rejected"
)

// Proposal is an earned raise waiting for the review queue.
type Proposal struct {
	ID            int64
	Tenant        string
	At            time.Time
	State         string
	CurrentLimit  int64
	ProposedLimit int64
	Reason        string
}

func utcDay(t time.Time) int64 {
	y, mo, d := t.UTC().Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).UnixMilli()
}

// recordDaily adds n committed recipients to tenantID's usage of now's UTC
// day, in memory until FlushUsage.
func (m *Manager) recordDaily(tenantID string, now time.Time, n, limit int64) {
	k := dayKey{tenant: tenantID, day: utcDay(now)}
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.daily[k]
	if d == nil {
		d = &dayUsage{}
		m.daily[k] = d
	}
	d.sent += n
	d.limit = max(d.limit, limit)
}

// FlushUsage writes the daily usage gathered since the last flush to
// quota_daily. Counts that fail to write are kept for the next flush.
func (m *Manager) FlushUsage(ctx context.Context) error {
	m.mu.Lock()
	batch := m.daily
	m.daily = map[dayKey]*dayUsage{}
	m.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := m.db.InTx(ctx, func(tx *store.Tx) error {
		for k, d := range batch {
			if _, err := tx.Exec(ctx, `INSERT INTO quota_daily (tenant_id, day, sent, day_limit) VALUES (?, ?, ?, ?)
				ON CONFLICT (tenant_id, day) DO UPDATE SET sent = quota_daily.sent + excluded.sent,
				day_limit = CASE WHEN excluded.day_limit > quota_daily.day_limit THEN excluded.day_limit ELSE quota_daily.day_limit END`,
				k.tenant, k.day, d.sent, d.limit); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		m.mu.Lock()
		for k, d := range batch {
			m.recordDailyLocked(k, d)
		}
		m.mu.Unlock()
		return fmt.Errorf("quota: flush daily usage: %w", err)
	}
	return nil
}

func (m *Manager) recordDailyLocked(k dayKey, add *dayUsage) {
	d := m.daily[k]
	if d == nil {
		m.daily[k] = add
		return
	}
	d.sent += add.sent
	d.limit = max(d.limit, add.limit)
}

// Run flushes daily usage every interval (a minute if 0) until ctx ends,
// then once more. cmd/outpost runs it beside the relay.
func (m *Manager) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := m.FlushUsage(fctx); err != nil {
				m.log.Warn("quota: final usage flush", "err", err)
			}
			cancel()
			return
		case <-t.C:
			if err := m.FlushUsage(ctx); err != nil {
				m.log.Warn("quota: usage flush", "err", err)
			}
		}
	}
}

// ProposeEarnedRaises records an open proposal for each tenant that used at
// least Earned.Fraction of its limit on each of the last Earned.Days
// complete UTC days, is judged clean by clean (review knows holds and
// bounces), has no open proposal yet and is below the ladder's cap. It
// returns the proposals it made.
func (m *Manager) ProposeEarnedRaises(ctx context.Context, clean func(tenantID string) bool) ([]Proposal, error) {
	if err := m.FlushUsage(ctx); err != nil {
		return nil, err
	}
	days := max(m.cfg.Earned.Days, 1)
	pct := int64(math.Ceil(m.cfg.Earned.Fraction * 100))
	now := m.now()
	today := utcDay(now)
	from := today - int64(days)*24*int64(time.Hour/time.Millisecond)
	rows, err := m.db.Query(ctx, `SELECT tenant_id FROM quota_daily
		WHERE day >= ? AND day < ? AND day_limit > 0 AND sent * 100 >= day_limit * ?
		GROUP BY tenant_id HAVING COUNT(*) >= ? ORDER BY tenant_id`, from, today, pct, days)
	if err != nil {
		return nil, fmt.Errorf("quota: earned raises: %w", err)
	}
	var candidates []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, fmt.Errorf("quota: earned raises: %w", err)
		}
		candidates = append(candidates, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("quota: earned raises: %w", err)
	}
	var out []Proposal
	for _, t := range candidates {
		if clean != nil && !clean(t) {
			continue
		}
		p, ok, err := m.propose(ctx, t, now, days, pct)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, p)
		}
	}
	return out, nil
}

var errAlreadyProposed = errors.New("quota: open proposal exists")

func (m *Manager) propose(ctx context.Context, tenantID string, now time.Time, days int, pct int64) (Proposal, bool, error) {
	var p Proposal
	made := false
	err := m.db.InTx(ctx, func(tx *store.Tx) error {
		var open int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM quota_proposals WHERE tenant_id = ? AND state = 'open'`, tenantID).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return nil
		}
		cur, err := m.readLimit(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		next := m.cfg.Ladder.Next(cur.Limit)
		if next <= cur.Limit {
			return nil
		}
		p = Proposal{Tenant: tenantID, At: now, State: ProposalOpen, CurrentLimit: cur.Limit, ProposedLimit: next,
			Reason: fmt.Sprintf("sent cleanly at ≥%d%% of its limit on each of the last %d days", pct, days)}
		err = tx.QueryRow(ctx, `INSERT INTO quota_proposals (tenant_id, created_at, state, current_limit, proposed_limit, reason)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, p.Tenant, store.Millis(now), p.State, p.CurrentLimit, p.ProposedLimit, p.Reason).Scan(&p.ID)
		if store.IsUniqueViolation(err) {
			// Another instance proposed it first. Roll back: on
			// PostgreSQL the failed insert has aborted the transaction.
			return errAlreadyProposed
		}
		if err != nil {
			return err
		}
		made = true
		return store.AuditTx(ctx, tx, store.AuditEntry{At: now, Actor: "system", Action: "quota.proposal", Subject: "tenant:" + tenantID,
			Detail: map[string]any{"proposal_id": p.ID, "current_limit": p.CurrentLimit, "proposed_limit": p.ProposedLimit, "reason": p.Reason}})
	})
	if errors.Is(err, errAlreadyProposed) {
		return Proposal{}, false, nil
	}
	if err != nil {
		return Proposal{}, false, fmt.Errorf("quota: propose raise for %s: %w", tenantID, err)
	}
	return p, made, nil
}

// Proposals lists proposals in state ("" for all), newest first.
func (m *Manager) Proposals(ctx context.Context, state string) ([]Proposal, error) {
	q := `SELECT id, tenant_id, created_at, state, current_limit, proposed_limit, reason FROM quota_proposals`
	var args []any
	if state != "" {
		q, args = q+` WHERE state = ?`, append(args, state)
	}
	rows, err := m.db.Query(ctx, q+` ORDER BY id DESC LIMIT 1000`, args...)
	if err != nil {
		return nil, fmt.Errorf("quota: proposals: %w", err)
	}
	defer rows.Close()
	var out []Proposal
	for rows.Next() {
		var p Proposal
		var at int64
		if err := rows.Scan(&p.ID, &p.Tenant, &at, &p.State, &p.CurrentLimit, &p.ProposedLimit, &p.Reason); err != nil {
			return nil, fmt.Errorf("quota: proposals: %w", err)
		}
		p.At = store.FromMillis(at)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("quota: proposals: %w", err)
	}
	return out, nil
}

// CloseProposal marks an open proposal accepted or rejected (the review
// queue calls Raise itself when it accepts). Audited.
func (m *Manager) CloseProposal(ctx context.Context, id int64, state, actor string) error {
	if state != ProposalAccepted && state != ProposalRejected {
		return invalid("proposal state %q", state)
	}
	if actor == "" {
		return invalid("closing a proposal needs an actor")
	}
	now := m.now()
	err := m.db.InTx(ctx, func(tx *store.Tx) error {
		var tenant string
		err := tx.QueryRow(ctx, `UPDATE quota_proposals SET state = ?, decided_at = ?, decided_by = ? WHERE id = ? AND state = 'open' RETURNING tenant_id`,
			state, store.Millis(now), actor, id).Scan(&tenant)
		if isNoRows(err) {
			return fmt.Errorf("open proposal %d: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		return store.AuditTx(ctx, tx, store.AuditEntry{At: now, Actor: actor, Action: "quota.proposal_" + state, Subject: "tenant:" + tenant,
			Detail: map[string]any{"proposal_id": id}})
	})
	if err != nil {
		return fmt.Errorf("quota: close proposal: %w", err)
	}
	return nil
}
