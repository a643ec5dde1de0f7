-- Sign-in sessions (tower-sessions records): the id is the cookie's value, `data` the
-- session's JSON map, `expires_at` (ms) when it lapses unless used again. Expired rows are
-- swept periodically; loading never returns one.
CREATE TABLE sessions (
    id          TEXT    PRIMARY KEY,
    data        TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX ix_sessions_expires_at ON sessions (expires_at);
