-- The system plane's lists span every workspace, newest first: every run, and the runs that
-- need follow-up (the two terminal problem classes). The second index holds only those, so
-- it is written only when such a run completes.
CREATE INDEX ix_runs_created ON operation_runs (created_at DESC, id DESC);
CREATE INDEX ix_runs_follow_up_created ON operation_runs (created_at DESC, id DESC)
    WHERE terminal_class IN ('terminal_follow_up', 'reconciled_stale');
