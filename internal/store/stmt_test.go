package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// TestStatementCache: on SQLite a query's text is prepared once and reused,
// inside and outside transactions, with the same results as unprepared
// execution; the cache stops growing at its bound and queries past it
// still run.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, `CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	const ins = `INSERT INTO kv (k, v) VALUES (?, ?)`
	for i := range 5 {
		if err := db.InTx(ctx, func(tx *Tx) error {
			_, err := tx.Exec(ctx, ins, fmt.Sprint("k", i), i)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	var sum int
	for range 3 {
		if err := db.QueryRow(ctx, `SELECT SUM(v) FROM kv WHERE v >= ?`, 0).Scan(&sum); err != nil {
			t.Fatal(err)
		}
	}
	if sum != 0+1+2+3+4 {
		t.Fatalf("sum = %d", sum)
	}
	if n := db.nstmts.Load(); n != 3 { // CREATE, INSERT, SELECT
		t.Fatalf("%d statements cached after three distinct queries, want 3", n)
	}
	// A failing statement (constraint) reports its error through the cache.
	if _, err := db.Exec(ctx, ins, "k1", 9); !IsUniqueViolation(err) {
		t.Fatalf("duplicate key through a cached statement: %v", err)
	}
	// Past the bound nothing more is cached, and queries still run.
	db.nstmts.Store(maxCachedStmts)
	var v int
	if err := db.QueryRow(ctx, `SELECT v FROM kv WHERE k = ?`, "k3").Scan(&v); err != nil || v != 3 {
		t.Fatalf("uncached query: %d, %v", v, err)
	}
	if _, ok := db.stmts.Load(`SELECT v FROM kv WHERE k = ?`); ok {
		t.Fatal("a query past the cache's bound was cached")
	}
}
