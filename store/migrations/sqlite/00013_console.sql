-- +goose Up
-- The review console: see the PostgreSQL migration of the same number.
ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';

CREATE TABLE console_sessions (
    id_hash   TEXT PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created   DATETIME NOT NULL,
    last_seen DATETIME NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions(user_id);
CREATE INDEX console_sessions_last_seen ON console_sessions(last_seen);

CREATE TABLE sign_in_failures (
    id  INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    at  DATETIME NOT NULL
);
CREATE INDEX sign_in_failures_key_at ON sign_in_failures(key, at);

ALTER TABLE verifications ADD COLUMN assignee_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE verifications ADD COLUMN assigned_at DATETIME;
CREATE INDEX verifications_assignee ON verifications(assignee_id) WHERE assignee_id IS NOT NULL;
CREATE INDEX justifications_pending ON justifications(verification_uuid) WHERE decision = 'pending';

-- +goose Down
DROP INDEX justifications_pending;
DROP INDEX verifications_assignee;
ALTER TABLE verifications DROP COLUMN assigned_at;
ALTER TABLE verifications DROP COLUMN assignee_id;
DROP TABLE sign_in_failures;
DROP TABLE console_sessions;
ALTER TABLE users DROP COLUMN password_hash;
