package review

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/scoring"
)

// RunWorkers runs review's background loops until ctx ends: probation
// release, release delivery, and housekeeping. Several instances may run
// them on one database. It returns nil when ctx is cancelled.
func (s *Service) RunWorkers(ctx context.Context) error {
	if s.o.Deliverer == nil {
		return errors.New("review: RunWorkers needs Options.Deliverer")
	}
	tick := time.NewTicker(s.o.WorkerTick)
	defer tick.Stop()
	lastHK, lastRaise, lastMetrics := time.Time{}, time.Time{}, time.Time{}
	for {
		if now := s.now(); now.Sub(lastMetrics) >= s.o.MetricsEvery && ctx.Err() == nil {
			lastMetrics = now
			if err := s.refreshHeld(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "review: held mail gauge", "err", err)
			}
		}
		if _, err := s.ReleaseDue(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "review: probation release", "err", err)
		}
		for ctx.Err() == nil {
			n, err := s.DeliverDue(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "review: release delivery", "err", err)
			}
			if n == 0 || err != nil {
				break
			}
		}
		if now := s.now(); s.o.Proposer != nil && now.Sub(lastRaise) >= s.o.EarnedRaiseEvery && ctx.Err() == nil {
			lastRaise = now
			if _, err := s.ProposeRaises(ctx); err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "review: earned raises", "err", err)
			}
		}
		if now := s.now(); now.Sub(lastHK) >= s.o.HousekeepEvery && ctx.Err() == nil {
			lastHK = now
			if err := s.Housekeep(ctx); err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "review: housekeeping", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// ReleaseStats counts what one ReleaseDue pass did.
type ReleaseStats struct {
	Released, Extended, ToReview, Discarded int
}

// ReleaseDue decides every probation hold whose window has passed: release
// it when the tenant is still active, its score is clean and no other young
// tenant sends similar mail (a proven template does not count); wait another
// ProbationDelay (up to ProbationMaxDelay after receipt) while look-alikes
// from other young tenants are unexplained; otherwise keep it for review.
func (s *Service) ReleaseDue(ctx context.Context) (ReleaseStats, error) {
	var st ReleaseStats
	defer func() { s.met.released(st) }() // what committed, errors included
	now := s.now()
	type due struct {
		id       int64
		tenant   string
		fp       scoring.Fingerprint
		score    float64
		received int64
		links    string
	}
	rows, err := s.db.Query(ctx, `SELECT id, tenant_id, fp, score, received_at, link_domains FROM review_held
		WHERE state = 'held' AND release_at IS NOT NULL AND release_at <= ? ORDER BY release_at LIMIT 500`, ms(now))
	if err != nil {
		return st, fmt.Errorf("review: due holds: %w", err)
	}
	var list []due
	for rows.Next() {
		var d due
		var fp int64
		if err := rows.Scan(&d.id, &d.tenant, &fp, &d.score, &d.received, &d.links); err != nil {
			rows.Close()
			return st, err
		}
		d.fp = scoring.Fingerprint(fp)
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	status := map[string]string{}
	for _, d := range list {
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		stt, ok := status[d.tenant]
		if !ok {
			t, err := s.db.Tenant(ctx, d.tenant)
			if err != nil {
				return st, fmt.Errorf("review: release: %w", err)
			}
			stt, status[d.tenant] = t.Status, t.Status
		}
		if stt == store.StatusSuspended {
			// Nothing of a suspended tenant goes out.
			err := s.db.InTx(ctx, func(tx *store.Tx) error {
				if _, err := tx.Exec(ctx, `UPDATE review_held SET state = 'discarded', release_at = NULL, decided_at = ?, decided_by = 'system:probation'
					WHERE id = ? AND state = 'held'`, ms(now), d.id); err != nil {
					return err
				}
				return store.AuditTx(ctx, tx, store.AuditEntry{At: now, Actor: "system", Action: "review.message_discard",
					Subject: fmt.Sprintf("held:%d", d.id), Detail: map[string]any{"tenant": d.tenant, "note": "tenant suspended during probation"}})
			})
			if err != nil {
				return st, fmt.Errorf("review: probation discard: %w", err)
			}
			st.Discarded++
			continue
		}
		if stt != store.StatusActive {
			// The tenant is under review: the hold waits for the decision.
			if _, err := s.openCase(ctx, d.tenant, caseReason{Code: CodeTenantReview, Detail: "probation mail of a tenant under review"}, 0, true); err != nil {
				return st, err
			}
			st.ToReview++
			continue
		}
		if d.score >= s.o.ProbationCleanScore {
			// A proven template's copy that Assess accepts (templateCovers:
			// below the vouched-for score + margin, no suspicious new link)
			// is judged by its look-alikes below, not by its score.
			covered, err := s.probationTemplate(ctx, d.fp, d.score, strings.Fields(d.links), now)
			if err != nil {
				return st, err
			}
			if covered {
				goto lookalikes
			}
			if _, err := s.openCase(ctx, d.tenant, caseReason{Code: CodeProbationHeld, Detail: fmt.Sprintf("probation message scored %.1f", d.score), Weight: d.score}, 0, true); err != nil {
				return st, err
			}
			status[d.tenant] = store.StatusReview
			st.ToReview++
			continue
		}
	lookalikes:
		if d.fp != 0 && now.Sub(store.FromMillis(d.received)) < s.o.ProbationMaxDelay {
			lookalike, err := s.unexplainedLookalike(ctx, d.tenant, d.fp, now)
			if err != nil {
				return st, err
			}
			if lookalike {
				next := min(ms(now.Add(s.o.ProbationDelay)), d.received+s.o.ProbationMaxDelay.Milliseconds())
				if _, err := s.db.Exec(ctx, `UPDATE review_held SET release_at = ? WHERE id = ? AND state = 'held'`, next, d.id); err != nil {
					return st, err
				}
				st.Extended++
				continue
			}
		}
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			r, err := tx.Exec(ctx, `UPDATE review_held SET state = 'queued', release_at = NULL, next_attempt_at = ?, decided_at = ?, decided_by = 'system:probation'
				WHERE id = ? AND state = 'held' AND release_at IS NOT NULL`, ms(now), ms(now), d.id)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n == 0 {
				return nil
			}
			st.Released++
			return store.AuditTx(ctx, tx, store.AuditEntry{At: now, Actor: "system", Action: "review.probation_release",
				Subject: fmt.Sprintf("held:%d", d.id), Detail: map[string]any{"tenant": d.tenant}})
		})
		if err != nil {
			return st, fmt.Errorf("review: probation release: %w", err)
		}
	}
	return st, nil
}

// probationTemplate reports whether a probation message is a proven
// template's copy by the rule Assess applies (templateCovers, widened), with
// the link domains tracked for it when it was held.
func (s *Service) probationTemplate(ctx context.Context, fp scoring.Fingerprint, score float64, links []string, now time.Time) (bool, error) {
	if fp == 0 {
		return false, nil
	}
	newLink := false
	for _, d := range links {
		var l linkInfo
		var est int
		err := s.db.QueryRow(ctx, `SELECT domain, first_at, young_tenants, established, campaign_id FROM review_link_domains WHERE domain = ?`, d).
			Scan(&l.Domain, &l.FirstAt, &l.YoungTenants, &est, &l.CampaignID)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("review: link domain: %w", err)
		}
		l.Established = est != 0
		newLink = newLink || s.suspiciousLink(l, now)
	}
	return s.templateCovers(ctx, s.db, fp, score, newLink, true)
}

// unexplainedLookalike: near-identical mail that is not a proven template,
// either from another young tenant within the campaign window, or in bulk
// (ProbationBulkCopies copies) from this one: the first tenant of a campaign
// waits for the next.
func (s *Service) unexplainedLookalike(ctx context.Context, tenantID string, fp scoring.Fingerprint, now time.Time) (bool, error) {
	matches, err := s.nearFingerprints(ctx, s.db, fp, now.Add(-s.o.CampaignWindow))
	if err != nil {
		return false, err
	}
	suspicious := false
	for _, m := range matches {
		if m.TenantID != tenantID || m.N >= int64(s.o.ProbationBulkCopies) {
			suspicious = true
			break
		}
	}
	if !suspicious {
		return false, nil
	}
	t, ok, err := s.nearTemplate(ctx, s.db, fp, true)
	if err != nil {
		return false, err
	}
	return !(ok && t.proven(s.o.TemplateMinTenants)), nil
}

// DeliverDue claims released messages whose next attempt is due and hands
// them to the Deliverer, one at a time. It returns how many it attempted.
//
// Exactly once: a message is claimed with a lease (lease_owner, lease_until
// = now + DeliveryLease) by a conditional UPDATE, so one instance delivers
// it at a time; each delivery attempt is bounded by DeliveryTimeout, below
// the lease. Right after the upstream's answer one UPDATE marks the accepted
// recipients done (the message sent when none remain). The remaining window:
// if the process dies after the upstream's 250 and before that UPDATE, the
// lease expires and the message is delivered again — a duplicate, never a
// loss.
func (s *Service) DeliverDue(ctx context.Context) (int, error) {
	if s.o.Deliverer == nil {
		return 0, errors.New("review: DeliverDue needs Options.Deliverer")
	}
	now := s.now()
	rows, err := s.db.Query(ctx, `SELECT id FROM review_held WHERE state = 'queued' AND next_attempt_at <= ? AND lease_until < ?
		ORDER BY next_attempt_at LIMIT 50`, ms(now), ms(now))
	if err != nil {
		return 0, fmt.Errorf("review: due deliveries: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if ctx.Err() != nil {
			return n, nil
		}
		ok, err := s.deliverOne(ctx, id)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

func (s *Service) deliverOne(ctx context.Context, id int64) (bool, error) {
	now := s.now()
	r, err := s.db.Exec(ctx, `UPDATE review_held SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
		WHERE id = ? AND state = 'queued' AND lease_until < ?`, s.o.Instance, ms(now.Add(s.o.DeliveryLease)), id, ms(now))
	if err != nil {
		return false, fmt.Errorf("review: claim %d: %w", id, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return false, nil // another instance has it
	}
	var from, rcptJSON, tenant, queueID string
	var raw []byte
	var attempts int
	var caseID sql.NullInt64
	if err := s.db.QueryRow(ctx, `SELECT queue_id, tenant_id, case_id, mail_from, rcpt_to, raw, attempts FROM review_held WHERE id = ?`, id).
		Scan(&queueID, &tenant, &caseID, &from, &rcptJSON, &raw, &attempts); err != nil {
		return false, fmt.Errorf("review: load %d: %w", id, err)
	}
	var to []string
	if err := json.Unmarshal([]byte(rcptJSON), &to); err != nil {
		return false, fmt.Errorf("review: recipients of %d: %w", id, err)
	}
	dctx, cancel := context.WithTimeout(ctx, s.o.DeliveryTimeout)
	res, derr := s.o.Deliverer.Deliver(dctx, from, to, raw)
	cancel()
	// Record the outcome even when ctx is ending: an accepted message must be
	// marked before we stop.
	wctx := context.WithoutCancel(ctx)
	now = s.now()
	if derr != nil {
		next := now
		if ctx.Err() == nil {
			next = now.Add(s.backoff(attempts))
		}
		_, err := s.db.Exec(wctx, `UPDATE review_held SET lease_owner = '', lease_until = 0, next_attempt_at = ?, last_error = ? WHERE id = ? AND lease_owner = ?`,
			ms(next), truncate(derr.Error(), 500), id, s.o.Instance)
		if err != nil {
			return true, fmt.Errorf("review: record failure of %d: %w", id, err)
		}
		s.met.deliveries.WithLabelValues(deliveryRetry).Inc()
		s.log.WarnContext(ctx, "review: release delivery failed", "msg", queueID, "tenant", tenant, "attempt", attempts, "err", derr)
		return true, nil
	}
	status := map[string]RcptResult{}
	for _, x := range res.Rcpts {
		status[strings.ToLower(x.Rcpt)] = x
	}
	var remaining, perm []string
	accepted := 0
	var lastErr []string
	for _, rc := range to {
		x, ok := status[strings.ToLower(rc)]
		switch {
		case ok && x.Status == Accepted:
			accepted++
		case ok && x.Status == PermFail:
			perm = append(perm, rc)
			lastErr = append(lastErr, fmt.Sprintf("%s: %d %s", rc, x.Code, x.Text))
		default:
			remaining = append(remaining, rc)
			if ok {
				lastErr = append(lastErr, fmt.Sprintf("%s: %d %s", rc, x.Code, x.Text))
			} else {
				lastErr = append(lastErr, rc+": no answer")
			}
		}
	}
	errText := truncate(strings.Join(lastErr, "; "), 1000)
	rem, _ := json.Marshal(remaining)
	if remaining == nil {
		rem = []byte("[]")
	}
	final := ""
	switch {
	case len(remaining) == 0 && (accepted > 0 || len(to) == 0):
		final = "sent"
	case len(remaining) == 0:
		final = "failed"
	case attempts >= s.o.MaxAttempts:
		final = "failed"
	}
	if final != "" {
		_, err = s.db.Exec(wctx, `UPDATE review_held SET state = ?, rcpt_to = ?, delivered_at = ?, lease_owner = '', lease_until = 0, next_attempt_at = NULL, last_error = ?
			WHERE id = ? AND lease_owner = ?`, final, string(rem), ms(now), errText, id, s.o.Instance)
	} else {
		_, err = s.db.Exec(wctx, `UPDATE review_held SET rcpt_to = ?, lease_owner = '', lease_until = 0, next_attempt_at = ?, last_error = ?
			WHERE id = ? AND lease_owner = ?`, string(rem), ms(now.Add(s.backoff(attempts))), errText, id, s.o.Instance)
	}
	if err != nil {
		return true, fmt.Errorf("review: record delivery of %d: %w", id, err)
	}
	switch final {
	case "sent":
		s.met.deliveries.WithLabelValues(deliverySent).Inc()
	case "failed":
		s.met.deliveries.WithLabelValues(deliveryFailed).Inc()
	default:
		s.met.deliveries.WithLabelValues(deliveryRetry).Inc()
	}
	if accepted > 0 {
		if _, err := s.db.Exec(wctx, `UPDATE review_tenants SET fb_sent = fb_sent + ? WHERE tenant_id = ?`, accepted, tenant); err != nil {
			return true, fmt.Errorf("review: count delivery: %w", err)
		}
	}
	if len(perm) > 0 || final == "failed" {
		if err := s.recordDeliveryFailure(wctx, id, tenant, caseID, errText, now); err != nil {
			return true, err
		}
	}
	s.log.InfoContext(ctx, "review: release delivery", "msg", queueID, "tenant", tenant, "accepted", accepted, "permanent", len(perm), "remaining", len(remaining), "state", final)
	return true, nil
}

func (s *Service) backoff(attempts int) time.Duration {
	d := s.o.RetryBase
	for i := 1; i < attempts && d < s.o.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.o.RetryMax)
}

// recordDeliveryFailure notes a permanent failure on the message's case.
func (s *Service) recordDeliveryFailure(ctx context.Context, heldID int64, tenant string, caseID sql.NullInt64, detail string, now time.Time) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		id := caseID.Int64
		if !caseID.Valid {
			// Probation mail has no case; the tenant's latest case (if any) gets it.
			if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM review_cases WHERE tenant_id = ?`, tenant).Scan(&id); err != nil {
				return err
			}
		}
		if id != 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO review_case_reasons (case_id, code, detail, weight, n, first_at, last_at) VALUES (?, 'delivery.failed', ?, 0, 1, ?, ?)
				ON CONFLICT (case_id, code) DO UPDATE SET n = review_case_reasons.n + 1, detail = excluded.detail, last_at = excluded.last_at`,
				id, truncate(detail, 500), ms(now), ms(now)); err != nil {
				return err
			}
		}
		subject := fmt.Sprintf("held:%d", heldID)
		if id != 0 {
			subject = fmt.Sprintf("case:%d", id)
		}
		return store.AuditTx(ctx, tx, store.AuditEntry{At: now, Actor: "system", Action: "review.delivery_failed", Subject: subject,
			Detail: map[string]any{"held": heldID, "tenant": tenant, "error": detail}})
	})
}

// ProposeRaises asks the Proposer for earned raises of clean tenants and
// opens a non-holding case for each; it returns the cases.
func (s *Service) ProposeRaises(ctx context.Context) ([]int64, error) {
	if s.o.Proposer == nil {
		return nil, nil
	}
	var cleanErr error
	ps, err := s.o.Proposer.ProposeEarnedRaises(ctx, func(tenantID string) bool {
		ok, err := s.Clean(ctx, tenantID)
		if err != nil && cleanErr == nil {
			cleanErr = err
		}
		return ok
	})
	if err != nil {
		return nil, fmt.Errorf("review: earned raises: %w", err)
	}
	if cleanErr != nil {
		return nil, cleanErr
	}
	var ids []int64
	for _, p := range ps {
		detail := fmt.Sprintf("earned raise %d → %d", p.CurrentLimit, p.ProposedLimit)
		if p.Reason != "" {
			detail += ": " + p.Reason
		}
		id, err := s.openCase(ctx, p.TenantID, caseReason{Code: CodeEarnedRaise, Detail: detail}, 0, false)
		if err != nil {
			return ids, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Clean reports whether review holds nothing against a tenant: active, no
// open case, not in a campaign, nothing held, a decayed mean score below
// SuspiciousScore, bounce and complaint rates below the review thresholds.
func (s *Service) Clean(ctx context.Context, tenantID string) (bool, error) {
	p, err := s.TenantPicture(ctx, tenantID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if p.Status != store.StatusActive || p.CampaignID != 0 || p.AvgScore >= s.o.SuspiciousScore {
		return false, nil
	}
	fb := p.BounceRate < s.o.BounceReviewRate && p.ComplaintRate < s.o.ComplaintReviewRate
	if !fb {
		return false, nil
	}
	var open, held int64
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM review_cases WHERE tenant_id = ? AND state = 'open'`, tenantID).Scan(&open); err != nil {
		return false, fmt.Errorf("review: clean: %w", err)
	}
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM review_held WHERE tenant_id = ? AND state = 'held'`, tenantID).Scan(&held); err != nil {
		return false, fmt.Errorf("review: clean: %w", err)
	}
	return open == 0 && held == 0, nil
}

// Housekeep drops bookkeeping older than Retention: fingerprints, samples,
// templates seen by fewer than TemplateMinTenants tenants, link-domain
// tenants, feedback events, and the bodies of settled held mail.
func (s *Service) Housekeep(ctx context.Context) error {
	cut := ms(s.now().Add(-s.o.Retention))
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM review_fps WHERE last_at < ?`, []any{cut}},
		{`DELETE FROM review_messages WHERE at < ?`, []any{cut}},
		{`DELETE FROM review_template_tenants WHERE template_id IN (SELECT id FROM review_templates WHERE approved = 0 AND tenants < ? AND last_at < ?)`, []any{s.o.TemplateMinTenants, cut}},
		{`DELETE FROM review_templates WHERE approved = 0 AND tenants < ? AND last_at < ?`, []any{s.o.TemplateMinTenants, cut}},
		{`DELETE FROM review_link_domain_tenants WHERE at < ?`, []any{cut}},
		{`DELETE FROM review_feedback WHERE received_at < ?`, []any{cut}},
		{`UPDATE review_held SET raw = NULL WHERE state IN ('sent', 'failed', 'discarded') AND held_at < ? AND raw IS NOT NULL`, []any{cut}},
	} {
		if _, err := s.db.Exec(ctx, q.sql, q.args...); err != nil {
			return fmt.Errorf("review: housekeeping: %w", err)
		}
	}
	return nil
}
