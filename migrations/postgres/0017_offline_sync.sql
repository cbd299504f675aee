-- Offline edits (issue 34): a todo made on a page carries the id its page gave it, which operations queued before
-- the server numbered it use; and the operations applied, per account, so that a resent one is acknowledged and
-- not applied again.
ALTER TABLE todos ADD COLUMN client_id TEXT;
-- Unique per account; todos made without one (NULL) are not compared.
CREATE UNIQUE INDEX todos_client_id ON todos (user_id, client_id);

CREATE TABLE todo_operations (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The operation's id, made by its client (`ClientId`).
    id TEXT NOT NULL,
    -- The first list version showing its effect, or the version it found when it changed nothing.
    version BIGINT NOT NULL,
    -- Why it changed nothing and never will; NULL when it was applied.
    dropped TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, id)
);
-- The sweep deletes operations older than any login that could still resend them.
CREATE INDEX todo_operations_created_at ON todo_operations (created_at);
