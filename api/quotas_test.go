package api_test

import (
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/quota"
)

// newTestQuotas is the real quota manager on the test's store, with the SQL
// counter and the default plans (trial 20, paid 200, ×2 per raise).
func newTestQuotas(t *testing.T, db *store.DB, now func() time.Time) *quota.Manager {
	t.Helper()
	return quota.NewManager(db, quota.NewSQLCounter(db), quota.DefaultConfig(), nil, now)
}
