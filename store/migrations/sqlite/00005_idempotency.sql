-- +goose Up
-- Idempotency-Key: the first request with a key claims it (the primary key
-- makes the claim atomic); its response is stored for replays until
-- expires_at.
CREATE TABLE idempotency_keys (
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    request_hash TEXT NOT NULL,      -- sha256 of the request body, canonical for JSON
    status       INTEGER,            -- NULL while the first request runs
    headers      TEXT CHECK (headers IS NULL OR json_valid(headers)),
    body         BLOB,
    claimed_at   DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys(expires_at);

-- +goose Down
DROP TABLE idempotency_keys;
