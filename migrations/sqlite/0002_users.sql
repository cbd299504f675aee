-- Accounts. Timestamps are written by the application (RFC 3339 text here, TIMESTAMPTZ on PostgreSQL), so no
-- column relies on a database-specific default.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    -- Normalised by the `Email` type (trimmed, domain lower-cased); unique whatever the case.
    email TEXT NOT NULL,
    -- ASCII letters and digits (`Username`); unique whatever the case.
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    website TEXT,
    -- argon2id PHC string; never leaves the server.
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    -- Random per-user value copied into each session at login and replaced when the password changes: a session
    -- holding an old value is logged out (Flask-Security's fs_uniquifier).
    session_secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    confirmed_at TEXT,
    last_login_at TEXT,
    current_login_at TEXT,
    last_login_ip TEXT,
    current_login_ip TEXT,
    login_count INTEGER NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
