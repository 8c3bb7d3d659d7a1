// Package store opens outpost's database (embedded SQLite by default,
// PostgreSQL for several nodes), applies the embedded migrations, and owns the
// records every part of outpost shares: tenants and their SMTP credentials,
// admin API tokens, DKIM keys and the audit log. Domain state (quota, review,
// scoring) lives in those packages' own tables on the same database.
//
// Queries are written once with '?' placeholders; DB rebinds them to $n for
// PostgreSQL. Times are stored as unix milliseconds in both dialects.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver (pure Go)
)

// Dialect is the SQL flavour behind a DB.
type Dialect int

const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// Errors callers branch on.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
)

// DB is a handle on outpost's database. It is safe for concurrent use.
type DB struct {
	SQL     *sql.DB
	Dialect Dialect
	// Where is a human description of the database (path or host/db, no password).
	Where string

	// writeMu queues this process's SQLite write transactions in Go. SQLite
	// admits one writer; without it concurrent writers meet SQLITE_BUSY and
	// the driver's busy handler sleeps in steps of up to 100 ms, which under
	// the relay's concurrency cost far more than the writes themselves.
	// The busy timeout still covers writers in other processes (the CLI).
	writeMu sync.Mutex

	// stmts caches SQLite prepared statements by query text: the pure-Go
	// driver parses the SQL of every call otherwise (a sixth of the relay's
	// CPU with review on). pgx caches statements itself.
	stmts  sync.Map // string → *sql.Stmt
	nstmts atomic.Int32
}

// maxCachedStmts bounds the statement cache (queries are fixed text; a
// query built with a variable IN list is simply not cached past it).
const maxCachedStmts = 1000

// stmt returns the cached prepared statement for q, preparing it on first
// use, or nil (not SQLite, cache full, or preparing failed: the caller
// runs q directly and meets any error there).
func (db *DB) stmt(ctx context.Context, q string) *sql.Stmt {
	if db.Dialect != SQLite {
		return nil
	}
	if st, ok := db.stmts.Load(q); ok {
		return st.(*sql.Stmt)
	}
	if db.nstmts.Load() >= maxCachedStmts {
		return nil
	}
	st, err := db.SQL.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	if prev, loaded := db.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt)
	}
	db.nstmts.Add(1)
	return st
}

// Open opens the database named by dsn:
//   - "postgres://..." or "postgresql://..." → PostgreSQL via pgx;
//   - "sqlite:PATH", "file:PATH" or a plain path → SQLite at PATH (created
//     with its folder if missing), in WAL mode with a busy timeout.
//
// Open does not migrate; call Migrate (or check PendingMigrations).
func Open(ctx context.Context, dsn string) (*DB, error) {
	if dsn == "" {
		return nil, errors.New("store: empty database DSN")
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		sdb, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		// A modest pool: several instances share one server's max_connections
		// (serve sets its own with --db-max-conns).
		sdb.SetMaxOpenConns(16)
		sdb.SetMaxIdleConns(8)
		sdb.SetConnMaxIdleTime(5 * time.Minute)
		db := &DB{SQL: sdb, Dialect: Postgres, Where: redactDSN(dsn)}
		if err := sdb.PingContext(ctx); err != nil {
			sdb.Close()
			return nil, fmt.Errorf("store: connect to %s: %w", db.Where, err)
		}
		return db, nil
	}
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("store: create data folder: %w", err)
		}
	}
	// _txlock=immediate takes the write lock at BEGIN, so two writers never
	// deadlock upgrading read locks; busy_timeout makes writers queue.
	sdb, err := sql.Open("sqlite", "file:"+path+
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	sdb.SetMaxOpenConns(8)
	db := &DB{SQL: sdb, Dialect: SQLite, Where: path}
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.SQL.Close() }

// Rebind turns '?' placeholders into $1, $2, ... for PostgreSQL. It leaves
// '?' inside single-quoted string literals alone.
func (db *DB) Rebind(q string) string { return rebind(db.Dialect, q) }

func rebind(d Dialect, q string) string {
	if d != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n, inStr := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inStr = !inStr
			b.WriteByte(c)
		case c == '?' && !inStr:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Exec runs a statement with '?' placeholders.
func (db *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := db.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return db.SQL.ExecContext(ctx, db.Rebind(q), args...)
}

// Query runs a query with '?' placeholders. Close the rows and check Err.
func (db *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := db.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.SQL.QueryContext(ctx, db.Rebind(q), args...)
}

// QueryRow runs a query with '?' placeholders that returns at most one row.
func (db *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := db.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.SQL.QueryRowContext(ctx, db.Rebind(q), args...)
}

// Tx is a transaction with the same placeholder rebinding as DB.
type Tx struct {
	SQL     *sql.Tx
	Dialect Dialect
	db      *DB // its statement cache; nil in a Tx made outside InTx
}

// stmt is q's cached statement bound to this transaction, or nil.
func (tx *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if tx.db == nil {
		return nil
	}
	if st := tx.db.stmt(ctx, q); st != nil {
		return tx.SQL.StmtContext(ctx, st)
	}
	return nil
}

func (tx *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := tx.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.SQL.ExecContext(ctx, rebind(tx.Dialect, q), args...)
}

func (tx *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := tx.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.SQL.QueryContext(ctx, rebind(tx.Dialect, q), args...)
}

func (tx *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := tx.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.SQL.QueryRowContext(ctx, rebind(tx.Dialect, q), args...)
}

// InTx runs fn in a transaction, committing if fn returns nil and rolling
// back otherwise. On SQLite the transaction holds the write lock from BEGIN.
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	if db.Dialect == SQLite {
		db.writeMu.Lock()
		defer db.writeMu.Unlock()
	}
	stx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(&Tx{SQL: stx, Dialect: db.Dialect, db: db}); err != nil {
		_ = stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// IsUniqueViolation reports whether err is a primary-key or unique-constraint
// violation in either dialect.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || // sqlite
		strings.Contains(s, "SQLSTATE 23505") || // pgx
		strings.Contains(s, "duplicate key value")
}

// Millis is the storage form of a time.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// FromMillis is the inverse of Millis, in UTC.
func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func redactDSN(dsn string) string {
	// postgres://user:pass@host/db?x → host/db
	s := dsn
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i]
	}
	return "postgres " + s
}
