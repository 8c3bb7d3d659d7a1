package quota

import (
	"context"
	"sync"
	"time"
)

// memoryCounter is an in-process Counter. The Manager uses it for the
// FailLocal policy while the shared counter store is down; it is exact within
// one process only.
type memoryCounter struct {
	mu        sync.Mutex
	budgets   map[string]*memBudget
	lastSweep time.Time
}

type memBudget struct {
	buckets map[int64]int64
	res     map[string]memRes
}

type memRes struct {
	n       int64
	expires time.Time
}

var _ Counter = (*memoryCounter)(nil)

func newMemoryCounter() *memoryCounter {
	return &memoryCounter{budgets: map[string]*memBudget{}}
}

// budget returns r's budget after committing expired reservations and
// dropping buckets that left the window. Callers hold mu.
func (c *memoryCounter) budget(r Request) *memBudget {
	c.sweep(r)
	b := c.budgets[r.Budget]
	if b == nil {
		b = &memBudget{buckets: map[int64]int64{}, res: map[string]memRes{}}
		c.budgets[r.Budget] = b
	}
	b.settle(r)
	return b
}

func (b *memBudget) settle(r Request) {
	for id, h := range b.res {
		if !h.expires.After(r.Now) {
			b.buckets[bucketStart(h.expires, r.Bucket)] += h.n
			delete(b.res, id)
		}
	}
	for s := range b.buckets {
		if !counted(s, r.Now, r.Window, r.Bucket) {
			delete(b.buckets, s)
		}
	}
}

// sweep forgets idle budgets at most once per bucket width, so memory stays
// bounded by the budgets active in the window.
func (c *memoryCounter) sweep(r Request) {
	if r.Now.Sub(c.lastSweep) < r.Bucket {
		return
	}
	c.lastSweep = r.Now
	for k, b := range c.budgets {
		b.settle(r)
		if len(b.buckets) == 0 && len(b.res) == 0 {
			delete(c.budgets, k)
		}
	}
}

func (b *memBudget) usage(withBuckets bool) Usage {
	var u Usage
	for s, n := range b.buckets {
		u.Committed += n
		if withBuckets {
			u.Buckets = append(u.Buckets, Bucket{Start: time.UnixMilli(s).UTC(), Count: n})
		}
	}
	for _, h := range b.res {
		u.Pending += h.n
	}
	return u
}

func (c *memoryCounter) Reserve(_ context.Context, r Request) (Usage, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.budget(r)
	u := b.usage(true)
	if u.Used()+r.N > r.Limit {
		return u, false, nil
	}
	b.res[r.ID] = memRes{n: r.N, expires: r.Expires}
	return u, true, nil
}

func (c *memoryCounter) Commit(_ context.Context, r Request) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.budget(r)
	h, ok := b.res[r.ID]
	if !ok {
		return false, nil
	}
	delete(b.res, r.ID)
	b.buckets[bucketStart(r.Now, r.Bucket)] += committedPart(h.n, r.N)
	return true, nil
}

func (c *memoryCounter) Release(_ context.Context, r Request) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.budget(r)
	_, ok := b.res[r.ID]
	delete(b.res, r.ID)
	return ok, nil
}

func (c *memoryCounter) Usage(_ context.Context, r Request) (Usage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.budget(r).usage(true), nil
}

func (c *memoryCounter) Add(_ context.Context, r Request) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if counted(bucketStart(r.Now, r.Bucket), r.Now, r.Window, r.Bucket) {
		c.budget(r).buckets[bucketStart(r.Now, r.Bucket)] += r.N
	}
	return nil
}
