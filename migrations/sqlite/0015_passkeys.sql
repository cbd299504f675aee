-- Passkeys (WebAuthn): each account's registered credentials, and the ceremonies under way.
CREATE TABLE passkeys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The authenticator's credential id: one account only, whichever asks first.
    credential_id BLOB NOT NULL,
    -- The random 16-byte handle the authenticator keeps for the account (the same for all its passkeys): a
    -- sign-in by autofill names the account by it, never by its id, name or address.
    user_handle BLOB NOT NULL,
    -- What the owner calls it ("MacBook Touch ID").
    name TEXT NOT NULL,
    -- webauthn-rs's `Passkey` as JSON: the public key, the signature counter and the backup flags.
    credential TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);

CREATE UNIQUE INDEX passkeys_credential_id_key ON passkeys (credential_id);
CREATE INDEX passkeys_user_id ON passkeys (user_id);

-- A registration or sign-in waiting for the browser's answer: the challenge state lives here only (never in a
-- cookie), and is deleted as it is read, so it is used once, by whichever instance gets the answer.
CREATE TABLE passkey_ceremonies (
    id TEXT PRIMARY KEY,
    -- `register`, `sign_in` or `second_step`.
    purpose TEXT NOT NULL,
    -- The account registering, or answering its second step; NULL for a sign-in that names it only in the answer.
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    -- webauthn-rs's ceremony state as JSON.
    state TEXT NOT NULL,
    -- Unix seconds: a ceremony older than five minutes is refused (and swept).
    created_at BIGINT NOT NULL
);

CREATE INDEX passkey_ceremonies_created_at ON passkey_ceremonies (created_at);
