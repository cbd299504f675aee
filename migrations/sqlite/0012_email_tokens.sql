-- Links sent by mail: confirm an address, reset a forgotten password, move an account to a new address.
CREATE TABLE email_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- `confirm`, `reset` or `change_email`: a token only works for what it was made for.
    purpose TEXT NOT NULL,
    -- SHA-256 of the token, hex. The token itself is only in the mail: a copy of the database opens no link.
    token_hash TEXT NOT NULL UNIQUE,
    -- The address the link was sent to: confirming it confirms that address only, and for `change_email` it
    -- is the new address.
    sent_to TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE INDEX email_tokens_user_purpose ON email_tokens (user_id, purpose);
CREATE INDEX email_tokens_expires_at ON email_tokens (expires_at);
