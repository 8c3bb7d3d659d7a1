package api

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/quota"
)

const (
	defaultPageSize = 50
	maxPageSize     = 200
	maxReasonLen    = 1000
)

var (
	planRe    = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)
	countryRe = regexp.MustCompile(`^[A-Za-z]{2}$`)
	// paymentFPRe: an opaque payment-method fingerprint from billing.
	paymentFPRe = regexp.MustCompile(`^[A-Za-z0-9._:+/=-]{1,128}$`)
)

// pathTenantID returns the {id} path parameter, refusing anything that is
// not a valid tenant id (odd characters, escapes, path tricks) with 400.
func pathTenantID(r *http.Request) (string, error) {
	id := chi.URLParam(r, "id")
	if !store.ValidTenantID(id) {
		return "", badRequest("invalid tenant id in path")
	}
	return id, nil
}

func principal(r *http.Request) Principal {
	p, _ := PrincipalFrom(r.Context())
	return p
}

// POST /tenants
func (a *API) createTenant(w http.ResponseWriter, r *http.Request) error {
	var req createTenantRequest
	if err := a.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	if req.Plan == "" {
		req.Plan = a.defaultPlan
	}
	t, err := validateCreate(req)
	if err != nil {
		return err
	}
	var paymentFP string
	if req.Signup != nil {
		paymentFP = req.Signup.PaymentFingerprint
		if paymentFP != "" && !paymentFPRe.MatchString(paymentFP) {
			return invalid("signup.payment_fingerprint must be 1 to 128 letters, digits or . _ : + / = -")
		}
	}
	ctx := r.Context()
	actor := principal(r).Actor()
	secret := store.NewSecret()
	hash, err := store.HashSecret(secret)
	if err != nil {
		return fmt.Errorf("hash smtp secret: %w", err)
	}
	t.SecretHash = hash
	t.Status = store.StatusActive
	t.CreatedAt = a.now()
	if err := a.db.CreateTenant(ctx, t); err != nil {
		if errors.Is(err, store.ErrExists) {
			return conflict("a tenant with this id already exists")
		}
		return err
	}
	// The tenant and its quota are made in two steps (store and quota own
	// one each); if the second fails, remove the first so a retry can
	// succeed rather than meet a 409 for a tenant nobody has the secret of.
	undo := func(cause error) error {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := a.db.Exec(uctx, `DELETE FROM tenants WHERE id = ?`, t.ID); err != nil {
			a.log.ErrorContext(ctx, "api: could not undo a half-created tenant", "tenant", t.ID, "err", err)
		}
		return cause
	}
	if err := a.quotas.InitTenant(ctx, t.ID, t.Plan, actor); err != nil {
		return undo(fmt.Errorf("init quota: %w", err))
	}
	// Review links trial tenants that share signup traits (one quota
	// budget); a tenant it does not know of would escape that.
	if a.reviews != nil {
		if err := a.reviews.RegisterTenant(ctx, t.ID, paymentFP); err != nil {
			return undo(fmt.Errorf("register tenant with review: %w", err))
		}
	}
	if err := a.db.Audit(ctx, store.AuditEntry{At: t.CreatedAt, Actor: actor, Action: "tenant.create", Subject: "tenant:" + t.ID,
		Detail: map[string]any{"plan": t.Plan, "signup_ip": t.Signup.IP, "signup_email": t.Signup.Email, "signup_country": t.Signup.Country}}); err != nil {
		return undo(fmt.Errorf("audit tenant creation: %w", err))
	}
	t.UpdatedAt = t.CreatedAt
	out := createdTenantJSON{tenantJSON: toTenantJSON(t), SMTPUsername: t.ID, SMTPPassword: secret}
	// The password is shown only now: a failing quota read must not lose it.
	if st, err := a.quotas.Status(ctx, t.ID); err == nil {
		out.Quota = toQuotaJSON(st)
	} else {
		a.log.WarnContext(ctx, "api: quota status after create", "tenant", t.ID, "err", err)
	}
	w.Header().Set("Location", Prefix+"/tenants/"+t.ID)
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func validateCreate(req createTenantRequest) (store.Tenant, error) {
	t := store.Tenant{ID: req.ID, Plan: req.Plan}
	if req.ID == "" {
		return t, invalid("id is required")
	}
	if !store.ValidTenantID(req.ID) {
		return t, invalid("id must be 1 to 63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	if !planRe.MatchString(req.Plan) {
		return t, invalid("plan must be a plan name such as \"trial\" or \"paid\"")
	}
	if s := req.Signup; s != nil {
		if s.IP != "" {
			ip, err := netip.ParseAddr(s.IP)
			if err != nil || ip.Zone() != "" {
				return t, invalid("signup.ip must be an IPv4 or IPv6 address")
			}
			t.Signup.IP = ip.Unmap().String()
		}
		if s.Email != "" {
			at := strings.LastIndexByte(s.Email, '@')
			if len(s.Email) > 254 || at < 1 || at == len(s.Email)-1 || strings.ContainsAny(s.Email, " \t\r\n<>") {
				return t, invalid("signup.email must be an email address")
			}
			t.Signup.Email = s.Email
		}
		if s.Country != "" {
			if !countryRe.MatchString(s.Country) {
				return t, invalid("signup.country must be an ISO 3166-1 alpha-2 code")
			}
			t.Signup.Country = strings.ToUpper(s.Country)
		}
	}
	return t, nil
}

// GET /tenants/{id}
func (a *API) getTenant(w http.ResponseWriter, r *http.Request) error {
	id, err := pathTenantID(r)
	if err != nil {
		return err
	}
	t, err := a.db.Tenant(r.Context(), id)
	if err != nil {
		return err
	}
	st, err := a.quotas.Status(r.Context(), id)
	if err != nil {
		return errUnavailable(fmt.Errorf("quota status: %w", err))
	}
	out := toTenantJSON(t)
	out.Quota = toQuotaJSON(st)
	if st.Plan != "" { // quota owns what plan a tenant is on
		out.Plan = st.Plan
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// GET /tenants
func (a *API) listTenants(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "status", "plan", "limit", "cursor")
	if err != nil {
		return err
	}
	limit, err := pageLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	f := store.TenantFilter{Status: q.Get("status"), Plan: q.Get("plan"), Limit: limit + 1}
	switch f.Status {
	case "", store.StatusActive, store.StatusReview, store.StatusSuspended:
	default:
		return badRequest("status must be active, review or suspended")
	}
	if f.Plan != "" && !planRe.MatchString(f.Plan) {
		return badRequest("plan is not a plan name")
	}
	if c := q.Get("cursor"); c != "" {
		after, err := decodeCursor(c)
		if err != nil || !store.ValidTenantID(after) {
			return badRequest("invalid cursor")
		}
		f.After = after
	}
	ts, err := a.db.ListTenants(r.Context(), f)
	if err != nil {
		return err
	}
	out := listJSON[tenantJSON]{Items: make([]tenantJSON, 0, min(len(ts), limit))}
	if len(ts) > limit {
		ts = ts[:limit]
		out.Next = encodeCursor(ts[len(ts)-1].ID)
	}
	for _, t := range ts {
		out.Items = append(out.Items, toTenantJSON(t))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// POST /tenants/{id}/quota
func (a *API) raiseQuota(w http.ResponseWriter, r *http.Request) error {
	id, err := pathTenantID(r)
	if err != nil {
		return err
	}
	var req raiseRequest
	if err := a.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	reason, err := validReason(req.Reason)
	if err != nil {
		return err
	}
	var to int64
	if req.To != nil {
		if *req.To <= 0 {
			return invalid("to must be a positive number of recipients per day")
		}
		to = *req.To
	}
	ctx := r.Context()
	if _, err := a.db.Tenant(ctx, id); err != nil {
		return err
	}
	ch, err := a.quotas.Raise(ctx, id, quota.RaiseRequest{Actor: principal(r).Actor(), Reason: reason, To: to})
	if err != nil {
		return err
	}
	out := raiseJSON{Change: toChangeJSON(ch)}
	if st, err := a.quotas.Status(ctx, id); err == nil {
		out.Quota = toQuotaJSON(st)
	} else {
		a.log.WarnContext(ctx, "api: quota status after raise", "tenant", id, "err", err)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// GET /tenants/{id}/quota/history
func (a *API) quotaHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathTenantID(r)
	if err != nil {
		return err
	}
	q, err := queryParams(r, "limit", "cursor")
	if err != nil {
		return err
	}
	limit, err := pageLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	var before int64
	if c := q.Get("cursor"); c != "" {
		s, err := decodeCursor(c)
		if err == nil {
			before, err = strconv.ParseInt(s, 10, 64)
		}
		if err != nil || before <= 0 {
			return badRequest("invalid cursor")
		}
	}
	ctx := r.Context()
	if _, err := a.db.Tenant(ctx, id); err != nil {
		return err
	}
	chs, err := a.quotas.History(ctx, id, before, limit+1)
	if err != nil {
		return err
	}
	out := listJSON[changeJSON]{Items: make([]changeJSON, 0, min(len(chs), limit))}
	if len(chs) > limit {
		chs = chs[:limit]
		out.Next = encodeCursor(strconv.FormatInt(chs[len(chs)-1].ID, 10))
	}
	for _, c := range chs {
		if c.Tenant != id { // defence in depth: never show another tenant's change
			return fmt.Errorf("quota history for %q returned a change of %q", id, c.Tenant)
		}
		out.Items = append(out.Items, toChangeJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// POST /tenants/{id}/suspend
func (a *API) suspendTenant(w http.ResponseWriter, r *http.Request) error {
	return a.setStatus(w, r, store.StatusSuspended)
}

// POST /tenants/{id}/resume
func (a *API) resumeTenant(w http.ResponseWriter, r *http.Request) error {
	return a.setStatus(w, r, store.StatusActive)
}

func (a *API) setStatus(w http.ResponseWriter, r *http.Request, status string) error {
	id, err := pathTenantID(r)
	if err != nil {
		return err
	}
	var req reasonRequest
	if err := a.decodeBody(w, r, &req, false); err != nil {
		return err
	}
	reason, err := validReason(req.Reason)
	if err != nil {
		return err
	}
	ctx := r.Context()
	t, err := a.db.Tenant(ctx, id)
	if err != nil {
		return err
	}
	if status == store.StatusActive && t.Status == store.StatusReview {
		return conflict("the tenant is under review: its review case decides, not resume")
	}
	if t.Status != status {
		if err := a.db.SetTenantStatus(ctx, id, status, principal(r).Actor(), reason); err != nil {
			return err
		}
		if t, err = a.db.Tenant(ctx, id); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, toTenantJSON(t))
	return nil
}

// POST /tenants/{id}/rotate-secret
func (a *API) rotateSecret(w http.ResponseWriter, r *http.Request) error {
	id, err := pathTenantID(r)
	if err != nil {
		return err
	}
	var empty struct{} // no fields: an empty body or {}
	if err := a.decodeBody(w, r, &empty, true); err != nil {
		return err
	}
	secret := store.NewSecret()
	hash, err := store.HashSecret(secret)
	if err != nil {
		return fmt.Errorf("hash smtp secret: %w", err)
	}
	if err := a.db.SetTenantSecret(r.Context(), id, hash, principal(r).Actor()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, secretJSON{ID: id, SMTPUsername: id, SMTPPassword: secret})
	return nil
}

func validReason(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalid("reason is required")
	}
	if len(s) > maxReasonLen {
		return "", invalid(fmt.Sprintf("reason is longer than %d bytes", maxReasonLen))
	}
	return s, nil
}

func pageLimit(s string) (int, error) {
	if s == "" {
		return defaultPageSize, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxPageSize {
		return 0, badRequest(fmt.Sprintf("limit must be a number from 1 to %d", maxPageSize))
	}
	return n, nil
}

// queryParams parses the query string strictly: malformed escapes, unknown
// parameters and repeated ones are refused with 400.
func queryParams(r *http.Request, known ...string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequest("malformed query string")
	}
	return q, onlyParams(q, known...)
}

func onlyParams(q url.Values, known ...string) error {
	for k := range q {
		ok := false
		for _, n := range known {
			ok = ok || k == n
		}
		if !ok {
			return badRequest(fmt.Sprintf("unknown query parameter %q", k))
		}
	}
	for _, k := range known {
		if len(q[k]) > 1 {
			return badRequest(fmt.Sprintf("query parameter %q given more than once", k))
		}
	}
	return nil
}

// Cursors are opaque to clients: base64url of the last item's key.
func encodeCursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	return string(b), err
}
