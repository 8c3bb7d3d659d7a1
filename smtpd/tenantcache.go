package smtpd

import (
	"context"
	"sync"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
)

// tenantCache keeps tenant records for TenantCacheTTL so the end of each
// DATA does not cost a database query: a status change (suspension) takes
// effect within that TTL. AUTH always reads the store (it needs the current
// secret hash). Misses (unknown tenants) are not cached.
type tenantCache struct {
	src Tenants
	ttl time.Duration
	now func() time.Time
	max int

	mu sync.Mutex
	m  map[string]cachedTenant
}

type cachedTenant struct {
	t   store.Tenant
	exp time.Time
}

func (c *tenantCache) Tenant(ctx context.Context, id string) (store.Tenant, error) {
	if c.ttl <= 0 {
		return c.src.Tenant(ctx, id)
	}
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && now.Before(e.exp) {
		return e.t, nil
	}
	t, err := c.src.Tenant(ctx, id)
	if err != nil {
		return t, err
	}
	c.put(t, now)
	return t, nil
}

func (c *tenantCache) put(t store.Tenant, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for k, e := range c.m {
			if !now.Before(e.exp) || len(c.m) >= c.max {
				delete(c.m, k)
			}
		}
	}
	c.m[t.ID] = cachedTenant{t: t, exp: now.Add(c.ttl)}
}

var _ Tenants = (*tenantCache)(nil)
