-- Two-factor sign-in: each account's authenticator-app secret, and its recovery codes.
CREATE TABLE two_factor (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- The secret sealed with `two_factor_key` (AES-256-GCM: nonce, ciphertext, tag): a copy of the database
    -- without the key holds no usable secret.
    sealed_secret BLOB NOT NULL,
    -- When the first code confirmed it; NULL while the setup waits for that code, when it does not count.
    enabled_at TEXT,
    -- The newest time step (Unix time / 30) a code was accepted for: a code of this step or an older one is
    -- refused, so a code is taken once, by whichever instance sees it first.
    last_step BIGINT,
    -- Part of every "remember this browser" cookie; replaced to forget them all.
    remember_nonce TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the account id and the code, hex: the codes themselves are shown once and never stored.
    code_hash TEXT NOT NULL,
    used_at TEXT
);

CREATE UNIQUE INDEX recovery_codes_user_code ON recovery_codes (user_id, code_hash);
