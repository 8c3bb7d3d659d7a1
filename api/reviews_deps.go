package api

import (
	"context"

	"github.com/outpost-mail/outpost/review"
)

// Reviews is what the review routes need of review: the case queue and its
// decisions, held mail, bounce/complaint feedback, and the signup traits of
// new tenants (linked-tenant detection). Optional: with a nil Reviews the
// review routes are absent.
type Reviews interface {
	ListCases(ctx context.Context, f review.CaseFilter) ([]review.Case, string, error)
	Case(ctx context.Context, id int64) (review.Case, error)
	CaseDetail(ctx context.Context, id int64) (review.CaseDetail, error)
	Decide(ctx context.Context, caseID int64, req review.DecisionRequest) (review.DecisionResult, error)
	Campaign(ctx context.Context, id int64) (review.Campaign, error)
	DecideCampaign(ctx context.Context, campaignID int64, req review.DecisionRequest) ([]review.DecisionResult, error)
	Assign(ctx context.Context, caseID int64, assignee, actor string) error
	AddNote(ctx context.Context, caseID int64, actor, body string) (review.Note, error)
	ListHeld(ctx context.Context, tenantID string, f review.HeldFilter) ([]review.HeldMessage, int64, error)
	HeldMessageByID(ctx context.Context, id int64) (review.HeldMessage, error)
	ReleaseMessage(ctx context.Context, heldID int64, actor, note string) error
	DiscardMessage(ctx context.Context, heldID int64, actor, note string, spam bool) error
	RecordFeedback(ctx context.Context, evs []review.FeedbackEvent) (review.FeedbackResult, error)
	RegisterTenant(ctx context.Context, tenantID, paymentFP string) error
}

var _ Reviews = (*review.Service)(nil)
