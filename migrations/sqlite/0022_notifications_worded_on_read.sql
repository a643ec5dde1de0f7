-- A terminal notification is worded when it is read, from its run, in the reader's language:
-- new rows store only what they are about (kind and run). Title, body and link stay for the
-- rows written before, which keep reading as they were written. SQLite cannot drop a NOT NULL
-- in place, so the table is rebuilt (nothing references it).
CREATE TABLE notifications_new (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id),
    run_id        INTEGER REFERENCES operation_runs (id),
    kind          TEXT    NOT NULL,
    title         TEXT,
    body          TEXT,
    link          TEXT,
    created_at    INTEGER NOT NULL,
    read_at       INTEGER,
    dedupe_key    TEXT    NOT NULL UNIQUE
);
INSERT INTO notifications_new (id, user_id, workspace_id, run_id, kind, title, body, link, created_at, read_at, dedupe_key)
    SELECT id, user_id, workspace_id, run_id, kind, title, body, link, created_at, read_at, dedupe_key FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX ix_notifications_user ON notifications (user_id, created_at DESC);
CREATE INDEX ix_notifications_unread ON notifications (user_id, workspace_id) WHERE read_at IS NULL;
