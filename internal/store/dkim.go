package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// DKIMKey is a signing key for a sender domain. The private key is stored
// PEM-encoded (PKCS#8): unlike passwords it must be usable, so it cannot be
// hashed; protect the database (and its backups) accordingly.
type DKIMKey struct {
	Domain        string
	Selector      string
	Algorithm     string // "rsa" or "ed25519"
	PrivateKeyPEM string
	CreatedAt     time.Time
}

// PutDKIMKey stores or replaces the key for (domain, selector).
func (db *DB) PutDKIMKey(ctx context.Context, k DKIMKey, actor string) error {
	k.Domain = strings.ToLower(strings.TrimSuffix(k.Domain, "."))
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now()
	}
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM dkim_keys WHERE domain = ? AND selector = ?`, k.Domain, k.Selector); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO dkim_keys (domain, selector, algorithm, private_key, created_at) VALUES (?, ?, ?, ?, ?)`,
			k.Domain, k.Selector, k.Algorithm, k.PrivateKeyPEM, Millis(k.CreatedAt)); err != nil {
			return fmt.Errorf("store: put dkim key: %w", err)
		}
		return AuditTx(ctx, tx, AuditEntry{At: k.CreatedAt, Actor: actor, Action: "dkim.put", Subject: "domain:" + k.Domain,
			Detail: map[string]any{"selector": k.Selector, "algorithm": k.Algorithm}})
	})
}

// DKIMKeys lists all keys, newest first within a domain.
func (db *DB) DKIMKeys(ctx context.Context) ([]DKIMKey, error) {
	rows, err := db.Query(ctx, `SELECT domain, selector, algorithm, private_key, created_at FROM dkim_keys ORDER BY domain, created_at DESC, selector`)
	if err != nil {
		return nil, fmt.Errorf("store: list dkim keys: %w", err)
	}
	defer rows.Close()
	var out []DKIMKey
	for rows.Next() {
		var k DKIMKey
		var created int64
		if err := rows.Scan(&k.Domain, &k.Selector, &k.Algorithm, &k.PrivateKeyPEM, &created); err != nil {
			return nil, err
		}
		k.CreatedAt = FromMillis(created)
		out = append(out, k)
	}
	return out, rows.Err()
}
