package review

import (
	"context"
	"fmt"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
)

// Feedback event types.
const (
	FeedbackBounce    = "bounce"
	FeedbackComplaint = "complaint"
)

// FeedbackEvent is one bounce or complaint, idempotent by ID.
type FeedbackEvent struct {
	ID        string
	TenantID  string
	Type      string // FeedbackBounce or FeedbackComplaint
	QueueID   string // optional
	Recipient string // optional
	At        time.Time
}

// FeedbackResult counts what RecordFeedback did.
type FeedbackResult struct {
	Recorded   int
	Duplicates int
	Cases      []int64 // cases opened or extended
}

// RecordFeedback records a batch of bounce/complaint events (replays are
// ignored by event id) and updates the tenants' decayed rates. With at least
// FeedbackMinVolume recipients sent, a rate at the review threshold opens a
// case; at the pause threshold the case holds the tenant's mail too (and
// reopens after an approve while the rate stays there).
//
// Events are committed per tenant; an unknown tenant fails the batch there
// with the earlier tenants' events recorded, and a retry is safe.
func (s *Service) RecordFeedback(ctx context.Context, evs []FeedbackEvent) (FeedbackResult, error) {
	var res FeedbackResult
	byTenant := map[string][]FeedbackEvent{}
	var order []string
	for _, e := range evs {
		if e.ID == "" || e.TenantID == "" || (e.Type != FeedbackBounce && e.Type != FeedbackComplaint) {
			return res, fmt.Errorf("review: feedback event %q: needs an id, a tenant and type bounce|complaint: %w", e.ID, ErrInvalid)
		}
		if _, ok := byTenant[e.TenantID]; !ok {
			order = append(order, e.TenantID)
		}
		byTenant[e.TenantID] = append(byTenant[e.TenantID], e)
	}
	now := s.now()
	for _, tid := range order {
		t, err := s.db.Tenant(ctx, tid)
		if err != nil {
			return res, fmt.Errorf("review: feedback: %w", err)
		}
		if _, err := s.ensureTenant(ctx, t, now); err != nil {
			return res, err
		}
		var tr tenantRow
		err = s.db.InTx(ctx, func(tx *store.Tx) error {
			var b, c int
			for _, e := range byTenant[tid] {
				at := e.At
				if at.IsZero() {
					at = now
				}
				r, err := tx.Exec(ctx, `INSERT INTO review_feedback (id, tenant_id, type, queue_id, recipient, at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
					ON CONFLICT (id) DO NOTHING`, e.ID, tid, e.Type, e.QueueID, e.Recipient, ms(at), ms(now))
				if err != nil {
					return err
				}
				if n, _ := r.RowsAffected(); n == 0 {
					res.Duplicates++
					continue
				}
				res.Recorded++
				if e.Type == FeedbackBounce {
					b++
				} else {
					c++
				}
			}
			var err error
			if tr, err = s.loadTenantRow(ctx, tx, tid); err != nil {
				return err
			}
			f := decay(now.Sub(store.FromMillis(tr.FbAt)), s.o.FeedbackHalfLife)
			tr.FbSent, tr.FbBounces, tr.FbComplaints = tr.FbSent*f, tr.FbBounces*f+float64(b), tr.FbComplaints*f+float64(c)
			_, err = tx.Exec(ctx, `UPDATE review_tenants SET fb_sent = ?, fb_bounces = ?, fb_complaints = ?, fb_at = ? WHERE tenant_id = ?`,
				tr.FbSent, tr.FbBounces, tr.FbComplaints, ms(now), tid)
			return err
		})
		if err != nil {
			return res, fmt.Errorf("review: feedback for %s: %w", tid, err)
		}
		bRate, cRate := rates(tr.FbSent, tr.FbBounces, tr.FbComplaints, s.o.FeedbackMinVolume)
		var reasons []caseReason
		pause := false
		if bRate >= s.o.BounceReviewRate {
			pause = pause || bRate >= s.o.BouncePauseRate
			reasons = append(reasons, caseReason{Code: CodeBounces, Weight: bRate,
				Detail: fmt.Sprintf("bounce rate %.1f%% over %.0f recipients (review at %.1f%%, pause at %.1f%%)", bRate*100, tr.FbSent, s.o.BounceReviewRate*100, s.o.BouncePauseRate*100)})
		}
		if cRate >= s.o.ComplaintReviewRate {
			pause = pause || cRate >= s.o.ComplaintPauseRate
			reasons = append(reasons, caseReason{Code: CodeComplaints, Weight: cRate,
				Detail: fmt.Sprintf("complaint rate %.2f%% over %.0f recipients (review at %.2f%%, pause at %.2f%%)", cRate*100, tr.FbSent, s.o.ComplaintReviewRate*100, s.o.ComplaintPauseRate*100)})
		}
		for _, r := range reasons {
			id, err := s.openCase(ctx, tid, r, 0, pause)
			if err != nil {
				return res, err
			}
			res.Cases = append(res.Cases, id)
		}
	}
	res.Cases = dedupeIDs(res.Cases)
	return res, nil
}

func dedupeIDs(xs []int64) []int64 {
	var out []int64
	for _, x := range xs {
		dup := false
		for _, y := range out {
			dup = dup || x == y
		}
		if !dup {
			out = append(out, x)
		}
	}
	return out
}
