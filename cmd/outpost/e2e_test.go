package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/outpost-mail/outpost/api"
	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/internal/testenv"
	"github.com/outpost-mail/outpost/smtpd/smtptest"
)

// These tests build the real binary and drive it as an operator and a mail
// platform would: CLI commands, then `outpost serve` in its own process,
// spoken to over SMTP and HTTP on loopback, relaying into a recording
// upstream.

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func outpostBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "outpost-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "outpost")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// cli runs the binary with args and returns stdout; it fails the test on a
// non-zero exit.
func cli(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(outpostBinary(t), args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("outpost %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

type server struct {
	smtp, http string
	cmd        *exec.Cmd
	logMu      sync.Mutex
	log        strings.Builder
}

func (s *server) logs() string {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return s.log.String()
}

var servingRe = regexp.MustCompile(`msg="outpost serving" smtp=(\S+) http=(\S+)`)

// startServe starts `outpost serve` with args on ephemeral loopback ports and
// waits until it says where it listens. It is stopped (SIGTERM) at cleanup.
func startServe(t *testing.T, args ...string) *server {
	t.Helper()
	// Probation is shortened so a young trial tenant's held first messages
	// go out within the test (flags later in args win).
	args = append([]string{"serve", "--smtp-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--hostname", "outpost.test",
		"--probation-delay", "1s", "--probation-max-delay", "2s",
		// Generous: the test machine is shared by many processes, and a slow
		// Redis answer would (rightly) trigger the quota fail policy.
		"--redis-timeout", "3s",
		// Tests run several servers on one PostgreSQL (max_connections 100).
		"--db-max-conns", "8"}, args...)
	cmd := exec.Command(outpostBinary(t), args...)
	cmd.Env = append(os.Environ(), "OUTPOST_LOG_LEVEL=info")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd}
	addrs := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.logMu.Lock()
			s.log.WriteString(line + "\n")
			s.logMu.Unlock()
			if m := servingRe.FindStringSubmatch(line); m != nil {
				addrs <- [2]string{m[1], m[2]}
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("outpost serve exited with %v after SIGINT\n%s", err, s.logs())
			}
		case <-time.After(40 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("outpost serve did not stop within 40s of SIGINT")
		}
		if t.Failed() {
			t.Logf("outpost serve log:\n%s", s.logs())
		}
	})
	select {
	case a := <-addrs:
		s.smtp, s.http = a[0], a[1]
	case <-time.After(60 * time.Second):
		t.Fatalf("outpost serve did not start:\n%s", s.logs())
	}
	return s
}

// smtpResult is how one SMTP transaction ended.
type smtpResult struct {
	code     int
	enhanced smtp.EnhancedCode
	msg      string
	err      error // a non-SMTP error (network)
}

func (r smtpResult) String() string {
	if r.err != nil {
		return r.err.Error()
	}
	return fmt.Sprintf("%d %d.%d.%d %s", r.code, r.enhanced[0], r.enhanced[1], r.enhanced[2], r.msg)
}

type sendOpts struct {
	startTLS   bool
	user, pass string
	from       string
	to         []string
	body       string
}

// send runs one SMTP transaction and returns how it ended (250 on success).
func send(addr string, o sendOpts) smtpResult {
	var c *smtp.Client
	var err error
	if o.startTLS {
		c, err = smtp.DialStartTLS(addr, &tls.Config{InsecureSkipVerify: true})
	} else {
		c, err = smtp.Dial(addr)
	}
	if err != nil {
		return smtpResult{err: err}
	}
	defer c.Close()
	if o.user != "" {
		if err := c.Auth(sasl.NewPlainClient("", o.user, o.pass)); err != nil {
			return replyOf(err)
		}
	}
	res := replyOf(smtptest.Send(c, o.from, o.to, o.body))
	if res.code == 250 {
		_ = c.Quit()
	}
	return res
}

// replyOf is how a transaction ended: 250 for nil, else the SMTP reply (or
// the network error).
func replyOf(err error) smtpResult {
	if err == nil {
		return smtpResult{code: 250}
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return smtpResult{code: se.Code, enhanced: se.EnhancedCode, msg: se.Message}
	}
	return smtpResult{err: err}
}

func message(from, to, subject, text string) string {
	return "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + testenv.RandomName("m") + "@client.test>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n"
}

func TestBinaryEmbeddedDefault(t *testing.T) {
	t.Parallel()
	up := smtptest.New(t, smtptest.Options{})
	dir := t.TempDir()

	var creds map[string]string
	if err := json.Unmarshal([]byte(cli(t, "tenant", "add", "acme", "--json", "--data-dir", dir)), &creds); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, "--data-dir", dir, "--upstreams", up.Addr())
	if !strings.Contains(srv.logs(), "dialect=sqlite") {
		t.Errorf("serve with no database flag should use embedded SQLite; log:\n%s", srv.logs())
	}

	body := message("billing@acme.example", "customer@example.org", "Invoice 42", "Please find your invoice attached.")
	res := send(srv.smtp, sendOpts{startTLS: true, user: "acme", pass: creds["smtp_password"],
		from: "billing@acme.example", to: []string{"customer@example.org"}, body: body})
	if res.code != 250 {
		t.Fatalf("send through outpost: %v", res)
	}
	up.Wait(1, 30*time.Second) // a new trial tenant's first message waits out probation
	msgs := up.Messages()
	if len(msgs) != 1 {
		t.Fatalf("upstream got %d messages, want 1", len(msgs))
	}
	got := string(msgs[0].Data)
	if msgs[0].From != "billing@acme.example" || strings.Join(msgs[0].To, ",") != "customer@example.org" {
		t.Errorf("envelope changed: %s -> %v", msgs[0].From, msgs[0].To)
	}
	if !strings.HasPrefix(got, "Received: ") || !strings.HasSuffix(got, body) {
		t.Errorf("upstream copy should be a Received header + the message unchanged; got:\n%s", got)
	}

	// Wrong password: refused, nothing relayed.
	res = send(srv.smtp, sendOpts{startTLS: true, user: "acme", pass: "wrong", from: "a@acme.example", to: []string{"x@example.org"}, body: body})
	if res.code != 535 || res.enhanced != (smtp.EnhancedCode{5, 7, 8}) {
		t.Errorf("bad password: %v, want 535 5.7.8", res)
	}
	// A stranger without AUTH: no open relay.
	res = send(srv.smtp, sendOpts{from: "spam@evil.example", to: []string{"victim@example.org"}, body: body})
	if res.code != 530 {
		t.Errorf("unauthenticated MAIL: %v, want 530", res)
	}
	if up.Count() != 1 {
		t.Errorf("upstream got %d messages, want still 1", up.Count())
	}

	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "go_goroutines", "/metrics?": "outpost_review_assessed_total"} {
		resp, err := http.Get("http://" + srv.http + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %d %.200s", path, resp.StatusCode, b)
		}
	}
}

// quotaRace sends n single-recipient messages of one tenant concurrently,
// spread over the servers, through the trusted-network header path, and
// returns the replies.
func quotaRace(t *testing.T, servers []*server, tenant string, n int) []smtpResult {
	t.Helper()
	results := make([]smtpResult, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := "X-Outpost-Tenant: " + tenant + "\r\n" + message("news@"+tenant+".example", fmt.Sprintf("r%d@example.org", i), "Hello", "Monthly update.")
			results[i] = send(servers[i%len(servers)].smtp, sendOpts{from: "news@" + tenant + ".example",
				to: []string{fmt.Sprintf("r%d@example.org", i)}, body: body})
		}()
	}
	wg.Wait()
	return results
}

func checkExact(t *testing.T, up *smtptest.Upstream, results []smtpResult, limit int) {
	t.Helper()
	ok, over := 0, 0
	for _, r := range results {
		switch {
		case r.code == 250:
			ok++
		case r.code == 451 && r.enhanced == (smtp.EnhancedCode{4, 7, 1}) && strings.Contains(r.msg, "quota"):
			over++
		default:
			t.Errorf("unexpected reply: %v", r)
		}
	}
	if ok != limit || over != len(results)-limit {
		t.Errorf("accepted %d, quota replies %d; want exactly %d and %d", ok, over, limit, len(results)-limit)
	}
	// A young trial tenant's mail waits out probation (shortened by the
	// tests' flags), then goes upstream: exactly limit, never more.
	up.Wait(limit, 30*time.Second)
	time.Sleep(3 * time.Second) // longer than a release-worker tick: a 21st would show by now
	if n := up.Count(); n != limit {
		t.Errorf("upstream received %d messages, want exactly %d", n, limit)
	}
}

func TestQuotaExactThreeInstancesSharedRedis(t *testing.T) {
	t.Parallel()
	dsn, redisAddr, up := sharedServices(t)
	tenant := testenv.RandomName("trial-")
	cli(t, "tenant", "add", tenant, "--db", dsn)
	servers := startInstances(t, 3, dsn, redisAddr, up, 300)
	checkExact(t, up, quotaRace(t, servers, tenant, 200), 20)
}

// sharedServices gives a multi-instance test a migrated PostgreSQL
// database, the Redis address and a sink upstream.
func sharedServices(t *testing.T) (dsn, redisAddr string, up *smtptest.Upstream) {
	t.Helper()
	redisAddr = testenv.RedisAddr(t)
	dsn = testenv.PostgresDSN(t)
	outpostBinary(t)
	up = smtptest.New(t, smtptest.Options{Sink: true})
	cli(t, "migrate", "--db", dsn)
	return dsn, redisAddr, up
}

// startInstances starts n serve processes on one PostgreSQL and one Redis
// (a fresh key prefix), relaying to up, with the header path open to
// loopback and maxPerIP connections per client IP.
func startInstances(t *testing.T, n int, dsn, redisAddr string, up *smtptest.Upstream, maxPerIP int) []*server {
	t.Helper()
	prefix := testenv.RedisPrefix(t)
	var servers []*server
	for range n {
		servers = append(servers, startServe(t, "--data-dir", t.TempDir(), "--db", dsn, "--redis", redisAddr, "--redis-prefix", prefix,
			"--upstreams", up.Addr(), "--trusted-nets", "127.0.0.0/8", "--max-conns-per-ip", strconv.Itoa(maxPerIP)))
	}
	return servers
}

// TestQuotaLeasesExactThreeInstances: a paid tenant raised to 400 a day
// sends 600 messages at once through three instances sharing Redis, with
// quota leases on (the default). Leases serve most of them without asking
// Redis, yet never more than 400 are accepted; a sender that retries the
// refused ones after a lease TTL finds every recipient leases held back,
// so exactly 400 reach the upstream.
func TestQuotaLeasesExactThreeInstances(t *testing.T) {
	t.Parallel()
	dsn, redisAddr, up := sharedServices(t)
	tenant := testenv.RandomName("paid-")
	cli(t, "tenant", "add", tenant, "--plan", "paid", "--db", dsn)
	cli(t, "tenant", "raise", tenant, "--reason", "steady sender", "--db", dsn) // 200 → 400
	const limit, sent = 400, 600
	servers := startInstances(t, 3, dsn, redisAddr, up, 700)
	pending := make([]int, sent)
	for i := range pending {
		pending[i] = i
	}
	accepted := 0
	for round := 0; round < 6 && len(pending) > 0; round++ {
		if round > 0 {
			time.Sleep(1500 * time.Millisecond) // past the lease TTL (1 s)
		}
		results := make([]smtpResult, len(pending))
		var wg sync.WaitGroup
		for j, i := range pending {
			wg.Go(func() {
				to := fmt.Sprintf("r%d@example.org", i)
				body := "X-Outpost-Tenant: " + tenant + "\r\n" + message("news@"+tenant+".example", to, "Hello", "Monthly update.")
				results[j] = send(servers[(i+round)%3].smtp, sendOpts{from: "news@" + tenant + ".example", to: []string{to}, body: body})
			})
		}
		wg.Wait()
		var refused []int
		for j, r := range results {
			switch {
			case r.code == 250:
				accepted++
			case r.code == 451 && r.enhanced == (smtp.EnhancedCode{4, 7, 1}) && strings.Contains(r.msg, "quota"):
				refused = append(refused, pending[j])
			default:
				t.Fatalf("unexpected reply: %v", r)
			}
		}
		t.Logf("round %d: %d sent, %d refused, %d accepted in all", round, len(pending), len(refused), accepted)
		if accepted > limit {
			t.Fatalf("%d accepted, over the limit of %d", accepted, limit)
		}
		if accepted == limit && round > 0 && len(refused) == len(pending) {
			break // a whole round refused at the limit: done
		}
		pending = refused
	}
	if accepted != limit {
		t.Fatalf("accepted %d after retries, want exactly %d", accepted, limit)
	}
	up.Wait(limit, 30*time.Second)
	time.Sleep(2 * time.Second)
	if n := up.Count(); n != limit {
		t.Errorf("upstream received %d messages, want exactly %d", n, limit)
	}
	leases := 0.0
	for _, s := range servers {
		leases += scrapeMetric(t, s, `outpost_quota_leases_total{event="acquired"}`)
	}
	if leases == 0 {
		t.Errorf("no instance took a quota lease: the test did not exercise leasing")
	}
	t.Logf("%v leases taken for %d accepted messages", leases, accepted)
}

// scrapeMetric reads one sample from a server's /metrics.
func scrapeMetric(t *testing.T, s *server, series string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + s.http + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %q: %v", series, v, err)
			}
			return f
		}
	}
	t.Fatalf("metric %s not in /metrics", series)
	return 0
}

func TestQuotaExactThreeInstancesRedisCluster(t *testing.T) {
	t.Parallel()
	cluster := testenv.StartRedisCluster(t, 3)
	dsn := testenv.PostgresDSN(t)
	outpostBinary(t)
	up := smtptest.New(t, smtptest.Options{Sink: true})
	cli(t, "migrate", "--db", dsn)
	var tenants []string
	for range 3 { // three tenants, so budgets land on different masters
		id := testenv.RandomName("trial-")
		cli(t, "tenant", "add", id, "--db", dsn)
		tenants = append(tenants, id)
	}
	var servers []*server
	for range 3 {
		servers = append(servers, startServe(t, "--data-dir", t.TempDir(), "--db", dsn, "--redis", strings.Join(cluster, ","),
			"--upstreams", up.Addr(), "--trusted-nets", "127.0.0.0/8", "--max-conns-per-ip", "300"))
	}
	for i, tenant := range tenants {
		results := quotaRace(t, servers, tenant, 100)
		ok := 0
		for _, r := range results {
			if r.code == 250 {
				ok++
			} else if r.code != 451 || r.enhanced != (smtp.EnhancedCode{4, 7, 1}) {
				t.Errorf("unexpected reply: %v", r)
			}
		}
		if ok != 20 {
			t.Errorf("tenant %d: %d accepted (relayed or held on probation), want exactly 20", i, ok)
		}
	}
	up.Wait(60, 30*time.Second)
	time.Sleep(3 * time.Second)
	if n := up.Count(); n != 60 {
		t.Errorf("upstream received %d messages, want exactly 3 × 20", n)
	}
}

func TestQuotaExactEmbedded(t *testing.T) {
	t.Parallel()
	up := smtptest.New(t, smtptest.Options{Sink: true})
	dir := t.TempDir()
	tenant := testenv.RandomName("trial-")
	cli(t, "tenant", "add", tenant, "--data-dir", dir)
	srv := startServe(t, "--data-dir", dir, "--upstreams", up.Addr(), "--trusted-nets", "127.0.0.0/8", "--max-conns-per-ip", "300")
	checkExact(t, up, quotaRace(t, []*server{srv}, tenant, 200), 20)
}

func TestBinaryRefusesSpamWithAReason(t *testing.T) {
	t.Parallel()
	up := smtptest.New(t, smtptest.Options{})
	dir := t.TempDir()
	tenant := testenv.RandomName("t")
	cli(t, "tenant", "add", tenant, "--data-dir", dir)
	srv := startServe(t, "--data-dir", dir, "--upstreams", up.Addr(), "--trusted-nets", "127.0.0.1/32")

	spam, err := os.ReadFile("testdata/prize-spam.eml")
	if err != nil {
		t.Fatal(err)
	}
	res := send(srv.smtp, sendOpts{from: "alerts@" + tenant + ".example", to: []string{"victim@example.org"},
		body: "X-Outpost-Tenant: " + tenant + "\r\n" + string(spam)})
	if res.code != 550 || res.enhanced != (smtp.EnhancedCode{5, 7, 1}) || !strings.Contains(res.msg, "spam") {
		t.Fatalf("spam: %v, want 550 5.7.1 with a reason", res)
	}
	if strings.ContainsAny(res.msg, "0123456789") {
		t.Errorf("the refusal must not teach thresholds or scores: %q", res.msg)
	}
	if up.Count() != 0 {
		t.Fatalf("spam reached the upstream")
	}
	ham := message("billing@"+tenant+".example", "customer@example.org", "Invoice 2026-118",
		"Hello Ms Jensen,\r\n\r\nattached is invoice 2026-118 for the October maintenance visit, due within 30 days.\r\n\r\nKind regards,\r\nBob")
	if res := send(srv.smtp, sendOpts{from: "billing@" + tenant + ".example", to: []string{"customer@example.org"},
		body: "X-Outpost-Tenant: " + tenant + "\r\n" + ham}); res.code != 250 {
		t.Fatalf("ordinary invoice: %v", res)
	}
	// The refused message burned no quota: only the invoice is counted.
	var q struct {
		Quota struct{ Used int64 } `json:"quota"`
	}
	if err := json.Unmarshal([]byte(cli(t, "tenant", "show", tenant, "--data-dir", dir)), &q); err != nil {
		t.Fatal(err)
	}
	if q.Quota.Used != 1 {
		t.Fatalf("quota used = %d after one refused and one relayed message, want 1", q.Quota.Used)
	}
}

// TestBinaryPlatformFlow is what a mail platform does on day one: an operator
// makes tokens, provisioning creates a tenant over the API, the tenant sends
// with the credentials it got, and billing's signed webhook makes it paid.
func TestBinaryPlatformFlow(t *testing.T) {
	t.Parallel()
	up := smtptest.New(t, smtptest.Options{})
	dir := t.TempDir()
	admin := strings.TrimSpace(cli(t, "token", "create", "--scope", "admin", "--data-dir", dir))
	billing := strings.TrimSpace(cli(t, "token", "create", "--scope", "billing", "--data-dir", dir))
	support := strings.TrimSpace(cli(t, "token", "create", "--scope", "support", "--data-dir", dir))
	secret := "whsec-" + testenv.RandomName("")
	srv := startServe(t, "--data-dir", dir, "--upstreams", up.Addr(), "--billing-secret", secret)

	call := func(method, path, token, body string, hdr map[string]string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(method, "http://"+srv.http+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}

	code, created := call("POST", "/api/v1/tenants", admin, `{"id":"shop42","plan":"trial","signup":{"ip":"192.0.2.10","email":"owner@shop42.example","country":"NL"}}`, nil)
	if code != 201 || created["smtp_username"] != "shop42" || created["smtp_password"] == "" {
		t.Fatalf("POST /tenants: %d %v", code, created)
	}
	if code, _ := call("POST", "/api/v1/tenants", support, `{"id":"other"}`, nil); code != 403 {
		t.Errorf("support token creating a tenant: %d, want 403 (provisioning is admin or billing)", code)
	}

	body := message("orders@shop42.example", "buyer@example.org", "Order confirmation 1001", "Thanks for your order 1001. It ships tomorrow.")
	if res := send(srv.smtp, sendOpts{startTLS: true, user: "shop42", pass: created["smtp_password"].(string),
		from: "orders@shop42.example", to: []string{"buyer@example.org"}, body: body}); res.code != 250 {
		t.Fatalf("send with API-issued credentials: %v", res)
	}
	code, got := call("GET", "/api/v1/tenants/shop42", admin, "", nil)
	q, _ := got["quota"].(map[string]any)
	if code != 200 || got["plan"] != "trial" || q["limit"] != float64(20) || q["used"] != float64(1) || q["remaining"] != float64(19) {
		t.Fatalf("GET /tenants/shop42: %d %v", code, got)
	}

	event := `{"id":"evt_` + testenv.RandomName("") + `","type":"payment.succeeded","tenant_id":"shop42","created":` + fmt.Sprint(time.Now().Unix()) + `}`
	sig := api.Sign([]byte(secret), time.Now(), []byte(event))
	for range 2 { // the second delivery is a replay: same answer, no second change
		if code, out := call("POST", "/api/v1/billing/events", billing, event, map[string]string{api.SignatureHeader: sig}); code != 200 {
			t.Fatalf("billing event: %d %v", code, out)
		}
	}
	if code, _ := call("POST", "/api/v1/billing/events", billing, event, map[string]string{api.SignatureHeader: api.Sign([]byte("wrong"), time.Now(), []byte(event))}); code != 401 {
		t.Errorf("badly signed event: %d, want 401", code)
	}
	_, got = call("GET", "/api/v1/tenants/shop42", admin, "", nil)
	q, _ = got["quota"].(map[string]any)
	if got["plan"] != "paid" || q["limit"] != float64(200) {
		t.Fatalf("after payment.succeeded: %v", got)
	}
	var hist struct{ Items []map[string]any }
	code, raw := call("GET", "/api/v1/tenants/shop42/quota/history", admin, "", nil)
	b, _ := json.Marshal(raw)
	_ = json.Unmarshal(b, &hist)
	plans := 0
	for _, h := range hist.Items {
		if h["new_plan"] == "paid" && h["old_plan"] == "trial" {
			plans++
		}
	}
	if code != 200 || plans != 1 {
		t.Fatalf("quota history should show one trial→paid change, got %d: %v", plans, raw)
	}
}

func TestBinaryDKIMSignsWithTheKeyTheCLIAdded(t *testing.T) {
	t.Parallel()
	up := smtptest.New(t, smtptest.Options{})
	dir := t.TempDir()
	tenant := testenv.RandomName("t")
	cli(t, "tenant", "add", tenant, "--data-dir", dir)
	records := map[string]string{}
	for _, alg := range []string{"ed25519", "rsa"} {
		domain := alg + ".example"
		out := cli(t, "dkim", "add", "--domain", domain, "--selector", "s1", "--algorithm", alg, "--data-dir", dir)
		m := regexp.MustCompile(`(?m)^s1\._domainkey\.` + regexp.QuoteMeta(domain) + `\. IN TXT "([^"]+)"$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("dkim add printed no TXT record for %s:\n%s", domain, out)
		}
		records["s1._domainkey."+domain] = m[1]
	}
	if list := cli(t, "dkim", "list", "--data-dir", dir); !strings.Contains(list, "ed25519.example") || !strings.Contains(list, "rsa.example") {
		t.Fatalf("dkim list:\n%s", list)
	}
	srv := startServe(t, "--data-dir", dir, "--upstreams", up.Addr(), "--trusted-nets", "127.0.0.1/32")
	for _, alg := range []string{"ed25519", "rsa"} {
		from := "billing@" + alg + ".example"
		body := "X-Outpost-Tenant: " + tenant + "\r\n" + message(from, "customer@example.org", "Invoice 7", "Your invoice 7 is attached.")
		if res := send(srv.smtp, sendOpts{from: from, to: []string{"customer@example.org"}, body: body}); res.code != 250 {
			t.Fatalf("%s: %v", alg, res)
		}
	}
	up.Wait(2, 30*time.Second)
	msgs := up.Messages()
	if len(msgs) != 2 {
		t.Fatalf("upstream got %d messages", len(msgs))
	}
	lookup := func(domain string) ([]string, error) {
		if r, ok := records[domain]; ok {
			return []string{r}, nil
		}
		return nil, fmt.Errorf("no TXT for %s", domain)
	}
	for _, m := range msgs {
		vs, err := dkim.VerifyWithOptions(strings.NewReader(string(m.Data)), &dkim.VerifyOptions{LookupTXT: lookup})
		if err != nil || len(vs) != 1 || vs[0].Err != nil {
			t.Fatalf("DKIM verification of %s: %v %+v\n%s", m.From, err, vs, m.Data)
		}
		if want := strings.SplitN(m.From, "@", 2)[1]; vs[0].Domain != want {
			t.Errorf("signed d=%s, want %s", vs[0].Domain, want)
		}
		if strings.Contains(string(m.Data), "X-Outpost-Tenant") {
			t.Errorf("X-Outpost-Tenant reached the upstream")
		}
	}
}

// TestBinaryTemporaryUpstreamFailureBurnsNoQuota: the upstream answers 451
// once; the client is told to retry, and the retried message is counted once.
func TestBinaryTemporaryUpstreamFailureBurnsNoQuota(t *testing.T) {
	t.Parallel()
	var refuse atomic.Bool
	refuse.Store(true)
	up := smtptest.New(t, smtptest.Options{Data: func(*smtptest.Envelope) error {
		if refuse.Load() {
			return smtptest.ErrReply(451, 4, 3, 0, "try later")
		}
		return nil
	}})
	dir := t.TempDir()
	tenant := testenv.RandomName("t")
	cli(t, "tenant", "add", tenant, "--plan", "paid", "--data-dir", dir) // paid: no probation, the relay is live
	srv := startServe(t, "--data-dir", dir, "--upstreams", up.Addr(), "--trusted-nets", "127.0.0.1/32")
	used := func() int64 {
		var q struct {
			Quota struct{ Used int64 } `json:"quota"`
		}
		if err := json.Unmarshal([]byte(cli(t, "tenant", "show", tenant, "--data-dir", dir)), &q); err != nil {
			t.Fatal(err)
		}
		return q.Quota.Used
	}
	body := "X-Outpost-Tenant: " + tenant + "\r\n" + message("billing@"+tenant+".example", "a@example.org", "Invoice 9", "Invoice 9 is attached.")
	opts := sendOpts{from: "billing@" + tenant + ".example", to: []string{"a@example.org", "b@example.org"}, body: body}
	if res := send(srv.smtp, opts); res.code != 451 {
		t.Fatalf("upstream refusing temporarily: %v, want 451 passed back", res)
	}
	if u := used(); u != 0 {
		t.Fatalf("quota used %d after a temporary failure, want 0", u)
	}
	refuse.Store(false)
	if res := send(srv.smtp, opts); res.code != 250 {
		t.Fatalf("retry: %v", res)
	}
	// The CLI is another instance: it counts the serving instance's quota
	// lease (a paid tenant far from its limit) as pending until the lease
	// settles, a second after its last use. Then exactly 2 remain.
	deadline := time.Now().Add(10 * time.Second)
	for u := used(); u != 2; u = used() {
		if u < 2 || time.Now().After(deadline) {
			t.Fatalf("quota used %d after the retried 2-recipient message, want 2", u)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestBinaryReviewDecisionsOverTheAPI: support works the queue through the
// API of the running binary. Approving releases the held mail upstream;
// rejecting suspends the tenant; both teach the content model, which every
// instance reads from the database.
func TestBinaryReviewDecisionsOverTheAPI(t *testing.T) {
	t.Parallel()
	up := smtptest.New(t, smtptest.Options{})
	dir := t.TempDir()
	support := strings.TrimSpace(cli(t, "token", "create", "--scope", "support", "--data-dir", dir))
	good, bad := testenv.RandomName("good"), testenv.RandomName("bad")
	for _, id := range []string{good, bad} {
		cli(t, "tenant", "add", id, "--plan", "paid", "--data-dir", dir) // paid: no probation, only the content hold
	}
	// Hold every message for review, whatever its score: this test is about
	// the decision path, not about where the thresholds sit.
	srv := startServe(t, "--data-dir", dir, "--upstreams", up.Addr(), "--trusted-nets", "127.0.0.1/32", "--score-hold", "-100", "--score-reject", "1000")

	call := func(method, path, body string, out any) int {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+srv.http+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+support)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
			}
		}
		return resp.StatusCode
	}
	sendFrom := func(tenant string) smtpResult {
		body := "X-Outpost-Tenant: " + tenant + "\r\n" + message("office@"+tenant+".example", "client@example.org", "Quarterly report", "Hello, the quarterly report is attached. Regards")
		return send(srv.smtp, sendOpts{from: "office@" + tenant + ".example", to: []string{"client@example.org"}, body: body})
	}
	for _, id := range []string{good, bad} {
		if res := sendFrom(id); res.code != 250 {
			t.Fatalf("%s: %v, want 250 (held for review)", id, res)
		}
	}
	if n := up.Count(); n != 0 {
		t.Fatalf("held mail reached the upstream before any decision (%d messages)", n)
	}
	var open struct {
		Items []struct {
			ID       int64  `json:"id"`
			TenantID string `json:"tenant_id"`
		} `json:"items"`
	}
	if code := call("GET", "/api/v1/reviews?state=open", "", &open); code != 200 {
		t.Fatalf("GET /reviews: %d", code)
	}
	caseOf := map[string]int64{}
	for _, it := range open.Items {
		caseOf[it.TenantID] = it.ID
	}
	if caseOf[good] == 0 || caseOf[bad] == 0 {
		t.Fatalf("open cases = %+v, want one for %s and one for %s", open.Items, good, bad)
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "outpost.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v0, _ := db.ModelVersion(context.Background())

	if code := call("POST", fmt.Sprintf("/api/v1/reviews/%d/decision", caseOf[good]), `{"decision":"approve","raise_quota":false,"note":"ordinary business mail"}`, nil); code != 200 {
		t.Fatalf("approve: %d", code)
	}
	up.Wait(1, 30*time.Second) // the released message goes out through the relay
	if m := up.Messages(); len(m) != 1 || !strings.Contains(string(m[0].Data), "office@"+good+".example") {
		t.Fatalf("upstream got %d messages after the approve", len(m))
	}
	if code := call("POST", fmt.Sprintf("/api/v1/reviews/%d/decision", caseOf[bad]), `{"decision":"reject","note":"phishing"}`, nil); code != 200 {
		t.Fatalf("reject: %d", code)
	}
	if code := call("POST", fmt.Sprintf("/api/v1/reviews/%d/decision", caseOf[bad]), `{"decision":"reject","note":"again"}`, nil); code != 409 {
		t.Errorf("deciding a closed case again: %d, want 409", code)
	}
	var ten struct{ Status string }
	call("GET", "/api/v1/tenants/"+bad, "", &ten)
	if ten.Status != "suspended" {
		t.Fatalf("rejected tenant status %q, want suspended", ten.Status)
	}
	if res := sendFrom(bad); res.code != 550 || res.enhanced != (smtp.EnhancedCode{5, 7, 1}) {
		t.Fatalf("mail from the suspended tenant: %v, want 550 5.7.1", res)
	}
	if v1, _ := db.ModelVersion(context.Background()); v1 < v0+2 {
		t.Fatalf("model version %d → %d: an approve and a reject should each have taught and saved it", v0, v1)
	}
	log, err := db.AuditLog(context.Background(), "", 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	decisions := 0
	for _, e := range log {
		if strings.HasPrefix(e.Action, "review.decision") || strings.HasPrefix(e.Action, "review.decide") {
			if !strings.Contains(e.Actor, "support") {
				t.Errorf("decision audited with actor %q, want the support token", e.Actor)
			}
			decisions++
		}
	}
	if decisions < 2 {
		var actions []string
		for _, e := range log {
			actions = append(actions, e.Action)
		}
		t.Fatalf("audit log has %d review decisions, want 2; actions: %v", decisions, actions)
	}
	time.Sleep(2 * time.Second) // a worker tick: nothing of the rejected tenant may go out
	if n := up.Count(); n != 1 {
		t.Fatalf("upstream has %d messages, want only the approved one", n)
	}
}
