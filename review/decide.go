package review

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/scoring"
)

// DecisionRequest is a support decision on a case.
type DecisionRequest struct {
	Decision   string // "approve" or "reject"
	RaiseQuota bool   // approve only: one quota step up
	Note       string // why; recorded in the audit log
	Actor      string // who ("token:tok_x (support)", "console:alice")
}

// DecisionResult says what a decision did.
type DecisionResult struct {
	CaseID      int64
	TenantID    string
	Decision    string
	Messages    int64 // held messages released (approve) or discarded (reject)
	Learned     int   // messages taught to the classifier
	QuotaRaised bool
}

// Decide settles a case. approve: the tenant goes back to active, its held
// mail is queued for delivery, the classifier learns it as ham, and with
// RaiseQuota the quota goes one step up. reject: the tenant is suspended,
// its held mail discarded, the classifier learns it as spam.
//
// The case, the tenant's status (audited as tenant.status), its held mail and
// the review.decision audit row commit in one transaction, so the case's
// state and the tenant's status never disagree: of two concurrent decisions
// on one case exactly one commits, the other returns ErrConflict and changes
// nothing. Deciding a decided case again with the same decision changes
// nothing and returns no error (a retry). Template learning, the classifier
// and the quota raise follow the commit.
func (s *Service) Decide(ctx context.Context, caseID int64, req DecisionRequest) (DecisionResult, error) {
	return s.decide(ctx, caseID, req, scopeSingle)
}

// decide is Decide; scope labels the decision in outpost_review_decisions_total.
func (s *Service) decide(ctx context.Context, caseID int64, req DecisionRequest, scope string) (DecisionResult, error) {
	res := DecisionResult{CaseID: caseID, Decision: req.Decision}
	if req.Actor == "" {
		return res, fmt.Errorf("review: a decision needs an actor: %w", ErrInvalid)
	}
	var state, status string
	switch req.Decision {
	case "approve":
		state, status = CaseApproved, store.StatusActive
	case "reject":
		state, status = CaseRejected, store.StatusSuspended
		if req.RaiseQuota {
			return res, fmt.Errorf("review: raise_quota only goes with approve: %w", ErrInvalid)
		}
	default:
		return res, fmt.Errorf("review: unknown decision %q: %w", req.Decision, ErrInvalid)
	}
	c, err := s.Case(ctx, caseID)
	if err != nil {
		return res, err
	}
	res.TenantID = c.TenantID
	if c.State != CaseOpen && c.State != state {
		return res, fmt.Errorf("review: case %d is already %s: %w", caseID, c.State, ErrConflict)
	}
	if c.State == state {
		return res, nil // a retry: the decision committed whole, status included
	}
	why := fmt.Sprintf("case %d %s", caseID, state)
	if req.Note != "" {
		why += ": " + req.Note
	}
	now := s.now()
	type sample struct {
		id    int64
		raw   []byte
		fp    int64
		score float64
	}
	var learn []sample
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE review_cases SET state = ?, decision = ?, decided_by = ?, decision_note = ?, closed_at = ?, updated_at = ?
			WHERE id = ? AND state = 'open'`, state, req.Decision, req.Actor, req.Note, ms(now), ms(now), caseID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("review: case %d was decided meanwhile: %w", caseID, ErrConflict)
		}
		// The case row is now ours until commit (PostgreSQL row lock, SQLite
		// write lock): a concurrent decision on it waits, then finds it decided.
		if err := setTenantStatusTx(ctx, tx, c.TenantID, "", status, req.Actor, why, now); err != nil {
			return err
		}
		{
			rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT id, raw, fp, score FROM review_held WHERE tenant_id = ? AND state = 'held' ORDER BY id LIMIT %d`, s.o.LearnLimit), c.TenantID)
			if err != nil {
				return err
			}
			for rows.Next() {
				var x sample
				if err := rows.Scan(&x.id, &x.raw, &x.fp, &x.score); err != nil {
					rows.Close()
					return err
				}
				learn = append(learn, x)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		if req.Decision == "approve" {
			r, err = tx.Exec(ctx, `UPDATE review_held SET state = 'queued', release_at = NULL, next_attempt_at = ?, decided_at = ?, decided_by = ?
				WHERE tenant_id = ? AND state = 'held'`, ms(now), ms(now), req.Actor, c.TenantID)
			if err == nil {
				// Support vouched for this tenant: its mail no longer joins the campaign.
				_, err = tx.Exec(ctx, `UPDATE review_tenants SET campaign_id = NULL WHERE tenant_id = ?`, c.TenantID)
			}
			if err == nil {
				_, err = tx.Exec(ctx, `UPDATE review_fps SET campaign_id = NULL WHERE tenant_id = ?`, c.TenantID)
			}
		} else {
			r, err = tx.Exec(ctx, `UPDATE review_held SET state = 'discarded', release_at = NULL, decided_at = ?, decided_by = ?
				WHERE tenant_id = ? AND state = 'held'`, ms(now), req.Actor, c.TenantID)
		}
		if err != nil {
			return err
		}
		res.Messages, _ = r.RowsAffected()
		return store.AuditTx(ctx, tx, store.AuditEntry{At: now, Actor: req.Actor, Action: "review.decision", Subject: fmt.Sprintf("case:%d", caseID),
			Detail: map[string]any{"tenant": c.TenantID, "decision": req.Decision, "raise_quota": req.RaiseQuota, "note": req.Note,
				"messages": res.Messages, "campaign": c.CampaignID}})
	})
	if err != nil {
		return res, fmt.Errorf("review: decide case %d: %w", caseID, err)
	}
	s.met.decided(req.Decision, scope)
	for _, x := range learn {
		if req.Decision == "approve" && x.fp != 0 {
			// Support read it and vouched for it: template evidence.
			if err := s.learnTemplate(ctx, s.db, c.TenantID, scoring.Fingerprint(x.fp), x.score, now); err != nil {
				return res, err
			}
		}
		if s.o.Learner == nil {
			continue
		}
		if err := s.o.Learner.Learn(x.raw, req.Decision == "reject"); err != nil {
			s.log.WarnContext(ctx, "review: learn", "case", caseID, "held", x.id, "err", err)
			continue
		}
		res.Learned++
	}
	if req.RaiseQuota && s.o.Quotas != nil {
		if err := s.o.Quotas.Raise(ctx, c.TenantID, req.Actor, why); err != nil {
			return res, fmt.Errorf("review: case %d approved, but the quota raise failed: %w", caseID, err)
		}
		res.QuotaRaised = true
	}
	s.log.InfoContext(ctx, "review: decided", "case", caseID, "tenant", c.TenantID, "decision", req.Decision, "actor", req.Actor, "messages", res.Messages)
	return res, nil
}

// DecideCampaign settles every open case of a campaign with one decision.
// approve also dismisses the campaign and teaches its content as an approved
// template; reject confirms it.
func (s *Service) DecideCampaign(ctx context.Context, campaignID int64, req DecisionRequest) ([]DecisionResult, error) {
	cp, err := s.Campaign(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	if req.Decision != "approve" && req.Decision != "reject" {
		return nil, fmt.Errorf("review: unknown decision %q: %w", req.Decision, ErrInvalid)
	}
	var out []DecisionResult
	for {
		cases, _, err := s.ListCases(ctx, CaseFilter{State: CaseOpen, CampaignID: campaignID, Limit: 100})
		if err != nil {
			return out, err
		}
		if len(cases) == 0 {
			break
		}
		for _, c := range cases {
			r, err := s.decide(ctx, c.ID, req, scopeCampaign)
			if err != nil && !errors.Is(err, ErrConflict) {
				return out, err
			}
			out = append(out, r)
		}
	}
	now := s.now()
	state := "confirmed"
	if req.Decision == "approve" {
		state = "dismissed"
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE review_campaigns SET state = ?, updated_at = ? WHERE id = ?`, state, ms(now), campaignID); err != nil {
			return err
		}
		if state == "dismissed" {
			for _, q := range []string{`UPDATE review_fps SET campaign_id = NULL WHERE campaign_id = ?`,
				`UPDATE review_tenants SET campaign_id = NULL WHERE campaign_id = ?`,
				`UPDATE review_link_domains SET campaign_id = NULL, established = 1 WHERE campaign_id = ?`} {
				if _, err := tx.Exec(ctx, q, campaignID); err != nil {
					return err
				}
			}
			if cp.Fingerprint != 0 {
				if err := approveTemplateTx(ctx, tx, cp.Fingerprint, now); err != nil {
					return err
				}
			}
		}
		return store.AuditTx(ctx, tx, store.AuditEntry{At: now, Actor: req.Actor, Action: "review.campaign_decision",
			Subject: fmt.Sprintf("campaign:%d", campaignID), Detail: map[string]any{"decision": req.Decision, "state": state, "note": req.Note, "cases": len(out)}})
	})
	if err != nil {
		return out, fmt.Errorf("review: campaign %d: %w", campaignID, err)
	}
	return out, nil
}

// ApproveTemplate marks content as a platform template (support approved
// it): young tenants' copies of it no longer form a campaign on similarity
// alone.
func (s *Service) ApproveTemplate(ctx context.Context, fp scoring.Fingerprint, actor, note string) error {
	if fp == 0 || actor == "" {
		return fmt.Errorf("review: approve template needs a fingerprint and an actor: %w", ErrInvalid)
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := approveTemplateTx(ctx, tx, fp, now); err != nil {
			return err
		}
		return store.AuditTx(ctx, tx, store.AuditEntry{At: now, Actor: actor, Action: "review.template_approve", Subject: "template:" + fp.String(),
			Detail: map[string]any{"note": note}})
	})
}

func approveTemplateTx(ctx context.Context, tx *store.Tx, fp scoring.Fingerprint, now interface{ UnixMilli() int64 }) error {
	b := bands(fp)
	_, err := tx.Exec(ctx, `INSERT INTO review_templates (fp, b0, b1, b2, b3, approved, first_at, last_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
		int64(fp), b[0], b[1], b[2], b[3], now.UnixMilli(), now.UnixMilli())
	return err
}

// ReleaseMessage queues one held message for delivery.
func (s *Service) ReleaseMessage(ctx context.Context, heldID int64, actor, note string) error {
	return s.settleMessage(ctx, heldID, actor, note, "queued", false)
}

// DiscardMessage drops one held message; with spam the classifier learns it.
func (s *Service) DiscardMessage(ctx context.Context, heldID int64, actor, note string, spam bool) error {
	return s.settleMessage(ctx, heldID, actor, note, "discarded", spam)
}

func (s *Service) settleMessage(ctx context.Context, heldID int64, actor, note, state string, spam bool) error {
	if actor == "" {
		return fmt.Errorf("review: needs an actor: %w", ErrInvalid)
	}
	now := s.now()
	var raw []byte
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var tenant, cur string
		err := tx.QueryRow(ctx, `SELECT tenant_id, state, raw FROM review_held WHERE id = ?`, heldID).Scan(&tenant, &cur, &raw)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("review: held message %d: %w", heldID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if cur != "held" {
			return fmt.Errorf("review: held message %d is %s: %w", heldID, cur, ErrConflict)
		}
		var next any
		if state == "queued" {
			next = ms(now)
		}
		if _, err := tx.Exec(ctx, `UPDATE review_held SET state = ?, release_at = NULL, next_attempt_at = ?, decided_at = ?, decided_by = ? WHERE id = ? AND state = 'held'`,
			state, next, ms(now), actor, heldID); err != nil {
			return err
		}
		action := "review.message_release"
		if state == "discarded" {
			action = "review.message_discard"
		}
		return store.AuditTx(ctx, tx, store.AuditEntry{At: now, Actor: actor, Action: action, Subject: fmt.Sprintf("held:%d", heldID),
			Detail: map[string]any{"tenant": tenant, "note": note, "spam": spam}})
	})
	if err != nil {
		return err
	}
	if state == "queued" {
		s.met.decided("approve", scopeMessage)
	} else {
		s.met.decided("reject", scopeMessage)
	}
	if spam && s.o.Learner != nil {
		if err := s.o.Learner.Learn(raw, true); err != nil {
			s.log.WarnContext(ctx, "review: learn", "held", heldID, "err", err)
		}
	}
	return nil
}

// setTenantStatusTx sets a tenant's status to to inside tx and audits the
// change there (tenant.status, as store.SetTenantStatus does on its own), so
// the status commits or rolls back with what caused it. With from set, only a
// tenant whose status is from changes (Hold puts only an active tenant under
// review). On PostgreSQL the tenant row stays locked until tx ends.
func setTenantStatusTx(ctx context.Context, tx *store.Tx, tenantID, from, to, actor, reason string, now time.Time) error {
	q := `SELECT status FROM tenants WHERE id = ?`
	if tx.Dialect == store.Postgres {
		q += ` FOR UPDATE`
	}
	var old string
	err := tx.QueryRow(ctx, q, tenantID).Scan(&old)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("review: tenant %q: %w", tenantID, ErrNotFound)
	}
	if err != nil || old == to || (from != "" && old != from) {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE tenants SET status = ?, updated_at = ? WHERE id = ?`, to, ms(now), tenantID); err != nil {
		return err
	}
	return store.AuditTx(ctx, tx, store.AuditEntry{At: now, Actor: actor, Action: "tenant.status", Subject: "tenant:" + tenantID,
		Detail: map[string]any{"old": old, "new": to, "reason": reason}})
}
