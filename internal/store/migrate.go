package store

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/outpost-mail/outpost/migrations"
)

// Migration is one embedded migration file.
type Migration struct {
	Version string // file name without .sql, e.g. "0001_core"
	SQL     string
}

// Migrations lists the embedded migrations for the dialect, in order.
func (db *DB) Migrations() ([]Migration, error) {
	dir := db.Dialect.String()
	names, err := fs.Glob(migrations.FS, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]Migration, 0, len(names))
	for _, n := range names {
		b, err := migrations.FS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		v := strings.TrimSuffix(n[len(dir)+1:], ".sql")
		out = append(out, Migration{Version: v, SQL: string(b)})
	}
	return out, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    TEXT PRIMARY KEY,
	applied_at BIGINT NOT NULL
)`

// PendingMigrations lists the versions not yet applied.
func (db *DB) PendingMigrations(ctx context.Context) ([]string, error) {
	all, err := db.Migrations()
	if err != nil {
		return nil, err
	}
	done, err := db.appliedMigrations(ctx)
	if err != nil {
		return nil, err
	}
	var pending []string
	for _, m := range all {
		if !done[m.Version] {
			pending = append(pending, m.Version)
		}
	}
	return pending, nil
}

func (db *DB) appliedMigrations(ctx context.Context) (map[string]bool, error) {
	if _, err := db.Exec(ctx, createMigrationsTable); err != nil {
		return nil, fmt.Errorf("store: create schema_migrations: %w", err)
	}
	rows, err := db.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("store: read schema_migrations: %w", err)
	}
	defer rows.Close()
	done := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		done[v] = true
	}
	return done, rows.Err()
}

// Migrate applies every pending migration, each in its own transaction, and
// returns the versions it applied. Concurrent Migrate calls from several
// instances are safe: on PostgreSQL an advisory lock serialises them; on
// SQLite the immediate transaction does. A migration never runs twice.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	all, err := db.Migrations()
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec(ctx, createMigrationsTable); err != nil {
		return nil, fmt.Errorf("store: create schema_migrations: %w", err)
	}
	var applied []string
	for _, m := range all {
		ran := false
		err := db.InTx(ctx, func(tx *Tx) error {
			if db.Dialect == Postgres {
				if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7270617)`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Version, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, m.Version, nowMillis()); err != nil {
				return err
			}
			ran = true
			return nil
		})
		if err != nil {
			return applied, fmt.Errorf("store: %w", err)
		}
		if ran {
			applied = append(applied, m.Version)
		}
	}
	return applied, nil
}
