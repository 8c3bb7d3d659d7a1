package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEntry is one state change made by a person or by outpost itself.
type AuditEntry struct {
	ID      int64
	At      time.Time
	Actor   string // "token:tok_x (support)", "cli:root", "system"
	Action  string // "tenant.status", "quota.raise", "review.decision", ...
	Subject string // "tenant:acme", "case:42", ...
	Detail  any    // JSON-encodable; read back as map[string]any
}

// AuditTx records e inside tx, so the change and its record commit together.
func AuditTx(ctx context.Context, tx *Tx, e AuditEntry) error {
	q, args, err := auditInsert(e)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// Audit records e on its own.
func (db *DB) Audit(ctx context.Context, e AuditEntry) error {
	q, args, err := auditInsert(e)
	if err != nil {
		return err
	}
	if _, err := db.Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

func auditInsert(e AuditEntry) (string, []any, error) {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	if e.Actor == "" || e.Action == "" {
		return "", nil, fmt.Errorf("store: audit entry needs an actor and an action")
	}
	detail := []byte("{}")
	if e.Detail != nil {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return "", nil, fmt.Errorf("store: audit detail: %w", err)
		}
		detail = b
	}
	return `INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)`,
		[]any{Millis(e.At), e.Actor, e.Action, e.Subject, string(detail)}, nil
}

// AuditLog returns entries for subject ("" for all), newest first, with ids
// below before (0 for no bound), at most limit (default 100).
func (db *DB) AuditLog(ctx context.Context, subject string, before int64, limit int) ([]AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q := `SELECT id, at, actor, action, subject, detail FROM audit_log WHERE 1=1`
	var args []any
	if subject != "" {
		q, args = q+` AND subject = ?`, append(args, subject)
	}
	if before > 0 {
		q, args = q+` AND id < ?`, append(args, before)
	}
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit)
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		var detail string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Subject, &detail); err != nil {
			return nil, err
		}
		e.At = FromMillis(at)
		var m map[string]any
		if json.Unmarshal([]byte(detail), &m) == nil {
			e.Detail = m
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func nowMillis() int64 { return Millis(time.Now()) }
