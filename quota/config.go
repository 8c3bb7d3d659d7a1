package quota

import (
	"fmt"
	"sort"
	"time"
)

// Plan names the defaults know about.
const (
	PlanTrial = "trial"
	PlanPaid  = "paid"
)

// Config says what a plan grants, how support raises climb, how the window is
// counted and what happens when the counter store is down. Start from
// DefaultConfig and change fields.
type Config struct {
	// Plans maps a plan name to its default daily limit (recipients per
	// Window). A tenant's limit starts there and may be raised above it.
	Plans map[string]int64
	// Ladder is how support raises climb, one step at a time.
	Ladder Ladder
	// Window is the rolling window a limit applies to (24 h).
	Window time.Duration
	// BucketWidth is the counting granularity: usage is kept per bucket, so
	// memory per budget is bounded by Window/BucketWidth+1 buckets at any
	// limit, and a tenant may be under-admitted by at most one bucket's width
	// (a bucket leaves the window only when all of it has). Must divide
	// Window and stay fixed for the life of a deployment's data.
	BucketWidth time.Duration
	// Fail is what Reserve does when the counter store is unavailable.
	Fail FailPolicy
	// LimitCacheTTL is how long an instance reuses a tenant's limit, plan
	// and budget read from SQL. A change made through this Manager is seen
	// here at once; other instances see it within this TTL.
	LimitCacheTTL time.Duration
	// ReservationTTL bounds how long a reservation may stay pending. After
	// it, the reservation is committed on its holder's behalf (see doc.go).
	// It must exceed the relay's longest delivery attempt.
	ReservationTTL time.Duration
	// Earned decides when a tenant earns a raise proposal.
	Earned EarnedPolicy
	// Lease lets an instance take a busy budget's recipients several at a
	// time (see LeasePolicy); the zero value turns it off.
	Lease LeasePolicy
}

// Ladder is the trust ladder: each support raise moves a limit up one step.
type Ladder struct {
	// Factor multiplies the limit per step (2: 20 → 40 → 80 ...). Used when
	// Steps is empty.
	Factor int64
	// Steps, if set, are explicit ascending limits; the next step is the
	// smallest one above the current limit.
	Steps []int64
	// Cap is the highest limit a raise may reach.
	Cap int64
}

// Next returns the limit one step above cur, or cur when cur is at the cap.
func (l Ladder) Next(cur int64) int64 {
	next := cur
	if len(l.Steps) > 0 {
		for _, s := range l.Steps {
			if s > cur {
				next = s
				break
			}
		}
	} else {
		f := max(l.Factor, 2)
		next = max(cur, 1) * f
	}
	if l.Cap > 0 && next > l.Cap {
		next = l.Cap
	}
	return max(next, cur)
}

// FailMode is what Reserve does for a plan while the counter store is down.
type FailMode int

const (
	// FailRefuse refuses with a temporary error (ErrUnavailable): the
	// sender's queue retries later.
	FailRefuse FailMode = iota
	// FailLocal admits up to LocalFraction of the tenant's limit per
	// instance per window, counted in process.
	FailLocal
)

func (f FailMode) String() string {
	if f == FailLocal {
		return "local"
	}
	return "refuse"
}

// FailPolicy is what happens when the counter store is unavailable. Never
// unlimited: the local mode is bounded per instance.
type FailPolicy struct {
	// Plans maps a plan to its mode; plans not listed get Default.
	Plans map[string]FailMode
	// Default is the mode of plans not in Plans.
	Default FailMode
	// LocalFraction is the share of the daily limit one instance may admit
	// per window in FailLocal mode (rounded down; 0 admits nothing).
	LocalFraction float64
}

// Mode returns the mode for plan.
func (p FailPolicy) Mode(plan string) FailMode {
	if m, ok := p.Plans[plan]; ok {
		return m
	}
	return p.Default
}

// EarnedPolicy decides when steady clean use near the limit earns a raise
// proposal.
type EarnedPolicy struct {
	Days     int     // consecutive complete UTC days (7)
	Fraction float64 // share of the day's limit used each of those days (0.8)
}

// DefaultConfig is trial 20/day, paid 200/day, ×2 per raise up to 100000,
// a 24 h window in 15-minute buckets, trial refused and paid limited to 10%
// per instance while the counter store is down, limits cached 5 s,
// reservations committed after 15 minutes, proposals after 7 days ≥ 80%,
// and leases of up to 64 recipients, at most 1/16 of a budget's room, for
// 1 second.
func DefaultConfig() Config {
	return Config{
		Plans:          map[string]int64{PlanTrial: 20, PlanPaid: 200},
		Ladder:         Ladder{Factor: 2, Cap: 100_000},
		Window:         24 * time.Hour,
		BucketWidth:    15 * time.Minute,
		Fail:           FailPolicy{Plans: map[string]FailMode{PlanTrial: FailRefuse}, Default: FailLocal, LocalFraction: 0.10},
		LimitCacheTTL:  5 * time.Second,
		ReservationTTL: 15 * time.Minute,
		Earned:         EarnedPolicy{Days: 7, Fraction: 0.8},
		Lease:          LeasePolicy{Max: 64, Share: 16, TTL: time.Second},
	}
}

func (c Config) validate() error {
	if len(c.Plans) == 0 {
		return fmt.Errorf("quota: config has no plans")
	}
	for p, l := range c.Plans {
		if l < 0 {
			return fmt.Errorf("quota: plan %q has negative limit %d", p, l)
		}
	}
	if c.Window <= 0 || c.BucketWidth <= 0 || c.BucketWidth > c.Window || c.Window%c.BucketWidth != 0 {
		return fmt.Errorf("quota: bucket width %v must be positive and divide window %v", c.BucketWidth, c.Window)
	}
	if c.BucketWidth%time.Millisecond != 0 {
		return fmt.Errorf("quota: bucket width %v must be whole milliseconds", c.BucketWidth)
	}
	if c.ReservationTTL <= 0 {
		return fmt.Errorf("quota: reservation TTL must be positive")
	}
	if c.Lease.Max < 0 || c.Lease.Share < 0 || c.Lease.TTL < 0 {
		return fmt.Errorf("quota: lease policy %+v has a negative field", c.Lease)
	}
	if c.Lease.on() && c.Lease.TTL >= c.ReservationTTL {
		return fmt.Errorf("quota: lease TTL %v must be shorter than the reservation TTL %v", c.Lease.TTL, c.ReservationTTL)
	}
	if c.Fail.LocalFraction < 0 || c.Fail.LocalFraction > 1 {
		return fmt.Errorf("quota: local fraction %v outside [0, 1]", c.Fail.LocalFraction)
	}
	if !sort.SliceIsSorted(c.Ladder.Steps, func(i, j int) bool { return c.Ladder.Steps[i] < c.Ladder.Steps[j] }) {
		return fmt.Errorf("quota: ladder steps must ascend")
	}
	return nil
}
