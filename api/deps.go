package api

import (
	"context"

	"github.com/outpost-mail/outpost/quota"
)

// Quotas is what the API needs of quota: a tenant's starting limit, its
// status, plan changes from billing, support raises and the change history.
type Quotas interface {
	InitTenant(ctx context.Context, tenantID, plan, actor string) error
	Status(ctx context.Context, tenantID string) (quota.Status, error)
	SetPlan(ctx context.Context, tenantID, plan, actor, reason string) (quota.Change, error)
	Raise(ctx context.Context, tenantID string, req quota.RaiseRequest) (quota.Change, error)
	History(ctx context.Context, tenantID string, before int64, limit int) ([]quota.Change, error)
}

var _ Quotas = (*quota.Manager)(nil)
