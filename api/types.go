package api

import (
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/quota"
)

// Wire types: the JSON shapes of the API, kept apart from domain types so a
// change in store or quota never changes what clients see by accident.

type signupJSON struct {
	IP      string `json:"ip"`
	Email   string `json:"email"`
	Country string `json:"country"`
}

// signupRequest is signupJSON plus what is taken but never shown.
type signupRequest struct {
	signupJSON
	// PaymentFingerprint is billing's fingerprint of the payment method
	// (e.g. a card fingerprint), for review's linked-tenant detection.
	PaymentFingerprint string `json:"payment_fingerprint"`
}

type createTenantRequest struct {
	ID     string         `json:"id"`
	Plan   string         `json:"plan"`
	Signup *signupRequest `json:"signup"`
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

type raiseRequest struct {
	Reason string `json:"reason"`
	To     *int64 `json:"to"`
}

type quotaJSON struct {
	Plan      string    `json:"plan"`
	Limit     int64     `json:"limit"`
	Used      int64     `json:"used"`
	Remaining int64     `json:"remaining"`
	ResetsAt  time.Time `json:"resets_at"`
}

type tenantJSON struct {
	ID        string      `json:"id"`
	Plan      string      `json:"plan"`
	Status    string      `json:"status"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
	Signup    *signupJSON `json:"signup,omitempty"`
	Quota     *quotaJSON  `json:"quota,omitempty"`
}

type createdTenantJSON struct {
	tenantJSON
	SMTPUsername string `json:"smtp_username"`
	SMTPPassword string `json:"smtp_password"`
}

type secretJSON struct {
	ID           string `json:"id"`
	SMTPUsername string `json:"smtp_username"`
	SMTPPassword string `json:"smtp_password"`
}

type changeJSON struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	TenantID string    `json:"tenant_id"`
	Actor    string    `json:"actor"`
	Reason   string    `json:"reason"`
	Kind     string    `json:"kind"`
	OldPlan  string    `json:"old_plan"`
	NewPlan  string    `json:"new_plan"`
	OldLimit int64     `json:"old_limit"`
	NewLimit int64     `json:"new_limit"`
}

type raiseJSON struct {
	Change changeJSON `json:"change"`
	Quota  *quotaJSON `json:"quota,omitempty"`
}

type listJSON[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

type billingEventRequest struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	TenantID string `json:"tenant_id"`
	Created  int64  `json:"created"`
}

type billingEventJSON struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	TenantID   string    `json:"tenant_id"`
	Outcome    string    `json:"outcome"` // applied, unchanged, ignored
	Plan       string    `json:"plan,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
}

func toTenantJSON(t store.Tenant) tenantJSON {
	out := tenantJSON{ID: t.ID, Plan: t.Plan, Status: t.Status, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
	if t.Signup != (store.Signup{}) {
		out.Signup = &signupJSON{IP: t.Signup.IP, Email: t.Signup.Email, Country: t.Signup.Country}
	}
	return out
}

func toQuotaJSON(s quota.Status) *quotaJSON {
	return &quotaJSON{Plan: s.Plan, Limit: s.Limit, Used: s.Used, Remaining: s.Remaining, ResetsAt: s.ResetsAt.UTC()}
}

func toChangeJSON(c quota.Change) changeJSON {
	return changeJSON{ID: c.ID, At: c.At.UTC(), TenantID: c.Tenant, Actor: c.Actor, Reason: c.Reason, Kind: c.Kind,
		OldPlan: c.OldPlan, NewPlan: c.NewPlan, OldLimit: c.OldLimit, NewLimit: c.NewLimit}
}
