-- A list over a completion window ("completed in the last 7 days") shows the newest runs
-- first, by creation; so does a list of completed runs. Read in creation order through an
-- index over every run, such a page must step past every active run first, checking each
-- one's status — and the active runs are the newest, so a workspace with thousands of them
-- paid thousands of row reads per page (30 ms at 10,000 active runs among 1M on PostgreSQL,
-- whose estimates made that walk and the right one a near tie). These indexes hold
-- completed runs only, in creation order: the same walk without the active runs, the
-- cheapest by the planner's own estimate, so a page reads its rows and stops
-- (specs/lifecycle-and-storage, "Indexes that earn their keep"). They are written once per
-- run, when it completes. A workspace's page reads the first, the system plane's the second.
CREATE INDEX ix_runs_ws_completed_created ON operation_runs (workspace_id, created_at DESC, id DESC)
    WHERE status = 'completed';
CREATE INDEX ix_runs_completed_created ON operation_runs (created_at DESC, id DESC) WHERE status = 'completed';
-- A status filter's page now reads the index above (completed) or walks the newest runs,
-- which are the active ones (running, queued): this index served neither better.
DROP INDEX ix_runs_ws_status_created;
