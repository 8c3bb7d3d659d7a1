package quota

import (
	"context"
	"fmt"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
)

// SQLCounter keeps counters in the database (the embedded single-node
// default, or PostgreSQL). Each decision is one transaction that first takes
// the budget's row lock — an upsert on quota_counter_heads, which on
// PostgreSQL locks the row until commit and on SQLite runs under the
// immediate write lock store.DB takes at BEGIN — so decisions on one budget
// are serialised and exact across connections and processes.
type SQLCounter struct {
	db *store.DB
}

var _ Counter = (*SQLCounter)(nil)

// NewSQLCounter returns a counter on db (migrated to 0002_quota).
func NewSQLCounter(db *store.DB) *SQLCounter { return &SQLCounter{db: db} }

// lock takes r.Budget's row lock, commits its expired reservations and
// returns the recipients still pending.
func (sc *SQLCounter) lock(ctx context.Context, tx *store.Tx, r Request) (pending int64, err error) {
	now := r.Now.UnixMilli()
	if _, err := tx.Exec(ctx, `INSERT INTO quota_counter_heads (budget_id, touched_at) VALUES (?, ?)
		ON CONFLICT (budget_id) DO UPDATE SET touched_at = excluded.touched_at`, r.Budget, now); err != nil {
		return 0, fmt.Errorf("lock budget: %w", err)
	}
	// One read for both the expired and the pending: reservations in flight
	// are few (bounded by the relay's concurrency and by the limit).
	rows, err := tx.Query(ctx, `SELECT id, n, expires_at FROM quota_reservations WHERE budget_id = ?`, r.Budget)
	if err != nil {
		return 0, fmt.Errorf("read reservations: %w", err)
	}
	type exp struct {
		id         string
		n, expires int64
	}
	var expired []exp
	for rows.Next() {
		var e exp
		if err := rows.Scan(&e.id, &e.n, &e.expires); err != nil {
			rows.Close()
			return 0, err
		}
		if e.expires <= now {
			expired = append(expired, e)
		} else {
			pending += e.n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, e := range expired {
		if err := addBucket(ctx, tx, r.Budget, bucketStart(time.UnixMilli(e.expires), r.Bucket), e.n); err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM quota_reservations WHERE id = ?`, e.id); err != nil {
			return 0, err
		}
	}
	return pending, nil
}

func addBucket(ctx context.Context, tx *store.Tx, budget string, start, n int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO quota_buckets (budget_id, bucket_start, count) VALUES (?, ?, ?)
		ON CONFLICT (budget_id, bucket_start) DO UPDATE SET count = quota_buckets.count + excluded.count`, budget, start, n)
	if err != nil {
		return fmt.Errorf("add to bucket: %w", err)
	}
	return nil
}

// usage sums the buckets still in the window, dropping the others, and
// adds pending. Callers hold the budget's lock.
func (sc *SQLCounter) usage(ctx context.Context, tx *store.Tx, r Request, pending int64) (Usage, error) {
	rows, err := tx.Query(ctx, `SELECT bucket_start, count FROM quota_buckets WHERE budget_id = ? ORDER BY bucket_start`, r.Budget)
	if err != nil {
		return Usage{}, fmt.Errorf("read buckets: %w", err)
	}
	defer rows.Close()
	u := Usage{Pending: pending}
	stale := false
	for rows.Next() {
		var s, n int64
		if err := rows.Scan(&s, &n); err != nil {
			return Usage{}, err
		}
		if !counted(s, r.Now, r.Window, r.Bucket) {
			stale = true
			continue
		}
		u.Committed += n
		u.Buckets = append(u.Buckets, Bucket{Start: time.UnixMilli(s).UTC(), Count: n})
	}
	if err := rows.Err(); err != nil {
		return Usage{}, err
	}
	rows.Close()
	if stale {
		// A bucket counts while start + width > now - window.
		cutoff := r.Now.UnixMilli() - r.Window.Milliseconds() - r.Bucket.Milliseconds()
		if _, err := tx.Exec(ctx, `DELETE FROM quota_buckets WHERE budget_id = ? AND bucket_start <= ?`, r.Budget, cutoff); err != nil {
			return Usage{}, fmt.Errorf("drop old buckets: %w", err)
		}
	}
	return u, nil
}

func (sc *SQLCounter) Reserve(ctx context.Context, r Request) (Usage, bool, error) {
	var u Usage
	var ok bool
	err := sc.db.InTx(ctx, func(tx *store.Tx) error {
		pending, err := sc.lock(ctx, tx, r)
		if err != nil {
			return err
		}
		if u, err = sc.usage(ctx, tx, r, pending); err != nil {
			return err
		}
		if u.Used()+r.N > r.Limit {
			return nil // commit the housekeeping, refuse
		}
		if _, err := tx.Exec(ctx, `INSERT INTO quota_reservations (id, budget_id, n, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			r.ID, r.Budget, r.N, r.Now.UnixMilli(), r.Expires.UnixMilli()); err != nil {
			return fmt.Errorf("insert reservation: %w", err)
		}
		ok = true
		return nil
	})
	if err != nil {
		return Usage{}, false, fmt.Errorf("quota: sql reserve: %w", err)
	}
	return u, ok, nil
}

// settle removes reservation r.ID and, when commit, adds it to the bucket of
// r.Now. It reports whether the reservation was still there.
func (sc *SQLCounter) settle(ctx context.Context, r Request, commit bool) (bool, error) {
	var found bool
	err := sc.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := sc.lock(ctx, tx, r); err != nil {
			return err
		}
		var n int64
		err := tx.QueryRow(ctx, `DELETE FROM quota_reservations WHERE id = ? AND budget_id = ? RETURNING n`, r.ID, r.Budget).Scan(&n)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("take reservation: %w", err)
		}
		found = true
		if commit {
			return addBucket(ctx, tx, r.Budget, bucketStart(r.Now, r.Bucket), committedPart(n, r.N))
		}
		return nil
	})
	return found, err
}

func (sc *SQLCounter) Commit(ctx context.Context, r Request) (bool, error) {
	ok, err := sc.settle(ctx, r, true)
	if err != nil {
		return false, fmt.Errorf("quota: sql commit: %w", err)
	}
	return ok, nil
}

func (sc *SQLCounter) Release(ctx context.Context, r Request) (bool, error) {
	ok, err := sc.settle(ctx, r, false)
	if err != nil {
		return false, fmt.Errorf("quota: sql release: %w", err)
	}
	return ok, nil
}

func (sc *SQLCounter) Usage(ctx context.Context, r Request) (Usage, error) {
	var u Usage
	err := sc.db.InTx(ctx, func(tx *store.Tx) error {
		pending, err := sc.lock(ctx, tx, r)
		if err != nil {
			return err
		}
		u, err = sc.usage(ctx, tx, r, pending)
		return err
	})
	if err != nil {
		return Usage{}, fmt.Errorf("quota: sql usage: %w", err)
	}
	return u, nil
}

func (sc *SQLCounter) Add(ctx context.Context, r Request) error {
	err := sc.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := sc.lock(ctx, tx, r); err != nil {
			return err
		}
		return addBucket(ctx, tx, r.Budget, bucketStart(r.Now, r.Bucket), r.N)
	})
	if err != nil {
		return fmt.Errorf("quota: sql add: %w", err)
	}
	return nil
}
