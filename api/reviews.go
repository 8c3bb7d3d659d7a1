package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/go-chi/chi/v5"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/quota"
	"github.com/outpost-mail/outpost/review"
)

const (
	maxNoteLen        = 4000
	maxAssigneeLen    = 200
	maxFeedbackEvents = 1000
	// maxFeedbackBody is the body limit of POST /feedback (or MaxBodyBytes
	// when larger): 1000 events of up to about 1 KiB each.
	maxFeedbackBody = 1 << 20
	maxEventIDLen   = 256
	// feedbackSkew is how far in the future an event's time may be.
	feedbackSkew = time.Hour
)

var (
	idRe         = regexp.MustCompile(`^[1-9][0-9]{0,17}$`)
	caseCursorRe = regexp.MustCompile(`^[0-9]{1,3}\.[1-9][0-9]{0,17}$`)
)

// reviewRoutes adds the review routes to r, which is behind Authenticate
// and RequireScope(support); admin passes too.
func (a *API) reviewRoutes(r chi.Router) {
	r.Get("/reviews", a.handle(a.listReviews))
	r.Get("/reviews/{id}", a.handle(a.getReview))
	r.Post("/reviews/{id}/decision", a.handle(a.decideReview))
	r.Post("/reviews/{id}/assign", a.handle(a.assignReview))
	r.Post("/reviews/{id}/notes", a.handle(a.addReviewNote))
	r.Post("/campaigns/{id}/decision", a.handle(a.decideCampaign))
	r.Get("/tenants/{id}/held", a.handle(a.listHeld))
	r.Get("/held/{id}", a.handle(a.getHeld))
	r.Post("/held/{id}/release", a.handle(a.releaseHeld))
	r.Post("/held/{id}/discard", a.handle(a.discardHeld))
	r.Post("/feedback", a.handle(a.feedback))
}

// pathID returns the numeric {id} path parameter (a case, campaign or held
// message), refusing anything else with 400.
func pathID(r *http.Request, what string) (int64, error) {
	s := chi.URLParam(r, "id")
	if !idRe.MatchString(s) {
		return 0, badRequest("invalid " + what + " id in path")
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, badRequest("invalid " + what + " id in path")
	}
	return id, nil
}

// GET /reviews
func (a *API) listReviews(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "state", "min_priority", "assignee", "tenant_id", "campaign_id", "limit", "cursor")
	if err != nil {
		return err
	}
	limit, err := pageLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	f := review.CaseFilter{Assignee: q.Get("assignee"), TenantID: q.Get("tenant_id"), Limit: limit}
	var states []string
	switch s := q.Get("state"); s {
	case "", review.CaseOpen:
		states = []string{review.CaseOpen}
	case review.CaseApproved, review.CaseRejected:
		states = []string{s}
	case "closed":
		states = []string{review.CaseApproved, review.CaseRejected}
	case "all":
		states = []string{""}
	default:
		return badRequest("state must be open, closed, approved, rejected or all")
	}
	if s := q.Get("min_priority"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 100 {
			return badRequest("min_priority must be a number from 0 to 100")
		}
		f.MinPriority = n
	}
	if len(f.Assignee) > maxAssigneeLen {
		return badRequest("assignee is too long")
	}
	if f.TenantID != "" && !store.ValidTenantID(f.TenantID) {
		return badRequest("tenant_id is not a tenant id")
	}
	if s := q.Get("campaign_id"); s != "" {
		if !idRe.MatchString(s) {
			return badRequest("campaign_id must be a campaign id")
		}
		f.CampaignID, _ = strconv.ParseInt(s, 10, 64)
	}
	if c := q.Get("cursor"); c != "" {
		key, err := decodeCursor(c)
		if err != nil || !caseCursorRe.MatchString(key) {
			return badRequest("invalid cursor")
		}
		f.Cursor = key
	}
	ctx := r.Context()
	cases, next, err := a.listCases(ctx, f, states)
	if err != nil {
		return err
	}
	out := listJSON[caseJSON]{Items: make([]caseJSON, 0, len(cases))}
	if next != "" {
		out.Next = encodeCursor(next)
	}
	for _, c := range cases { // ListCases gives each case's reasons: no query per case
		out.Items = append(out.Items, toCaseJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// listCases lists cases in one or several states ("" = every state) in
// review's order (priority, then id, both descending), merging the states'
// pages; next is the key of the page's last case, "" when done.
func (a *API) listCases(ctx context.Context, f review.CaseFilter, states []string) ([]review.Case, string, error) {
	if len(states) == 1 {
		f.State = states[0]
		return a.reviews.ListCases(ctx, f)
	}
	var all []review.Case
	more := false
	for _, s := range states {
		f.State = s
		cs, next, err := a.reviews.ListCases(ctx, f)
		if err != nil {
			return nil, "", err
		}
		all = append(all, cs...)
		more = more || next != ""
	}
	slices.SortFunc(all, func(x, y review.Case) int {
		if x.Priority != y.Priority {
			return y.Priority - x.Priority
		}
		return cmp.Compare(y.ID, x.ID)
	})
	if len(all) > f.Limit || more {
		all = all[:min(len(all), f.Limit)]
		last := all[len(all)-1]
		return all, fmt.Sprintf("%d.%d", last.Priority, last.ID), nil
	}
	return all, "", nil
}

// GET /reviews/{id}
func (a *API) getReview(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "case")
	if err != nil {
		return err
	}
	ctx := r.Context()
	d, err := a.reviews.CaseDetail(ctx, id)
	if err != nil {
		return err
	}
	out := caseDetailJSON{caseJSON: toCaseJSON(d.Case),
		Tenant: pictureJSON{Plan: d.Tenant.Plan, Status: d.Tenant.Status, CreatedAt: d.Tenant.CreatedAt.UTC(),
			Network: d.Tenant.Network, ContactDomain: d.Tenant.ContactDomain, Country: d.Tenant.Country, BudgetID: d.Tenant.BudgetID,
			Messages: d.Tenant.Messages, Relayed: d.Tenant.Relayed, Held: d.Tenant.Held, Rejected: d.Tenant.Rejected,
			Recipients: d.Tenant.Recipients, AvgScore: d.Tenant.AvgScore, MaxScore: d.Tenant.MaxScore,
			VelocityPerHour: d.Tenant.VelocityPerHour, BounceRate: d.Tenant.BounceRate, ComplaintRate: d.Tenant.ComplaintRate,
			Risk: d.Tenant.Risk},
		QuotaHistory:     []changeJSON{},
		Signals:          signalSums(d.Held),
		Held:             heldSummaryJSON{Count: d.HeldCount, Bytes: d.HeldBytes, Samples: make([]heldJSON, 0, len(d.Held))},
		Sent:             make([]sentJSON, 0, len(d.Sent)),
		RecipientDomains: make([]domainCountJSON, 0, len(d.RecipientDomains)),
		RelatedTenants:   append([]string{}, d.Related...),
		Notes:            make([]noteJSON, 0, len(d.Notes)),
		History:          make([]auditJSON, 0, len(d.History)),
	}
	if d.Tenant.Status == "" { // review has not seen the tenant yet
		if t, err := a.db.Tenant(ctx, d.TenantID); err == nil {
			out.Tenant.Plan, out.Tenant.Status, out.Tenant.CreatedAt = t.Plan, t.Status, t.CreatedAt.UTC()
		}
	}
	// Quota is context, not the case: a failing quota read leaves it out.
	if st, err := a.quotas.Status(ctx, d.TenantID); err == nil {
		out.Quota = toQuotaJSON(st)
		if st.Plan != "" {
			out.Tenant.Plan = st.Plan
		}
	} else {
		a.log.WarnContext(ctx, "api: quota status for a case", "case", id, "tenant", d.TenantID, "err", err)
	}
	if chs, err := a.quotas.History(ctx, d.TenantID, 0, 10); err == nil {
		for _, c := range chs {
			out.QuotaHistory = append(out.QuotaHistory, toChangeJSON(c))
		}
	} else {
		a.log.WarnContext(ctx, "api: quota history for a case", "case", id, "tenant", d.TenantID, "err", err)
	}
	for _, h := range d.Held {
		out.Held.Samples = append(out.Held.Samples, toHeldJSON(h))
	}
	for _, s := range d.Sent {
		out.Sent = append(out.Sent, sentJSON{QueueID: s.QueueID, At: s.At.UTC(), From: s.From, Recipients: s.Rcpts,
			Subject: s.Subject, Score: s.Score, Action: s.Action, Code: s.Code})
	}
	for _, x := range d.RecipientDomains {
		out.RecipientDomains = append(out.RecipientDomains, domainCountJSON{Domain: x.Domain, Count: x.Count})
	}
	if d.Campaign != nil {
		out.Campaign = toCampaignJSON(*d.Campaign)
	}
	for _, n := range d.Notes {
		out.Notes = append(out.Notes, toNoteJSON(n))
	}
	for _, e := range d.History {
		out.History = append(out.History, toAuditJSON(e))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// validDecision checks a decision body. A reject needs a note (it suspends
// a tenant; the note says why, for the tenant's appeal); raise_quota goes
// only with approve, and never with a campaign decision.
func validDecision(req decisionRequest, actor string, campaign bool) (review.DecisionRequest, error) {
	out := review.DecisionRequest{Decision: req.Decision, RaiseQuota: req.RaiseQuota, Note: strings.TrimSpace(req.Note), Actor: actor}
	switch req.Decision {
	case "approve", "reject":
	case "":
		return out, invalid("decision is required: approve or reject")
	default:
		return out, invalid("decision must be approve or reject")
	}
	if len(out.Note) > maxReasonLen {
		return out, invalid(fmt.Sprintf("note is longer than %d bytes", maxReasonLen))
	}
	if req.Decision == "reject" && out.Note == "" {
		return out, invalid("note is required to reject: say why the tenant is suspended")
	}
	if req.RaiseQuota && req.Decision != "approve" {
		return out, invalid("raise_quota goes only with approve")
	}
	if req.RaiseQuota && campaign {
		return out, invalid("raise_quota is not available on campaign decisions: raise quotas case by case")
	}
	return out, nil
}

// POST /reviews/{id}/decision
func (a *API) decideReview(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "case")
	if err != nil {
		return err
	}
	var req decisionRequest
	if err := a.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	actor := principal(r).Actor()
	dreq, err := validDecision(req, actor, false)
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := a.reviews.Case(ctx, id)
	if err != nil {
		return err
	}
	state := review.CaseApproved
	if dreq.Decision == "reject" {
		state = review.CaseRejected
	}
	// Decided cases are final: a second decision (even the same one) is a
	// conflict, so a double submit cannot raise a quota twice.
	if c.State != review.CaseOpen {
		return conflict(fmt.Sprintf("case %d is already %s", id, c.State))
	}
	var before quota.Status
	haveBefore := false
	if dreq.RaiseQuota {
		before, err = a.quotas.Status(ctx, c.TenantID)
		haveBefore = err == nil
	}
	res, err := a.reviews.Decide(ctx, id, dreq)
	out := decisionJSON{CaseID: id, TenantID: c.TenantID, Decision: dreq.Decision, State: state, Learned: res.Learned, QuotaRaised: res.QuotaRaised}
	if err != nil {
		// What comes after the decision's commit (template learning, the
		// quota raise) may fail while the decision stands: then the answer
		// is the decision, with the raise's error when it did not happen.
		after, cerr := a.reviews.Case(ctx, id)
		if cerr != nil || after.State != state || after.DecidedBy != actor {
			return err
		}
		e, internal := toHTTP(err)
		a.log.WarnContext(ctx, "api: case decided, a later step failed", "case", id, "internal", internal, "err", err)
		if dreq.RaiseQuota && !res.QuotaRaised {
			out.QuotaError = &errorDetail{Code: e.Code, Message: "the case is approved but the quota was not raised (" + e.Message +
				"); raise it with POST /tenants/" + c.TenantID + "/quota"}
		}
	} else if after, err := a.reviews.Case(ctx, id); err == nil && after.DecidedBy != actor {
		// Someone else decided it between our read and Decide.
		return conflict(fmt.Sprintf("case %d was decided meanwhile by %s", id, after.DecidedBy))
	}
	if dreq.Decision == "approve" {
		out.Released = res.Messages
	} else {
		out.Discarded = res.Messages
	}
	out.TenantStatus = store.StatusActive
	if state == review.CaseRejected {
		out.TenantStatus = store.StatusSuspended
	}
	if t, err := a.db.Tenant(ctx, c.TenantID); err == nil {
		out.TenantStatus = t.Status
	}
	if dreq.RaiseQuota {
		if st, err := a.quotas.Status(ctx, c.TenantID); err == nil {
			out.Quota = toQuotaJSON(st)
			if haveBefore && out.QuotaRaised {
				out.QuotaChange = &quotaChangeJSON{OldLimit: before.Limit, NewLimit: st.Limit}
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// POST /campaigns/{id}/decision
func (a *API) decideCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "campaign")
	if err != nil {
		return err
	}
	var req decisionRequest
	if err := a.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	dreq, err := validDecision(req, principal(r).Actor(), true)
	if err != nil {
		return err
	}
	ctx := r.Context()
	cp, err := a.reviews.Campaign(ctx, id)
	if err != nil {
		return err
	}
	if cp.State != "open" {
		return conflict(fmt.Sprintf("campaign %d is already %s", id, cp.State))
	}
	results, err := a.reviews.DecideCampaign(ctx, id, dreq)
	if err != nil {
		return err
	}
	out := campaignDecisionJSON{CampaignID: id, Decision: dreq.Decision, State: "confirmed", Cases: make([]campaignCaseJSON, 0, len(results))}
	if dreq.Decision == "approve" {
		out.State = "dismissed"
	}
	for _, x := range results {
		out.Cases = append(out.Cases, campaignCaseJSON{CaseID: x.CaseID, TenantID: x.TenantID, Messages: x.Messages})
		if dreq.Decision == "approve" {
			out.Released += x.Messages
		} else {
			out.Discarded += x.Messages
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// POST /reviews/{id}/assign
func (a *API) assignReview(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "case")
	if err != nil {
		return err
	}
	var req assignRequest
	if err := a.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	if req.Assignee == nil {
		return invalid(`assignee is required ("" unassigns)`)
	}
	who := strings.TrimSpace(*req.Assignee)
	if len(who) > maxAssigneeLen || strings.IndexFunc(who, unicode.IsControl) >= 0 {
		return invalid(fmt.Sprintf("assignee must be at most %d bytes of printable text", maxAssigneeLen))
	}
	ctx := r.Context()
	if err := a.reviews.Assign(ctx, id, who, principal(r).Actor()); err != nil {
		return err
	}
	c, err := a.reviews.Case(ctx, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toCaseJSON(c))
	return nil
}

// POST /reviews/{id}/notes
func (a *API) addReviewNote(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "case")
	if err != nil {
		return err
	}
	var req noteRequest
	if err := a.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	body := strings.TrimSpace(req.Body)
	if body == "" {
		return invalid("body is required")
	}
	if len(body) > maxNoteLen {
		return invalid(fmt.Sprintf("body is longer than %d bytes", maxNoteLen))
	}
	n, err := a.reviews.AddNote(r.Context(), id, principal(r).Actor(), body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toNoteJSON(n))
	return nil
}

// GET /tenants/{id}/held
func (a *API) listHeld(w http.ResponseWriter, r *http.Request) error {
	tenant, err := pathTenantID(r)
	if err != nil {
		return err
	}
	q, err := queryParams(r, "state", "limit", "cursor")
	if err != nil {
		return err
	}
	limit, err := pageLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	f := review.HeldFilter{Limit: limit}
	switch s := q.Get("state"); s {
	case "":
		f.State = "held"
	case "all":
	case "held", "queued", "sent", "failed", "discarded":
		f.State = s
	default:
		return badRequest("state must be held, queued, sent, failed, discarded or all")
	}
	if c := q.Get("cursor"); c != "" {
		key, err := decodeCursor(c)
		if err != nil || !idRe.MatchString(key) {
			return badRequest("invalid cursor")
		}
		f.Before, _ = strconv.ParseInt(key, 10, 64)
	}
	ctx := r.Context()
	if _, err := a.db.Tenant(ctx, tenant); err != nil {
		return err
	}
	hs, next, err := a.reviews.ListHeld(ctx, tenant, f)
	if err != nil {
		return err
	}
	out := listJSON[heldJSON]{Items: make([]heldJSON, 0, len(hs))}
	if next > 0 {
		out.Next = encodeCursor(strconv.FormatInt(next, 10))
	}
	for _, h := range hs {
		if h.TenantID != tenant { // defence in depth
			return fmt.Errorf("held list for %q returned a message of %q", tenant, h.TenantID)
		}
		out.Items = append(out.Items, toHeldJSON(h))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// GET /held/{id}
func (a *API) getHeld(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "held message")
	if err != nil {
		return err
	}
	h, err := a.reviews.HeldMessageByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toHeldJSON(h))
	return nil
}

// POST /held/{id}/release
func (a *API) releaseHeld(w http.ResponseWriter, r *http.Request) error {
	return a.settleHeld(w, r, false)
}

// POST /held/{id}/discard
func (a *API) discardHeld(w http.ResponseWriter, r *http.Request) error {
	return a.settleHeld(w, r, true)
}

func (a *API) settleHeld(w http.ResponseWriter, r *http.Request, discard bool) error {
	id, err := pathID(r, "held message")
	if err != nil {
		return err
	}
	var req settleRequest
	if err := a.decodeBody(w, r, &req, true); err != nil {
		return err
	}
	note := strings.TrimSpace(req.Note)
	if len(note) > maxReasonLen {
		return invalid(fmt.Sprintf("note is longer than %d bytes", maxReasonLen))
	}
	if req.Spam && !discard {
		return invalid("spam goes only with discard")
	}
	ctx := r.Context()
	h, err := a.reviews.HeldMessageByID(ctx, id)
	if err != nil {
		return err
	}
	if h.State != "held" {
		return conflict(fmt.Sprintf("held message %d is already %s", id, h.State))
	}
	actor := principal(r).Actor()
	if discard {
		err = a.reviews.DiscardMessage(ctx, id, actor, note, req.Spam)
	} else {
		err = a.reviews.ReleaseMessage(ctx, id, actor, note)
	}
	if err != nil {
		return err
	}
	if h, err = a.reviews.HeldMessageByID(ctx, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toHeldJSON(h))
	return nil
}

// POST /feedback
func (a *API) feedback(w http.ResponseWriter, r *http.Request) error {
	body, err := a.readBodyLimit(w, r, max(a.maxBody, maxFeedbackBody))
	if err != nil {
		return err
	}
	var req feedbackRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	if len(req.Events) > maxFeedbackEvents {
		return errorf(http.StatusRequestEntityTooLarge, CodeTooLarge,
			fmt.Sprintf("at most %d events per batch: split it", maxFeedbackEvents))
	}
	if len(req.Events) == 0 {
		return invalid("events must hold at least one event")
	}
	ctx := r.Context()
	now := a.now()
	out := feedbackJSON{Rejected: []feedbackRejectJSON{}, Cases: []int64{}}
	known := map[string]error{} // tenant id → nil if it exists
	var evs []review.FeedbackEvent
	for i, e := range req.Events {
		reject := func(code, msg string) {
			out.Rejected = append(out.Rejected, feedbackRejectJSON{Index: i, ID: e.ID, Code: code, Message: msg})
		}
		if msg := feedbackProblem(e, now); msg != "" {
			reject(CodeValidation, msg)
			continue
		}
		err, seen := known[e.TenantID]
		if !seen {
			_, err = a.db.Tenant(ctx, e.TenantID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			known[e.TenantID] = err
		}
		if err != nil {
			reject(CodeNotFound, "no tenant "+e.TenantID)
			continue
		}
		evs = append(evs, review.FeedbackEvent{ID: e.ID, TenantID: e.TenantID, Type: e.Type, QueueID: e.QueueID,
			Recipient: e.Recipient, At: e.At})
	}
	if len(evs) > 0 {
		res, err := a.reviews.RecordFeedback(ctx, evs)
		if err != nil {
			return err // a retry of the whole batch is safe: events are idempotent by id
		}
		out.Accepted, out.Duplicates = res.Recorded, res.Duplicates
		out.Cases = append(out.Cases, res.Cases...)
	}
	if out.Accepted > 0 {
		if err := a.db.Audit(ctx, store.AuditEntry{At: now, Actor: principal(r).Actor(), Action: "feedback.batch", Subject: "feedback",
			Detail: map[string]any{"accepted": out.Accepted, "duplicates": out.Duplicates, "rejected": len(out.Rejected), "cases": out.Cases}}); err != nil {
			return fmt.Errorf("audit feedback: %w", err)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// feedbackProblem says what is wrong with one event, "" if nothing.
func feedbackProblem(e feedbackEventRequest, now time.Time) string {
	switch {
	case e.ID == "":
		return "id is required"
	case len(e.ID) > maxEventIDLen || !printable(e.ID):
		return fmt.Sprintf("id must be at most %d bytes of printable text", maxEventIDLen)
	case e.Type != review.FeedbackBounce && e.Type != review.FeedbackComplaint:
		return "type must be bounce or complaint"
	case e.TenantID == "":
		return "tenant_id is required"
	case !store.ValidTenantID(e.TenantID):
		return "tenant_id is not a tenant id"
	case e.Recipient != "" && (len(e.Recipient) > 320 || !strings.Contains(e.Recipient, "@") || !printable(e.Recipient) || strings.ContainsAny(e.Recipient, " <>")):
		return "recipient must be an email address"
	case len(e.QueueID) > 200 || !printable(e.QueueID):
		return "queue_id must be at most 200 bytes of printable text"
	case !e.At.IsZero() && e.At.After(now.Add(feedbackSkew)):
		return "at is in the future"
	}
	return ""
}

func printable(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == unicode.ReplacementChar }) < 0
}
