-- What administrators (on /admin or the JSON API) and operators (on the command line) did, for /admin/audit.
-- Names are copied at the time of the action, so an entry still reads right after a rename or deletion.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- RFC 3339, UTC.
    at TEXT NOT NULL,
    -- The admin who acted; NULL for the command line.
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- The admin's username, or `command line (<OS user>)`.
    actor TEXT NOT NULL,
    -- `activate`, `deactivate`, `grant_role`, `revoke_role`, `set_password`, `create_user`, `create_role`.
    action TEXT NOT NULL,
    target_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- The username acted on, or the role created.
    target TEXT NOT NULL,
    -- The role granted or revoked, if any.
    detail TEXT,
    -- The admin's client address; NULL for the command line.
    ip TEXT
);
