package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/quota"
	"github.com/outpost-mail/outpost/review"
	"github.com/outpost-mail/outpost/scoring"
	"github.com/outpost-mail/outpost/smtpd"
)

// relayDeliverer delivers released mail through the running relay's
// upstream pool (DKIM-signed). The server is set once it exists.
type relayDeliverer struct{ srv atomic.Pointer[smtpd.Server] }

func (d *relayDeliverer) Deliver(ctx context.Context, from string, to []string, raw []byte) (review.DeliveryResult, error) {
	srv := d.srv.Load()
	if srv == nil {
		return review.DeliveryResult{}, errors.New("relay not started yet")
	}
	res, err := srv.Deliver(ctx, from, to, raw)
	out := review.DeliveryResult{Rcpts: make([]review.RcptResult, 0, len(res.Recipients))}
	for _, r := range res.Recipients {
		st := review.TempFail
		switch r.Status {
		case smtpd.RecipientAccepted:
			st = review.Accepted
		case smtpd.RecipientPermanent:
			st = review.PermFail
		}
		code := 0
		if len(r.Reply) >= 3 {
			code, _ = strconv.Atoi(r.Reply[:3])
		}
		out.Rcpts = append(out.Rcpts, review.RcptResult{Rcpt: r.Rcpt, Status: st, Code: code, Text: r.Reply})
	}
	return out, err
}

// reviewGate is review's side of the relay: Inspect (through the content
// inspector) asks review for the decision, and Hold stores held mail. The
// score travels from Inspect to Hold keyed by queue id, so the case shows
// every signal.
type reviewGate struct {
	svc    *review.Service
	mu     sync.Mutex
	scores map[string]scoring.Result
}

func newReviewGate(svc *review.Service) *reviewGate {
	return &reviewGate{svc: svc, scores: map[string]scoring.Result{}}
}

func reviewMessage(m *smtpd.Message, res scoring.Result) *review.Message {
	return &review.Message{QueueID: m.QueueID, TenantID: m.Tenant.ID, From: m.From, To: m.To, Raw: m.Raw,
		MessageID: m.MessageID, RemoteIP: m.RemoteIP.String(), Received: m.Received, Score: res}
}

func (g *reviewGate) assess(ctx context.Context, m *smtpd.Message, res scoring.Result) (smtpd.Decision, error) {
	d, err := g.svc.Assess(ctx, reviewMessage(m, res))
	if err != nil {
		return smtpd.Decision{}, err
	}
	out := smtpd.Decision{Code: d.Code, Reason: d.Reason, Score: res.Score}
	switch d.Action {
	case review.Hold:
		out.Action = smtpd.ActionHold
		g.mu.Lock()
		g.scores[m.QueueID] = res
		g.mu.Unlock()
	case review.Reject:
		out.Action = smtpd.ActionReject
	default:
		out.Action = smtpd.ActionRelay
	}
	return out, nil
}

func (g *reviewGate) Hold(ctx context.Context, m *smtpd.Message, d smtpd.Decision) error {
	g.mu.Lock()
	res, ok := g.scores[m.QueueID]
	delete(g.scores, m.QueueID)
	g.mu.Unlock()
	if !ok {
		return fmt.Errorf("hold of %s without an assessment", m.QueueID)
	}
	return g.svc.Hold(ctx, reviewMessage(m, res), review.Decision{Action: review.Hold, Code: d.Code, Reason: d.Reason})
}

var (
	_ smtpd.Holder     = (*reviewGate)(nil)
	_ reviewAssessor   = (*reviewGate)(nil)
	_ review.Deliverer = (*relayDeliverer)(nil)
)

// newReview builds the review service; deliverer may be nil for commands
// that deliver nothing (the CLI).
func newReview(c serveConfig, db *store.DB, qm *quota.Manager, learner review.Learner, deliverer review.Deliverer, log *slog.Logger) (*review.Service, error) {
	o := review.Options{DB: db, Logger: log, Now: time.Now, Deliverer: deliverer,
		ProbationDelay: c.probationDelay, ProbationMaxDelay: c.probationMaxDelay, ProbationMessages: c.probationMessages}
	if learner != nil {
		o.Learner = learner
	}
	if qm != nil {
		o.Quotas = review.ManagerQuotas{M: qm}
		o.Proposer = review.ManagerQuotas{M: qm}
	}
	return review.New(o)
}
