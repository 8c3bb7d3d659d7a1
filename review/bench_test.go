package review

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/internal/testenv"
	"github.com/outpost-mail/outpost/scoring"
)

// bulkInsert inserts rows in multi-row statements of up to 500 rows.
func bulkInsert(b *testing.B, db *store.DB, table, cols string, n int, row func(i int) []any) {
	b.Helper()
	ctx := context.Background()
	ncol := strings.Count(cols, ",") + 1
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", ncol), ",") + ")"
	for start := 0; start < n; start += 500 {
		end := min(n, start+500)
		var args []any
		for i := start; i < end; i++ {
			args = append(args, row(i)...)
		}
		q := "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+",", end-start), ",")
		if _, err := db.Exec(ctx, q, args...); err != nil {
			b.Fatalf("seed %s: %v", table, err)
		}
	}
}

// BenchmarkAssess measures Assess (bookkeeping and decision) at 100,000
// tenants: 90% established, 10% young trials; 50,000 young-tenant
// fingerprints and 20,000 templates already stored.
func BenchmarkAssess(b *testing.B) {
	const tenants = 100_000
	for _, be := range testenv.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			db := be.Open(b)
			if db == nil {
				return
			}
			clk := newClock()
			now := clk.Now()
			young := func(i int) bool { return i%10 == 0 }
			bulkInsert(b, db, "tenants", "id, plan, status, signup_ip, signup_email, created_at, updated_at", tenants, func(i int) []any {
				plan, created := "paid", now.Add(-90*24*time.Hour)
				if young(i) {
					plan, created = "trial", now.Add(-time.Duration(i%100)*time.Hour)
				}
				return []any{fmt.Sprintf("t%06d", i), plan, "active", fmt.Sprintf("10.%d.%d.1", i%250, i/250%250), fmt.Sprintf("o@c%d.example", i), ms(created), ms(created)}
			})
			bulkInsert(b, db, "review_tenants", "tenant_id, plan, created_at, network, contact_domain, messages, decay_at, fb_at", tenants, func(i int) []any {
				plan, created := "paid", now.Add(-90*24*time.Hour)
				if young(i) {
					plan, created = "trial", now.Add(-time.Duration(i%100)*time.Hour)
				}
				return []any{fmt.Sprintf("t%06d", i), plan, ms(created), fmt.Sprintf("10.%d.%d.0/24", i%250, i/250%250), fmt.Sprintf("c%d.example", i), 100, ms(now), ms(now)}
			})
			rng := rand.New(rand.NewPCG(3, 4))
			bulkInsert(b, db, "review_fps", "tenant_id, fp, b0, b1, b2, b3, n, max_score, rcpt_key, first_at, last_at", 50_000, func(i int) []any {
				fp := scoring.Fingerprint(rng.Uint64())
				bb := bands(fp)
				return []any{fmt.Sprintf("t%06d", (i%10_000)*10), int64(fp), bb[0], bb[1], bb[2], bb[3], 3, 1.0, int64(rng.Uint64()), ms(now), ms(now)}
			})
			bulkInsert(b, db, "review_templates", "fp, b0, b1, b2, b3, tenants, max_score, first_at, last_at", 20_000, func(i int) []any {
				fp := scoring.Fingerprint(rng.Uint64())
				bb := bands(fp)
				return []any{int64(fp), bb[0], bb[1], bb[2], bb[3], 1 + i%5, 1.0, ms(now), ms(now)}
			})
			if db.Dialect == store.Postgres {
				if _, err := db.Exec(context.Background(), "ANALYZE"); err != nil {
					b.Fatal(err)
				}
			}
			svc, err := New(Options{DB: db, Now: clk.Now})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			for _, kind := range []string{"established", "young"} {
				b.Run(kind, func(b *testing.B) {
					i := 0
					for b.Loop() {
						i++
						t := rng.IntN(tenants)
						if kind == "young" {
							t = t / 10 * 10
						} else if young(t) {
							t++
						}
						m := &Message{QueueID: fmt.Sprintf("%s-%d", kind, i), TenantID: fmt.Sprintf("t%06d", t), From: "a@x.example",
							To: []string{fmt.Sprintf("r%d@d%d.example", i, i%50)}, Received: clk.Now(),
							Score: scoring.Result{Score: 0.5, Verdict: scoring.Pass, Fingerprint: scoring.Fingerprint(rng.Uint64()), LinkDomains: []string{"shop.example"}}}
						if _, err := svc.Assess(ctx, m); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
