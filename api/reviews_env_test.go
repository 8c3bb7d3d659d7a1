package api_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/quota"
	"github.com/outpost-mail/outpost/review"
	"github.com/outpost-mail/outpost/scoring"
)

// recDeliverer stands in for the relay: it accepts every recipient and
// records what it delivered.
type recDeliverer struct {
	mu   sync.Mutex
	sent []string // queue ids (X-Test-Queue)
}

func (d *recDeliverer) Deliver(_ context.Context, _ string, to []string, raw []byte) (review.DeliveryResult, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "X-Test-Queue: "); ok {
			d.sent = append(d.sent, strings.TrimSpace(v))
		}
	}
	var res review.DeliveryResult
	for _, r := range to {
		res.Rcpts = append(res.Rcpts, review.RcptResult{Rcpt: r, Status: review.Accepted, Code: 250})
	}
	return res, nil
}

func (d *recDeliverer) delivered() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.sent...)
}

// recLearner stands in for the classifier's training.
type recLearner struct {
	mu         sync.Mutex
	spam, hams int
}

func (l *recLearner) Learn(_ []byte, spam bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if spam {
		l.spam++
	} else {
		l.hams++
	}
	return nil
}

func (l *recLearner) counts() (spam, ham int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.spam, l.hams
}

type reviewsEnv struct {
	t       *testing.T
	db      *store.DB
	qm      *quota.Manager
	now     func() time.Time
	svc     *review.Service
	scorer  *scoring.Scorer
	deliv   *recDeliverer
	learner *recLearner
	mu      sync.Mutex
	seq     int
}

func newReviewsEnv(t *testing.T, db *store.DB, qm *quota.Manager, now func() time.Time) *reviewsEnv {
	t.Helper()
	// These tests need spam that is held for review, not refused outright:
	// where the reject line sits is scoring's business, so it is out of reach.
	sc, err := scoring.New(scoring.Options{RejectThreshold: 1000})
	if err != nil {
		t.Fatal(err)
	}
	re := &reviewsEnv{t: t, db: db, qm: qm, now: now, scorer: sc, deliv: &recDeliverer{}, learner: &recLearner{}}
	re.svc, err = review.New(review.Options{DB: db, Now: now, Quotas: review.ManagerQuotas{M: qm}, Learner: re.learner, Deliverer: re.deliv})
	if err != nil {
		t.Fatal(err)
	}
	return re
}

// tenant creates a tenant of the given age directly in the store and quota.
func (re *reviewsEnv) tenant(id, plan string, age time.Duration, signup store.Signup) {
	re.t.Helper()
	ctx := context.Background()
	if err := re.db.CreateTenant(ctx, store.Tenant{ID: id, Plan: plan, Signup: signup, CreatedAt: re.now().Add(-age)}); err != nil {
		re.t.Fatal(err)
	}
	if err := re.qm.InitTenant(ctx, id, plan, "test"); err != nil {
		re.t.Fatal(err)
	}
}

const spamBody = "Get your me\u200bds today. Fr\u200bee shipping.\r\n" +
	"Best pr1ces for v1agra, no prescription.\r\n"

// spamBody2 is other spam, for a second campaign.
const spamBody2 = "Lose weight fast with our herbal tea. Order today, free shipping.\r\n"

// message builds a spammy (spamBody) or clean message of tenant to one
// recipient.
func (re *reviewsEnv) message(tenant string, spam bool) *review.Message {
	body := ""
	if spam {
		body = spamBody
	}
	return re.messageWith(tenant, body)
}

// messageWith builds a message with body ("" for a clean invoice).
func (re *reviewsEnv) messageWith(tenant, spamText string) *review.Message {
	re.mu.Lock()
	re.seq++
	n := re.seq
	re.mu.Unlock()
	q := fmt.Sprintf("Q%06d", n)
	to := fmt.Sprintf("customer%d@example%d.com", n, n%5)
	subject, body := "Cheap v1agra and c1alis, no prescription", spamText
	if spamText == spamBody2 {
		subject = "Great news"
	}
	if spamText == "" {
		subject, body = fmt.Sprintf("Invoice %d", n), fmt.Sprintf("Hello,\r\n\r\nplease find invoice %d attached.\r\n\r\nKind regards\r\n", n)
	}
	raw := fmt.Sprintf("From: Shop <info@%s.example>\r\nTo: %s\r\nSubject: %s\r\nX-Test-Queue: %s\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\n%s", tenant, to, subject, q, body)
	m := &review.Message{QueueID: q, TenantID: tenant, From: "info@" + tenant + ".example", To: []string{to}, Raw: []byte(raw),
		Received: re.now()}
	m.Score = re.scorer.Score(m.Raw)
	return m
}

// send assesses m as the relay does and holds it when review says so.
func (re *reviewsEnv) send(m *review.Message) review.Decision {
	re.t.Helper()
	ctx := context.Background()
	d, err := re.svc.Assess(ctx, m)
	if err != nil {
		re.t.Fatalf("assess: %v", err)
	}
	if d.Action == review.Hold {
		if err := re.svc.Hold(ctx, m, d); err != nil {
			re.t.Fatalf("hold: %v", err)
		}
	}
	return d
}

// holdSpam sends n spammy messages from tenant and checks they were held.
func (re *reviewsEnv) holdSpam(tenant string, n int) {
	re.t.Helper()
	re.holdText(tenant, n, spamBody)
}

// holdText sends n messages with body text from tenant and checks they
// were held.
func (re *reviewsEnv) holdText(tenant string, n int, text string) {
	re.t.Helper()
	for range n {
		m := re.messageWith(tenant, text)
		if d := re.send(m); d.Action != review.Hold {
			re.t.Fatalf("spam from %s (score %.1f %s): %v %s, want hold", tenant, m.Score.Score, m.Score.Verdict, d.Action, d.Code)
		}
	}
}
