package review

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/scoring"
)

// Case states.
const (
	CaseOpen     = "open"
	CaseApproved = "approved"
	CaseRejected = "rejected"
)

// Case is one tenant's review.
type Case struct {
	ID           int64
	TenantID     string
	State        string // CaseOpen, CaseApproved, CaseRejected
	Priority     int    // 0..100, from the tenant's risk
	Holding      bool   // the tenant's mail is held while the case is open
	CampaignID   int64  // 0 when not part of a campaign
	Assignee     string
	OpenedAt     time.Time
	UpdatedAt    time.Time
	ClosedAt     time.Time // zero while open
	Decision     string
	DecidedBy    string
	DecisionNote string
	Reasons      []Reason
}

// Reason is why a case is open: one per code, with its heaviest weight.
type Reason struct {
	Code    string
	Detail  string
	Weight  float64
	Count   int64
	FirstAt time.Time
	LastAt  time.Time
}

// CaseFilter selects cases. Zero fields match everything.
type CaseFilter struct {
	State       string
	MinPriority int
	Assignee    string
	TenantID    string
	CampaignID  int64
	Cursor      string // from the previous page's next
	Limit       int    // default 50, at most 500
}

const caseCols = `id, tenant_id, state, priority, holding, campaign_id, assignee, opened_at, updated_at, closed_at, decision, decided_by, decision_note`

func scanCase(sc interface{ Scan(...any) error }) (Case, error) {
	var c Case
	var holding int
	var campaign, closed sql.NullInt64
	var opened, updated int64
	if err := sc.Scan(&c.ID, &c.TenantID, &c.State, &c.Priority, &holding, &campaign, &c.Assignee, &opened, &updated, &closed,
		&c.Decision, &c.DecidedBy, &c.DecisionNote); err != nil {
		return c, err
	}
	c.Holding, c.CampaignID = holding != 0, campaign.Int64
	c.OpenedAt, c.UpdatedAt = store.FromMillis(opened), store.FromMillis(updated)
	if closed.Valid {
		c.ClosedAt = store.FromMillis(closed.Int64)
	}
	return c, nil
}

// ListCases lists cases with their reasons by priority, highest first, then
// newest first, with keyset pagination: pass the returned next as Cursor (""
// when done). A page costs two queries, whatever its size.
func (s *Service) ListCases(ctx context.Context, f CaseFilter) ([]Case, string, error) {
	where, args := []string{"1=1"}, []any{}
	add := func(cond string, v any) { where, args = append(where, cond), append(args, v) }
	if f.State != "" {
		add("state = ?", f.State)
	}
	if f.MinPriority > 0 {
		add("priority >= ?", f.MinPriority)
	}
	if f.Assignee != "" {
		add("assignee = ?", f.Assignee)
	}
	if f.TenantID != "" {
		add("tenant_id = ?", f.TenantID)
	}
	if f.CampaignID != 0 {
		add("campaign_id = ?", f.CampaignID)
	}
	if f.Cursor != "" {
		p, id, ok := strings.Cut(f.Cursor, ".")
		pi, err1 := strconv.Atoi(p)
		ii, err2 := strconv.ParseInt(id, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, "", fmt.Errorf("review: bad cursor %q: %w", f.Cursor, ErrInvalid)
		}
		where = append(where, "(priority < ? OR (priority = ? AND id < ?))")
		args = append(args, pi, pi, ii)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	rows, err := s.db.Query(ctx, `SELECT `+caseCols+` FROM review_cases WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY priority DESC, id DESC LIMIT %d`, f.Limit+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("review: list cases: %w", err)
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = fmt.Sprintf("%d.%d", last.Priority, last.ID)
	}
	if err := s.loadReasons(ctx, out); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// loadReasons fills the cases' reasons with one query, each case's in the
// order Case gives them (heaviest first).
func (s *Service) loadReasons(ctx context.Context, cases []Case) error {
	if len(cases) == 0 {
		return nil
	}
	at := make(map[int64]int, len(cases))
	args := make([]any, 0, len(cases))
	for i, c := range cases {
		at[c.ID] = i
		args = append(args, c.ID)
	}
	rows, err := s.db.Query(ctx, `SELECT case_id, code, detail, weight, n, first_at, last_at FROM review_case_reasons
		WHERE case_id IN (?`+strings.Repeat(", ?", len(args)-1)+`) ORDER BY case_id, weight DESC, code`, args...)
	if err != nil {
		return fmt.Errorf("review: case reasons: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, first, last int64
		var r Reason
		if err := rows.Scan(&id, &r.Code, &r.Detail, &r.Weight, &r.Count, &first, &last); err != nil {
			return fmt.Errorf("review: case reasons: %w", err)
		}
		r.FirstAt, r.LastAt = store.FromMillis(first), store.FromMillis(last)
		c := &cases[at[id]]
		c.Reasons = append(c.Reasons, r)
	}
	return rows.Err()
}

// Case returns one case with its reasons.
func (s *Service) Case(ctx context.Context, id int64) (Case, error) {
	c, err := scanCase(s.db.QueryRow(ctx, `SELECT `+caseCols+` FROM review_cases WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("review: case %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("review: case %d: %w", id, err)
	}
	cs := []Case{c}
	if err := s.loadReasons(ctx, cs); err != nil {
		return c, err
	}
	return cs[0], nil
}

// HeldMessage is a held (or released, or discarded) message without its body.
type HeldMessage struct {
	ID          int64
	QueueID     string
	TenantID    string
	CaseID      int64
	From        string
	To          []string // recipients still to deliver, once queued
	Recipients  int
	Size        int64
	MessageID   string
	Subject     string // from the message: hostile, escape it
	Score       float64
	Verdict     string
	Signals     []scoring.Signal
	Code        string
	Reason      string
	State       string // held, queued, sent, failed, discarded
	ReceivedAt  time.Time
	HeldAt      time.Time
	ReleaseAt   time.Time // probation release time; zero if none
	DecidedBy   string
	Attempts    int
	LastError   string
	DeliveredAt time.Time
}

const heldCols = `id, queue_id, tenant_id, case_id, mail_from, rcpt_to, rcpt_count, size, message_id, subject, score, verdict, signals,
	code, reason, state, received_at, held_at, release_at, decided_by, attempts, last_error, delivered_at`

func scanHeld(sc interface{ Scan(...any) error }) (HeldMessage, error) {
	var h HeldMessage
	var caseID, release, delivered sql.NullInt64
	var rcpts, signals string
	var received, held int64
	if err := sc.Scan(&h.ID, &h.QueueID, &h.TenantID, &caseID, &h.From, &rcpts, &h.Recipients, &h.Size, &h.MessageID, &h.Subject,
		&h.Score, &h.Verdict, &signals, &h.Code, &h.Reason, &h.State, &received, &held, &release, &h.DecidedBy, &h.Attempts,
		&h.LastError, &delivered); err != nil {
		return h, err
	}
	h.CaseID = caseID.Int64
	_ = json.Unmarshal([]byte(rcpts), &h.To)
	_ = json.Unmarshal([]byte(signals), &h.Signals)
	h.ReceivedAt, h.HeldAt = store.FromMillis(received), store.FromMillis(held)
	if release.Valid {
		h.ReleaseAt = store.FromMillis(release.Int64)
	}
	if delivered.Valid {
		h.DeliveredAt = store.FromMillis(delivered.Int64)
	}
	return h, nil
}

// HeldFilter pages through a tenant's held mail, newest first.
type HeldFilter struct {
	State  string // "" = all states
	Before int64  // keyset cursor: ids below this (the previous page's next)
	Limit  int    // default 50, at most 500
}

// ListHeld lists a tenant's held messages; next is the cursor for the next
// page, 0 when done.
func (s *Service) ListHeld(ctx context.Context, tenantID string, f HeldFilter) ([]HeldMessage, int64, error) {
	q, args := `SELECT `+heldCols+` FROM review_held WHERE tenant_id = ?`, []any{tenantID}
	if f.State != "" {
		q, args = q+` AND state = ?`, append(args, f.State)
	}
	if f.Before > 0 {
		q, args = q+` AND id < ?`, append(args, f.Before)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	out, err := s.queryHeld(ctx, q+fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, f.Limit+1), args...)
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

func (s *Service) queryHeld(ctx context.Context, q string, args ...any) ([]HeldMessage, error) {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("review: held messages: %w", err)
	}
	defer rows.Close()
	var out []HeldMessage
	for rows.Next() {
		h, err := scanHeld(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// HeldMessageByID returns one held message's metadata.
func (s *Service) HeldMessageByID(ctx context.Context, id int64) (HeldMessage, error) {
	h, err := scanHeld(s.db.QueryRow(ctx, `SELECT `+heldCols+` FROM review_held WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("review: held message %d: %w", id, ErrNotFound)
	}
	return h, err
}

// HeldRaw returns a held message's raw bytes, for a console that renders it
// safely. It is hostile content.
func (s *Service) HeldRaw(ctx context.Context, id int64) ([]byte, error) {
	var raw []byte
	err := s.db.QueryRow(ctx, `SELECT raw FROM review_held WHERE id = ?`, id).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("review: held message %d: %w", id, ErrNotFound)
	}
	return raw, err
}

// SentSample is the metadata of one assessed message.
type SentSample struct {
	QueueID string
	At      time.Time
	From    string
	Rcpts   int
	Subject string
	Score   float64
	Action  string
	Code    string
}

// DomainCount is one recipient domain and how many messages went to it.
type DomainCount struct {
	Domain string
	Count  int64
}

// TenantPicture is review's running picture of a tenant.
type TenantPicture struct {
	TenantID        string
	Plan            string
	Status          string
	CreatedAt       time.Time
	Network         string // signup /24 or /48
	ContactDomain   string // signup e-mail domain unless free-mail
	Country         string
	BudgetID        string // shared quota budget, "" when its own
	Messages        int64
	Relayed         int64
	Held            int64
	Rejected        int64
	Recipients      int64
	AvgScore        float64 // decayed (RiskHalfLife)
	MaxScore        float64
	VelocityPerHour float64 // decayed over about an hour
	BounceRate      float64
	ComplaintRate   float64
	Risk            float64
	CampaignID      int64
}

// Campaign is near-identical mail (or one new link domain) from several
// young tenants.
type Campaign struct {
	ID          int64
	Kind        string // "content" or "link"
	Fingerprint scoring.Fingerprint
	LinkDomain  string
	State       string // open, confirmed (rejected), dismissed (approved)
	Reason      string
	CreatedAt   time.Time
	Tenants     []string
}

// Note is a support note on a case.
type Note struct {
	ID    int64
	At    time.Time
	Actor string
	Body  string
}

// CaseDetail is everything a reviewer needs to decide a case.
type CaseDetail struct {
	Case
	Tenant           TenantPicture
	Held             []HeldMessage // up to 20 newest
	HeldCount        int64
	HeldBytes        int64
	Sent             []SentSample // up to 20 newest relayed
	RecipientDomains []DomainCount
	Campaign         *Campaign
	Related          []string // tenants sharing its budget or campaign
	Notes            []Note
	History          []store.AuditEntry
}

// CaseDetail returns a case with the picture around it.
func (s *Service) CaseDetail(ctx context.Context, id int64) (CaseDetail, error) {
	c, err := s.Case(ctx, id)
	if err != nil {
		return CaseDetail{}, err
	}
	d := CaseDetail{Case: c}
	if d.Tenant, err = s.TenantPicture(ctx, c.TenantID); err != nil && !errors.Is(err, ErrNotFound) {
		return d, err
	}
	if d.Held, err = s.queryHeld(ctx, `SELECT `+heldCols+` FROM review_held WHERE tenant_id = ? AND state = 'held' ORDER BY id DESC LIMIT 20`, c.TenantID); err != nil {
		return d, err
	}
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM review_held WHERE tenant_id = ? AND state = 'held'`,
		c.TenantID).Scan(&d.HeldCount, &d.HeldBytes); err != nil {
		return d, fmt.Errorf("review: held count: %w", err)
	}
	rows, err := s.db.Query(ctx, `SELECT queue_id, at, mail_from, rcpts, subject, score, action, code FROM review_messages
		WHERE tenant_id = ? AND action = 'relay' ORDER BY id DESC LIMIT 20`, c.TenantID)
	if err != nil {
		return d, fmt.Errorf("review: samples: %w", err)
	}
	for rows.Next() {
		var x SentSample
		var at int64
		if err := rows.Scan(&x.QueueID, &at, &x.From, &x.Rcpts, &x.Subject, &x.Score, &x.Action, &x.Code); err != nil {
			rows.Close()
			return d, err
		}
		x.At = store.FromMillis(at)
		d.Sent = append(d.Sent, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return d, err
	}
	rows, err = s.db.Query(ctx, `SELECT domain, n FROM review_rcpt_domains WHERE tenant_id = ? ORDER BY n DESC, domain LIMIT 20`, c.TenantID)
	if err != nil {
		return d, fmt.Errorf("review: recipient domains: %w", err)
	}
	for rows.Next() {
		var x DomainCount
		if err := rows.Scan(&x.Domain, &x.Count); err != nil {
			rows.Close()
			return d, err
		}
		d.RecipientDomains = append(d.RecipientDomains, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return d, err
	}
	related := []string{}
	if c.CampaignID != 0 {
		cp, err := s.Campaign(ctx, c.CampaignID)
		if err != nil {
			return d, err
		}
		d.Campaign = &cp
		related = append(related, cp.Tenants...)
	}
	if d.Tenant.BudgetID != "" {
		ids, err := s.stringList(ctx, `SELECT tenant_id FROM review_tenants WHERE budget_id = ? ORDER BY tenant_id LIMIT 100`, d.Tenant.BudgetID)
		if err != nil {
			return d, err
		}
		related = append(related, ids...)
	}
	for _, r := range dedupe(related) {
		if r != c.TenantID {
			d.Related = append(d.Related, r)
		}
	}
	if d.Notes, err = s.notes(ctx, id); err != nil {
		return d, err
	}
	if d.History, err = s.db.AuditLog(ctx, fmt.Sprintf("case:%d", id), 0, 100); err != nil {
		return d, fmt.Errorf("review: case history: %w", err)
	}
	return d, nil
}

func (s *Service) stringList(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var x string
		if err := rows.Scan(&x); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// TenantPicture returns review's picture of a tenant, decayed to now.
func (s *Service) TenantPicture(ctx context.Context, tenantID string) (TenantPicture, error) {
	r, err := s.loadTenantRow(ctx, s.db, tenantID)
	if err != nil {
		return TenantPicture{}, fmt.Errorf("review: tenant %s: %w", tenantID, err)
	}
	var p TenantPicture
	if err := s.db.QueryRow(ctx, `SELECT relayed, held, rejected, rcpts FROM review_tenants WHERE tenant_id = ?`, tenantID).
		Scan(&p.Relayed, &p.Held, &p.Rejected, &p.Recipients); err != nil {
		return p, fmt.Errorf("review: tenant %s: %w", tenantID, err)
	}
	now := s.now()
	t, err := s.db.Tenant(ctx, tenantID)
	if err == nil {
		p.Status = t.Status
	}
	p.TenantID, p.Plan, p.CreatedAt = r.ID, r.Plan, r.CreatedAt
	p.Network, p.ContactDomain, p.Country, p.BudgetID = r.Network, r.ContactDomain, r.Country, r.BudgetID
	p.Messages, p.Risk, p.CampaignID = r.Messages, r.Risk, r.CampaignID.Int64
	if r.ScoreW > 0 {
		p.AvgScore = r.ScoreSum / r.ScoreW
	}
	dt := now.Sub(store.FromMillis(r.DecayAt))
	p.MaxScore = r.MaxScore * decay(dt, s.o.RiskHalfLife)
	p.VelocityPerHour = r.Vel * decay(dt, time.Hour) * math.Ln2
	fb := decay(now.Sub(store.FromMillis(r.FbAt)), s.o.FeedbackHalfLife)
	p.BounceRate, p.ComplaintRate = rates(r.FbSent*fb, r.FbBounces*fb, r.FbComplaints*fb, 1)
	return p, nil
}

// Campaign returns a campaign and its tenants.
func (s *Service) Campaign(ctx context.Context, id int64) (Campaign, error) {
	var c Campaign
	var fp, created int64
	err := s.db.QueryRow(ctx, `SELECT id, kind, fp, link_domain, state, reason, created_at FROM review_campaigns WHERE id = ?`, id).
		Scan(&c.ID, &c.Kind, &fp, &c.LinkDomain, &c.State, &c.Reason, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("review: campaign %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("review: campaign %d: %w", id, err)
	}
	c.Fingerprint, c.CreatedAt = scoring.Fingerprint(fp), store.FromMillis(created)
	c.Tenants, err = s.stringList(ctx, `SELECT tenant_id FROM review_tenants WHERE campaign_id = ? ORDER BY tenant_id LIMIT 1000`, id)
	return c, err
}

func (s *Service) notes(ctx context.Context, caseID int64) ([]Note, error) {
	rows, err := s.db.Query(ctx, `SELECT id, at, actor, body FROM review_case_notes WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("review: notes: %w", err)
	}
	defer rows.Close()
	var out []Note
	for rows.Next() {
		var n Note
		var at int64
		if err := rows.Scan(&n.ID, &at, &n.Actor, &n.Body); err != nil {
			return nil, err
		}
		n.At = store.FromMillis(at)
		out = append(out, n)
	}
	return out, rows.Err()
}

// Assign gives a case to a support agent ("" unassigns).
func (s *Service) Assign(ctx context.Context, caseID int64, assignee, actor string) error {
	if actor == "" {
		return fmt.Errorf("review: assign needs an actor: %w", ErrInvalid)
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		var old string
		err := tx.QueryRow(ctx, `SELECT assignee FROM review_cases WHERE id = ?`, caseID).Scan(&old)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("review: case %d: %w", caseID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE review_cases SET assignee = ?, updated_at = ? WHERE id = ?`, assignee, ms(now), caseID); err != nil {
			return err
		}
		return store.AuditTx(ctx, tx, store.AuditEntry{At: now, Actor: actor, Action: "review.assign", Subject: fmt.Sprintf("case:%d", caseID),
			Detail: map[string]any{"old": old, "new": assignee}})
	})
}

// AddNote adds a support note to a case.
func (s *Service) AddNote(ctx context.Context, caseID int64, actor, body string) (Note, error) {
	body = strings.TrimSpace(body)
	if actor == "" || body == "" {
		return Note{}, fmt.Errorf("review: a note needs an actor and a body: %w", ErrInvalid)
	}
	now := s.now()
	n := Note{At: now, Actor: actor, Body: body}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM review_cases WHERE id = ?`, caseID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("review: case %d: %w", caseID, ErrNotFound)
		} else if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO review_case_notes (case_id, at, actor, body) VALUES (?, ?, ?, ?) RETURNING id`,
			caseID, ms(now), actor, body).Scan(&n.ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE review_cases SET updated_at = ? WHERE id = ?`, ms(now), caseID)
		return err
	})
	return n, err
}
