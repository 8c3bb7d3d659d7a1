package api

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/review"
	"github.com/outpost-mail/outpost/scoring"
)

// Wire types of the review routes, apart from review's domain types.

type reasonJSON struct {
	Code    string    `json:"code"`
	Detail  string    `json:"detail"` // e.g. "score 9.1 (spam_lexicon +3.0, ...)"
	Weight  float64   `json:"weight"`
	Count   int64     `json:"count"`
	FirstAt time.Time `json:"first_at"`
	LastAt  time.Time `json:"last_at"`
}

type caseJSON struct {
	ID           int64        `json:"id"`
	TenantID     string       `json:"tenant_id"`
	State        string       `json:"state"`
	Priority     int          `json:"priority"`
	Holding      bool         `json:"holding"`
	CampaignID   *int64       `json:"campaign_id"`
	Assignee     string       `json:"assignee"`
	OpenedAt     time.Time    `json:"opened_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
	ClosedAt     *time.Time   `json:"closed_at,omitempty"`
	Decision     string       `json:"decision,omitempty"`
	DecidedBy    string       `json:"decided_by,omitempty"`
	DecisionNote string       `json:"decision_note,omitempty"`
	Reasons      []reasonJSON `json:"reasons"`
}

type signalJSON struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
	Detail string  `json:"detail,omitempty"`
}

// signalSumJSON is one signal over a case's held samples.
type signalSumJSON struct {
	Name      string  `json:"name"`
	MaxWeight float64 `json:"max_weight"`
	Messages  int     `json:"messages"`
}

type heldJSON struct {
	ID          int64        `json:"id"`
	QueueID     string       `json:"queue_id"`
	TenantID    string       `json:"tenant_id"`
	CaseID      *int64       `json:"case_id"`
	From        string       `json:"from"`
	To          []string     `json:"to"`
	Recipients  int          `json:"recipients"`
	Size        int64        `json:"size"`
	MessageID   string       `json:"message_id"`
	Subject     string       `json:"subject"` // from the message: hostile text
	Score       float64      `json:"score"`
	Verdict     string       `json:"verdict"`
	Signals     []signalJSON `json:"signals"`
	Code        string       `json:"code"`
	Reason      string       `json:"reason"`
	State       string       `json:"state"`
	ReceivedAt  time.Time    `json:"received_at"`
	HeldAt      time.Time    `json:"held_at"`
	ReleaseAt   *time.Time   `json:"release_at,omitempty"`
	DecidedBy   string       `json:"decided_by,omitempty"`
	Attempts    int          `json:"attempts"`
	LastError   string       `json:"last_error,omitempty"`
	DeliveredAt *time.Time   `json:"delivered_at,omitempty"`
}

type sentJSON struct {
	QueueID    string    `json:"queue_id"`
	At         time.Time `json:"at"`
	From       string    `json:"from"`
	Recipients int       `json:"recipients"`
	Subject    string    `json:"subject"`
	Score      float64   `json:"score"`
	Action     string    `json:"action"`
	Code       string    `json:"code"`
}

type domainCountJSON struct {
	Domain string `json:"domain"`
	Count  int64  `json:"count"`
}

type pictureJSON struct {
	Plan            string    `json:"plan"`
	Status          string    `json:"status"`
	CreatedAt       time.Time `json:"created_at"`
	Network         string    `json:"signup_network"`
	ContactDomain   string    `json:"contact_domain"`
	Country         string    `json:"country"`
	BudgetID        string    `json:"budget_id"`
	Messages        int64     `json:"messages"`
	Relayed         int64     `json:"relayed"`
	Held            int64     `json:"held"`
	Rejected        int64     `json:"rejected"`
	Recipients      int64     `json:"recipients"`
	AvgScore        float64   `json:"avg_score"`
	MaxScore        float64   `json:"max_score"`
	VelocityPerHour float64   `json:"velocity_per_hour"`
	BounceRate      float64   `json:"bounce_rate"`
	ComplaintRate   float64   `json:"complaint_rate"`
	Risk            float64   `json:"risk"`
}

type campaignJSON struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	Fingerprint string    `json:"fingerprint"`
	LinkDomain  string    `json:"link_domain,omitempty"`
	State       string    `json:"state"`
	Reason      string    `json:"reason"`
	CreatedAt   time.Time `json:"created_at"`
	Tenants     []string  `json:"tenants"`
}

type noteJSON struct {
	ID    int64     `json:"id"`
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	Body  string    `json:"body"`
}

type auditJSON struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Detail any       `json:"detail"`
}

type heldSummaryJSON struct {
	Count   int64      `json:"count"`
	Bytes   int64      `json:"bytes"`
	Samples []heldJSON `json:"samples"` // newest 20, metadata only
}

type caseDetailJSON struct {
	caseJSON
	Tenant           pictureJSON       `json:"tenant"`
	Quota            *quotaJSON        `json:"quota"`
	QuotaHistory     []changeJSON      `json:"quota_history"`
	Signals          []signalSumJSON   `json:"signals"`
	Held             heldSummaryJSON   `json:"held"`
	Sent             []sentJSON        `json:"sent"`
	RecipientDomains []domainCountJSON `json:"recipient_domains"`
	Campaign         *campaignJSON     `json:"campaign"`
	RelatedTenants   []string          `json:"related_tenants"`
	Notes            []noteJSON        `json:"notes"`
	History          []auditJSON       `json:"history"`
}

type decisionRequest struct {
	Decision   string `json:"decision"`
	RaiseQuota bool   `json:"raise_quota"`
	Note       string `json:"note"`
}

type quotaChangeJSON struct {
	OldLimit int64 `json:"old_limit"`
	NewLimit int64 `json:"new_limit"`
}

type decisionJSON struct {
	CaseID       int64            `json:"case_id"`
	TenantID     string           `json:"tenant_id"`
	Decision     string           `json:"decision"`
	State        string           `json:"state"`         // the case's new state
	TenantStatus string           `json:"tenant_status"` // active or suspended
	Released     int64            `json:"released"`
	Discarded    int64            `json:"discarded"`
	Learned      int              `json:"learned"`
	QuotaRaised  bool             `json:"quota_raised"`
	QuotaChange  *quotaChangeJSON `json:"quota_change,omitempty"`
	Quota        *quotaJSON       `json:"quota,omitempty"`
	QuotaError   *errorDetail     `json:"quota_error,omitempty"`
}

type campaignCaseJSON struct {
	CaseID   int64  `json:"case_id"`
	TenantID string `json:"tenant_id"`
	Messages int64  `json:"messages"`
}

type campaignDecisionJSON struct {
	CampaignID int64              `json:"campaign_id"`
	Decision   string             `json:"decision"`
	State      string             `json:"state"` // the campaign's: dismissed or confirmed
	Cases      []campaignCaseJSON `json:"cases"`
	Released   int64              `json:"released"`
	Discarded  int64              `json:"discarded"`
}

type assignRequest struct {
	Assignee *string `json:"assignee"`
}

type noteRequest struct {
	Body string `json:"body"`
}

type settleRequest struct {
	Note string `json:"note"`
	Spam bool   `json:"spam"`
}

type feedbackEventRequest struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	TenantID  string    `json:"tenant_id"`
	Recipient string    `json:"recipient"`
	QueueID   string    `json:"queue_id"`
	At        time.Time `json:"at"`
}

type feedbackRequest struct {
	Events []feedbackEventRequest `json:"events"`
}

type feedbackRejectJSON struct {
	Index   int    `json:"index"`
	ID      string `json:"id"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type feedbackJSON struct {
	Accepted   int                  `json:"accepted"`
	Duplicates int                  `json:"duplicates"`
	Rejected   []feedbackRejectJSON `json:"rejected"`
	Cases      []int64              `json:"cases"`
}

func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func toCaseJSON(c review.Case) caseJSON {
	out := caseJSON{ID: c.ID, TenantID: c.TenantID, State: c.State, Priority: c.Priority, Holding: c.Holding,
		CampaignID: optID(c.CampaignID), Assignee: c.Assignee, OpenedAt: c.OpenedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
		ClosedAt: optTime(c.ClosedAt), Decision: c.Decision, DecidedBy: c.DecidedBy, DecisionNote: c.DecisionNote,
		Reasons: make([]reasonJSON, 0, len(c.Reasons))}
	for _, r := range c.Reasons {
		out.Reasons = append(out.Reasons, reasonJSON{Code: r.Code, Detail: r.Detail, Weight: r.Weight, Count: r.Count,
			FirstAt: r.FirstAt.UTC(), LastAt: r.LastAt.UTC()})
	}
	return out
}

func toSignalsJSON(sigs []scoring.Signal) []signalJSON {
	out := make([]signalJSON, 0, len(sigs))
	for _, s := range sigs {
		out = append(out, signalJSON{Name: s.Name, Weight: s.Weight, Detail: s.Detail})
	}
	return out
}

func toHeldJSON(h review.HeldMessage) heldJSON {
	to := h.To
	if to == nil {
		to = []string{}
	}
	return heldJSON{ID: h.ID, QueueID: h.QueueID, TenantID: h.TenantID, CaseID: optID(h.CaseID), From: h.From, To: to,
		Recipients: h.Recipients, Size: h.Size, MessageID: h.MessageID, Subject: h.Subject, Score: h.Score, Verdict: h.Verdict,
		Signals: toSignalsJSON(h.Signals), Code: h.Code, Reason: h.Reason, State: h.State, ReceivedAt: h.ReceivedAt.UTC(),
		HeldAt: h.HeldAt.UTC(), ReleaseAt: optTime(h.ReleaseAt), DecidedBy: h.DecidedBy, Attempts: h.Attempts,
		LastError: h.LastError, DeliveredAt: optTime(h.DeliveredAt)}
}

func toCampaignJSON(c review.Campaign) *campaignJSON {
	tenants := c.Tenants
	if tenants == nil {
		tenants = []string{}
	}
	return &campaignJSON{ID: c.ID, Kind: c.Kind, Fingerprint: c.Fingerprint.String(), LinkDomain: c.LinkDomain, State: c.State,
		Reason: c.Reason, CreatedAt: c.CreatedAt.UTC(), Tenants: tenants}
}

func toNoteJSON(n review.Note) noteJSON {
	return noteJSON{ID: n.ID, At: n.At.UTC(), Actor: n.Actor, Body: n.Body}
}

func toAuditJSON(e store.AuditEntry) auditJSON {
	return auditJSON{At: e.At.UTC(), Actor: e.Actor, Action: e.Action, Detail: e.Detail}
}

// signalSums sums the signals of held samples by name, heaviest first.
func signalSums(held []review.HeldMessage) []signalSumJSON {
	idx := map[string]int{}
	out := []signalSumJSON{}
	for _, h := range held {
		for _, s := range h.Signals {
			i, ok := idx[s.Name]
			if !ok {
				i = len(out)
				idx[s.Name] = i
				out = append(out, signalSumJSON{Name: s.Name, MaxWeight: s.Weight})
			}
			out[i].Messages++
			out[i].MaxWeight = max(out[i].MaxWeight, s.Weight)
		}
	}
	sortSignalSums(out)
	return out
}

func sortSignalSums(s []signalSumJSON) {
	slices.SortFunc(s, func(a, b signalSumJSON) int {
		if c := cmp.Compare(b.MaxWeight, a.MaxWeight); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
}
