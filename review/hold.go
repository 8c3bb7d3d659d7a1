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
)

// Test hooks, nil outside tests. afterHoldTx runs after Hold's (and
// openCase's) transaction has committed; afterCaseLookup runs inside
// openCaseTx's transaction, after it found the tenant's open case and before
// it extends it.
var (
	afterHoldTx     func(tenantID string)
	afterCaseLookup func(tenantID string, caseID int64)
)

// caseReason is one reason a case is open.
type caseReason struct {
	Code   string
	Detail string
	Weight float64
}

// Hold stores m durably with the decision's reason. Probation holds wait for
// the release worker; every other hold opens (or extends) the tenant's case.
// The case holds the tenant's mail (status review) except for a content hold
// of a tenant with a clean history below the strike limit (see
// contentFreeze): then only this message waits for support. When the tenant's held mail would exceed
// HeldMaxCount or HeldMaxBytes it returns a *TemporaryError wrapping
// ErrHeldCap, and the relay answers 4xx.
func (s *Service) Hold(ctx context.Context, m *Message, d Decision) error {
	now := s.now()
	received := m.Received
	if received.IsZero() {
		received = now
	}
	rcpts, err := json.Marshal(m.To)
	if err != nil {
		return fmt.Errorf("review: hold: %w", err)
	}
	signals, err := json.Marshal(m.Score.Signals)
	if err != nil {
		return fmt.Errorf("review: hold: %w", err)
	}
	var releaseAt any
	probation := d.Code == CodeProbation
	if probation {
		releaseAt = ms(now.Add(s.o.ProbationDelay))
	}
	var caseID int64
	var created bool
	holding, why := !probation, ""
	if d.Code == CodeContentHold {
		if holding, why, err = s.contentFreeze(ctx, m.TenantID, now, false); err != nil {
			return err
		}
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var n, size int64
		if err := tx.QueryRow(ctx, `SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM review_held WHERE tenant_id = ? AND state = 'held'`,
			m.TenantID).Scan(&n, &size); err != nil {
			return err
		}
		if n+1 > int64(s.o.HeldMaxCount) || size+int64(len(m.Raw)) > s.o.HeldMaxBytes {
			return &TemporaryError{Msg: fmt.Sprintf("tenant %s holds %d messages (%d bytes)", m.TenantID, n, size), Err: ErrHeldCap}
		}
		if !probation {
			var campaign int64
			_ = tx.QueryRow(ctx, `SELECT COALESCE(campaign_id, 0) FROM review_tenants WHERE tenant_id = ?`, m.TenantID).Scan(&campaign)
			var err error
			detail := topSignals(m.Score)
			if why != "" {
				detail += "; " + why
			}
			caseID, created, err = s.openCaseTx(ctx, tx, m.TenantID, caseReason{Code: d.Code, Detail: detail, Weight: m.Score.Score}, campaign, holding, now)
			if err != nil {
				return err
			}
		}
		var caseArg any
		if caseID != 0 {
			caseArg = caseID
		}
		_, err := tx.Exec(ctx, `INSERT INTO review_held (queue_id, tenant_id, case_id, mail_from, rcpt_to, rcpt_count, raw, size, message_id, remote_ip,
			subject, score, verdict, signals, fp, code, reason, state, received_at, held_at, release_at, link_domains)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'held', ?, ?, ?, ?)`,
			m.QueueID, m.TenantID, caseArg, m.From, string(rcpts), len(m.To), m.Raw, len(m.Raw), m.MessageID, m.RemoteIP,
			truncate(m.Score.Subject, 300), m.Score.Score, string(m.Score.Verdict), string(signals), int64(m.Score.Fingerprint),
			d.Code, d.Reason, ms(received), ms(now), releaseAt, strings.Join(trackedLinks(m.Score.LinkDomains), " "))
		if store.IsUniqueViolation(err) {
			return fmt.Errorf("review: message %s already held: %w", m.QueueID, ErrConflict)
		}
		return err
	})
	if err != nil {
		var te *TemporaryError
		if errors.As(err, &te) {
			if errors.Is(err, ErrHeldCap) {
				s.met.heldCap.Inc()
			}
			return err
		}
		return fmt.Errorf("review: hold %s: %w", m.QueueID, err)
	}
	if created {
		s.met.caseOpened(d.Code)
	}
	if afterHoldTx != nil {
		afterHoldTx(m.TenantID)
	}
	s.log.InfoContext(ctx, "review: held", "tenant", m.TenantID, "msg", m.QueueID, "code", d.Code, "case", caseID, "new_case", created, "holding", holding, "why", why)
	return nil
}

// contentFreeze decides whether a content hold (or, with reject, a content
// reject) puts the tenant's mail on hold. Strikes within ContentStrikeWindow
// (a hold 1, a reject 2, this message included) reaching
// ContentStrikesToFreeze always do. Below that a reject does not (its message
// is refused anyway), and a hold does unless the tenant has a clean history:
// established (paid, or older than EstablishedAge), active, in no campaign,
// more than TrustMinMessages earlier messages with a decayed mean score
// below SuspiciousScore, bounce and complaint rates below the review
// thresholds. why explains the outcome for the case.
func (s *Service) contentFreeze(ctx context.Context, tenantID string, now time.Time, reject bool) (bool, string, error) {
	var holds, rejects int64
	if err := s.db.QueryRow(ctx, `SELECT COUNT(CASE WHEN code = ? THEN 1 END), COUNT(CASE WHEN code = ? THEN 1 END) FROM review_messages
		WHERE tenant_id = ? AND at >= ? AND code IN (?, ?)`, CodeContentHold, CodeContentReject,
		tenantID, ms(now.Add(-s.o.ContentStrikeWindow)), CodeContentHold, CodeContentReject).Scan(&holds, &rejects); err != nil {
		return true, "", fmt.Errorf("review: content strikes: %w", err)
	}
	strikes := holds + 2*rejects
	counted := fmt.Sprintf("%d content holds and %d rejects within %v", holds, rejects, s.o.ContentStrikeWindow)
	if strikes >= int64(s.o.ContentStrikesToFreeze) {
		return true, counted + ": the tenant's mail is held", nil
	}
	if reject {
		return false, "", nil
	}
	t, err := s.db.Tenant(ctx, tenantID)
	if err != nil {
		return true, "", fmt.Errorf("review: tenant: %w", err)
	}
	tr, err := s.loadTenantRow(ctx, s.db, tenantID)
	if errors.Is(err, ErrNotFound) {
		return true, "no clean history (no message assessed yet): the tenant's mail is held", nil
	}
	if err != nil {
		return true, "", fmt.Errorf("review: tenant: %w", err)
	}
	mean := 0.0
	if tr.ScoreW > 0 {
		mean = tr.ScoreSum / tr.ScoreW
	}
	bRate, cRate := rates(tr.FbSent, tr.FbBounces, tr.FbComplaints, s.o.FeedbackMinVolume)
	var not string
	switch {
	case t.Status != store.StatusActive:
		not = "tenant not active"
	case t.Plan == s.o.TrialPlan && now.Sub(t.CreatedAt) < s.o.EstablishedAge:
		not = "trial tenant younger than " + s.o.EstablishedAge.String()
	case tr.CampaignID.Valid:
		not = "tenant in a campaign"
	case tr.Messages-1 < int64(s.o.TrustMinMessages):
		not = fmt.Sprintf("%d earlier messages", max(0, tr.Messages-1))
	case mean >= s.o.SuspiciousScore:
		not = fmt.Sprintf("mean score %.1f", mean)
	case bRate >= s.o.BounceReviewRate || cRate >= s.o.ComplaintReviewRate:
		not = fmt.Sprintf("bounce rate %.1f%%, complaint rate %.2f%%", bRate*100, cRate*100)
	}
	if not != "" {
		return true, "no clean history (" + not + "): the tenant's mail is held", nil
	}
	return false, fmt.Sprintf("established tenant with a clean history (mean score %.1f over %d messages), %s: only this message is held",
		mean, tr.Messages, counted), nil
}

// openCase opens or extends the tenant's case in a transaction of its own
// (see openCaseTx); holding cases put the tenant under review.
func (s *Service) openCase(ctx context.Context, tenantID string, r caseReason, campaignID int64, holding bool) (int64, error) {
	var id int64
	var created bool
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		id, created, err = s.openCaseTx(ctx, tx, tenantID, r, campaignID, holding, s.now())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("review: open case for %s: %w", tenantID, err)
	}
	if created {
		s.met.caseOpened(r.Code)
	}
	if afterHoldTx != nil {
		afterHoldTx(tenantID)
	}
	return id, nil
}

func (s *Service) openCaseTx(ctx context.Context, tx *store.Tx, tenantID string, r caseReason, campaignID int64, holding bool, now time.Time) (int64, bool, error) {
	var risk float64
	if err := tx.QueryRow(ctx, `SELECT risk FROM review_tenants WHERE tenant_id = ?`, tenantID).Scan(&risk); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, false, err
	}
	prio := int(risk)
	if campaignID != 0 {
		prio = max(prio, 70)
	}
	var campaign any
	if campaignID != 0 {
		campaign = campaignID
	}
	hold := 0
	if holding {
		hold = 1
	}
	var id int64
	created := false
	for attempt := 1; ; attempt++ {
		err := tx.QueryRow(ctx, `INSERT INTO review_cases (tenant_id, state, priority, holding, campaign_id, opened_at, updated_at)
			VALUES (?, 'open', ?, ?, ?, ?, ?) ON CONFLICT (tenant_id) WHERE state = 'open' DO NOTHING RETURNING id`,
			tenantID, prio, hold, campaign, ms(now), ms(now)).Scan(&id)
		if err == nil {
			created = true
			if err := store.AuditTx(ctx, tx, store.AuditEntry{At: now, Actor: "system", Action: "review.case_open", Subject: fmt.Sprintf("case:%d", id),
				Detail: map[string]any{"tenant": tenantID, "reason": r.Code, "detail": r.Detail, "holding": holding}}); err != nil {
				return 0, false, err
			}
			break
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, false, err
		}
		// The tenant has an open case: extend it. The UPDATE takes the case
		// row (PostgreSQL row lock, as Decide's UPDATE does; SQLite's write
		// lock is ours since BEGIN) and re-checks that the case is still
		// open: a decision that committed since the lookup must not get this
		// reason, nor this message, which would then stay held for ever.
		// Then the case is gone and the next round opens a new one.
		err = tx.QueryRow(ctx, `SELECT id FROM review_cases WHERE tenant_id = ? AND state = 'open'`, tenantID).Scan(&id)
		if err == nil {
			if afterCaseLookup != nil {
				afterCaseLookup(tenantID, id)
			}
			var res sql.Result
			res, err = tx.Exec(ctx, `UPDATE review_cases SET priority = CASE WHEN priority < ? THEN ? ELSE priority END,
				holding = CASE WHEN holding < ? THEN ? ELSE holding END, campaign_id = COALESCE(campaign_id, ?), updated_at = ? WHERE id = ? AND state = 'open'`,
				prio, prio, hold, hold, campaign, ms(now), id)
			if err != nil {
				return 0, false, err
			}
			if n, err := res.RowsAffected(); err != nil {
				return 0, false, err
			} else if n == 1 {
				break
			}
		} else if !errors.Is(err, sql.ErrNoRows) {
			return 0, false, err
		}
		if attempt == 5 { // each round lost to a decision that committed
			return 0, false, fmt.Errorf("review: the open case of %s keeps being decided: %w", tenantID, ErrConflict)
		}
	}
	if holding {
		// With the case, so that a decision on it (which takes the case row,
		// then the tenant row, in this order too) comes wholly before or
		// after: an active tenant goes under review; a suspended one stays.
		if err := setTenantStatusTx(ctx, tx, tenantID, store.StatusActive, store.StatusReview, "system", "review case opened: "+r.Code, now); err != nil {
			return 0, false, err
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO review_case_reasons (case_id, code, detail, weight, n, first_at, last_at) VALUES (?, ?, ?, ?, 1, ?, ?)
		ON CONFLICT (case_id, code) DO UPDATE SET n = review_case_reasons.n + 1, last_at = excluded.last_at, detail = excluded.detail,
		weight = CASE WHEN review_case_reasons.weight < excluded.weight THEN excluded.weight ELSE review_case_reasons.weight END`,
		id, r.Code, truncate(r.Detail, 500), r.Weight, ms(now), ms(now)); err != nil {
		return 0, false, err
	}
	if holding {
		// Probation mail waiting for release now waits for the decision.
		if _, err := tx.Exec(ctx, `UPDATE review_held SET case_id = ?, release_at = NULL WHERE tenant_id = ? AND state = 'held' AND case_id IS NULL`, id, tenantID); err != nil {
			return 0, false, err
		}
	}
	return id, created, nil
}

// RequestRaise opens (or extends) a tenant's case for a quota-raise request
// (from the tenant, via the API) or an earned-raise proposal (from quota).
// Such cases do not hold the tenant's mail.
func (s *Service) RequestRaise(ctx context.Context, tenantID string, earned bool, detail string) (int64, error) {
	code := CodeRaiseRequest
	if earned {
		code = CodeEarnedRaise
	}
	if _, err := s.db.Tenant(ctx, tenantID); err != nil {
		return 0, fmt.Errorf("review: raise request: %w", err)
	}
	return s.openCase(ctx, tenantID, caseReason{Code: code, Detail: strings.TrimSpace(detail)}, 0, false)
}
