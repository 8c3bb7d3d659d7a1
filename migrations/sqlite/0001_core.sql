-- Core: tenants and their SMTP credentials, admin API tokens, DKIM keys, audit log.
-- Times are unix milliseconds (BIGINT) in both dialects so comparisons and
-- indexes behave the same everywhere.
CREATE TABLE tenants (
    id               TEXT PRIMARY KEY,
    plan             TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'active',
    smtp_secret_hash TEXT NOT NULL DEFAULT '',
    signup_ip        TEXT NOT NULL DEFAULT '',
    signup_email     TEXT NOT NULL DEFAULT '',
    signup_country   TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX tenants_status_idx ON tenants (status, id);
CREATE INDEX tenants_created_idx ON tenants (created_at);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    scope      TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE dkim_keys (
    domain      TEXT NOT NULL,
    selector    TEXT NOT NULL,
    algorithm   TEXT NOT NULL,
    private_key TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (domain, selector)
);

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_subject_idx ON audit_log (subject, id);
