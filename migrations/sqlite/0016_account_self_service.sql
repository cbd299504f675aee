-- Signed-in devices and the security log (issue 33).
--
-- A session row names its account, so that the account's devices can be listed and ended without decoding every
-- row; the store fills it in from the session's own data on every write (NULL for a visitor's session). No
-- foreign key: a visitor's rows have none, and deleting an account deletes its rows itself.
ALTER TABLE tower_sessions ADD COLUMN user_id BIGINT;
CREATE INDEX tower_sessions_user_id ON tower_sessions (user_id);

-- The security log pages through an account's entries, newest first.
CREATE INDEX audit_log_target_user_id ON audit_log (target_user_id, id);
