package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// API token scopes.
const (
	ScopeAdmin   = "admin"
	ScopeSupport = "support"
	ScopeBilling = "billing"
)

// ValidScope reports whether s is a known scope.
func ValidScope(s string) bool { return s == ScopeAdmin || s == ScopeSupport || s == ScopeBilling }

// Token is an admin API token's record; the token itself is never stored.
type Token struct {
	ID        string
	Scope     string
	Name      string
	CreatedAt time.Time
	Revoked   bool
}

// CreateToken makes a new token with the scope and returns its record and
// the token text, which is shown once and stored only as a hash.
func (db *DB) CreateToken(ctx context.Context, scope, name, actor string) (Token, string, error) {
	if !ValidScope(scope) {
		return Token{}, "", fmt.Errorf("store: invalid token scope %q (want admin, support or billing)", scope)
	}
	secret := "opt_" + NewSecret()
	t := Token{ID: "tok_" + NewSecret()[:16], Scope: scope, Name: name, CreatedAt: time.Now()}
	err := db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO api_tokens (id, hash, scope, name, created_at) VALUES (?, ?, ?, ?, ?)`,
			t.ID, TokenHash(secret), t.Scope, t.Name, Millis(t.CreatedAt)); err != nil {
			return err
		}
		return AuditTx(ctx, tx, AuditEntry{At: t.CreatedAt, Actor: actor, Action: "token.create", Subject: "token:" + t.ID,
			Detail: map[string]any{"scope": scope, "name": name}})
	})
	if err != nil {
		return Token{}, "", fmt.Errorf("store: create token: %w", err)
	}
	return t, secret, nil
}

// TokenBySecret finds the live token whose text is secret, or ErrNotFound.
func (db *DB) TokenBySecret(ctx context.Context, secret string) (Token, error) {
	var t Token
	var created int64
	var revoked sql.NullInt64
	err := db.QueryRow(ctx, `SELECT id, scope, name, created_at, revoked_at FROM api_tokens WHERE hash = ?`, TokenHash(secret)).
		Scan(&t.ID, &t.Scope, &t.Name, &created, &revoked)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && revoked.Valid) {
		return Token{}, ErrNotFound
	}
	if err != nil {
		return Token{}, fmt.Errorf("store: token: %w", err)
	}
	t.CreatedAt = FromMillis(created)
	return t, nil
}

// RevokeToken revokes a token by id.
func (db *DB) RevokeToken(ctx context.Context, id, actor string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		now := time.Now()
		res, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, Millis(now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: token %q: %w", id, ErrNotFound)
		}
		return AuditTx(ctx, tx, AuditEntry{At: now, Actor: actor, Action: "token.revoke", Subject: "token:" + id})
	})
}

// ListTokens lists token records (never their text).
func (db *DB) ListTokens(ctx context.Context) ([]Token, error) {
	rows, err := db.Query(ctx, `SELECT id, scope, name, created_at, revoked_at FROM api_tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var created int64
		var revoked sql.NullInt64
		if err := rows.Scan(&t.ID, &t.Scope, &t.Name, &created, &revoked); err != nil {
			return nil, err
		}
		t.CreatedAt, t.Revoked = FromMillis(created), revoked.Valid
		out = append(out, t)
	}
	return out, rows.Err()
}
