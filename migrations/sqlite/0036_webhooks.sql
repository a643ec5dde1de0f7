-- Webhooks (specs/webhooks): a workspace owner subscribes an endpoint to run events, and
-- Opshub delivers each event at least once, signed.
--
-- `webhook_endpoints.secret` is the signing key. Unlike an API token's secret it is kept
-- as itself, because every delivery is signed with it; it is shown to the owner once and
-- never again. `events` lists the event types the endpoint takes, comma-separated.
CREATE TABLE webhook_endpoints (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id),
    url           TEXT    NOT NULL,
    events        TEXT    NOT NULL,
    secret        TEXT    NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER
);

CREATE INDEX ix_webhook_endpoints_workspace ON webhook_endpoints (workspace_id, id);

-- The outbox: one row per event, written in the transaction of the transition it tells
-- of. Its id is derived from the run and the event, so a transition is told once however
-- many writers race for it. `body` is the JSON every delivery sends, fixed when written.
CREATE TABLE webhook_events (
    id            TEXT    PRIMARY KEY,
    workspace_id  INTEGER NOT NULL,
    run_id        INTEGER NOT NULL,
    event_type    TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);

-- One delivery per event and endpoint. `state` is pending, delivered or failed (gave up);
-- a pending one is due at `next_attempt_at`, and a deliverer holds it until `lease_until`.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    endpoint_id      INTEGER NOT NULL REFERENCES webhook_endpoints (id),
    event_id         TEXT    NOT NULL REFERENCES webhook_events (id),
    state            TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    lease_until      INTEGER,
    last_attempt_at  INTEGER,
    last_status      INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    UNIQUE (endpoint_id, event_id)
);

CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX ix_webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

-- Every attempt, for the delivery log: the HTTP status when one came back, and why it did
-- not deliver as a fault's spelling (answered, timeout, connect, request, address).
CREATE TABLE webhook_attempts (
    id            INTEGER PRIMARY KEY,
    delivery_id   INTEGER NOT NULL REFERENCES webhook_deliveries (id),
    attempted_at  INTEGER NOT NULL,
    status        INTEGER,
    error         TEXT,
    duration_ms   INTEGER NOT NULL
);

CREATE INDEX ix_webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
