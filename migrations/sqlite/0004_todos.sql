-- Todos, each belonging to one user. Every query names the owner: another user's id is "not found".
CREATE TABLE todos (
    -- AUTOINCREMENT: an id is never given out again after its todo is deleted, so a client still holding it
    -- cannot change a newer todo by mistake.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- 1–500 characters, trimmed (`TodoTitle`).
    title TEXT NOT NULL,
    completed BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A user's list in creation order is a range scan of this index.
CREATE INDEX todos_user_id ON todos (user_id, id);
