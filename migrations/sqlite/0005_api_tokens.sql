-- Personal access tokens for API clients (`Authorization: Bearer …`).
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- SHA-256 of the token, hex. The token itself is shown to its owner once and never stored: a copy of the
    -- database does not let anyone call the API.
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);

CREATE INDEX api_tokens_user_id ON api_tokens (user_id);
