package smtpd

import (
	"context"
	"net/netip"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
)

// Tenants looks tenants up (a *store.DB satisfies it).
type Tenants interface {
	Tenant(ctx context.Context, id string) (store.Tenant, error)
}

// Quota reserves recipients for a tenant's message, all-or-nothing, at the end of DATA
// (after the body arrived, before relaying). Commit after the upstream's 250 or after a
// durable hold; Release on any failure, so a failed delivery does not burn quota.
//
// Quota errors are recognised by behaviour, with errors.As on these interfaces:
//
//	interface{ QuotaExceeded() (limit int64, resetsAt time.Time) } → 451 4.7.1 "daily quota of N
//	    recipients reached; capacity frees up at <RFC3339>; ask support or upgrade your plan to raise it"
//	any other error → 451 4.3.0 temporary
type Quota interface {
	Reserve(ctx context.Context, tenant string, recipients int) (Reservation, error)
}

// Reservation is what Quota.Reserve holds until the message's fate is known.
type Reservation interface {
	Commit(ctx context.Context) error
	Release(ctx context.Context) error
}

// QuotaExceededError is the behaviour smtpd looks for (errors.As) in a
// Quota.Reserve error to answer 451 4.7.1 with the limit and reset time.
type QuotaExceededError interface {
	QuotaExceeded() (limit int64, resetsAt time.Time)
}

// Inspector decides what happens to a received message (content score, tenant review state).
type Inspector interface {
	Inspect(ctx context.Context, m *Message) (Decision, error)
}

// Holder stores a held message durably; smtpd then answers 250 "held for review".
type Holder interface {
	Hold(ctx context.Context, m *Message, d Decision) error
}

// DKIMKeySource lists the DKIM signing keys (a *store.DB satisfies it). smtpd
// reloads it every Options.DKIMRefresh.
type DKIMKeySource interface {
	DKIMKeys(ctx context.Context) ([]store.DKIMKey, error)
}

// Message is one received message, as Inspector and Holder see it. The
// Inspector sees smtpd's pooled buffer in Raw: it must not keep Raw after
// Inspect returns (copy what it needs). A Holder gets a Message of its own.
type Message struct {
	QueueID   string // outpost's id for this transaction
	Tenant    store.Tenant
	RemoteIP  netip.Addr
	Helo      string
	From      string
	To        []string // recipients the upstream accepted
	Raw       []byte   // the message as it will be relayed (Received added, X-Outpost-Tenant removed), before DKIM
	MessageID string   // Message-ID header value
	Received  time.Time
}

// Action is what to do with a message.
type Action int

const (
	ActionRelay  Action = iota // DKIM-sign and send upstream
	ActionHold                 // store durably with the Holder, answer 250 held
	ActionReject               // answer 550 5.7.1 <Reason>
)

func (a Action) String() string {
	switch a {
	case ActionRelay:
		return "relay"
	case ActionHold:
		return "hold"
	case ActionReject:
		return "reject"
	}
	return "unknown"
}

// Decision is an Inspector's verdict on a message.
type Decision struct {
	Action Action
	Code   string // machine reason code for logs/metrics, e.g. "content.spam", "tenant.review"
	Reason string // text safe to show the sender in the SMTP reply (reject: 550 5.7.1 <Reason>)
	Score  float64
}

// NoQuota admits every message: it enforces no quota at all. Use it only
// where quota is deliberately off (tests, development).
type NoQuota struct{}

// Reserve always succeeds.
func (NoQuota) Reserve(context.Context, string, int) (Reservation, error) {
	return noReservation{}, nil
}

type noReservation struct{}

func (noReservation) Commit(context.Context) error  { return nil }
func (noReservation) Release(context.Context) error { return nil }

// RelayAll is an Inspector that relays every message unexamined.
type RelayAll struct{}

// Inspect always answers ActionRelay.
func (RelayAll) Inspect(context.Context, *Message) (Decision, error) {
	return Decision{Action: ActionRelay, Code: "inspect.none"}, nil
}

var (
	_ Quota         = NoQuota{}
	_ Inspector     = RelayAll{}
	_ Tenants       = (*store.DB)(nil)
	_ DKIMKeySource = (*store.DB)(nil)
)
