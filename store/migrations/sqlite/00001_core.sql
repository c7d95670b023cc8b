-- +goose Up
CREATE TABLE users (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    username    TEXT NOT NULL UNIQUE,
    email       TEXT NOT NULL DEFAULT '',
    first_name  TEXT NOT NULL DEFAULT '',
    last_name   TEXT NOT NULL DEFAULT '',
    is_staff    BOOLEAN NOT NULL DEFAULT 0,
    is_support  BOOLEAN NOT NULL DEFAULT 0,
    is_active   BOOLEAN NOT NULL DEFAULT 1,
    created     DATETIME NOT NULL
);

CREATE TABLE tokens (
    key_hash TEXT PRIMARY KEY, -- sha256 of the token, hex; the token itself is never stored
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created  DATETIME NOT NULL
);
CREATE INDEX tokens_user_id ON tokens(user_id);

CREATE TABLE verifications (
    uuid                         TEXT PRIMARY KEY,
    user_id                      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    country                      CHAR(2) NOT NULL,
    legal_person_identifier      TEXT NOT NULL DEFAULT '',
    legal_name                   TEXT NOT NULL DEFAULT '',
    status                       TEXT NOT NULL,
    validation_method            TEXT,
    verified_user_roles          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(verified_user_roles)),
    verified_company_data        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(verified_company_data)),
    raw_response                 TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(raw_response)),
    error_traceback              TEXT NOT NULL DEFAULT '',
    error_message                TEXT NOT NULL DEFAULT '',
    validated_at                 DATETIME,
    expires_at                   DATETIME,
    customer_id                  INTEGER,
    onboarding_metadata          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(onboarding_metadata)),
    user_submitted_customer_data TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(user_submitted_customer_data)),
    person_identifier            TEXT NOT NULL DEFAULT '',
    person_first_name            TEXT NOT NULL DEFAULT '',
    person_last_name             TEXT NOT NULL DEFAULT '',
    person_birth_date            TEXT,
    created                      DATETIME NOT NULL,
    modified                     DATETIME NOT NULL,
    -- optimistic locking: every update checks and bumps it
    version                      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX verifications_user_created ON verifications(user_id, created);
CREATE INDEX verifications_created ON verifications(created);
CREATE INDEX verifications_status ON verifications(status);

-- +goose Down
DROP TABLE verifications;
DROP TABLE tokens;
DROP TABLE users;
