// Package testenv gives tests real services: a fresh PostgreSQL database, a
// Redis key space, a migrated SQLite store. A missing service skips the test
// with a clear message on a developer's machine and fails it in CI (CI set),
// so CI can never pass by skipping what it was meant to prove.
//
// Environment: OUTPOST_TEST_POSTGRES (a DSN to a server where the test may
// CREATE DATABASE; default postgres://postgres@127.0.0.1:5432/postgres),
// OUTPOST_TEST_REDIS (host:port; default 127.0.0.1:6379).
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
)

// InCI reports whether the tests run in CI, where missing services fail.
func InCI() bool { return os.Getenv("CI") != "" }

// Unavailable skips the test outside CI and fails it in CI.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("required test service missing in CI: %s", msg)
	}
	t.Skipf("skipping: %s (start it, or see README 'Tests'; CI fails instead of skipping)", msg)
}

// RandomName returns prefix followed by 12 random hex characters.
func RandomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// PostgresAdminDSN is the server tests create their databases on.
func PostgresAdminDSN() string {
	if s := os.Getenv("OUTPOST_TEST_POSTGRES"); s != "" {
		return s
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// PostgresDSN creates a fresh, empty database for this test and returns its
// DSN; the database is dropped when the test ends.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	admin := PostgresAdminDSN()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	adb, err := sql.Open("pgx", admin)
	if err == nil {
		err = adb.PingContext(ctx)
	}
	if err != nil {
		if adb != nil {
			adb.Close()
		}
		Unavailable(t, "PostgreSQL at %s: %v", redact(admin), err)
		return ""
	}
	name := RandomName("outpost_test_")
	if _, err := adb.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		adb.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, _ = adb.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		adb.Close()
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", redact(admin), err)
	}
	u.Path = "/" + name
	return u.String()
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable DSN)"
	}
	return u.Redacted()
}

// Backend names a store backend for table-driven conformance tests.
type Backend struct {
	Name string
	Open func(t testing.TB) *store.DB
}

// Backends returns the two store backends, SQLite and PostgreSQL, each giving
// a fresh, migrated database per call.
func Backends() []Backend {
	return []Backend{{"sqlite", SQLite}, {"postgres", Postgres}}
}

// SQLite returns a migrated SQLite store in a temporary folder.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return openMigrated(t, filepath.Join(t.TempDir(), "outpost.db"))
}

// Postgres returns a migrated store on a fresh PostgreSQL database.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	dsn := PostgresDSN(t)
	if dsn == "" {
		return nil
	}
	return openMigrated(t, dsn)
}

func openMigrated(t testing.TB, dsn string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// RedisAddr returns the address of a reachable Redis, or skips/fails.
func RedisAddr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("OUTPOST_TEST_REDIS")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		Unavailable(t, "Redis at %s: %v", addr, err)
		return ""
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		Unavailable(t, "Redis at %s: %v", addr, err)
		return ""
	}
	buf := make([]byte, 16)
	n, _ := c.Read(buf)
	if !strings.HasPrefix(string(buf[:n]), "+PONG") {
		Unavailable(t, "Redis at %s answered %q to PING", addr, buf[:n])
		return ""
	}
	return addr
}

// RedisPrefix returns a key prefix unique to this test, so tests sharing one
// Redis never see each other's keys.
func RedisPrefix(t testing.TB) string { return RandomName("outpost-test-") + ":" }

// RepoRoot returns the module root (the folder holding go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's folder")
		}
		dir = parent
	}
}

// Corpus returns the shared labelled mail folder (OUTPOST_CORPUS, or
// ../shared/corpus beside the checkout), or skips/fails when it is absent.
// The corpus is read in place; it is never copied into the repository.
func Corpus(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("OUTPOST_CORPUS")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "labels.tsv")); err != nil {
		Unavailable(t, "labelled corpus at %s (set OUTPOST_CORPUS): %v", dir, err)
		return ""
	}
	return dir
}
