-- A token works only while its owner's session secret is the one it was issued under. A password change, reset
-- or deactivation replaces the secret, so a token created while such a change was committing (and missed by
-- its revocation) is dead all the same, and re-activating an account does not revive its old tokens.
ALTER TABLE api_tokens ADD COLUMN issued_under TEXT NOT NULL DEFAULT '';
UPDATE api_tokens SET issued_under = (SELECT session_secret FROM users WHERE users.id = api_tokens.user_id);
