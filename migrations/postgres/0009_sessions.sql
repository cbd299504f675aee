-- Server-side sessions, in the layout of tower-sessions' PostgresStore (configured for `public.tower_sessions`).
-- Created here rather than by the store at start-up: migrations run under sqlx's advisory lock, so instances
-- starting at once against an empty database do not race to create it.
CREATE TABLE tower_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    data BYTEA NOT NULL,
    expiry_date TIMESTAMPTZ NOT NULL
);

-- Every instance sweeps expired sessions; the sweep is a range scan of this index.
CREATE INDEX tower_sessions_expiry_date ON tower_sessions (expiry_date);
