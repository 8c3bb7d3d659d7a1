package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Tenant statuses.
const (
	StatusActive    = "active"
	StatusReview    = "review"
	StatusSuspended = "suspended"
)

// Tenant is one customer database that sends mail through outpost.
type Tenant struct {
	ID         string
	Plan       string // "trial", "paid", ... (quota owns what a plan means)
	Status     string // StatusActive, StatusReview, StatusSuspended
	Signup     Signup
	CreatedAt  time.Time
	UpdatedAt  time.Time
	SecretHash string // bcrypt hash of the SMTP secret; never the secret
}

// Signup is what the platform knows of how a tenant signed up (all optional).
type Signup struct {
	IP      string
	Email   string
	Country string
}

var tenantIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// ValidTenantID reports whether id can name a tenant: 1–63 characters of
// lower-case letters, digits, '.', '_' and '-', starting with a letter or digit.
// It is the SMTP username, so it must survive SASL and logs unchanged.
func ValidTenantID(id string) bool { return tenantIDRe.MatchString(id) }

const tenantCols = `id, plan, status, smtp_secret_hash, signup_ip, signup_email, signup_country, created_at, updated_at`

func scanTenant(sc interface{ Scan(...any) error }) (Tenant, error) {
	var t Tenant
	var created, updated int64
	err := sc.Scan(&t.ID, &t.Plan, &t.Status, &t.SecretHash, &t.Signup.IP, &t.Signup.Email, &t.Signup.Country, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Tenant{}, ErrNotFound
	}
	if err != nil {
		return Tenant{}, err
	}
	t.CreatedAt, t.UpdatedAt = FromMillis(created), FromMillis(updated)
	return t, nil
}

// CreateTenant inserts t. CreatedAt defaults to now, Status to active.
// It returns ErrExists when the id is taken.
func (db *DB) CreateTenant(ctx context.Context, t Tenant) error {
	if !ValidTenantID(t.ID) {
		return fmt.Errorf("store: invalid tenant id %q", t.ID)
	}
	if t.Status == "" {
		t.Status = StatusActive
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	_, err := db.Exec(ctx, `INSERT INTO tenants (`+tenantCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Plan, t.Status, t.SecretHash, t.Signup.IP, t.Signup.Email, t.Signup.Country, Millis(t.CreatedAt), Millis(t.CreatedAt))
	if IsUniqueViolation(err) {
		return fmt.Errorf("store: tenant %q: %w", t.ID, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("store: create tenant: %w", err)
	}
	return nil
}

// Tenant returns the tenant with the id, or ErrNotFound.
func (db *DB) Tenant(ctx context.Context, id string) (Tenant, error) {
	t, err := scanTenant(db.QueryRow(ctx, `SELECT `+tenantCols+` FROM tenants WHERE id = ?`, id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return t, fmt.Errorf("store: tenant %q: %w", id, err)
	}
	return t, err
}

// TenantFilter selects tenants for ListTenants. Zero fields match everything.
type TenantFilter struct {
	Status string
	Plan   string
	After  string // keyset cursor: only ids greater than this
	Limit  int    // default 100, at most 1000
}

// ListTenants lists tenants ordered by id.
func (db *DB) ListTenants(ctx context.Context, f TenantFilter) ([]Tenant, error) {
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if f.Plan != "" {
		where, args = append(where, "plan = ?"), append(args, f.Plan)
	}
	if f.After != "" {
		where, args = append(where, "id > ?"), append(args, f.After)
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, 1000)
	q := `SELECT ` + tenantCols + ` FROM tenants`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY id LIMIT %d", f.Limit)
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list tenants: %w", err)
	}
	defer rows.Close()
	var out []Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// SetTenantStatus changes a tenant's status and records it in the audit log
// in the same transaction. actor is who did it ("support:alice", "system").
func (db *DB) SetTenantStatus(ctx context.Context, id, status, actor, reason string) error {
	switch status {
	case StatusActive, StatusReview, StatusSuspended:
	default:
		return fmt.Errorf("store: invalid tenant status %q", status)
	}
	return db.InTx(ctx, func(tx *Tx) error {
		var old string
		err := tx.QueryRow(ctx, `SELECT status FROM tenants WHERE id = ?`, id).Scan(&old)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: tenant %q: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if old == status {
			return nil
		}
		now := time.Now()
		if _, err := tx.Exec(ctx, `UPDATE tenants SET status = ?, updated_at = ? WHERE id = ?`, status, Millis(now), id); err != nil {
			return err
		}
		return AuditTx(ctx, tx, AuditEntry{At: now, Actor: actor, Action: "tenant.status", Subject: "tenant:" + id,
			Detail: map[string]any{"old": old, "new": status, "reason": reason}})
	})
}

// SetTenantSecret replaces a tenant's SMTP secret hash (see HashSecret).
func (db *DB) SetTenantSecret(ctx context.Context, id, hash, actor string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		now := time.Now()
		res, err := tx.Exec(ctx, `UPDATE tenants SET smtp_secret_hash = ?, updated_at = ? WHERE id = ?`, hash, Millis(now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: tenant %q: %w", id, ErrNotFound)
		}
		return AuditTx(ctx, tx, AuditEntry{At: now, Actor: actor, Action: "tenant.secret_rotated", Subject: "tenant:" + id})
	})
}
