-- The reconciler: one sweep at a time across instances (a lease row), and the index its
-- candidate scan over running runs uses (queued runs use ix_runs_queued).

CREATE TABLE sweep_leases (
    name        TEXT    PRIMARY KEY,
    owner       TEXT    NOT NULL,
    expires_at  BIGINT  NOT NULL
);

CREATE INDEX ix_runs_running_heartbeat ON operation_runs (heartbeat_at) WHERE status = 'running';
