-- Sessions are kept under a hash of their token, never the token itself, and name whose
-- they are, so changing a password, revoking a membership or removing a person ends their
-- sessions. Rows written before this held raw tokens: they are dropped (people sign in once
-- more).
DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN user_id INTEGER;
ALTER TABLE sessions ADD COLUMN workspace_id INTEGER;
CREATE INDEX ix_sessions_user ON sessions (user_id, workspace_id);
