-- +goose Up
CREATE TABLE users (
    id          BIGSERIAL PRIMARY KEY,
    username    TEXT NOT NULL UNIQUE,
    email       TEXT NOT NULL DEFAULT '',
    first_name  TEXT NOT NULL DEFAULT '',
    last_name   TEXT NOT NULL DEFAULT '',
    is_staff    BOOLEAN NOT NULL DEFAULT FALSE,
    is_support  BOOLEAN NOT NULL DEFAULT FALSE,
    is_active   BOOLEAN NOT NULL DEFAULT TRUE,
    created     TIMESTAMPTZ NOT NULL
);

CREATE TABLE tokens (
    key_hash TEXT PRIMARY KEY, -- sha256 of the token, hex; the token itself is never stored
    user_id  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created  TIMESTAMPTZ NOT NULL
);
CREATE INDEX tokens_user_id ON tokens(user_id);

CREATE TABLE verifications (
    uuid                         UUID PRIMARY KEY,
    user_id                      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    country                      CHAR(2) NOT NULL,
    legal_person_identifier      TEXT NOT NULL DEFAULT '',
    legal_name                   TEXT NOT NULL DEFAULT '',
    status                       TEXT NOT NULL,
    validation_method            TEXT,
    verified_user_roles          JSONB NOT NULL DEFAULT '[]',
    verified_company_data        JSONB NOT NULL DEFAULT '{}',
    raw_response                 JSONB NOT NULL DEFAULT '{}',
    error_traceback              TEXT NOT NULL DEFAULT '',
    error_message                TEXT NOT NULL DEFAULT '',
    validated_at                 TIMESTAMPTZ,
    expires_at                   TIMESTAMPTZ,
    customer_id                  BIGINT,
    onboarding_metadata          JSONB NOT NULL DEFAULT '{}',
    user_submitted_customer_data JSONB NOT NULL DEFAULT '{}',
    person_identifier            TEXT NOT NULL DEFAULT '',
    person_first_name            TEXT NOT NULL DEFAULT '',
    person_last_name             TEXT NOT NULL DEFAULT '',
    person_birth_date            TEXT,
    created                      TIMESTAMPTZ NOT NULL,
    modified                     TIMESTAMPTZ NOT NULL,
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
