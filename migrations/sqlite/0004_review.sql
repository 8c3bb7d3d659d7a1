-- Review (owned by package review): tenant risk, content fingerprints banded
-- for near-duplicate lookups, platform templates, link domains, campaigns,
-- review cases, held mail and its release queue, bounce/complaint feedback.
-- Times are unix milliseconds (BIGINT), as in 0001. Fingerprints are 64-bit
-- SimHashes stored as signed BIGINT; b0..b3 are its four 16-bit bands
-- (each indexed), so a lookup probes each band's value and its 16 one-bit
-- neighbours and finds every fingerprint within Hamming distance 7.

-- One row per tenant review has seen: signup traits, decayed risk counters.
CREATE TABLE review_tenants (
    tenant_id      TEXT PRIMARY KEY,
    plan           TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    network        TEXT NOT NULL DEFAULT '',
    contact_domain TEXT NOT NULL DEFAULT '',
    country        TEXT NOT NULL DEFAULT '',
    payment_fp     TEXT NOT NULL DEFAULT '',
    budget_id      TEXT NOT NULL DEFAULT '',
    messages       BIGINT NOT NULL DEFAULT 0,
    relayed        BIGINT NOT NULL DEFAULT 0,
    held           BIGINT NOT NULL DEFAULT 0,
    rejected       BIGINT NOT NULL DEFAULT 0,
    rcpts          BIGINT NOT NULL DEFAULT 0,
    score_sum      REAL NOT NULL DEFAULT 0,
    score_w        REAL NOT NULL DEFAULT 0,
    max_score      REAL NOT NULL DEFAULT 0,
    vel            REAL NOT NULL DEFAULT 0,
    decay_at       BIGINT NOT NULL DEFAULT 0,
    fb_sent        REAL NOT NULL DEFAULT 0,
    fb_bounces     REAL NOT NULL DEFAULT 0,
    fb_complaints  REAL NOT NULL DEFAULT 0,
    fb_at          BIGINT NOT NULL DEFAULT 0,
    campaign_id    BIGINT,
    risk           REAL NOT NULL DEFAULT 0,
    first_msg_at   BIGINT NOT NULL DEFAULT 0,
    last_msg_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX review_tenants_network_idx ON review_tenants (network) WHERE network <> '';
CREATE INDEX review_tenants_contact_idx ON review_tenants (contact_domain) WHERE contact_domain <> '';
CREATE INDEX review_tenants_payment_idx ON review_tenants (payment_fp) WHERE payment_fp <> '';

-- Fingerprints of young tenants' mail: one row per tenant and near-duplicate
-- cluster (n counts the copies), for campaign detection.
CREATE TABLE review_fps (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   TEXT NOT NULL,
    fp          BIGINT NOT NULL,
    b0          INTEGER NOT NULL,
    b1          INTEGER NOT NULL,
    b2          INTEGER NOT NULL,
    b3          INTEGER NOT NULL,
    n           BIGINT NOT NULL DEFAULT 1,
    max_score   REAL NOT NULL DEFAULT 0,
    rcpt_key    BIGINT NOT NULL DEFAULT 0,
    campaign_id BIGINT,
    first_at    BIGINT NOT NULL,
    last_at     BIGINT NOT NULL
);
CREATE INDEX review_fps_b0_idx ON review_fps (b0, last_at);
CREATE INDEX review_fps_b1_idx ON review_fps (b1, last_at);
CREATE INDEX review_fps_b2_idx ON review_fps (b2, last_at);
CREATE INDEX review_fps_b3_idx ON review_fps (b3, last_at);
CREATE INDEX review_fps_tenant_idx ON review_fps (tenant_id);
CREATE INDEX review_fps_campaign_idx ON review_fps (campaign_id) WHERE campaign_id IS NOT NULL;

-- Platform templates: content seen from established, clean tenants (tenants
-- counts distinct ones) or approved by support; max_score is the highest
-- content score a vouched-for copy had.
CREATE TABLE review_templates (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    fp       BIGINT NOT NULL,
    b0       INTEGER NOT NULL,
    b1       INTEGER NOT NULL,
    b2       INTEGER NOT NULL,
    b3       INTEGER NOT NULL,
    tenants  BIGINT NOT NULL DEFAULT 0,
    approved INTEGER NOT NULL DEFAULT 0,
    max_score REAL NOT NULL DEFAULT 0,
    first_at BIGINT NOT NULL,
    last_at  BIGINT NOT NULL
);
CREATE INDEX review_templates_b0_idx ON review_templates (b0);
CREATE INDEX review_templates_b1_idx ON review_templates (b1);
CREATE INDEX review_templates_b2_idx ON review_templates (b2);
CREATE INDEX review_templates_b3_idx ON review_templates (b3);
CREATE TABLE review_template_tenants (
    template_id BIGINT NOT NULL,
    tenant_id   TEXT NOT NULL,
    PRIMARY KEY (template_id, tenant_id)
);

-- Link domains: when first seen, by how many young tenants, whether an
-- established tenant has ever linked to it.
CREATE TABLE review_link_domains (
    domain        TEXT PRIMARY KEY,
    first_at      BIGINT NOT NULL,
    last_at       BIGINT NOT NULL,
    young_tenants BIGINT NOT NULL DEFAULT 0,
    established   INTEGER NOT NULL DEFAULT 0,
    campaign_id   BIGINT
);
CREATE TABLE review_link_domain_tenants (
    domain    TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    at        BIGINT NOT NULL,
    PRIMARY KEY (domain, tenant_id)
);

-- Recipient domains per tenant (spread).
CREATE TABLE review_rcpt_domains (
    tenant_id TEXT NOT NULL,
    domain    TEXT NOT NULL,
    n         BIGINT NOT NULL DEFAULT 0,
    last_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, domain)
);

-- Metadata of sampled messages (every message of a young tenant, a sample of
-- others): what a reviewer sees as "sent" samples. No bodies.
CREATE TABLE review_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   TEXT NOT NULL,
    queue_id    TEXT NOT NULL,
    at          BIGINT NOT NULL,
    mail_from   TEXT NOT NULL DEFAULT '',
    rcpts       INTEGER NOT NULL DEFAULT 0,
    subject     TEXT NOT NULL DEFAULT '',
    score       REAL NOT NULL DEFAULT 0,
    fp          BIGINT NOT NULL DEFAULT 0,
    action      TEXT NOT NULL,
    code        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX review_messages_tenant_idx ON review_messages (tenant_id, id);
CREATE INDEX review_messages_at_idx ON review_messages (at);

CREATE TABLE review_campaigns (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    fp          BIGINT NOT NULL DEFAULT 0,
    link_domain TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL DEFAULT 'open',
    reason      TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- Review cases: at most one open case per tenant.
CREATE TABLE review_cases (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'open',
    priority      INTEGER NOT NULL DEFAULT 0,
    holding       INTEGER NOT NULL DEFAULT 0,
    campaign_id   BIGINT,
    assignee      TEXT NOT NULL DEFAULT '',
    opened_at     BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    closed_at     BIGINT,
    decision      TEXT NOT NULL DEFAULT '',
    decided_by    TEXT NOT NULL DEFAULT '',
    decision_note TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX review_cases_open_idx ON review_cases (tenant_id) WHERE state = 'open';
CREATE INDEX review_cases_list_idx ON review_cases (state, priority, id);
CREATE INDEX review_cases_campaign_idx ON review_cases (campaign_id) WHERE campaign_id IS NOT NULL;
CREATE INDEX review_cases_tenant_idx ON review_cases (tenant_id, id);

CREATE TABLE review_case_reasons (
    case_id  BIGINT NOT NULL,
    code     TEXT NOT NULL,
    detail   TEXT NOT NULL DEFAULT '',
    weight   REAL NOT NULL DEFAULT 0,
    n        BIGINT NOT NULL DEFAULT 1,
    first_at BIGINT NOT NULL,
    last_at  BIGINT NOT NULL,
    PRIMARY KEY (case_id, code)
);

CREATE TABLE review_case_notes (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    body    TEXT NOT NULL
);
CREATE INDEX review_case_notes_case_idx ON review_case_notes (case_id, id);

-- Held mail and the release queue. state: held → queued (released, awaiting
-- delivery) → sent | failed; or held → discarded. A worker claims a queued
-- row by setting lease_owner/lease_until; rcpt_to holds the recipients not
-- yet accepted (JSON array).
CREATE TABLE review_held (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_id        TEXT NOT NULL UNIQUE,
    tenant_id       TEXT NOT NULL,
    case_id         BIGINT,
    mail_from       TEXT NOT NULL,
    rcpt_to         TEXT NOT NULL,
    rcpt_count      INTEGER NOT NULL,
    raw             BLOB,
    size            BIGINT NOT NULL,
    message_id      TEXT NOT NULL DEFAULT '',
    remote_ip       TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL DEFAULT '',
    score           REAL NOT NULL DEFAULT 0,
    verdict         TEXT NOT NULL DEFAULT '',
    signals         TEXT NOT NULL DEFAULT '[]',
    fp              BIGINT NOT NULL DEFAULT 0,
    code            TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL,
    received_at     BIGINT NOT NULL,
    held_at         BIGINT NOT NULL,
    release_at      BIGINT,
    decided_at      BIGINT,
    decided_by      TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    lease_owner     TEXT NOT NULL DEFAULT '',
    lease_until     BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    delivered_at    BIGINT
);
CREATE INDEX review_held_tenant_idx ON review_held (tenant_id, state, id);
CREATE INDEX review_held_probation_idx ON review_held (state, release_at) WHERE release_at IS NOT NULL;
CREATE INDEX review_held_queue_idx ON review_held (state, next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX review_held_case_idx ON review_held (case_id) WHERE case_id IS NOT NULL;

-- Bounce/complaint events, idempotent by event id.
CREATE TABLE review_feedback (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    type        TEXT NOT NULL,
    queue_id    TEXT NOT NULL DEFAULT '',
    recipient   TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX review_feedback_tenant_idx ON review_feedback (tenant_id, at);
