-- +goose Up
CREATE TABLE webhooks (
    uuid        TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    event_kinds TEXT NOT NULL CHECK (json_valid(event_kinds)),
    secret      TEXT NOT NULL, -- the HMAC key; needed to sign, shown once at creation
    is_active   BOOLEAN NOT NULL,
    created     DATETIME NOT NULL,
    modified    DATETIME NOT NULL
);

-- The outbox: one row per event and subscription, written in the
-- transaction of the change; the dispatcher sends and retries it.
CREATE TABLE webhook_deliveries (
    uuid             TEXT PRIMARY KEY,
    webhook_uuid     TEXT NOT NULL REFERENCES webhooks(uuid) ON DELETE CASCADE,
    event_id         INTEGER NOT NULL,
    event_kind       TEXT NOT NULL,
    payload          TEXT NOT NULL CHECK (json_valid(payload)),
    status           TEXT NOT NULL, -- pending, delivered, failed
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  DATETIME,
    retry_since      DATETIME NOT NULL, -- retries end 24h after this (creation or redelivery)
    last_attempt_at  DATETIME,
    last_status_code INTEGER,
    last_error       TEXT NOT NULL DEFAULT '',
    delivered_at     DATETIME,
    created          DATETIME NOT NULL,
    UNIQUE (webhook_uuid, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook_created ON webhook_deliveries(webhook_uuid, created);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
