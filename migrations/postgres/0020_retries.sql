-- "Run again" (issue 9) starts a run whose dedupe key is `retry-of:<original id>`; the
-- original finds its retry by that key, and a second click returns the same run.
CREATE INDEX ix_runs_dedupe ON operation_runs (workspace_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
