-- The sign-in throttle counts attempts per key before any password is hashed: one row per
-- (client, account) key and per client key, updated under the row's lock, so parallel
-- attempts cannot all read the same count. `seen_at` (ms) is the key's last attempt; quiet
-- keys are pruned through its index. Replaces the per-failure rows, which were counted after
-- hashing and keyed on the account alone.
DROP TABLE sign_in_failures;
CREATE TABLE sign_in_limits (
    key            TEXT    PRIMARY KEY,
    attempts       INTEGER NOT NULL,
    window_start   INTEGER NOT NULL,
    blocks         INTEGER NOT NULL,
    blocked_until  INTEGER NOT NULL,
    seen_at        INTEGER NOT NULL
);
CREATE INDEX ix_sign_in_limits_seen_at ON sign_in_limits (seen_at);
