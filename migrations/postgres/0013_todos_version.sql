-- Each user's todo list has a version: every change to it adds one in the same transaction. A live client that
-- knows the version its list reflects can tell from the next event's version whether it missed a change.
ALTER TABLE users ADD COLUMN todos_version BIGINT NOT NULL DEFAULT 0;
