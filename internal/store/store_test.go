package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/internal/testenv"
)

// TestConformance runs the same behaviour checks on SQLite and PostgreSQL.
func TestConformance(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			db := b.Open(t)
			t.Run("migrate_is_idempotent", func(t *testing.T) { testMigrateIdempotent(t, db) })
			t.Run("tenants", func(t *testing.T) { testTenants(t, db) })
			t.Run("list_pagination", func(t *testing.T) { testListPagination(t, db) })
			t.Run("status_audited", func(t *testing.T) { testStatusAudited(t, db) })
			t.Run("tokens", func(t *testing.T) { testTokens(t, db) })
			t.Run("dkim", func(t *testing.T) { testDKIM(t, db) })
			t.Run("concurrent_creates", func(t *testing.T) { testConcurrentCreates(t, db) })
		})
	}
}

func testMigrateIdempotent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 0 {
		t.Fatalf("second Migrate applied %v; a migration must never run twice", applied)
	}
	pending, err := db.PendingMigrations(ctx)
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending after migrate = %v, %v", pending, err)
	}
	all, _ := db.Migrations()
	if len(all) == 0 || all[0].Version != "0001_core" {
		t.Fatalf("embedded migrations = %v", all)
	}
}

func testTenants(t *testing.T, db *store.DB) {
	ctx := context.Background()
	hash, err := store.HashSecret("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	in := store.Tenant{ID: "acme", Plan: "trial", SecretHash: hash, CreatedAt: created,
		Signup: store.Signup{IP: "192.0.2.7", Email: "boss@acme.example", Country: "BE"}}
	if err := db.CreateTenant(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateTenant(ctx, in); !errors.Is(err, store.ErrExists) {
		t.Fatalf("duplicate create: err = %v, want ErrExists", err)
	}
	got, err := db.Tenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.StatusActive || got.Plan != "trial" || got.Signup != in.Signup || !got.CreatedAt.Equal(created) {
		t.Fatalf("got %+v, want %+v with status active", got, in)
	}
	if !store.CheckSecret(got.SecretHash, "s3cret") || store.CheckSecret(got.SecretHash, "wrong") {
		t.Fatal("CheckSecret does not tell the right secret from a wrong one")
	}
	if _, err := db.Tenant(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing tenant: err = %v, want ErrNotFound", err)
	}
	if err := db.CreateTenant(ctx, store.Tenant{ID: "Bad ID!", Plan: "trial"}); err == nil {
		t.Fatal("invalid id accepted")
	}
	if err := db.SetTenantSecret(ctx, "acme", "newhash", "test"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Tenant(ctx, "acme"); got.SecretHash != "newhash" {
		t.Fatalf("secret hash after rotate = %q", got.SecretHash)
	}
	if err := db.SetTenantSecret(ctx, "nobody", "x", "test"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rotate missing tenant: %v", err)
	}
}

func testListPagination(t *testing.T, db *store.DB) {
	ctx := context.Background()
	for i := range 7 {
		plan := "trial"
		if i%2 == 0 {
			plan = "paid"
		}
		if err := db.CreateTenant(ctx, store.Tenant{ID: fmt.Sprintf("page-%02d", i), Plan: plan}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	after := "page-"
	for {
		page, err := db.ListTenants(ctx, store.TenantFilter{Plan: "paid", After: after, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, tn := range page {
			ids = append(ids, tn.ID)
		}
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1].ID
	}
	want := []string{"page-00", "page-02", "page-04", "page-06"}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("paged paid tenants = %v, want %v", ids, want)
	}
}

func testStatusAudited(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if err := db.CreateTenant(ctx, store.Tenant{ID: "suspendme", Plan: "trial"}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetTenantStatus(ctx, "suspendme", store.StatusSuspended, "support:alice", "spam run"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetTenantStatus(ctx, "suspendme", "bogus", "x", ""); err == nil {
		t.Fatal("bogus status accepted")
	}
	got, _ := db.Tenant(ctx, "suspendme")
	if got.Status != store.StatusSuspended {
		t.Fatalf("status = %q", got.Status)
	}
	log, err := db.AuditLog(ctx, "tenant:suspendme", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Actor != "support:alice" || log[0].Action != "tenant.status" {
		t.Fatalf("audit = %+v", log)
	}
	d, _ := log[0].Detail.(map[string]any)
	if d["old"] != "active" || d["new"] != "suspended" || d["reason"] != "spam run" {
		t.Fatalf("audit detail = %v", log[0].Detail)
	}
}

func testTokens(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if _, _, err := db.CreateToken(ctx, "root", "x", "cli"); err == nil {
		t.Fatal("unknown scope accepted")
	}
	tok, secret, err := db.CreateToken(ctx, store.ScopeSupport, "helpdesk", "cli")
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.TokenBySecret(ctx, secret)
	if err != nil || got.ID != tok.ID || got.Scope != store.ScopeSupport {
		t.Fatalf("lookup = %+v, %v", got, err)
	}
	if _, err := db.TokenBySecret(ctx, secret+"x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("wrong token: %v", err)
	}
	var stored string
	if err := db.QueryRow(ctx, `SELECT hash FROM api_tokens WHERE id = ?`, tok.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored == secret || stored != store.TokenHash(secret) {
		t.Fatal("token not stored as its hash")
	}
	if err := db.RevokeToken(ctx, tok.ID, "cli"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TokenBySecret(ctx, secret); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoked token still works: %v", err)
	}
}

func testDKIM(t *testing.T, db *store.DB) {
	ctx := context.Background()
	k := store.DKIMKey{Domain: "Example.COM.", Selector: "s1", Algorithm: "ed25519", PrivateKeyPEM: "pem1"}
	if err := db.PutDKIMKey(ctx, k, "cli"); err != nil {
		t.Fatal(err)
	}
	k.PrivateKeyPEM = "pem2"
	if err := db.PutDKIMKey(ctx, k, "cli"); err != nil {
		t.Fatal(err)
	}
	keys, err := db.DKIMKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].Domain != "example.com" || keys[0].PrivateKeyPEM != "pem2" {
		t.Fatalf("keys = %+v", keys)
	}
}

func testConcurrentCreates(t *testing.T, db *store.DB) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Every id twice: exactly one of each pair wins.
			errs <- db.CreateTenant(ctx, store.Tenant{ID: fmt.Sprintf("race-%d", i/2), Plan: "trial"})
		}()
	}
	wg.Wait()
	close(errs)
	ok, dup := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrExists):
			dup++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 20 || dup != 20 {
		t.Fatalf("created %d, duplicates %d; want 20 and 20", ok, dup)
	}
}

func TestRebind(t *testing.T) {
	db := &store.DB{Dialect: store.Postgres}
	got := db.Rebind(`SELECT a FROM t WHERE x = ? AND y = '?' AND z IN (?, ?)`)
	want := `SELECT a FROM t WHERE x = $1 AND y = '?' AND z IN ($2, $3)`
	if got != want {
		t.Fatalf("Rebind = %s, want %s", got, want)
	}
	if s := (&store.DB{Dialect: store.SQLite}).Rebind("a = ?"); s != "a = ?" {
		t.Fatalf("sqlite rebind changed the query: %s", s)
	}
}

func TestModelBlobConformance(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			db := b.Open(t)
			ctx := context.Background()
			if _, _, err := db.ModelBlob(ctx); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("empty store: %v, want ErrNotFound", err)
			}
			if v, err := db.ModelVersion(ctx); err != nil || v != 0 {
				t.Fatalf("version of nothing = %d, %v", v, err)
			}
			blob := []byte{0, 1, 2, 0xff, 'x'}
			for want := int64(1); want <= 2; want++ {
				v, err := db.PutModelBlob(ctx, append(blob, byte(want)))
				if err != nil || v != want {
					t.Fatalf("put #%d: version %d, %v", want, v, err)
				}
			}
			v, data, err := db.ModelBlob(ctx)
			if err != nil || v != 2 || string(data) != string(append(blob, 2)) {
				t.Fatalf("load = %d %v %v", v, data, err)
			}
		})
	}
}

// TestUpdateModelBlobLosesNothing: instances updating the model at once,
// starting from no model, each build on the others' result.
func TestUpdateModelBlobLosesNothing(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			db := b.Open(t)
			ctx := context.Background()
			const n = 16
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := range n {
				wg.Go(func() {
					_, err := db.UpdateModelBlob(ctx, func(old []byte) ([]byte, error) {
						return append(slices.Clone(old), byte('a'+i)), nil
					})
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			v, data, err := db.ModelBlob(ctx)
			if err != nil || v != n || len(data) != n {
				t.Fatalf("after %d concurrent updates: version %d, %q, %v; want every update kept", n, v, data, err)
			}
			seen := map[byte]bool{}
			for _, c := range data {
				seen[c] = true
			}
			if len(seen) != n {
				t.Fatalf("blob %q: an update was lost or doubled", data)
			}
			// A failing change stores nothing.
			if _, err := db.UpdateModelBlob(ctx, func([]byte) ([]byte, error) { return nil, errors.New("no") }); err == nil {
				t.Fatal("a failing change reported success")
			}
			if v2, _ := db.ModelVersion(ctx); v2 != n {
				t.Fatalf("version %d after a failed change, want %d", v2, n)
			}
		})
	}
}

// TestModelLessonsConformance: lessons come back oldest first, and the
// journal keeps the newest keep of them.
func TestModelLessonsConformance(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			db := b.Open(t)
			ctx := context.Background()
			read := func() []byte {
				var got []byte
				if err := db.ModelLessons(ctx, func(l []byte) error { got = append(got, l[0]); return nil }); err != nil {
					t.Fatal(err)
				}
				return got
			}
			if got := read(); len(got) != 0 {
				t.Fatalf("empty journal holds %v", got)
			}
			for i := range 10 {
				if err := db.AddModelLesson(ctx, []byte{byte(i), 0xff, 0}, 4); err != nil {
					t.Fatal(err)
				}
			}
			if got := read(); string(got) != string([]byte{6, 7, 8, 9}) {
				t.Fatalf("journal keeping 4 after 10 lessons holds %v, want [6 7 8 9]", got)
			}
			if err := db.AddModelLesson(ctx, []byte{10}, 0); err != nil {
				t.Fatal(err)
			}
			if got := read(); len(got) != 5 {
				t.Fatalf("keep 0 (no limit) dropped lessons: %v", got)
			}
			stop := errors.New("stop")
			n := 0
			if err := db.ModelLessons(ctx, func([]byte) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
				t.Fatalf("fn's error: %v after %d lessons, want it returned after 1", err, n)
			}
		})
	}
}
