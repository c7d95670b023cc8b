-- +goose Up
-- The review console: staff and support sign in with a password (bcrypt
-- hash; empty: no password, no sign-in), sessions are rows (any replica
-- serves them, sign-out and deactivation end them), failed sign-ins are
-- counted per username and per client address, and a case is claimed by
-- one reviewer at a time.
ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';

CREATE TABLE console_sessions (
    id_hash   TEXT PRIMARY KEY, -- sha256 of the cookie's value, hex; the value itself is never stored
    user_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created   TIMESTAMPTZ NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions(user_id);
CREATE INDEX console_sessions_last_seen ON console_sessions(last_seen);

CREATE TABLE sign_in_failures (
    id  BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL, -- "user:<name>" or "addr:<ip>"
    at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sign_in_failures_key_at ON sign_in_failures(key, at);

ALTER TABLE verifications ADD COLUMN assignee_id BIGINT REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE verifications ADD COLUMN assigned_at TIMESTAMPTZ;
CREATE INDEX verifications_assignee ON verifications(assignee_id) WHERE assignee_id IS NOT NULL;
-- The console's queue of pending justifications.
CREATE INDEX justifications_pending ON justifications(verification_uuid) WHERE decision = 'pending';

-- +goose Down
DROP INDEX justifications_pending;
DROP INDEX verifications_assignee;
ALTER TABLE verifications DROP COLUMN assigned_at;
ALTER TABLE verifications DROP COLUMN assignee_id;
DROP TABLE sign_in_failures;
DROP TABLE console_sessions;
ALTER TABLE users DROP COLUMN password_hash;
