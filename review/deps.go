package review

import "context"

// Learner trains the content classifier on a support decision: spam on
// reject, ham on approve. scoring's *Scorer satisfies it.
type Learner interface {
	Learn(raw []byte, spam bool) error
}

// Quotas is the part of quota review drives: one step up on an approve with
// RaiseQuota, and a shared budget for linked trial tenants.
type Quotas interface {
	Raise(ctx context.Context, tenantID, actor, reason string) error
	SetBudget(ctx context.Context, tenantID, budgetID string) error
}

// Deliverer sends released mail upstream (DKIM-signed by the relay's pool).
// It returns an error only when nothing can be said per recipient (no
// connection, timeout); then every recipient is retried.
type Deliverer interface {
	Deliver(ctx context.Context, from string, to []string, raw []byte) (DeliveryResult, error)
}

// DomainVerifier says which recipient domains a tenant has proven it owns;
// mail only to those skips probation. Optional.
type DomainVerifier interface {
	VerifiedDomains(ctx context.Context, tenantID string) ([]string, error)
}

// RcptStatus is the upstream's answer for one recipient.
type RcptStatus int

const (
	// Accepted: the upstream answered 250 for the recipient and the data.
	Accepted RcptStatus = iota
	// TempFail: a 4xx; the recipient is retried with backoff.
	TempFail
	// PermFail: a 5xx; the recipient is dropped and the failure recorded.
	PermFail
)

func (s RcptStatus) String() string {
	switch s {
	case Accepted:
		return "accepted"
	case TempFail:
		return "temporary"
	case PermFail:
		return "permanent"
	}
	return "unknown"
}

// RcptResult is the outcome for one recipient.
type RcptResult struct {
	Rcpt   string
	Status RcptStatus
	Code   int    // SMTP reply code, 0 if none
	Text   string // the upstream's reply text
}

// DeliveryResult is the outcome of one delivery attempt. A recipient the
// result does not mention is treated as a temporary failure.
type DeliveryResult struct {
	Rcpts []RcptResult
}

// RaiseProposer finds tenants that earned a quota raise by sending near
// their limit for a while (quota's ProposeEarnedRaises); review asks back
// whether each is clean and opens a non-holding case for each proposal.
// Optional.
type RaiseProposer interface {
	ProposeEarnedRaises(ctx context.Context, clean func(tenantID string) bool) ([]RaiseProposal, error)
}

// RaiseProposal is one earned-raise proposal.
type RaiseProposal struct {
	TenantID      string
	CurrentLimit  int64
	ProposedLimit int64
	Reason        string
}
