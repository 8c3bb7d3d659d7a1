package review

import (
	"context"

	"github.com/outpost-mail/outpost/quota"
)

// ManagerQuotas is a quota.Manager as review's Quotas and RaiseProposer:
// the adapter serve wires and the tests that use a real Manager share.
type ManagerQuotas struct{ M *quota.Manager }

var (
	_ Quotas        = ManagerQuotas{}
	_ RaiseProposer = ManagerQuotas{}
)

func (q ManagerQuotas) Raise(ctx context.Context, tenantID, actor, reason string) error {
	_, err := q.M.Raise(ctx, tenantID, quota.RaiseRequest{Actor: actor, Reason: reason})
	return err
}

func (q ManagerQuotas) SetBudget(ctx context.Context, tenantID, budgetID string) error {
	return q.M.SetBudget(ctx, tenantID, budgetID)
}

func (q ManagerQuotas) ProposeEarnedRaises(ctx context.Context, clean func(string) bool) ([]RaiseProposal, error) {
	ps, err := q.M.ProposeEarnedRaises(ctx, clean)
	out := make([]RaiseProposal, 0, len(ps))
	for _, x := range ps {
		out = append(out, RaiseProposal{TenantID: x.Tenant, CurrentLimit: x.CurrentLimit, ProposedLimit: x.ProposedLimit, Reason: x.Reason})
	}
	return out, err
}
