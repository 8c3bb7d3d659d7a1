package review

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/scoring"
)

// tenantRow is review's running picture of a tenant (review_tenants).
type tenantRow struct {
	ID            string
	Plan          string
	CreatedAt     time.Time
	Network       string
	ContactDomain string
	Country       string
	PaymentFP     string
	BudgetID      string
	Messages      int64
	ScoreSum      float64
	ScoreW        float64
	MaxScore      float64
	Vel           float64
	DecayAt       int64
	FbSent        float64
	FbBounces     float64
	FbComplaints  float64
	FbAt          int64
	CampaignID    sql.NullInt64
	Risk          float64
}

const tenantRowCols = `tenant_id, plan, created_at, network, contact_domain, country, payment_fp, budget_id, messages,
	score_sum, score_w, max_score, vel, decay_at, fb_sent, fb_bounces, fb_complaints, fb_at, campaign_id, risk`

func scanTenantRow(sc interface{ Scan(...any) error }) (tenantRow, error) {
	var r tenantRow
	var created int64
	err := sc.Scan(&r.ID, &r.Plan, &created, &r.Network, &r.ContactDomain, &r.Country, &r.PaymentFP, &r.BudgetID, &r.Messages,
		&r.ScoreSum, &r.ScoreW, &r.MaxScore, &r.Vel, &r.DecayAt, &r.FbSent, &r.FbBounces, &r.FbComplaints, &r.FbAt, &r.CampaignID, &r.Risk)
	r.CreatedAt = store.FromMillis(created)
	return r, err
}

type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	Exec(ctx context.Context, q string, args ...any) (sql.Result, error)
}

var (
	_ querier = (*store.DB)(nil)
	_ querier = (*store.Tx)(nil)
)

func (s *Service) loadTenantRow(ctx context.Context, q querier, id string) (tenantRow, error) {
	r, err := scanTenantRow(q.QueryRow(ctx, `SELECT `+tenantRowCols+` FROM review_tenants WHERE tenant_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// ensureTenant returns the tenant's review row, creating it (and linking the
// tenant to look-alike trial tenants) on first sight.
func (s *Service) ensureTenant(ctx context.Context, t store.Tenant, now time.Time) (tenantRow, error) {
	r, err := s.loadTenantRow(ctx, s.db, t.ID)
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return r, fmt.Errorf("review: tenant %s: %w", t.ID, err)
	}
	_, err = s.db.Exec(ctx, `INSERT INTO review_tenants (tenant_id, plan, created_at, network, contact_domain, country, decay_at, fb_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id) DO NOTHING`,
		t.ID, t.Plan, ms(t.CreatedAt), network(t.Signup.IP), s.contactDomain(t.Signup.Email), t.Signup.Country, ms(now), ms(now))
	if err != nil {
		return r, fmt.Errorf("review: register tenant %s: %w", t.ID, err)
	}
	if t.Plan == s.o.TrialPlan && now.Sub(t.CreatedAt) < s.o.LinkWindowForTenants {
		if err := s.linkTenant(ctx, t.ID, now); err != nil {
			s.log.WarnContext(ctx, "review: link tenant", "tenant", t.ID, "err", err)
		}
	}
	r, err = s.loadTenantRow(ctx, s.db, t.ID)
	if err != nil {
		return r, fmt.Errorf("review: tenant %s: %w", t.ID, err)
	}
	return r, nil
}

// RegisterTenant records a tenant's signup traits before its first message
// (the API may call it on creation) and links it to trial tenants that share
// them. paymentFP is an optional payment-method fingerprint from billing.
func (s *Service) RegisterTenant(ctx context.Context, tenantID, paymentFP string) error {
	t, err := s.db.Tenant(ctx, tenantID)
	if err != nil {
		return fmt.Errorf("review: register tenant: %w", err)
	}
	now := s.now()
	if _, err := s.ensureTenant(ctx, t, now); err != nil {
		return err
	}
	if paymentFP == "" {
		return nil
	}
	if _, err := s.db.Exec(ctx, `UPDATE review_tenants SET payment_fp = ? WHERE tenant_id = ?`, paymentFP, tenantID); err != nil {
		return fmt.Errorf("review: payment fingerprint: %w", err)
	}
	if t.Plan == s.o.TrialPlan {
		return s.linkTenant(ctx, tenantID, now)
	}
	return nil
}

// linkTenant gives a trial tenant and the trial tenants that share a signup
// trait with it (network, contact domain, payment fingerprint), created
// within LinkWindowForTenants, one quota budget.
func (s *Service) linkTenant(ctx context.Context, tenantID string, now time.Time) error {
	me, err := s.loadTenantRow(ctx, s.db, tenantID)
	if err != nil {
		return err
	}
	if me.Network == "" && me.ContactDomain == "" && me.PaymentFP == "" {
		return nil
	}
	rows, err := s.db.Query(ctx, `SELECT tenant_id, budget_id FROM review_tenants
		WHERE tenant_id <> ? AND plan = ? AND created_at >= ?
		AND ((network <> '' AND network = ?) OR (contact_domain <> '' AND contact_domain = ?) OR (payment_fp <> '' AND payment_fp = ?))
		ORDER BY created_at, tenant_id LIMIT 200`,
		tenantID, s.o.TrialPlan, ms(now.Add(-s.o.LinkWindowForTenants)), me.Network, me.ContactDomain, me.PaymentFP)
	if err != nil {
		return fmt.Errorf("review: linked tenants: %w", err)
	}
	type peer struct{ id, budget string }
	var peers []peer
	for rows.Next() {
		var p peer
		if err := rows.Scan(&p.id, &p.budget); err != nil {
			rows.Close()
			return err
		}
		peers = append(peers, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(peers) == 0 {
		return nil
	}
	budget := me.BudgetID
	for _, p := range peers {
		if budget == "" && p.budget != "" {
			budget = p.budget
		}
	}
	if budget == "" {
		budget = "linked:" + peers[0].id
	}
	members := []string{tenantID}
	for _, p := range peers {
		if p.budget != budget {
			members = append(members, p.id)
		}
	}
	for _, id := range members {
		if s.o.Quotas != nil {
			if err := s.o.Quotas.SetBudget(ctx, id, budget); err != nil {
				return fmt.Errorf("review: set budget of %s: %w", id, err)
			}
		}
		if _, err := s.db.Exec(ctx, `UPDATE review_tenants SET budget_id = ? WHERE tenant_id = ?`, budget, id); err != nil {
			return fmt.Errorf("review: record budget: %w", err)
		}
	}
	s.log.InfoContext(ctx, "review: linked trial tenants share a budget", "tenant", tenantID, "budget", budget, "members", len(peers)+1)
	return s.db.Audit(ctx, store.AuditEntry{At: now, Actor: "system", Action: "review.link", Subject: "tenant:" + tenantID,
		Detail: map[string]any{"budget": budget, "tenants": members}})
}

// fpMatch is a stored young-tenant fingerprint near the message's.
type fpMatch struct {
	ID            int64
	TenantID      string
	FP            scoring.Fingerprint
	N             int64
	MaxScore      float64
	RcptKey       int64
	CampaignID    sql.NullInt64
	Network       string
	ContactDomain string
	// TenantCampaign is the campaign the sending tenant belongs to.
	TenantCampaign sql.NullInt64
}

func (s *Service) nearFingerprints(ctx context.Context, q querier, fp scoring.Fingerprint, since time.Time) ([]fpMatch, error) {
	cond, args := bandWhere("f.", fp, 1)
	rows, err := q.Query(ctx, `SELECT f.id, f.tenant_id, f.fp, f.n, f.max_score, f.rcpt_key, f.campaign_id, t.network, t.contact_domain, t.campaign_id
		FROM review_fps f JOIN review_tenants t ON t.tenant_id = f.tenant_id
		WHERE `+cond+` AND f.last_at >= ? LIMIT 5000`, append(args, ms(since))...)
	if err != nil {
		return nil, fmt.Errorf("review: fingerprint lookup: %w", err)
	}
	defer rows.Close()
	var out []fpMatch
	for rows.Next() {
		var m fpMatch
		var f int64
		if err := rows.Scan(&m.ID, &m.TenantID, &f, &m.N, &m.MaxScore, &m.RcptKey, &m.CampaignID, &m.Network, &m.ContactDomain, &m.TenantCampaign); err != nil {
			return nil, err
		}
		m.FP = scoring.Fingerprint(f)
		if distance(m.FP, fp) <= s.o.MaxDistance {
			out = append(out, m)
		}
	}
	return out, rows.Err()
}

// template is the nearest known template: content established tenants send
// (TemplateMinTenants of them) or support approved.
type template struct {
	ID       int64
	Tenants  int64
	Approved bool
	MaxScore float64
	LastAt   int64
	// Over every template row in reach: tenants (summed), any approved,
	// highest vouched-for score.
	Evidence         int64
	AnyApproved      bool
	EvidenceMaxScore float64
}

func (s *Service) nearTemplate(ctx context.Context, q querier, fp scoring.Fingerprint, wide bool) (template, bool, error) {
	radius, maxD := 1, s.o.MaxDistance
	if wide {
		radius, maxD = 2, s.o.TemplateWideDistance
	}
	cond, args := bandWhere("", fp, radius)
	rows, err := q.Query(ctx, `SELECT id, fp, tenants, approved, max_score, last_at FROM review_templates WHERE `+cond+` LIMIT 500`, args...)
	if err != nil {
		return template{}, false, fmt.Errorf("review: template lookup: %w", err)
	}
	defer rows.Close()
	// The nearest row is the one learnTemplate extends; evidence is summed
	// over every row in reach, since one template's copies (with their own
	// line items, names and amounts) spread over several nearby rows.
	var best template
	bestD, found := 65, false
	var tenants int64
	var approved bool
	var maxScore float64
	for rows.Next() {
		var t template
		var f int64
		var a int
		if err := rows.Scan(&t.ID, &f, &t.Tenants, &a, &t.MaxScore, &t.LastAt); err != nil {
			return template{}, false, err
		}
		t.Approved = a != 0
		d := distance(scoring.Fingerprint(f), fp)
		if d > maxD {
			continue
		}
		tenants += t.Tenants
		approved = approved || t.Approved
		maxScore = math.Max(maxScore, t.MaxScore)
		if !found || d < bestD {
			best, bestD, found = t, d, true
		}
	}
	if err := rows.Err(); err != nil {
		return template{}, false, err
	}
	best.Evidence, best.AnyApproved, best.EvidenceMaxScore = tenants, approved, maxScore
	return best, found, rows.Err()
}

func (t template) proven(min int) bool { return t.AnyApproved || t.Evidence >= int64(min) }

// templateCovers is the one template rule, shared by Assess (campaigns) and
// ReleaseDue (probation): content near a proven template is explained by it
// while it scores below max(SuspiciousScore, the highest vouched-for score in
// reach + TemplateScoreMargin) and links to no suspicious new domain. The
// 7-bit lookup comes first; when it does not explain the content and widen is
// set, the lookup widens to TemplateWideDistance, where a template's copies
// (own line items, names, amounts) spread. It widens even when the 7-bit
// lookup found a proven template: the rows in wider reach carry more evidence
// and may carry a higher vouched-for score.
func (s *Service) templateCovers(ctx context.Context, q querier, fp scoring.Fingerprint, score float64, newLink, widen bool) (bool, error) {
	if fp == 0 || newLink {
		return false, nil
	}
	covers := func(t template, ok bool) bool {
		return ok && t.proven(s.o.TemplateMinTenants) && score < math.Max(s.o.SuspiciousScore, t.EvidenceMaxScore+s.o.TemplateScoreMargin)
	}
	t, ok, err := s.nearTemplate(ctx, q, fp, false)
	if err != nil {
		return false, err
	}
	if covers(t, ok) || !widen {
		return covers(t, ok), nil
	}
	if t, ok, err = s.nearTemplate(ctx, q, fp, true); err != nil {
		return false, err
	}
	return covers(t, ok), nil
}

// learnTemplate counts a tenant vouched for (established and clean, or
// approved by support) as a sender of fp, a copy of which scored score.
func (s *Service) learnTemplate(ctx context.Context, q querier, tenantID string, fp scoring.Fingerprint, score float64, now time.Time) error {
	t, ok, err := s.nearTemplate(ctx, q, fp, false)
	if err != nil {
		return err
	}
	if !ok {
		b := bands(fp)
		err := q.QueryRow(ctx, `INSERT INTO review_templates (fp, b0, b1, b2, b3, max_score, first_at, last_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			int64(fp), b[0], b[1], b[2], b[3], score, ms(now), ms(now)).Scan(&t.ID)
		t.MaxScore = score
		if err != nil {
			return fmt.Errorf("review: new template: %w", err)
		}
	}
	res, err := q.Exec(ctx, `INSERT INTO review_template_tenants (template_id, tenant_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, t.ID, tenantID)
	if err != nil {
		return fmt.Errorf("review: template tenant: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 || score > t.MaxScore {
		_, err = q.Exec(ctx, `UPDATE review_templates SET tenants = tenants + ?, last_at = ?,
			max_score = CASE WHEN max_score < ? THEN ? ELSE max_score END WHERE id = ?`, n, ms(now), score, score, t.ID)
	} else if ms(now)-t.LastAt > int64(24*time.Hour/time.Millisecond) {
		_, err = q.Exec(ctx, `UPDATE review_templates SET last_at = ? WHERE id = ?`, ms(now), t.ID)
	}
	if err != nil {
		return fmt.Errorf("review: template count: %w", err)
	}
	return nil
}

// linkInfo is what review knows of one link domain.
type linkInfo struct {
	Domain       string
	FirstAt      int64
	YoungTenants int64
	Established  bool
	CampaignID   sql.NullInt64
}

func (s *Service) suspiciousLink(l linkInfo, now time.Time) bool {
	return !l.Established && now.Sub(store.FromMillis(l.FirstAt)) <= s.o.LinkWindow &&
		l.YoungTenants >= int64(s.o.LinkMinTenants)
}

// trackedLinks are the link domains review tracks for a message: the first
// 5, lower-cased.
func trackedLinks(domains []string) []string {
	var out []string
	for _, d := range domains {
		if d = strings.ToLower(d); d != "" && len(out) < 5 {
			out = append(out, d)
		}
	}
	return out
}

// trackLinks records the message's link domains (at most 5).
func (s *Service) trackLinks(ctx context.Context, q querier, tenantID string, domains []string, young bool, now time.Time) ([]linkInfo, error) {
	var out []linkInfo
	for _, d := range trackedLinks(domains) {
		if !young {
			if _, err := q.Exec(ctx, `INSERT INTO review_link_domains (domain, first_at, last_at, established) VALUES (?, ?, ?, 1)
				ON CONFLICT (domain) DO UPDATE SET established = 1 WHERE review_link_domains.established = 0`, d, ms(now), ms(now)); err != nil {
				return nil, fmt.Errorf("review: link domain: %w", err)
			}
			continue
		}
		res, err := q.Exec(ctx, `INSERT INTO review_link_domain_tenants (domain, tenant_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, d, tenantID, ms(now))
		if err != nil {
			return nil, fmt.Errorf("review: link domain tenant: %w", err)
		}
		var l linkInfo
		var est int
		var row *sql.Row
		if n, _ := res.RowsAffected(); n > 0 {
			row = q.QueryRow(ctx, `INSERT INTO review_link_domains (domain, first_at, last_at, young_tenants) VALUES (?, ?, ?, 1)
				ON CONFLICT (domain) DO UPDATE SET young_tenants = review_link_domains.young_tenants + 1, last_at = excluded.last_at
				RETURNING domain, first_at, young_tenants, established, campaign_id`, d, ms(now), ms(now))
		} else {
			row = q.QueryRow(ctx, `SELECT domain, first_at, young_tenants, established, campaign_id FROM review_link_domains WHERE domain = ?`, d)
		}
		if err := row.Scan(&l.Domain, &l.FirstAt, &l.YoungTenants, &est, &l.CampaignID); err != nil {
			return nil, fmt.Errorf("review: link domain: %w", err)
		}
		l.Established = est != 0
		out = append(out, l)
	}
	return out, nil
}

// Assess does review's bookkeeping for one scored message (tenant risk,
// fingerprints, templates, link and recipient domains, velocity) and decides
// relay, hold or reject. A Hold decision is followed by a call to Hold.
func (s *Service) Assess(ctx context.Context, m *Message) (Decision, error) {
	now := s.now()
	t, err := s.db.Tenant(ctx, m.TenantID)
	if err != nil {
		return Decision{}, fmt.Errorf("review: assess: %w", err)
	}
	if t.Status == store.StatusSuspended {
		d := Decision{Action: Reject, Code: CodeSuspended, Reason: "sending is suspended for this account; contact support"}
		s.met.assessedOne(d)
		return d, nil
	}
	tr, err := s.ensureTenant(ctx, t, now)
	if err != nil {
		return Decision{}, err
	}
	tr.Plan = t.Plan // the platform may have changed it (trial → paid)
	age := now.Sub(t.CreatedAt)
	trial := t.Plan == s.o.TrialPlan
	young := trial && age < s.o.YoungAge
	established := !trial || age >= s.o.EstablishedAge
	fp := m.Score.Fingerprint
	score := m.Score.Score

	// Campaigns and templates.
	var campaignID int64
	var campaignReason string
	var formKind, formDomain string
	var formFPs []int64
	var formTenants []string
	var ownFP *fpMatch
	templateClean := false
	probation := trial && age < s.o.ProbationAge && tr.Messages < int64(s.o.ProbationMessages)
	skipProbation := false
	if probation {
		if skipProbation, err = s.verifiedOnly(ctx, m); err != nil {
			return Decision{}, err
		}
	}

	// Bookkeeping and the decision commit together (one round of writes).
	var d Decision
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if tx.Dialect == store.Postgres {
			// Bookkeeping, not mail: see "Durability of the bookkeeping"
			// in doc.go.
			if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit TO OFF`); err != nil {
				return err
			}
		}
		if fp != 0 && young {
			matches, err := s.nearFingerprints(ctx, tx, fp, now.Add(-s.o.CampaignWindow))
			if err != nil {
				return err
			}
			lookalikes := slices.ContainsFunc(matches, func(x fpMatch) bool { return x.TenantID != m.TenantID })
			others := map[string]bool{}
			maxScore, boost, why := score, false, []string{}
			newLink := false
			rk := rcptKey(m.To)
			var otherIDs []int64
			for i := range matches {
				x := &matches[i]
				if x.TenantID == m.TenantID {
					if ownFP == nil || distance(x.FP, fp) < distance(ownFP.FP, fp) {
						ownFP = x
					}
					continue
				}
				if x.CampaignID.Valid && campaignID == 0 {
					campaignID = x.CampaignID.Int64
				}
				if x.TenantCampaign.Valid && campaignID == 0 {
					campaignID = x.TenantCampaign.Int64
				}
				others[x.TenantID] = true
				otherIDs = append(otherIDs, x.ID)
				maxScore = math.Max(maxScore, x.MaxScore)
				if x.Network != "" && x.Network == tr.Network {
					boost, why = true, append(why, "shared signup network")
				}
				if x.ContactDomain != "" && x.ContactDomain == tr.ContactDomain {
					boost, why = true, append(why, "shared contact domain")
				}
				if rk != 0 && x.RcptKey == rk {
					boost, why = true, append(why, "shared recipients")
				}
			}
			if maxScore >= s.o.SuspiciousScore {
				boost, why = true, append(why, fmt.Sprintf("content score up to %.1f", maxScore))
			}
			// Links are tracked first so a new link domain can corroborate.
			links, err := s.trackLinks(ctx, tx, m.TenantID, m.Score.LinkDomains, true, now)
			if err != nil {
				return err
			}
			for _, l := range links {
				if s.suspiciousLink(l, now) {
					newLink = true
					boost, why = true, append(why, fmt.Sprintf("new link domain %s in mail from %d young tenants", l.Domain, l.YoungTenants))
					if l.CampaignID.Valid && campaignID == 0 && score >= s.o.SuspiciousScore {
						campaignID = l.CampaignID.Int64
					}
					if campaignID == 0 && formKind == "" && score >= s.o.SuspiciousScore {
						formKind, formDomain = "link", l.Domain
					}
				}
			}
			n := len(others) + 1
			need := s.o.CampaignMinTenants
			switch {
			case boost:
				need = s.o.CampaignMinTenantsBoost
			case maxScore < s.o.CleanScore:
				need = s.o.CampaignMinTenantsClean
			}
			// A template's copy is clean when it scores no worse than the copies
			// vouched-for tenants sent (or below SuspiciousScore) and links to
			// no suspicious new domain. With look-alikes the lookup widens to
			// where a template's copies spread.
			// A probation copy the scorer alone would hold is looked up as
			// wide, so Assess and ReleaseDue judge it alike.
			holdOnProbation := m.Score.Verdict == scoring.Hold && probation && !skipProbation
			templateClean, err = s.templateCovers(ctx, tx, fp, maxScore, newLink, lookalikes || holdOnProbation)
			if err != nil {
				return err
			}
			switch {
			case templateClean:
				campaignID, formKind = 0, ""
			case campaignID != 0:
				campaignReason = "content matches a known campaign"
			case n >= need:
				formKind, formFPs = "content", otherIDs
				formTenants = sortedKeys(others)
				campaignReason = fmt.Sprintf("near-identical mail from %d young tenants within %v", n, s.o.CampaignWindow)
				if len(why) > 0 {
					campaignReason += "; " + strings.Join(dedupe(why), "; ")
				}
			case formKind == "link":
				campaignReason = fmt.Sprintf("link domain %s appeared suddenly in suspicious mail from several young tenants", formDomain)
			default:
				formKind = ""
			}
			// Record this message's fingerprint.
			b := bands(fp)
			if ownFP != nil {
				_, err = tx.Exec(ctx, `UPDATE review_fps SET n = n + 1, last_at = ?, max_score = CASE WHEN max_score < ? THEN ? ELSE max_score END, rcpt_key = ? WHERE id = ?`,
					ms(now), score, score, rk, ownFP.ID)
			} else {
				var id int64
				err = tx.QueryRow(ctx, `INSERT INTO review_fps (tenant_id, fp, b0, b1, b2, b3, max_score, rcpt_key, first_at, last_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.TenantID, int64(fp), b[0], b[1], b[2], b[3], score, rk, ms(now), ms(now)).Scan(&id)
				ownFP = &fpMatch{ID: id, TenantID: m.TenantID, FP: fp}
			}
			if err != nil {
				return fmt.Errorf("review: record fingerprint: %w", err)
			}
		} else {
			if _, err := s.trackLinks(ctx, tx, m.TenantID, m.Score.LinkDomains, young, now); err != nil {
				return err
			}
			if fp != 0 && established && t.Status == store.StatusActive && m.Score.Verdict != scoring.Reject && !tr.CampaignID.Valid {
				if err := s.learnTemplate(ctx, tx, m.TenantID, fp, score, now); err != nil {
					return err
				}
			}
		}

		// Decision.
		d = Decision{Action: Relay, Code: CodeClean}
		switch {
		case m.Score.Verdict == scoring.Reject:
			d = Decision{Action: Reject, Code: CodeContentReject, Reason: m.Score.MainReason()}
		case t.Status == store.StatusReview:
			d = Decision{Action: Hold, Code: CodeTenantReview, Reason: "held for review by support"}
		case campaignID != 0 || formKind != "":
			d = Decision{Action: Hold, Code: CodeCampaign, Reason: "held for review: content matches mail sent from other new accounts"}
		case m.Score.Verdict == scoring.Hold && !(probation && !skipProbation && templateClean):
			d = Decision{Action: Hold, Code: CodeContentHold, Reason: "held for review: " + m.Score.MainReason()}
		case probation && !skipProbation:
			// A proven template's copy scoring up to its vouched-for copies
			// (+ margin) waits out probation even when the scorer alone would
			// hold it; ReleaseDue applies the same template rule.
			d = Decision{Action: Hold, Code: CodeProbation, Reason: "new account: first messages are delivered after a short delay"}
		}

		return s.updateRisk(ctx, tx, tr, m, d, young, campaignID != 0 || formKind != "", now)
	})
	if err != nil {
		return Decision{}, fmt.Errorf("review: assess %s: %w", m.QueueID, err)
	}

	// Campaigns open cases (their own transactions) after the commit.
	alreadyIn := tr.CampaignID.Valid && tr.CampaignID.Int64 == campaignID && formKind == "" && ownFP != nil && ownFP.CampaignID.Valid
	if (formKind != "" || campaignID != 0) && !alreadyIn {
		var own []int64
		if ownFP != nil {
			own = []int64{ownFP.ID}
		}
		campaignID, err = s.markCampaign(ctx, campaignID, formKind, formDomain, fp, campaignReason,
			append(formFPs, own...), append(formTenants, m.TenantID), now)
		if err != nil {
			return Decision{}, err
		}
	}

	if d.Action == Reject && d.Code == CodeContentReject {
		// A reject holds the tenant's mail once content strikes add up.
		holding, why, err := s.contentFreeze(ctx, m.TenantID, now, true)
		if err != nil {
			return Decision{}, err
		}
		detail := topSignals(m.Score)
		if why != "" {
			detail += "; " + why
		}
		if _, err := s.openCase(ctx, m.TenantID, caseReason{Code: CodeContentReject, Detail: detail, Weight: score}, 0, holding); err != nil {
			return Decision{}, err
		}
	}
	s.met.assessedOne(d)
	s.log.DebugContext(ctx, "review: assessed", "tenant", m.TenantID, "msg", m.QueueID, "action", d.Action.String(), "code", d.Code, "score", score)
	return d, nil
}

func (s *Service) verifiedOnly(ctx context.Context, m *Message) (bool, error) {
	if s.o.Domains == nil || len(m.To) == 0 {
		return false, nil
	}
	ds, err := s.o.Domains.VerifiedDomains(ctx, m.TenantID)
	if err != nil {
		return false, fmt.Errorf("review: verified domains: %w", err)
	}
	for _, r := range m.To {
		if !slices.Contains(ds, mailDomain(r)) {
			return false, nil
		}
	}
	return true, nil
}

// updateRisk folds one message into the tenant's decayed picture.
func (s *Service) updateRisk(ctx context.Context, q querier, tr tenantRow, m *Message, d Decision, young, campaign bool, now time.Time) error {
	dt := now.Sub(store.FromMillis(tr.DecayAt))
	f := decay(dt, s.o.RiskHalfLife)
	fv := decay(dt, time.Hour)
	score := m.Score.Score
	sum, w := tr.ScoreSum*f+score, tr.ScoreW*f+1
	maxScore := math.Max(tr.MaxScore*f, score)
	fb := decay(now.Sub(store.FromMillis(tr.FbAt)), s.o.FeedbackHalfLife)
	bRate, cRate := rates(tr.FbSent*fb, tr.FbBounces*fb, tr.FbComplaints*fb, s.o.FeedbackMinVolume)
	risk := riskOf(sum/w, maxScore, campaign || tr.CampaignID.Valid, young, bRate, cRate)
	var relayed, held, rejected, sent int64
	switch d.Action {
	case Relay:
		relayed, sent = 1, int64(len(m.To))
	case Hold:
		held = 1
	case Reject:
		rejected = 1
	}
	_, err := q.Exec(ctx, `UPDATE review_tenants SET plan = ?, messages = messages + 1, relayed = relayed + ?, held = held + ?, rejected = rejected + ?,
		rcpts = rcpts + ?, score_sum = score_sum * ? + ?, score_w = score_w * ? + 1, max_score = ?, vel = vel * ? + 1, decay_at = ?,
		fb_sent = fb_sent + ?, risk = ?, first_msg_at = CASE WHEN first_msg_at = 0 THEN ? ELSE first_msg_at END, last_msg_at = ?
		WHERE tenant_id = ?`,
		tr.Plan, relayed, held, rejected, len(m.To), f, score, f, maxScore, fv, ms(now), sent, risk, ms(now), ms(now), m.TenantID)
	if err != nil {
		return fmt.Errorf("review: update risk: %w", err)
	}
	for _, dom := range rcptDomains(m.To, 10) {
		if _, err := q.Exec(ctx, `INSERT INTO review_rcpt_domains (tenant_id, domain, n, last_at) VALUES (?, ?, 1, ?)
			ON CONFLICT (tenant_id, domain) DO UPDATE SET n = review_rcpt_domains.n + 1, last_at = excluded.last_at`, m.TenantID, dom, ms(now)); err != nil {
			return fmt.Errorf("review: recipient domains: %w", err)
		}
	}
	if young || tr.Messages < 20 || tr.Messages%s.o.SampleEvery == 0 || d.Action != Relay {
		if _, err := q.Exec(ctx, `INSERT INTO review_messages (tenant_id, queue_id, at, mail_from, rcpts, subject, score, fp, action, code)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.TenantID, m.QueueID, ms(now), m.From, len(m.To), truncate(m.Score.Subject, 200),
			score, int64(m.Score.Fingerprint), d.Action.String(), d.Code); err != nil {
			return fmt.Errorf("review: sample: %w", err)
		}
	}
	return nil
}

// rates are the bounce and complaint rates, zero below the minimum volume.
func rates(sent, bounces, complaints, minVolume float64) (float64, float64) {
	if sent < minVolume || sent <= 0 {
		return 0, 0
	}
	return bounces / sent, complaints / sent
}

// markCampaign creates (or extends) a campaign and puts its tenants under
// review: each gets a holding case linked to the campaign.
func (s *Service) markCampaign(ctx context.Context, id int64, kind, linkDomain string, fp scoring.Fingerprint, reason string, fpIDs []int64, tenants []string, now time.Time) (int64, error) {
	created := false
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if id == 0 {
			err := tx.QueryRow(ctx, `INSERT INTO review_campaigns (kind, fp, link_domain, state, reason, created_at, updated_at) VALUES (?, ?, ?, 'open', ?, ?, ?) RETURNING id`,
				kind, int64(fp), linkDomain, reason, ms(now), ms(now)).Scan(&id)
			if err != nil {
				return err
			}
			created = true
		}
		if kind == "link" && linkDomain != "" {
			if _, err := tx.Exec(ctx, `UPDATE review_link_domains SET campaign_id = ? WHERE domain = ?`, id, linkDomain); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT tenant_id FROM review_link_domain_tenants WHERE domain = ? LIMIT 500`, linkDomain)
			if err != nil {
				return err
			}
			for rows.Next() {
				var t string
				if err := rows.Scan(&t); err != nil {
					rows.Close()
					return err
				}
				tenants = append(tenants, t)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		for _, f := range fpIDs {
			if _, err := tx.Exec(ctx, `UPDATE review_fps SET campaign_id = ? WHERE id = ? AND campaign_id IS NULL`, id, f); err != nil {
				return err
			}
		}
		tenants = dedupe(tenants)
		for _, t := range tenants {
			if _, err := tx.Exec(ctx, `UPDATE review_tenants SET campaign_id = ? WHERE tenant_id = ? AND campaign_id IS NULL`, id, t); err != nil {
				return err
			}
			// All the member's recent fingerprints now point at the campaign,
			// so any copy a new tenant sends finds it.
			if _, err := tx.Exec(ctx, `UPDATE review_fps SET campaign_id = ? WHERE tenant_id = ? AND campaign_id IS NULL`, id, t); err != nil {
				return err
			}
		}
		if created {
			return store.AuditTx(ctx, tx, store.AuditEntry{At: now, Actor: "system", Action: "review.campaign", Subject: fmt.Sprintf("campaign:%d", id),
				Detail: map[string]any{"kind": kind, "link_domain": linkDomain, "fingerprint": fp.String(), "reason": reason, "tenants": tenants}})
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("review: campaign: %w", err)
	}
	if created {
		s.met.campaign(kind)
		s.log.WarnContext(ctx, "review: campaign recognised", "campaign", id, "kind", kind, "tenants", len(tenants), "reason", reason)
	}
	for _, t := range tenants {
		if _, err := s.openCase(ctx, t, caseReason{Code: CodeCampaign, Detail: reason, Weight: 0}, id, true); err != nil {
			return id, err
		}
	}
	return id, nil
}

func topSignals(r scoring.Result) string {
	var parts []string
	for i, g := range r.Signals {
		if i == 3 {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %+.1f", g.Name, g.Weight))
	}
	return fmt.Sprintf("score %.1f (%s)", r.Score, strings.Join(parts, ", "))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func dedupe(xs []string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
