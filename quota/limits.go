package quota

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
)

// Kinds of Change.
const (
	KindInit  = "init"  // InitTenant
	KindPlan  = "plan"  // SetPlan (payment.succeeded, downgrade, ...)
	KindRaise = "raise" // Raise (support, or an accepted earned-raise proposal)
)

// Change is one recorded change of a tenant's plan or limit.
type Change struct {
	ID       int64
	At       time.Time
	Tenant   string
	Actor    string
	Reason   string
	Kind     string
	OldPlan  string
	NewPlan  string
	OldLimit int64
	NewLimit int64
}

// RaiseRequest asks for one step up the ladder.
type RaiseRequest struct {
	Actor  string // who: "support:alice", "token:tok_x (support)"
	Reason string // why; required
	To     int64  // 0 = the next ladder step; else a value above the current limit, at most the next step
}

// InitTenant gives tenantID plan and the plan's default limit, recorded in
// the changes table and the audit log. Call it after store.CreateTenant. It
// fails with store.ErrExists if the tenant already has a limit.
func (m *Manager) InitTenant(ctx context.Context, tenantID, plan, actor string) error {
	def, ok := m.cfg.Plans[plan]
	if !ok {
		return invalid("unknown plan %q", plan)
	}
	if strings.TrimSpace(actor) == "" {
		return invalid("init needs an actor")
	}
	now := m.now()
	err := m.db.InTx(ctx, func(tx *store.Tx) error {
		var oldPlan string
		err := tx.QueryRow(ctx, `SELECT plan FROM tenants WHERE id = ?`+forUpdate(tx.Dialect), tenantID).Scan(&oldPlan)
		if isNoRows(err) {
			return fmt.Errorf("%w %q: %w", ErrUnknownTenant, tenantID, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO quota_limits (tenant_id, plan, daily_limit, budget_id, updated_at) VALUES (?, ?, ?, ?, ?)`,
			tenantID, plan, def, tenantID, store.Millis(now))
		if store.IsUniqueViolation(err) {
			return fmt.Errorf("quota: tenant %q already has a limit: %w", tenantID, store.ErrExists)
		}
		if err != nil {
			return err
		}
		if oldPlan != plan {
			if _, err := tx.Exec(ctx, `UPDATE tenants SET plan = ?, updated_at = ? WHERE id = ?`, plan, store.Millis(now), tenantID); err != nil {
				return err
			}
		}
		_, err = recordChange(ctx, tx, Change{At: now, Tenant: tenantID, Actor: actor, Reason: "tenant created",
			Kind: KindInit, NewPlan: plan, NewLimit: def})
		return err
	})
	m.forget(tenantID)
	if err != nil {
		return fmt.Errorf("quota: init %s: %w", tenantID, err)
	}
	return nil
}

// SetPlan moves tenantID to plan, in quota_limits and tenants.plan, in one
// transaction with its change and audit records. Moving to a plan whose
// default is at least the old plan's keeps any higher limit already earned
// (payment.succeeded: limit = max(current, paid default)); moving down
// resets the limit to the new plan's default. When nothing changes, nothing
// is recorded and the Change returned has ID 0.
func (m *Manager) SetPlan(ctx context.Context, tenantID, plan, actor, reason string) (Change, error) {
	newDef, ok := m.cfg.Plans[plan]
	if !ok {
		return Change{}, invalid("unknown plan %q", plan)
	}
	if strings.TrimSpace(actor) == "" {
		return Change{}, invalid("a plan change needs an actor")
	}
	return m.change(ctx, tenantID, func(cur tenantLimit) (Change, error) {
		newLimit := newDef
		if oldDef, ok := m.cfg.Plans[cur.Plan]; !ok || newDef >= oldDef {
			newLimit = max(cur.Limit, newDef)
		}
		return Change{Actor: actor, Reason: reason, Kind: KindPlan, NewPlan: plan, NewLimit: newLimit}, nil
	})
}

// Raise moves tenantID's limit one ladder step up (or to req.To, which must
// be above the current limit and not beyond the next step). Reason and
// actor are required.
func (m *Manager) Raise(ctx context.Context, tenantID string, req RaiseRequest) (Change, error) {
	if strings.TrimSpace(req.Reason) == "" {
		return Change{}, invalid("a raise needs a reason")
	}
	if strings.TrimSpace(req.Actor) == "" {
		return Change{}, invalid("a raise needs an actor")
	}
	return m.change(ctx, tenantID, func(cur tenantLimit) (Change, error) {
		next := m.cfg.Ladder.Next(cur.Limit)
		if next <= cur.Limit {
			return Change{}, fmt.Errorf("%w (%d)", ErrAtCap, cur.Limit)
		}
		to := req.To
		if to == 0 {
			to = next
		}
		if to <= cur.Limit || to > next {
			return Change{}, invalid("raise of %s to %d: one step at a time, above %d and at most %d", tenantID, to, cur.Limit, next)
		}
		return Change{Actor: req.Actor, Reason: req.Reason, Kind: KindRaise, NewPlan: cur.Plan, NewLimit: to}, nil
	})
}

// lockLimit locks the tenant's row for the rest of tx, so concurrent
// changes serialise (PostgreSQL; SQLite holds the write lock already), and
// reads its current limit and the plan the tenants table shows.
func (m *Manager) lockLimit(ctx context.Context, tx *store.Tx, tenantID string) (tenantPlan string, cur tenantLimit, err error) {
	err = tx.QueryRow(ctx, `SELECT plan FROM tenants WHERE id = ?`+forUpdate(tx.Dialect), tenantID).Scan(&tenantPlan)
	if isNoRows(err) {
		return "", tenantLimit{}, fmt.Errorf("%w %q: %w", ErrUnknownTenant, tenantID, store.ErrNotFound)
	}
	if err != nil {
		return "", tenantLimit{}, err
	}
	cur, err = m.readLimit(ctx, tx, tenantID)
	return tenantPlan, cur, err
}

// change applies decide's change to tenantID's current limit in one
// transaction, with the change row and the audit entry.
func (m *Manager) change(ctx context.Context, tenantID string, decide func(cur tenantLimit) (Change, error)) (Change, error) {
	now := m.now()
	var out Change
	err := m.db.InTx(ctx, func(tx *store.Tx) error {
		tPlan, cur, err := m.lockLimit(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		ch, err := decide(cur)
		if err != nil {
			return err
		}
		ch.At, ch.Tenant, ch.OldPlan, ch.OldLimit = now, tenantID, cur.Plan, cur.Limit
		if ch.NewPlan == ch.OldPlan && ch.NewLimit == ch.OldLimit && tPlan == ch.NewPlan {
			out = ch
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO quota_limits (tenant_id, plan, daily_limit, budget_id, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id) DO UPDATE SET plan = excluded.plan, daily_limit = excluded.daily_limit, updated_at = excluded.updated_at`,
			tenantID, ch.NewPlan, ch.NewLimit, cur.Budget, store.Millis(now)); err != nil {
			return err
		}
		if tPlan != ch.NewPlan {
			if _, err := tx.Exec(ctx, `UPDATE tenants SET plan = ?, updated_at = ? WHERE id = ?`, ch.NewPlan, store.Millis(now), tenantID); err != nil {
				return err
			}
		}
		out, err = recordChange(ctx, tx, ch)
		return err
	})
	m.forget(tenantID)
	if err != nil {
		if errors.Is(err, ErrInvalid) || errors.Is(err, ErrAtCap) || errors.Is(err, ErrUnknownTenant) {
			return Change{}, err
		}
		return Change{}, fmt.Errorf("quota: change %s: %w", tenantID, err)
	}
	if out.ID != 0 {
		m.log.Info("quota: limit changed", "tenant", tenantID, "kind", out.Kind, "actor", out.Actor,
			"old_plan", out.OldPlan, "new_plan", out.NewPlan, "old_limit", out.OldLimit, "new_limit", out.NewLimit)
	}
	return out, nil
}

// recordChange inserts ch into quota_changes and the audit log, in tx.
func recordChange(ctx context.Context, tx *store.Tx, ch Change) (Change, error) {
	err := tx.QueryRow(ctx, `INSERT INTO quota_changes (tenant_id, at, actor, reason, kind, old_plan, new_plan, old_limit, new_limit)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ch.Tenant, store.Millis(ch.At), ch.Actor, ch.Reason, ch.Kind, ch.OldPlan, ch.NewPlan, ch.OldLimit, ch.NewLimit).Scan(&ch.ID)
	if err != nil {
		return Change{}, fmt.Errorf("record change: %w", err)
	}
	err = store.AuditTx(ctx, tx, store.AuditEntry{At: ch.At, Actor: ch.Actor, Action: "quota." + ch.Kind, Subject: "tenant:" + ch.Tenant,
		Detail: map[string]any{"change_id": ch.ID, "reason": ch.Reason, "old_plan": ch.OldPlan, "new_plan": ch.NewPlan,
			"old_limit": ch.OldLimit, "new_limit": ch.NewLimit}})
	return ch, err
}

// History lists tenantID's changes, newest first: at most limit (default
// 50, at most 1000) with ids below before (0 for the newest). Pass the last
// ID of a page as before for the next.
func (m *Manager) History(ctx context.Context, tenantID string, before int64, limit int) ([]Change, error) {
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	q := `SELECT id, at, tenant_id, actor, reason, kind, old_plan, new_plan, old_limit, new_limit FROM quota_changes WHERE tenant_id = ?`
	args := []any{tenantID}
	if before > 0 {
		q, args = q+` AND id < ?`, append(args, before)
	}
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit)
	rows, err := m.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("quota: history of %s: %w", tenantID, err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var at int64
		if err := rows.Scan(&c.ID, &at, &c.Tenant, &c.Actor, &c.Reason, &c.Kind, &c.OldPlan, &c.NewPlan, &c.OldLimit, &c.NewLimit); err != nil {
			return nil, fmt.Errorf("quota: history of %s: %w", tenantID, err)
		}
		c.At = store.FromMillis(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("quota: history of %s: %w", tenantID, err)
	}
	return out, nil
}

var budgetRe = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,100}$`)

// SetBudget makes tenantID's mail count against budgetID ("" = its own id),
// shared with every tenant on the same budget. Each tenant keeps its own
// limit, checked against the shared usage. Usage already counted stays
// where it was. Audited as "quota.budget" by "system".
func (m *Manager) SetBudget(ctx context.Context, tenantID, budgetID string) error {
	if budgetID == "" {
		budgetID = tenantID
	}
	if !budgetRe.MatchString(budgetID) {
		return invalid("budget id %q: 1-100 of letters, digits, '.', '_', ':', '-'", budgetID)
	}
	now := m.now()
	err := m.db.InTx(ctx, func(tx *store.Tx) error {
		_, cur, err := m.lockLimit(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		if cur.Budget == budgetID {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO quota_limits (tenant_id, plan, daily_limit, budget_id, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id) DO UPDATE SET budget_id = excluded.budget_id, updated_at = excluded.updated_at`,
			tenantID, cur.Plan, cur.Limit, budgetID, store.Millis(now)); err != nil {
			return err
		}
		return store.AuditTx(ctx, tx, store.AuditEntry{At: now, Actor: "system", Action: "quota.budget", Subject: "tenant:" + tenantID,
			Detail: map[string]any{"old_budget": cur.Budget, "new_budget": budgetID}})
	})
	m.forget(tenantID)
	if err != nil {
		return fmt.Errorf("quota: set budget of %s: %w", tenantID, err)
	}
	return nil
}

// Budget returns the budget tenantID's mail counts against (read from SQL,
// not the cache).
func (m *Manager) Budget(ctx context.Context, tenantID string) (string, error) {
	lim, err := m.readLimit(ctx, m.db, tenantID)
	if err != nil {
		return "", err
	}
	return lim.Budget, nil
}
