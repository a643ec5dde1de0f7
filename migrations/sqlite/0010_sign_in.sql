-- Sign-in: argon2id password hashes (NULL: the user cannot sign in with a password) and the
-- recent failed attempts the throttle counts, per account and per client address.
ALTER TABLE users ADD COLUMN password_hash TEXT;

CREATE TABLE sign_in_failures (
    id      INTEGER PRIMARY KEY,
    email   TEXT    NOT NULL,
    client  TEXT    NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX ix_sign_in_failures_email ON sign_in_failures (email, at);
CREATE INDEX ix_sign_in_failures_client ON sign_in_failures (client, at);
