package quota

import (
	"context"
	"slices"
	"time"
)

// Counter is a rolling-window counter store: per budget, committed
// recipients in buckets and pending reservations. Every method is one atomic
// decision on the store, exact under concurrency across processes; Reserve
// checks and consumes in one step. Before deciding, each method commits any
// reservation of the budget whose Expires has passed, into the bucket of its
// Expires time.
//
// Implementations: RedisCounter (several instances), SQLCounter (embedded
// default), and the in-process counter the fail policy uses.
type Counter interface {
	// Reserve holds r.N for r.ID if committed + pending + r.N <= r.Limit.
	// The Usage returned is the state it decided on (before this hold).
	Reserve(ctx context.Context, r Request) (Usage, bool, error)
	// Commit turns reservation r.ID into usage in the bucket of r.Now: all
	// of it when r.N is 0, else r.N of it (at most what it holds) and the
	// rest is dropped, as a Release would (a settled lease). It reports
	// false, and changes nothing, when the reservation is gone (already
	// committed, released, or expired and committed).
	Commit(ctx context.Context, r Request) (bool, error)
	// Release drops reservation r.ID; false when it is gone.
	Release(ctx context.Context, r Request) (bool, error)
	// Usage reports r.Budget's state at r.Now.
	Usage(ctx context.Context, r Request) (Usage, error)
	// Add counts r.N committed recipients in the bucket of r.Now, with no
	// limit check: the Manager replays what it admitted locally while the
	// store was down.
	Add(ctx context.Context, r Request) error
}

// Request names one counter operation. Window and Bucket come from the
// Manager's Config; Now from its clock.
type Request struct {
	Budget  string
	ID      string // reservation id (Reserve, Commit, Release)
	N       int64  // recipients (Reserve, Add); what to count (Commit; 0: all)
	Limit   int64  // (Reserve)
	Now     time.Time
	Expires time.Time // when a pending reservation is committed for its holder (Reserve)
	Window  time.Duration
	Bucket  time.Duration
}

// Usage is a budget's state in the window.
type Usage struct {
	Committed int64
	Pending   int64
	Buckets   []Bucket // counted buckets, oldest first (may be nil after a successful Reserve)
}

// Bucket is the committed count of one bucket.
type Bucket struct {
	Start time.Time
	Count int64
}

// committedPart is how much of a reservation of held recipients a Commit
// asking for want counts: all when want is 0, else want, at most held.
func committedPart(held, want int64) int64 {
	if want > 0 && want < held {
		return want
	}
	return held
}

// Used is what counts against the limit.
func (u Usage) Used() int64 { return u.Committed + u.Pending }

// bucketStart returns the start, in unix ms, of the bucket holding t.
func bucketStart(t time.Time, width time.Duration) int64 {
	ms, w := t.UnixMilli(), width.Milliseconds()
	return ms - mod(ms, w)
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// counted reports whether the bucket starting at startMs still counts at now:
// it does until its whole width has left the window, so a recipient counts
// for at least Window after it was committed.
func counted(startMs int64, now time.Time, window, width time.Duration) bool {
	return startMs+width.Milliseconds() > now.UnixMilli()-window.Milliseconds()
}

// leavesAt is when the bucket starting at startMs stops counting.
func leavesAt(startMs int64, window, width time.Duration) time.Time {
	return time.UnixMilli(startMs + width.Milliseconds() + window.Milliseconds()).UTC()
}

// resetsAt is when enough committed usage leaves the window for need more
// recipients to fit; if pending reservations alone block it, a full window
// from now is the honest upper bound.
func resetsAt(u Usage, need int64, now time.Time, window, width time.Duration) time.Time {
	bs := slices.Clone(u.Buckets)
	slices.SortFunc(bs, func(a, b Bucket) int { return a.Start.Compare(b.Start) })
	var freed int64
	for _, b := range bs {
		freed += b.Count
		if freed >= need {
			return leavesAt(b.Start.UnixMilli(), window, width)
		}
	}
	return now.Add(window + width).UTC()
}
