package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/internal/testenv"
)

// runCLI runs the command line in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestParseFlagsAfterPositionals(t *testing.T) {
	fs := newFlagSet("x", "", &bytes.Buffer{})
	plan := fs.String("plan", "trial", "")
	v := fs.Bool("v", false, "")
	rest, code, done := parseArgs(fs, []string{"acme", "--plan", "paid", "extra", "-v", "--", "--not-a-flag"})
	if done || code != 0 {
		t.Fatalf("parse stopped: code %d", code)
	}
	if *plan != "paid" || !*v {
		t.Fatalf("flags after positionals not parsed: plan=%q v=%v", *plan, *v)
	}
	if strings.Join(rest, " ") != "acme extra --not-a-flag" {
		t.Fatalf("positionals = %q", rest)
	}
}

func TestEnvironmentSetsFlagsAndFlagsWin(t *testing.T) {
	t.Setenv("OUTPOST_SMTP_ADDR", "0.0.0.0:25")
	t.Setenv("OUTPOST_MAX_RECIPIENTS", "7")
	fs := newFlagSet("serve", "", &bytes.Buffer{})
	var c serveConfig
	c.register(fs)
	if _, done := parse(fs, []string{"--max-recipients", "9"}); done {
		t.Fatal("parse failed")
	}
	if c.smtpAddr != "0.0.0.0:25" {
		t.Fatalf("OUTPOST_SMTP_ADDR not applied: %q", c.smtpAddr)
	}
	if c.maxRecipients != 9 {
		t.Fatalf("command-line flag should win over the environment: %d", c.maxRecipients)
	}

	t.Setenv("OUTPOST_MAX_CONNS", "lots")
	fs = newFlagSet("serve", "", &bytes.Buffer{})
	c.register(fs)
	if code, done := parse(fs, nil); !done || code != 2 {
		t.Fatalf("bad environment value: done=%v code=%d, want refusal with 2", done, code)
	}
}

func TestUnknownCommandAndHelp(t *testing.T) {
	if code, _, errs := runCLI(t, "frobnicate"); code != 2 || !strings.Contains(errs, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: code %d, stderr %q", code, errs)
	}
	for _, c := range []string{"serve", "migrate", "version", "score"} {
		if code, _, errs := runCLI(t, c, "--help"); code != 0 || !strings.Contains(errs, "Usage: outpost "+c) {
			t.Errorf("%s --help: code %d, stderr %q", c, code, errs)
		}
	}
	if code, out, _ := runCLI(t, "tenant", "help"); code != 0 || !strings.Contains(out, "suspend") {
		t.Errorf("tenant help: code %d, out %q", code, out)
	}
}

func TestTokenCreatePrintsTheTokenAlone(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, "token", "create", "--scope", "support", "--name", "helpdesk", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("token create: %d %s", code, errs)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "opt_") {
		t.Fatalf("stdout must be the token alone, got %q", out)
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "outpost.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tok, err := db.TokenBySecret(context.Background(), lines[0])
	if err != nil || tok.Scope != "support" || tok.Name != "helpdesk" {
		t.Fatalf("printed token does not authenticate: %+v %v", tok, err)
	}
	if code, _, errs := runCLI(t, "token", "create", "--scope", "root", "--data-dir", dir); code == 0 || !strings.Contains(errs, "invalid token scope") {
		t.Fatalf("bad scope: code %d stderr %q", code, errs)
	}
}

func TestTenantLifecycle(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, "tenant", "add", "acme", "--plan", "trial", "--signup-country", "BE", "--json", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("tenant add: %d %s", code, errs)
	}
	var created map[string]string
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("tenant add --json: %v in %q", err, out)
	}
	if created["smtp_username"] != "acme" || len(created["smtp_password"]) < 32 {
		t.Fatalf("credentials = %v", created)
	}
	adb, err := store.Open(context.Background(), filepath.Join(dir, "outpost.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer adb.Close()
	if log, err := adb.AuditLog(context.Background(), "tenant:acme", 0, 10); err != nil || len(log) == 0 || log[len(log)-1].Action != "tenant.create" || !strings.HasPrefix(log[len(log)-1].Actor, "cli") {
		t.Fatalf("tenant add must be audited with the operator as actor: %+v %v", log, err)
	}
	if code, _, errs := runCLI(t, "tenant", "add", "acme", "--data-dir", dir); code == 0 || !strings.Contains(errs, "already exists") {
		t.Fatalf("duplicate add: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "tenant", "suspend", "acme", "--data-dir", dir); code == 0 || !strings.Contains(errs, "--reason") {
		t.Fatalf("suspend without reason: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "tenant", "suspend", "acme", "--reason", "spam complaints", "--data-dir", dir); code != 0 {
		t.Fatalf("suspend: %d %s", code, errs)
	}
	code, out, errs = runCLI(t, "tenant", "show", "acme", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("show: %d %s", code, errs)
	}
	var shown map[string]any
	if err := json.Unmarshal([]byte(out), &shown); err != nil {
		t.Fatal(err)
	}
	if shown["status"] != "suspended" || shown["plan"] != "trial" {
		t.Fatalf("show = %v", shown)
	}
	if _, ok := shown["smtp_password"]; ok {
		t.Fatal("show must never print a secret")
	}
	if code, out, _ := runCLI(t, "tenant", "list", "--status", "suspended", "--data-dir", dir); code != 0 || !strings.Contains(out, "acme") {
		t.Fatalf("list: %d %q", code, out)
	}
	if code, _, errs := runCLI(t, "tenant", "show", "nobody", "--data-dir", dir); code == 0 || !strings.Contains(errs, `no tenant "nobody"`) {
		t.Fatalf("show unknown: %d %q", code, errs)
	}
}

func TestMigrateReportsAndIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCLI(t, "migrate", "--status", "--data-dir", dir)
	if code != 0 || strings.Contains(out, " 0 pending") {
		t.Fatalf("fresh database should have pending migrations: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, "migrate", "--data-dir", dir); code != 0 || !strings.Contains(out, "0001_core") {
		t.Fatalf("migrate: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, "migrate", "--data-dir", dir); code != 0 || !strings.Contains(out, "applied 0 migration") {
		t.Fatalf("second migrate: %d %q", code, out)
	}
}

func TestTenantQuotaCommands(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := runCLI(t, "tenant", "add", "ladder", "--data-dir", dir); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := runCLI(t, "tenant", "raise", "ladder", "--data-dir", dir); code == 0 {
		t.Fatalf("raise without a reason must be refused; stderr %q", errs)
	}
	code, out, errs := runCLI(t, "tenant", "raise", "ladder", "--reason", "read 20 samples, all invoices", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "20 → 40") {
		t.Fatalf("raise: %d %q %q", code, out, errs)
	}
	code, out, errs = runCLI(t, "tenant", "plan", "ladder", "paid", "--reason", "paid by bank transfer", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "trial → paid") || !strings.Contains(out, "40 → 200") {
		t.Fatalf("plan: %d %q %q", code, out, errs)
	}
	code, out, _ = runCLI(t, "tenant", "quota", "ladder", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "limit 200/24h, used 0, remaining 200") ||
		!strings.Contains(out, "read 20 samples, all invoices") || !strings.Contains(out, "paid by bank transfer") {
		t.Fatalf("quota: %d\n%s", code, out)
	}
}

func TestServeRefusesAnOutOfDateSchema(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	code, _, errs := runCLI(t, "serve", "--db", dsn, "--data-dir", t.TempDir(), "--smtp-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0")
	if code == 0 || !strings.Contains(errs, "out of date") || !strings.Contains(errs, "outpost migrate") {
		t.Fatalf("serve on an empty PostgreSQL: exit %d, stderr %q; want a refusal that says to migrate", code, errs)
	}
	if code, out, errs := runCLI(t, "migrate", "--db", dsn); code != 0 || !strings.Contains(out, "0001_core") {
		t.Fatalf("migrate: %d %q %q", code, out, errs)
	}
	if code, out, _ := runCLI(t, "migrate", "--status", "--db", dsn); code != 0 || !strings.Contains(out, ": 0 pending") {
		t.Fatalf("after migrate: %d %q", code, out)
	}
}

// TestRedisLogLinesGoToOurLog: go-redis's own log lines (a failed dial)
// come out of our structured logger, as warnings of component redis.
func TestRedisLogLinesGoToOurLog(t *testing.T) {
	var buf bytes.Buffer
	l := redisLogger{slog.New(slog.NewTextHandler(&buf, nil)).With("component", "redis")}
	l.Printf(context.Background(), "redis: connection pool: failed to dial after %d attempts: %s\n", 1, "connection refused")
	got := buf.String()
	for _, want := range []string{"level=WARN", "component=redis", `msg="redis: connection pool: failed to dial after 1 attempts: connection refused"`} {
		if !strings.Contains(got, want) {
			t.Errorf("log line %q lacks %q", got, want)
		}
	}
}
