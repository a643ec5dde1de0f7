-- A person asked a running run to stop (issue 9). The worker holding it sees the request at
-- its next heartbeat or progress write and ends the run `cancelled` with what it finished so
-- far; until then the run is still running. A queued run is cancelled at once and never
-- carries a request. Setting it moves `updated_at`, so a reconciler that observed the run
-- before the request loses its guarded write and looks again.
ALTER TABLE operation_runs ADD COLUMN cancel_requested_at BIGINT;
ALTER TABLE operation_runs ADD COLUMN cancel_requested_by BIGINT;
