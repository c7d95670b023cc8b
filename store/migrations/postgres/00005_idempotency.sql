-- +goose Up
-- Idempotency-Key: the first request with a key claims it (the primary key
-- makes the claim atomic across replicas); its response is stored for
-- replays until expires_at.
CREATE TABLE idempotency_keys (
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    request_hash TEXT NOT NULL,      -- sha256 of the request body, canonical for JSON
    status       INTEGER,            -- NULL while the first request runs
    headers      JSONB,
    body         BYTEA,
    claimed_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys(expires_at);

-- +goose Down
DROP TABLE idempotency_keys;
