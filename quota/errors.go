package quota

import (
	"errors"
	"fmt"
	"time"
)

// ExceededError says a reservation would take a budget over its limit.
// The relay recognises it by its QuotaExceeded method and answers with a
// temporary reply that says when capacity frees up.
type ExceededError struct {
	Tenant   string
	Limit    int64
	Used     int64     // committed + pending in the current window
	ResetsAt time.Time // when enough of the window frees up for this request
	// Requested is the recipients asked for (0 if unknown). More than
	// Limit can never fit, whatever the window.
	Requested int64
}

func (e *ExceededError) Error() string {
	if e.Requested > e.Limit {
		return fmt.Sprintf("message to %d recipients is more than the daily sending limit of %d for %s; "+
			"send it in smaller batches, or upgrade the plan or ask support to raise the limit", e.Requested, e.Limit, e.Tenant)
	}
	return fmt.Sprintf("daily sending limit reached for %s: %d of %d recipients used in the last 24 hours; "+
		"capacity frees up at %s; to send more, upgrade the plan or ask support to raise the limit",
		e.Tenant, e.Used, e.Limit, e.ResetsAt.UTC().Format("2006-01-02 15:04 MST"))
}

// QuotaExceeded returns the limit and when capacity frees up.
func (e *ExceededError) QuotaExceeded() (limit int64, resetsAt time.Time) {
	return e.Limit, e.ResetsAt
}

// Temporary is true: the window rolls and the sender's queue can retry.
func (e *ExceededError) Temporary() bool { return true }

// ErrUnavailable is wrapped by every error caused by the counter or limit
// store being unreachable. errors.Is(err, ErrUnavailable) tells them apart.
var ErrUnavailable = errors.New("quota store unavailable")

// UnavailableError wraps a store failure. It matches ErrUnavailable and the
// underlying cause with errors.Is/As.
type UnavailableError struct {
	Tenant string
	Op     string // "reserve", "commit", "release", "status", "limit"
	Err    error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("quota: %s for %s: %v: %v", e.Op, e.Tenant, ErrUnavailable, e.Err)
}

func (e *UnavailableError) Unwrap() []error { return []error{ErrUnavailable, e.Err} }

// Temporary is true: the store comes back and the sender's queue retries.
func (e *UnavailableError) Temporary() bool { return true }

// Other errors callers may branch on.
var (
	// ErrUnknownTenant: no such tenant (wraps store.ErrNotFound as well).
	ErrUnknownTenant = errors.New("quota: unknown tenant")
	// ErrInvalid: a request that can never succeed (bad plan, no reason, ...).
	ErrInvalid = errors.New("quota: invalid request")
	// ErrAtCap: the limit is already at the top of the ladder.
	ErrAtCap = errors.New("quota: limit already at the ladder's cap")
)

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
