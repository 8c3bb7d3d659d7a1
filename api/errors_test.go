package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/quota"
)

// TestToHTTP pins the one mapping from errors to HTTP status and code.
func TestToHTTP(t *testing.T) {
	secret := errors.New("pq: relation \"tenants\" password=hunter2")
	cases := []struct {
		err      error
		status   int
		code     string
		internal bool
	}{
		{badRequest("x"), 400, CodeBadRequest, false},
		{fmt.Errorf("wrapped: %w", invalid("reason is required")), 422, CodeValidation, false},
		{&http.MaxBytesError{Limit: 10}, 413, CodeTooLarge, false},
		{fmt.Errorf("store: tenant %q: %w", "x", store.ErrNotFound), 404, CodeNotFound, false},
		{fmt.Errorf("x: %w", store.ErrExists), 409, CodeConflict, false},
		{fmt.Errorf("quota: init x: %w", fmt.Errorf("%w: unknown plan %q", quota.ErrInvalid, "gold")), 422, CodeValidation, false},
		{fmt.Errorf("%w (100000)", quota.ErrAtCap), 409, CodeConflict, false},
		{fmt.Errorf("%w %q: %w", quota.ErrUnknownTenant, "x", store.ErrNotFound), 404, CodeNotFound, false},
		{&quota.UnavailableError{Tenant: "x", Op: "status", Err: secret}, 503, CodeUnavailable, true},
		{errUnavailable(secret), 503, CodeUnavailable, true},
		{fmt.Errorf("q: %w", context.DeadlineExceeded), 503, CodeUnavailable, true},
		{secret, 500, CodeInternal, true},
	}
	for _, tc := range cases {
		e, internal := toHTTP(tc.err)
		if e.Status != tc.status || e.Code != tc.code || internal != tc.internal {
			t.Errorf("%v → %d %s internal=%v, want %d %s internal=%v", tc.err, e.Status, e.Code, internal, tc.status, tc.code, tc.internal)
		}
		if strings.Contains(e.Message, "hunter2") || strings.Contains(e.Message, "relation") {
			t.Errorf("%v: message %q leaks internal detail", tc.err, e.Message)
		}
	}
	if e, _ := toHTTP(fmt.Errorf("quota: init x: %w", fmt.Errorf("%w: unknown plan %q", quota.ErrInvalid, "gold"))); e.Message != `unknown plan "gold"` {
		t.Errorf("quota validation message %q", e.Message)
	}
}
