package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/api"
	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/internal/testenv"
	"github.com/outpost-mail/outpost/review"
)

// countingReviews counts the case reads the API makes of review.
type countingReviews struct {
	api.Reviews
	mu         sync.Mutex
	lists, get int
}

func (c *countingReviews) ListCases(ctx context.Context, f review.CaseFilter) ([]review.Case, string, error) {
	c.mu.Lock()
	c.lists++
	c.mu.Unlock()
	return c.Reviews.ListCases(ctx, f)
}

func (c *countingReviews) Case(ctx context.Context, id int64) (review.Case, error) {
	c.mu.Lock()
	c.get++
	c.mu.Unlock()
	return c.Reviews.Case(ctx, id)
}

func (c *countingReviews) take() (lists, get int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lists, get, c.lists, c.get = c.lists, c.get, 0, 0
	return lists, get
}

// TestReviewListCostPerPage: listing a page of cases reads review once per
// state listed, never once per case, and each item is the same JSON as the
// case part of GET /reviews/{id}.
func TestReviewListCostPerPage(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			if db == nil {
				return
			}
			var cr *countingReviews
			e := newEnv(t, db, func(o *api.Options) {
				cr = &countingReviews{Reviews: o.Reviews}
				o.Reviews = cr
			})
			re := e.reviews
			for i := range 6 {
				id := fmt.Sprintf("n%d", i)
				re.tenant(id, "trial", 10*24*time.Hour, store.Signup{})
				re.holdSpam(id, 1+i%2)
			}
			// Two closed cases, so that ?state=closed merges two states.
			for i, c := range e.cases(t, "?state=open&limit=2").Items {
				body := []string{`{"decision":"approve"}`, `{"decision":"reject","note":"spam"}`}[i]
				e.do("POST", fmt.Sprintf("/api/v1/reviews/%d/decision", c.ID), store.ScopeSupport, body).must(t, http.StatusOK)
			}
			for q, want := range map[string]struct{ items, lists int }{
				"?state=open": {4, 1}, "?state=all&limit=5": {5, 1}, "?state=all": {6, 1}, "?state=closed": {2, 2},
			} {
				cr.take()
				body := e.do("GET", "/api/v1/reviews"+q, store.ScopeSupport, nil).must(t, http.StatusOK).Body
				lists, get := cr.take()
				var l struct {
					Items []map[string]json.RawMessage `json:"items"`
				}
				if err := json.Unmarshal(body, &l); err != nil {
					t.Fatal(err)
				}
				if len(l.Items) != want.items || lists != want.lists || get != 0 {
					t.Fatalf("%s: %d items with %d ListCases and %d Case calls, want %d items, %d ListCases, no Case",
						q, len(l.Items), lists, get, want.items, want.lists)
				}
				for _, item := range l.Items {
					var id int64
					if err := json.Unmarshal(item["id"], &id); err != nil {
						t.Fatal(err)
					}
					var d map[string]json.RawMessage
					if err := json.Unmarshal(e.do("GET", fmt.Sprintf("/api/v1/reviews/%d", id), store.ScopeSupport, nil).must(t, http.StatusOK).Body, &d); err != nil {
						t.Fatal(err)
					}
					if string(item["reasons"]) == "[]" {
						t.Fatalf("%s: case %d listed without reasons", q, id)
					}
					keys := make([]string, 0, len(item))
					for k, v := range item {
						keys = append(keys, k)
						if string(d[k]) != string(v) {
							t.Fatalf("%s: case %d %s: listed %s, detail %s", q, id, k, v, d[k])
						}
					}
					slices.Sort(keys)
					if !slices.Equal(keys, caseKeys(item)) {
						t.Fatalf("%s: case %d keys %v", q, id, keys)
					}
				}
			}
		})
	}
}

// caseKeys are the keys of a listed case: the fixed ones and, once decided,
// closed_at, decision and decided_by (decision_note when there is one).
func caseKeys(item map[string]json.RawMessage) []string {
	keys := []string{"assignee", "campaign_id", "holding", "id", "opened_at", "priority", "reasons", "state", "tenant_id", "updated_at"}
	for _, k := range []string{"closed_at", "decision", "decided_by", "decision_note"} {
		if _, ok := item[k]; ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
