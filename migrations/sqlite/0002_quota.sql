-- Quota (owned by package quota): per-tenant limits with full change history,
-- rolling-window counters for the embedded SQL counter, daily usage for
-- earned-raise proposals, and the proposals themselves.
-- Times are unix milliseconds (BIGINT), as in 0001.

-- The limit in force for each tenant, and the budget its mail counts against
-- (the tenant's own id unless review linked it into a shared budget).
CREATE TABLE quota_limits (
    tenant_id   TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    plan        TEXT NOT NULL,
    daily_limit BIGINT NOT NULL,
    budget_id   TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX quota_limits_budget_idx ON quota_limits (budget_id);

-- Every change of plan, limit or budget: who, when, why, old → new.
CREATE TABLE quota_changes (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    reason    TEXT NOT NULL DEFAULT '',
    kind      TEXT NOT NULL,
    old_plan  TEXT NOT NULL DEFAULT '',
    new_plan  TEXT NOT NULL DEFAULT '',
    old_limit BIGINT NOT NULL DEFAULT 0,
    new_limit BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX quota_changes_tenant_idx ON quota_changes (tenant_id, id);

-- SQL counter: one row per budget, locked by every counter operation so the
-- read-decide-write of a reservation is serialised per budget.
CREATE TABLE quota_counter_heads (
    budget_id  TEXT PRIMARY KEY,
    touched_at BIGINT NOT NULL
);

-- SQL counter: committed recipients per budget per bucket (bucket_start in ms).
CREATE TABLE quota_buckets (
    budget_id    TEXT NOT NULL,
    bucket_start BIGINT NOT NULL,
    count        BIGINT NOT NULL,
    PRIMARY KEY (budget_id, bucket_start)
);

-- SQL counter: pending reservations; expires_at is when an abandoned one is
-- committed on its holder's behalf.
CREATE TABLE quota_reservations (
    id         TEXT PRIMARY KEY,
    budget_id  TEXT NOT NULL,
    n          BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX quota_reservations_budget_idx ON quota_reservations (budget_id, expires_at);

-- Recipients committed per tenant per UTC day (day = midnight in ms), with the
-- highest limit in force that day: the evidence for earned-raise proposals.
CREATE TABLE quota_daily (
    tenant_id TEXT NOT NULL,
    day       BIGINT NOT NULL,
    sent      BIGINT NOT NULL,
    day_limit BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, day)
);

-- Earned-raise proposals for the review queue.
CREATE TABLE quota_proposals (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id      TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    state          TEXT NOT NULL,
    current_limit  BIGINT NOT NULL,
    proposed_limit BIGINT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    decided_at     BIGINT,
    decided_by     TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX quota_proposals_open_idx ON quota_proposals (tenant_id) WHERE state = 'open';
CREATE INDEX quota_proposals_state_idx ON quota_proposals (state, id);
