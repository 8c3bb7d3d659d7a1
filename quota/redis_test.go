package quota_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/outpost-mail/outpost/internal/testenv"
	"github.com/outpost-mail/outpost/quota"
)

// TestRedisTwoInstances: two Managers ("instances") with their own Redis
// clients and limit caches share one Redis; together they admit exactly the
// limit.
func TestRedisTwoInstances(t *testing.T) {
	db := testenv.SQLite(t)
	prefix := testenv.RedisPrefix(t)
	clk := newClock()
	var ms []*quota.Manager
	for range 2 {
		c := redisClient(t)
		ms = append(ms, quota.NewManager(db, quota.NewRedisCounter(c, prefix), testConfig(), nil, clk.Now))
	}
	addTenant(t, db, ms[0], "twin", "paid")
	if n := raceReserve(t, ms, "twin", 300); n != 200 {
		t.Fatalf("two instances admitted %d, want exactly 200", n)
	}
	for i, m := range ms {
		if st := mustStatus(t, m, "twin"); st.Used != 200 {
			t.Fatalf("instance %d sees %+v", i, st)
		}
	}
}

// TestRedisKeysShareSlot checks the key layout: one hash tag per budget,
// the prefix applied, and a TTL on every key so idle budgets vanish.
func TestRedisKeysShareSlot(t *testing.T) {
	c := redisClient(t)
	db := testenv.SQLite(t)
	prefix := testenv.RedisPrefix(t)
	clk := newClock()
	m := quota.NewManager(db, quota.NewRedisCounter(c, prefix), testConfig(), nil, clk.Now)
	addTenant(t, db, m, "slot", "trial")
	// Only a reservation, which expires: the bucket its expiry creates must
	// get a TTL too, or an abandoned budget would stay forever.
	mustReserve(t, m, "slot", 1)
	clk.Advance(20 * time.Minute)
	if st := mustStatus(t, m, "slot"); st.Used != 1 {
		t.Fatalf("status after expiry: %+v", st)
	}
	checkKeyTTLs(t, c, prefix)
	mustReserve(t, m, "slot", 1)
	if n := checkKeyTTLs(t, c, prefix); n != 4 {
		t.Fatalf("%d keys, want the 4 keys of one budget", n)
	}
}

func checkKeyTTLs(t *testing.T, c *redis.Client, prefix string) int {
	t.Helper()
	ctx := context.Background()
	keys, err := c.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Fatal("no keys")
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix+"{slot}:") {
			t.Errorf("key %q lacks prefix and hash tag", k)
		}
		ttl, err := c.PTTL(ctx, k).Result()
		if err != nil || ttl <= 24*time.Hour || ttl > 26*time.Hour {
			t.Errorf("key %q TTL %v, %v: want just over a day", k, ttl, err)
		}
	}
	return len(keys)
}

// TestRedisCluster starts a real three-master Redis Cluster and checks the
// race for a limit through redis.NewClusterClient.
func TestRedisCluster(t *testing.T) {
	addrs := testenv.StartRedisCluster(t, 3)
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, PoolSize: 32})
	t.Cleanup(func() { c.Close() })
	db := testenv.SQLite(t)
	prefix := testenv.RedisPrefix(t)
	clk := newClock()
	m1 := quota.NewManager(db, quota.NewRedisCounter(c, prefix), testConfig(), nil, clk.Now)
	c2 := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs[1:], PoolSize: 32})
	t.Cleanup(func() { c2.Close() })
	m2 := quota.NewManager(db, quota.NewRedisCounter(c2, prefix), testConfig(), nil, clk.Now)
	// Several tenants, so budgets land on different masters.
	for i := range 6 {
		id := fmt.Sprintf("cl%d", i)
		addTenant(t, db, m1, id, "trial")
		if n := raceReserve(t, []*quota.Manager{m1, m2}, id, 60); n != 20 {
			t.Fatalf("cluster: tenant %s admitted %d of 60, want 20", id, n)
		}
	}
	// Usage is spread over more than one master.
	ctx := context.Background()
	var masters atomic.Int64
	err := c.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
		keys, err := n.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			masters.Add(1)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if masters.Load() < 2 {
		t.Fatalf("budgets landed on %d masters; the test did not exercise the cluster", masters.Load())
	}
}
