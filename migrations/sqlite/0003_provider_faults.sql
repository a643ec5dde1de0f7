-- Faults injected into the demo provider, per run type, for demos and tests. Stored in the
-- database so `opshub fault …` changes a running server's behaviour at the next run.
CREATE TABLE provider_faults (
    run_type    TEXT    PRIMARY KEY,
    fault       TEXT    NOT NULL CHECK (fault IN ('fail', 'partial', 'slow', 'hang', 'crash')),
    updated_at  INTEGER NOT NULL
);
