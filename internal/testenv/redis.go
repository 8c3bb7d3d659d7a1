package testenv

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FreePort returns a loopback port that is free, and whose cluster bus port
// (+10000) is free too.
func FreePort(t testing.TB) int {
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

// RedisServer is a redis-server process the test owns.
type RedisServer struct {
	port int
	dir  string
	args []string
	cmd  *exec.Cmd
}

func (s *RedisServer) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func redisBinaries(t testing.TB) {
	t.Helper()
	for _, b := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(b); err != nil {
			Unavailable(t, "%s binary: %v", b, err)
		}
	}
}

// StartRedis starts redis-server on a free port in a temp folder; it is
// killed at cleanup.
func StartRedis(t testing.TB, extra ...string) *RedisServer {
	t.Helper()
	redisBinaries(t)
	s := &RedisServer{port: FreePort(t), dir: t.TempDir()}
	s.args = append([]string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", s.dir}, extra...)
	s.Start(t)
	t.Cleanup(s.Kill)
	return s
}

func (s *RedisServer) Start(t testing.TB) {
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

func (s *RedisServer) Kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

// StartRedisCluster starts n cluster-enabled masters and joins them.
func StartRedisCluster(t testing.TB, n int) []string {
	t.Helper()
	var addrs []string
	for i := range n {
		s := StartRedis(t, "--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(t.TempDir(), fmt.Sprintf("nodes-%d.conf", i)),
			"--cluster-node-timeout", "5000")
		addrs = append(addrs, s.Addr())
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
