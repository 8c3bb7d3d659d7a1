package smtpd_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/smtpd"
	"github.com/outpost-mail/outpost/smtpd/smtptest"
)

// testQuota records calls; it refuses with err when set.
type testQuota struct {
	mu       sync.Mutex
	err      error
	reserves []string // "tenant:n"
	commits  int
	releases int
}

func (q *testQuota) Reserve(_ context.Context, tenant string, n int) (smtpd.Reservation, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.reserves = append(q.reserves, tenant+":"+strconv.Itoa(n))
	if q.err != nil {
		return nil, q.err
	}
	return testReservation{q}, nil
}

func (q *testQuota) counts() (string, int, int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return strings.Join(q.reserves, ","), q.commits, q.releases
}

type testReservation struct{ q *testQuota }

func (r testReservation) Commit(context.Context) error {
	r.q.mu.Lock()
	r.q.commits++
	r.q.mu.Unlock()
	return nil
}
func (r testReservation) Release(context.Context) error {
	r.q.mu.Lock()
	r.q.releases++
	r.q.mu.Unlock()
	return nil
}

type exceeded struct{ at time.Time }

func (exceeded) Error() string                       { return "quota exceeded" }
func (e exceeded) QuotaExceeded() (int64, time.Time) { return 20, e.at }

type testInspector struct {
	mu   sync.Mutex
	d    smtpd.Decision
	err  error
	seen []smtpd.Message
}

func (i *testInspector) Inspect(_ context.Context, m *smtpd.Message) (smtpd.Decision, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	c := *m
	c.Raw = append([]byte(nil), m.Raw...)
	c.To = append([]string(nil), m.To...)
	i.seen = append(i.seen, c)
	return i.d, i.err
}

type testHolder struct {
	mu   sync.Mutex
	err  error
	held []smtpd.Message
	dec  []smtpd.Decision
}

func (h *testHolder) Hold(_ context.Context, m *smtpd.Message, d smtpd.Decision) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil {
		return h.err
	}
	c := *m
	c.Raw = append([]byte(nil), m.Raw...)
	h.held = append(h.held, c)
	h.dec = append(h.dec, d)
	return nil
}

func TestHooks(t *testing.T) {
	up := smtptest.New(t, smtptest.Options{Rcpt: func(to string) error {
		if to == "nobody@example.org" {
			return smtptest.ErrReply(550, 5, 1, 1, "no such user")
		}
		return nil
	}, Data: func(e *smtptest.Envelope) error {
		if strings.Contains(string(e.Data), "upstream-refuses") {
			return smtptest.ErrReply(554, 5, 6, 0, "content refused upstream")
		}
		return nil
	}})
	q := &testQuota{}
	insp := &testInspector{d: smtpd.Decision{Action: smtpd.ActionRelay, Code: "content.ok"}}
	hold := &testHolder{}
	e := newEnv(t, []*smtptest.Upstream{up}, func(o *smtpd.Options) {
		o.Quota, o.Inspector, o.Holder = q, insp, hold
	})
	c := e.client()
	rcpts := []string{"bob@example.org", "nobody@example.org", "carol@example.org"}
	sendSome := func(msg string) error {
		if err := c.Mail("alice@example.com", nil); err != nil {
			return err
		}
		for _, r := range rcpts {
			_ = c.Rcpt(r, nil) // nobody@ is refused by the upstream
		}
		w, err := c.Data()
		if err != nil {
			return err
		}
		w.Write([]byte(msg))
		return w.Close()
	}

	t.Run("relay_commits", func(t *testing.T) {
		if err := sendSome(testMsg); err != nil {
			t.Fatal(err)
		}
		res, commits, releases := q.counts()
		if res != "acme:2" || commits != 1 || releases != 0 {
			t.Fatalf("quota: reserves %s commits %d releases %d; want acme:2 (accepted recipients only), 1, 0", res, commits, releases)
		}
		m := insp.seen[len(insp.seen)-1]
		if m.Tenant.ID != "acme" || m.From != "alice@example.com" || strings.Join(m.To, ",") != "bob@example.org,carol@example.org" ||
			m.MessageID != "<m42@example.com>" || m.Helo != "localhost" || m.RemoteIP.String() != "127.0.0.1" ||
			m.QueueID == "" || !m.Received.Equal(e.clock.Now()) {
			t.Fatalf("inspector saw %+v", m)
		}
		rec, rest, ok := cutReceived(m.Raw)
		if !ok || string(rest) != testMsg || !strings.Contains(rec, "id "+m.QueueID) {
			t.Fatalf("Message.Raw is not the relayed message: %q", m.Raw)
		}
		if got := up.Messages(); string(got[len(got)-1].Data) != string(m.Raw) {
			t.Fatal("relayed bytes differ from Message.Raw")
		}
	})
	t.Run("upstream_refusal_releases", func(t *testing.T) {
		wantReply(t, sendSome(strings.Replace(testMsg, "Hello Bob", "upstream-refuses", 1)), 554, "5.6.0", "content refused upstream")
		if _, commits, releases := q.counts(); commits != 1 || releases != 1 {
			t.Fatalf("commits %d releases %d, want 1 1", commits, releases)
		}
	})
	t.Run("reject", func(t *testing.T) {
		insp.d = smtpd.Decision{Action: smtpd.ActionReject, Code: "content.spam", Reason: "message looks like spam (score 9.1)", Score: 9.1}
		n := up.Count()
		wantReply(t, sendSome(testMsg), 550, "5.7.1", "message looks like spam (score 9.1)")
		if _, commits, releases := q.counts(); commits != 1 || releases != 2 {
			t.Fatalf("commits %d releases %d, want 1 2", commits, releases)
		}
		if up.Count() != n {
			t.Fatal("rejected message reached the upstream")
		}
	})
	t.Run("hold", func(t *testing.T) {
		insp.d = smtpd.Decision{Action: smtpd.ActionHold, Code: "tenant.review", Reason: "new tenant"}
		n := up.Count()
		if err := sendSome(testMsg); err != nil {
			t.Fatalf("hold: %v", err)
		}
		if _, commits, releases := q.counts(); commits != 2 || releases != 2 {
			t.Fatalf("commits %d releases %d, want 2 2", commits, releases)
		}
		if len(hold.held) != 1 || hold.dec[0].Code != "tenant.review" || strings.Join(hold.held[0].To, ",") != "bob@example.org,carol@example.org" {
			t.Fatalf("holder got %+v %+v", hold.held, hold.dec)
		}
		if up.Count() != n {
			t.Fatal("held message reached the upstream")
		}
		// the session's upstream transaction was reset; the next relays fine
		insp.d = smtpd.Decision{Action: smtpd.ActionRelay}
		if err := sendSome(testMsg); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("hold_failure_fails_closed", func(t *testing.T) {
		insp.d = smtpd.Decision{Action: smtpd.ActionHold, Code: "tenant.review"}
		hold.err = errors.New("disk full")
		wantReply(t, sendSome(testMsg), 451, "4.3.0")
		hold.err = nil
	})
	t.Run("quota_exceeded", func(t *testing.T) {
		insp.d = smtpd.Decision{Action: smtpd.ActionRelay}
		at := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
		q.err = exceeded{at}
		wantReply(t, sendSome(testMsg), 451, "4.7.1",
			"daily quota of 20 recipients reached; capacity frees up at 2026-03-05T00:00:00Z; ask support or upgrade your plan to raise it")
		q.err = errors.New("redis down")
		wantReply(t, sendSome(testMsg), 451, "4.3.0")
		q.err = nil
	})
	t.Run("inspector_error", func(t *testing.T) {
		insp.err = errors.New("model unavailable")
		_, _, before := q.counts()
		wantReply(t, sendSome(testMsg), 451, "4.3.0")
		if _, _, after := q.counts(); after != before+1 {
			t.Fatal("reservation not released after an inspector error")
		}
		insp.err = nil
	})
	outcomes := map[string]int{}
	for _, l := range e.logs.Transactions(t) {
		outcomes[l["outcome"].(string)]++
	}
	// rejected: upstream 554, policy reject, quota exceeded; failed: hold
	// error, quota store error, inspector error
	if outcomes["held"] != 1 || outcomes["rejected"] != 3 || outcomes["relayed"] != 2 || outcomes["failed"] != 3 {
		t.Fatalf("logged outcomes %v", outcomes)
	}
}

// With a Hold decision and no Holder: 451 4.3.0, never a silent relay.
func TestHoldWithoutHolder(t *testing.T) {
	insp := &testInspector{d: smtpd.Decision{Action: smtpd.ActionHold, Code: "tenant.review"}}
	e := newEnv(t, nil, func(o *smtpd.Options) { o.Inspector = insp })
	wantReply(t, send(e.client(), "alice@example.com", []string{"bob@example.org"}, testMsg), 451, "4.3.0")
	if e.ups[0].Count() != 0 {
		t.Fatal("held message relayed")
	}
}
