package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
)

// Billing webhook constants.
const (
	// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256>".
	SignatureHeader = "Outpost-Signature"
	// ReplayHeader is "true" on the answer to an event id seen before.
	ReplayHeader = "Outpost-Replay"
	// EventPaymentSucceeded moves a tenant to the paid plan.
	EventPaymentSucceeded = "payment.succeeded"

	// staleClaim is how long an event may stay "processing" (a crash between
	// applying it and recording the outcome) before a retry takes it over.
	staleClaim = 2 * time.Minute
	maxEventID = 255
	maxSigV1   = 8
)

// Outcomes recorded for billing events.
const (
	OutcomeApplied   = "applied"
	OutcomeUnchanged = "unchanged"
	OutcomeIgnored   = "ignored"
)

// Sign returns the Outpost-Signature header value for body sent at t: what
// the billing system computes, and what tests and the demo use.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// verifySignature checks header against body: the HMAC first (so "stale"
// is only ever said of an authentic request), then the timestamp, which
// must be within SignatureTolerance of now in either direction.
func verifySignature(secret []byte, header string, body []byte, now time.Time) error {
	header = strings.TrimSpace(header)
	if header == "" {
		return errorf(http.StatusUnauthorized, CodeSignatureMissing, "the "+SignatureHeader+" header is required")
	}
	malformed := errorf(http.StatusUnauthorized, CodeSignatureInvalid, "malformed "+SignatureHeader+" header")
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return malformed
		}
		switch k {
		case "t":
			if ts != "" {
				return malformed
			}
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil && len(b) == sha256.Size && len(sigs) < maxSigV1 {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return malformed
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		ok = hmac.Equal(s, want) || ok
	}
	if !ok {
		return errorf(http.StatusUnauthorized, CodeSignatureInvalid, "signature does not match the body")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > SignatureTolerance || d < -SignatureTolerance {
		return errorf(http.StatusUnauthorized, CodeSignatureStale, "signature timestamp is outside the 5 minute tolerance")
	}
	return nil
}

// POST /billing/events
func (a *API) billingEvent(w http.ResponseWriter, r *http.Request) error {
	if len(a.secret) == 0 {
		return errorf(http.StatusServiceUnavailable, CodeUnavailable, "the billing webhook is not configured")
	}
	body, err := a.readBody(w, r)
	if err != nil {
		return err
	}
	now := a.now()
	if err := verifySignature(a.secret, r.Header.Get(SignatureHeader), body, now); err != nil {
		return err
	}
	var ev billingEventRequest
	if err := decodeJSON(body, &ev, false); err != nil {
		return err
	}
	if err := validateEvent(ev); err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	actor := principal(r).Actor()
	ctx := r.Context()

	replay, err := a.claimEvent(ctx, ev, hex.EncodeToString(sum[:]), actor, now)
	if err != nil {
		return err
	}
	if replay != nil {
		w.Header().Set(ReplayHeader, "true")
		writeRawJSON(w, replay.status, replay.body)
		return nil
	}
	out, err := a.applyEvent(ctx, ev, actor, now)
	if err == nil {
		err = a.finishEvent(ctx, ev, out, actor, now)
	}
	if err != nil {
		a.releaseEvent(ctx, ev.ID)
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func validateEvent(ev billingEventRequest) error {
	if ev.ID == "" || len(ev.ID) > maxEventID || strings.IndexFunc(ev.ID, func(c rune) bool { return c <= ' ' || c > '~' }) >= 0 {
		return invalid("id must be 1 to 255 printable ASCII characters without spaces")
	}
	if ev.Type == "" || len(ev.Type) > 100 {
		return invalid("type is required")
	}
	if ev.TenantID != "" && !store.ValidTenantID(ev.TenantID) {
		return invalid("tenant_id is not a valid tenant id")
	}
	if ev.Created < 0 || ev.Created > 1e11 {
		return invalid("created must be unix seconds")
	}
	if ev.Type == EventPaymentSucceeded && ev.TenantID == "" {
		return invalid("tenant_id is required for " + EventPaymentSucceeded)
	}
	return nil
}

type storedAnswer struct {
	status int
	body   []byte
}

// claimEvent records ev as processing, or returns the stored answer when ev
// was handled before. A claim held by another request answers 409 (the
// billing system retries); a claim left by a crash is taken over.
func (a *API) claimEvent(ctx context.Context, ev billingEventRequest, sum, actor string, now time.Time) (*storedAnswer, error) {
	var replay *storedAnswer
	err := a.db.InTx(ctx, func(tx *store.Tx) error {
		var state, hash, resp string
		var status int
		var received int64
		err := tx.QueryRow(ctx, `SELECT state, payload_sha256, status, response, received_at FROM billing_events WHERE id = ?`, ev.ID).
			Scan(&state, &hash, &status, &resp, &received)
		if errors.Is(err, sql.ErrNoRows) {
			_, err = tx.Exec(ctx, `INSERT INTO billing_events (id, type, tenant_id, payload_sha256, state, event_created, actor, received_at)
				VALUES (?, ?, ?, ?, 'processing', ?, ?, ?)`, ev.ID, ev.Type, ev.TenantID, sum, ev.Created*1000, actor, store.Millis(now))
			return err
		}
		if err != nil {
			return err
		}
		switch {
		case hash != sum:
			return conflict("this event id was already received with a different body")
		case state == "done":
			replay = &storedAnswer{status: status, body: []byte(resp)}
			return nil
		case now.Sub(store.FromMillis(received)) < staleClaim:
			return conflict("this event is being processed; retry later")
		}
		_, err = tx.Exec(ctx, `UPDATE billing_events SET actor = ?, received_at = ? WHERE id = ?`, actor, store.Millis(now), ev.ID)
		return err
	})
	if store.IsUniqueViolation(err) {
		return nil, conflict("this event is being processed; retry later")
	}
	if err != nil {
		return nil, fmt.Errorf("claim billing event: %w", err)
	}
	return replay, nil
}

// applyEvent takes the event's effect and says what it did.
func (a *API) applyEvent(ctx context.Context, ev billingEventRequest, actor string, now time.Time) (billingEventJSON, error) {
	out := billingEventJSON{ID: ev.ID, Type: ev.Type, TenantID: ev.TenantID, Outcome: OutcomeIgnored, ReceivedAt: now.UTC()}
	if ev.Type != EventPaymentSucceeded {
		return out, nil
	}
	if _, err := a.db.Tenant(ctx, ev.TenantID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return out, errorf(http.StatusNotFound, CodeNotFound, "no tenant "+ev.TenantID+" (yet); retry after it is created")
		}
		return out, err
	}
	// SetPlan records nothing and returns a Change with ID 0 when the tenant
	// is already on the plan (e.g. a second, distinct payment event).
	reason := "billing event " + ev.ID + " (" + ev.Type + ")"
	ch, err := a.quotas.SetPlan(ctx, ev.TenantID, a.paidPlan, actor, reason)
	if err != nil {
		return out, fmt.Errorf("set plan: %w", err)
	}
	out.Plan = a.paidPlan
	if ch.ID == 0 {
		out.Outcome = OutcomeUnchanged
		return out, nil
	}
	out.Outcome = OutcomeApplied
	return out, nil
}

// finishEvent stores the outcome and the answer, and audits the event, in
// one transaction.
func (a *API) finishEvent(ctx context.Context, ev billingEventRequest, out billingEventJSON, actor string, now time.Time) error {
	body, err := json.Marshal(out)
	if err != nil {
		return err
	}
	subject := "billing:" + ev.ID
	if ev.TenantID != "" {
		subject = "tenant:" + ev.TenantID
	}
	return a.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE billing_events SET state = 'done', outcome = ?, status = ?, response = ?, done_at = ? WHERE id = ?`,
			out.Outcome, http.StatusOK, string(body), store.Millis(now), ev.ID); err != nil {
			return fmt.Errorf("record billing event: %w", err)
		}
		return store.AuditTx(ctx, tx, store.AuditEntry{At: now, Actor: actor, Action: "billing.event", Subject: subject,
			Detail: map[string]any{"event_id": ev.ID, "type": ev.Type, "outcome": out.Outcome, "plan": out.Plan}})
	})
}

// releaseEvent drops a claim whose event failed, so the retry applies it.
func (a *API) releaseEvent(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := a.db.Exec(ctx, `DELETE FROM billing_events WHERE id = ? AND state = 'processing'`, id); err != nil {
		a.log.ErrorContext(ctx, "api: could not release a billing event claim", "event", id, "err", err)
	}
}
