package api

import (
	"context"
	"time"
)

// Quotas is what api needs from quota; *quota.Manager implements it.
type Quotas interface {
	InitTenant(ctx context.Context, tenantID, plan, actor string) error
	Status(ctx context.Context, tenantID string) (QuotaStatus, error)
	SetPlan(ctx context.Context, tenantID, plan, actor, reason string) (QuotaChange, error)
	Raise(ctx context.Context, tenantID string, req RaiseRequest) (QuotaChange, error)
	History(ctx context.Context, tenantID string, before int64, limit int) ([]QuotaChange, error)
}

// TEMPORARY mirrors of quota's types until the quota package lands.
type QuotaStatus struct {
	Plan                   string
	Limit, Used, Remaining int64
	ResetsAt               time.Time
}

type RaiseRequest struct {
	Actor, Reason string
	To            int64
}

type QuotaChange struct {
	ID                    int64
	At                    time.Time
	Tenant, Actor, Reason string
	Kind                  string
	OldPlan, NewPlan      string
	OldLimit, NewLimit    int64
}
