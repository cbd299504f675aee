-- Failed attempts at something guarded by a password (or rate-limited), for throttling: counted per account
-- and per client address within a sliding window; rows older than the window are deleted as new ones come.
CREATE TABLE auth_failures (
    id INTEGER PRIMARY KEY,
    -- What was attempted: `login`, `password_change`, `token_creation`.
    action TEXT NOT NULL,
    -- `account:<user id>`, `login:<what was typed, lower-cased>` for an unknown account, or `ip:<address>`.
    subject TEXT NOT NULL,
    -- Unix seconds.
    failed_at BIGINT NOT NULL
);

CREATE INDEX auth_failures_subject ON auth_failures (action, subject, failed_at);
CREATE INDEX auth_failures_failed_at ON auth_failures (failed_at);
