package review

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Label values. Every label takes a value from a fixed set (never a tenant
// id): decision and case reason codes are the Code* constants, anything else
// counts as "other".
const (
	scopeSingle   = "single"   // Decide on one case
	scopeCampaign = "campaign" // a case settled by DecideCampaign
	scopeMessage  = "message"  // ReleaseMessage (approve) or DiscardMessage (reject)

	deliverySent   = "sent"   // every recipient answered, some accepted
	deliveryFailed = "failed" // given up: permanent failures, or MaxAttempts reached
	deliveryRetry  = "retry"  // a temporary failure (or an error): tried again later

	labelOther = "other"
)

// assessCodes are the decision codes Assess answers, with their action.
var assessCodes = []struct {
	action Action
	code   string
}{
	{Relay, CodeClean},
	{Hold, CodeProbation},
	{Hold, CodeCampaign},
	{Hold, CodeContentHold},
	{Hold, CodeTenantReview},
	{Reject, CodeContentReject},
	{Reject, CodeSuspended},
}

// caseCodes are the reasons a case is opened for.
var caseCodes = []string{CodeCampaign, CodeContentHold, CodeContentReject, CodeTenantReview, CodeProbationHeld,
	CodeBounces, CodeComplaints, CodeRaiseRequest, CodeEarnedRaise}

type metrics struct {
	assessed    *prometheus.CounterVec        // by action, reason
	assessedBy  map[string]prometheus.Counter // by decision code, resolved once: no lookup by labels per message
	assessedOdd [3]prometheus.Counter         // by action, reason "other"
	heldCap     prometheus.Counter            // holds refused (ErrHeldCap)
	casesOpened *prometheus.CounterVec        // by reason
	casesBy     map[string]prometheus.Counter // by reason code
	decisions   *prometheus.CounterVec        // by decision, scope
	held        *prometheus.GaugeVec          // by state: probation, review, queued
	probation   *prometheus.CounterVec        // by outcome
	probationBy [4]prometheus.Counter         // released, extended, review, discarded
	deliveries  *prometheus.CounterVec        // by outcome: sent, failed, retry
	campaigns   *prometheus.CounterVec        // by kind: content, link
	heldRefresh prometheus.Gauge              // unix time of the last held-gauge refresh
}

func newMetrics() *metrics {
	m := &metrics{
		assessed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outpost_review_assessed_total",
			Help: "Messages review assessed, by action (relay, hold, reject) and reason (clean, probation, campaign, content.hold, tenant.review, content.reject, tenant.suspended).",
		}, []string{"action", "reason"}),
		heldCap: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "outpost_review_hold_refused_total",
			Help: "Holds refused because the tenant's held mail reached HeldMaxCount or HeldMaxBytes (the relay answers 4xx).",
		}),
		casesOpened: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outpost_review_cases_opened_total",
			Help: "Review cases opened (not extended), by the reason code that opened them.",
		}, []string{"reason"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outpost_review_decisions_total",
			Help: "Support decisions committed, by decision (approve, reject) and scope (single case, a case of a campaign decision, one held message).",
		}, []string{"decision", "scope"}),
		held: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "outpost_review_held_messages",
			Help: "Held messages waiting, in the whole database, by state: probation (waiting out probation), review (waiting for a decision), queued (released, waiting for delivery). Refreshed by the review workers every MetricsEvery.",
		}, []string{"state"}),
		probation: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outpost_review_probation_total",
			Help: "Probation holds whose wait ended, by outcome: released, extended (look-alikes), review (sent to a case), discarded (tenant suspended).",
		}, []string{"outcome"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outpost_review_deliveries_total",
			Help: "Delivery attempts of released mail, by outcome: sent, failed (given up), retry (temporary failure, tried again later).",
		}, []string{"outcome"}),
		campaigns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outpost_review_campaigns_total",
			Help: "Campaigns recognised (created), by kind: content (near-identical mail of young tenants), link (a sudden new link domain).",
		}, []string{"kind"}),
		heldRefresh: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "outpost_review_held_messages_refreshed_timestamp_seconds",
			Help: "Unix time outpost_review_held_messages was last refreshed (0: never).",
		}),
	}
	m.assessedBy = make(map[string]prometheus.Counter, len(assessCodes))
	for _, c := range assessCodes {
		m.assessedBy[c.code] = m.assessed.WithLabelValues(c.action.String(), c.code)
	}
	for a := Relay; a <= Reject; a++ {
		m.assessedOdd[a] = m.assessed.WithLabelValues(a.String(), labelOther)
	}
	m.casesBy = make(map[string]prometheus.Counter, len(caseCodes))
	for _, c := range caseCodes {
		m.casesBy[c] = m.casesOpened.WithLabelValues(c)
	}
	m.casesOpened.WithLabelValues(labelOther)
	for _, d := range []string{"approve", "reject"} {
		for _, s := range []string{scopeSingle, scopeCampaign, scopeMessage} {
			m.decisions.WithLabelValues(d, s)
		}
	}
	for _, s := range []string{"probation", "review", "queued"} {
		m.held.WithLabelValues(s)
	}
	for i, o := range []string{"released", "extended", "review", "discarded"} {
		m.probationBy[i] = m.probation.WithLabelValues(o)
	}
	for _, o := range []string{deliverySent, deliveryFailed, deliveryRetry} {
		m.deliveries.WithLabelValues(o)
	}
	for _, k := range []string{"content", "link"} {
		m.campaigns.WithLabelValues(k)
	}
	return m
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.assessed, m.heldCap, m.casesOpened, m.decisions, m.held, m.probation, m.deliveries, m.campaigns, m.heldRefresh}
}

// RegisterMetrics registers the Service's metrics with reg (cmd/outpost
// passes the /metrics registry). The metrics are kept either way.
func (s *Service) RegisterMetrics(reg prometheus.Registerer) error {
	for _, c := range s.met.collectors() {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("review: register metrics: %w", err)
		}
	}
	return nil
}

// assessedOne counts one Assess answer: a map lookup and an atomic add.
func (m *metrics) assessedOne(d Decision) {
	if c, ok := m.assessedBy[d.Code]; ok {
		c.Inc()
		return
	}
	if d.Action >= Relay && d.Action <= Reject {
		m.assessedOdd[d.Action].Inc()
	}
}

func (m *metrics) caseOpened(code string) {
	if c, ok := m.casesBy[code]; ok {
		c.Inc()
		return
	}
	m.casesOpened.WithLabelValues(labelOther).Inc()
}

func (m *metrics) decided(decision, scope string) {
	if decision != "approve" && decision != "reject" {
		return
	}
	m.decisions.WithLabelValues(decision, scope).Inc()
}

func (m *metrics) released(st ReleaseStats) {
	for i, n := range [4]int{st.Released, st.Extended, st.ToReview, st.Discarded} {
		if n > 0 {
			m.probationBy[i].Add(float64(n))
		}
	}
}

func (m *metrics) campaign(kind string) {
	if kind != "content" && kind != "link" {
		kind = labelOther
	}
	m.campaigns.WithLabelValues(kind).Inc()
}

// refreshHeld sets outpost_review_held_messages from three counts that the
// review_held and review_cases indexes answer (the probation and delivery
// queue indexes; held mail waiting for review through the open cases'
// tenants), so it costs what is waiting, not the table's history. The count
// is database-wide: every instance reports the same numbers (aggregate with
// max, not sum).
func (s *Service) refreshHeld(ctx context.Context) error {
	var probation, review, queued int64
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM review_held WHERE state = 'held' AND release_at IS NOT NULL`).Scan(&probation); err != nil {
		return fmt.Errorf("review: count probation holds: %w", err)
	}
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM review_cases c JOIN review_held h ON h.tenant_id = c.tenant_id
		WHERE c.state = 'open' AND h.state = 'held' AND h.release_at IS NULL`).Scan(&review); err != nil {
		return fmt.Errorf("review: count held mail: %w", err)
	}
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM review_held WHERE state = 'queued' AND next_attempt_at IS NOT NULL`).Scan(&queued); err != nil {
		return fmt.Errorf("review: count queued mail: %w", err)
	}
	s.met.held.WithLabelValues("probation").Set(float64(probation))
	s.met.held.WithLabelValues("review").Set(float64(review))
	s.met.held.WithLabelValues("queued").Set(float64(queued))
	s.met.heldRefresh.Set(float64(s.now().UnixMilli()) / 1000)
	return nil
}
