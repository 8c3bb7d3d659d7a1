package review

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
)

// TestListCasesReasons: every listed case carries the reasons Case gives it,
// in the same order, on every page.
func TestListCasesReasons(t *testing.T) {
	backends(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		for i := range 5 {
			id := fmt.Sprintf("r%d", i)
			e.tenant(id, "paid", 40*24*time.Hour, "", "")
			for j := range 1 + i%3 { // one to three reasons, lightest first
				r := caseReason{Code: fmt.Sprintf("code.%d", j), Detail: fmt.Sprintf("%s reason %d", id, j), Weight: float64(j + i)}
				if _, err := e.svc.openCase(ctx, id, r, 0, false); err != nil {
					t.Fatal(err)
				}
			}
		}
		seen, cursor := 0, ""
		for range 10 {
			cs, next, err := e.svc.ListCases(ctx, CaseFilter{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				want, err := e.svc.Case(ctx, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(c.Reasons) == 0 || !reflect.DeepEqual(c, want) {
					t.Fatalf("listed %+v\nCase   %+v", c, want)
				}
				seen++
			}
			if cursor = next; cursor == "" {
				break
			}
		}
		if seen != 5 {
			t.Fatalf("listed %d cases, want 5", seen)
		}
	})
}
