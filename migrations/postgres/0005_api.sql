-- api: billing webhook events, one row per billing event id, so a replayed
-- event answers its first result and never takes effect twice.
-- state: 'processing' while the event is being applied, 'done' afterwards.
-- outcome: 'applied', 'unchanged' or 'ignored' (unknown type), set when done.
-- response/status: the JSON body and HTTP status answered the first time.
-- Times are unix milliseconds.
CREATE TABLE billing_events (
    id             TEXT PRIMARY KEY,
    type           TEXT NOT NULL,
    tenant_id      TEXT NOT NULL DEFAULT '',
    payload_sha256 TEXT NOT NULL,
    state          TEXT NOT NULL,
    outcome        TEXT NOT NULL DEFAULT '',
    status         INTEGER NOT NULL DEFAULT 0,
    response       TEXT NOT NULL DEFAULT '',
    event_created  BIGINT NOT NULL DEFAULT 0,
    actor          TEXT NOT NULL,
    received_at    BIGINT NOT NULL,
    done_at        BIGINT
);
CREATE INDEX billing_events_tenant_idx ON billing_events (tenant_id, received_at);
