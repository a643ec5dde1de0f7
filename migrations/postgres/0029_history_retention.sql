-- History retention: terminal runs (with their transitions) and notifications older than
-- their settings are deleted in small batches by the one sweeper holding the retention
-- lease. These indexes let a batch find what refers to a run, and old notifications,
-- without scanning.
CREATE INDEX ix_notifications_run ON notifications (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX ix_notifications_created ON notifications (created_at, id);
CREATE INDEX ix_reviews_compose_run ON environment_reviews (compose_run_id) WHERE compose_run_id IS NOT NULL;
CREATE INDEX ix_items_last_sync_run ON inventory_items (last_sync_run_id) WHERE last_sync_run_id IS NOT NULL;
