package review

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/internal/testenv"
	"github.com/outpost-mail/outpost/scoring"
)

type clock = testenv.Clock

func newClock() *clock { return testenv.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) }

type recQuotas struct {
	mu      sync.Mutex
	budgets map[string]string
	raises  []string
}

func (q *recQuotas) Raise(_ context.Context, tenantID, actor, reason string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.raises = append(q.raises, tenantID)
	return nil
}
func (q *recQuotas) SetBudget(_ context.Context, tenantID, budgetID string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.budgets == nil {
		q.budgets = map[string]string{}
	}
	q.budgets[tenantID] = budgetID
	return nil
}

var _ Quotas = (*recQuotas)(nil)

type recLearner struct {
	mu         sync.Mutex
	spam, hams int
}

func (l *recLearner) Learn(raw []byte, spam bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if spam {
		l.spam++
	} else {
		l.hams++
	}
	return nil
}

var _ Learner = (*recLearner)(nil)

// recDeliverer accepts every recipient and counts deliveries per Message-ID
// header (the test's queue id).
type recDeliverer struct {
	mu    sync.Mutex
	count map[string]int
}

func (d *recDeliverer) Deliver(ctx context.Context, from string, to []string, raw []byte) (DeliveryResult, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.count == nil {
		d.count = map[string]int{}
	}
	d.count[queueIDOf(raw)]++
	var res DeliveryResult
	for _, r := range to {
		res.Rcpts = append(res.Rcpts, RcptResult{Rcpt: r, Status: Accepted, Code: 250})
	}
	return res, nil
}

func (d *recDeliverer) total() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, c := range d.count {
		n += c
	}
	return n
}

var _ Deliverer = (*recDeliverer)(nil)

func queueIDOf(raw []byte) string {
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "X-Test-Queue: "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

type env struct {
	t       *testing.T
	db      *store.DB
	clock   *clock
	quotas  *recQuotas
	learner *recLearner
	deliv   *recDeliverer
	svc     *Service
	seq     int
	prefix  string
}

func backends(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			if db == nil {
				return
			}
			fn(t, db)
		})
	}
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("REVIEW_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func newEnv(t *testing.T, db *store.DB, mod func(*Options)) *env {
	t.Helper()
	e := &env{t: t, db: db, prefix: testenv.RandomName("q"), clock: newClock(), quotas: &recQuotas{}, learner: &recLearner{}, deliv: &recDeliverer{}}
	o := Options{DB: db, Logger: testLogger(t), Now: e.clock.Now, Quotas: e.quotas, Learner: e.learner, Deliverer: e.deliv}
	if mod != nil {
		mod(&o)
	}
	svc, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	return e
}

func (e *env) tenant(id, plan string, age time.Duration, ip, email string) {
	e.t.Helper()
	err := e.db.CreateTenant(context.Background(), store.Tenant{ID: id, Plan: plan, CreatedAt: e.clock.Now().Add(-age),
		Signup: store.Signup{IP: ip, Email: email, Country: "NL"}})
	if err != nil {
		e.t.Fatal(err)
	}
}

// msg builds a message with a hand-made score.
func (e *env) msg(tenant string, fp scoring.Fingerprint, score float64, to ...string) *Message {
	e.seq++
	if len(to) == 0 {
		to = []string{fmt.Sprintf("customer%d@example%d.com", e.seq, e.seq%7)}
	}
	verdict := scoring.Pass
	switch {
	case score >= scoring.DefaultRejectThreshold:
		verdict = scoring.Reject
	case score >= scoring.DefaultHoldThreshold:
		verdict = scoring.Hold
	}
	q := fmt.Sprintf("%s-%05d", e.prefix, e.seq)
	raw := fmt.Sprintf("From: a@%s.test\r\nTo: %s\r\nSubject: hello %d\r\nX-Test-Queue: %s\r\n\r\nbody %d\r\n", tenant, to[0], e.seq, q, e.seq)
	return &Message{QueueID: q, TenantID: tenant, From: "a@" + tenant + ".test", To: to, Raw: []byte(raw), Received: e.clock.Now(),
		Score: scoring.Result{Score: score, Verdict: verdict, Fingerprint: fp, Subject: fmt.Sprintf("hello %d", e.seq),
			Signals: []scoring.Signal{{Name: "test_signal", Weight: score, Detail: "made by the test"}}}}
}

// send runs Assess and, on Hold, Hold.
func (e *env) send(m *Message) Decision {
	e.t.Helper()
	ctx := context.Background()
	d, err := e.svc.Assess(ctx, m)
	if err != nil {
		e.t.Fatalf("assess %s: %v", m.QueueID, err)
	}
	if d.Action == Hold {
		if err := e.svc.Hold(ctx, m, d); err != nil {
			e.t.Fatalf("hold %s: %v", m.QueueID, err)
		}
	}
	return d
}

func (e *env) status(id string) string {
	e.t.Helper()
	t, err := e.db.Tenant(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return t.Status
}

func (e *env) heldStates(tenant string) map[string]int {
	e.t.Helper()
	hs, _, err := e.svc.ListHeld(context.Background(), tenant, HeldFilter{Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]int{}
	for _, h := range hs {
		out[h.State]++
	}
	return out
}

// flip returns fp with the given bits flipped.
func flip(fp scoring.Fingerprint, bits ...int) scoring.Fingerprint {
	for _, b := range bits {
		fp ^= 1 << b
	}
	return fp
}

const (
	fpSpam    = scoring.Fingerprint(0x9e3779b97f4a7c15)
	fpInvoice = scoring.Fingerprint(0x51ed270b3a9fc821)
)
