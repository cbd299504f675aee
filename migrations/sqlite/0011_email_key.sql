-- Emails are one account however they are cased or composed: `jürgen@…`, `JÜRGEN@…` and a decomposed `ü` are
-- the same. The key (NFD, full Unicode case folding, NFD) is computed by the application, which SQL cannot do
-- portably; rows made before this migration get theirs at the next start (see auth::identity).
ALTER TABLE users ADD COLUMN email_key TEXT;
DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_email_key ON users (email_key);
