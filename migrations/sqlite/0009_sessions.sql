-- Server-side sessions, in the layout of tower-sessions' SqliteStore. Databases made before this migration have
-- the table already (the store used to create it at start-up), hence IF NOT EXISTS.
CREATE TABLE IF NOT EXISTS tower_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    data BLOB NOT NULL,
    expiry_date INTEGER NOT NULL
);
