package quota_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
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
	addrs := startCluster(t, 3)
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

// freePort returns a loopback port that is free, and whose cluster bus port
// (+10000) is free too.
func freePort(t testing.TB) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if p+10000 > 65535 {
			continue
		}
		if l2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000)); err == nil {
			l2.Close()
			return p
		}
	}
	t.Fatal("no free port pair")
	return 0
}

// redisServer is a redis-server process the test owns.
type redisServer struct {
	port int
	dir  string
	args []string
	cmd  *exec.Cmd
}

func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func redisBinaries(t testing.TB) {
	t.Helper()
	for _, b := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(b); err != nil {
			testenv.Unavailable(t, "%s binary: %v", b, err)
		}
	}
}

// startRedis starts redis-server on a free port in a temp folder; it is
// killed at cleanup.
func startRedis(t testing.TB, extra ...string) *redisServer {
	t.Helper()
	redisBinaries(t)
	s := &redisServer{port: freePort(t), dir: t.TempDir()}
	s.args = append([]string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", s.dir}, extra...)
	s.start(t)
	t.Cleanup(s.kill)
	return s
}

func (s *redisServer) start(t testing.TB) {
	t.Helper()
	s.cmd = exec.Command("redis-server", s.args...)
	s.cmd.Dir = s.dir
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if out, err := exec.Command("redis-cli", "-p", strconv.Itoa(s.port), "ping").Output(); err == nil && strings.TrimSpace(string(out)) == "PONG" {
			return
		}
		time.Sleep(20 * time.Millisecond) // polling a process start, not a quota window
	}
	t.Fatalf("redis-server on %d did not answer PING", s.port)
}

func (s *redisServer) kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

// startCluster starts n cluster-enabled masters and joins them.
func startCluster(t *testing.T, n int) []string {
	t.Helper()
	var addrs []string
	for i := range n {
		s := startRedis(t, "--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(t.TempDir(), fmt.Sprintf("nodes-%d.conf", i)),
			"--cluster-node-timeout", "5000")
		addrs = append(addrs, s.addr())
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, a := range addrs {
		_, port, _ := net.SplitHostPort(a)
		for {
			out, _ := exec.Command("redis-cli", "-p", port, "cluster", "info").Output()
			if clusterOK(string(out)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("cluster never reached cluster_state:ok on %s:\n%s", a, out)
			}
			time.Sleep(50 * time.Millisecond) // polling cluster formation
		}
	}
	return addrs
}

func clusterOK(info string) bool {
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "cluster_state:ok" {
			return true
		}
	}
	return false
}
