-- +goose Up
CREATE TABLE webhooks (
    uuid        UUID PRIMARY KEY,
    url         TEXT NOT NULL,
    event_kinds JSONB NOT NULL,
    secret      TEXT NOT NULL, -- the HMAC key; needed to sign, shown once at creation
    is_active   BOOLEAN NOT NULL,
    created     TIMESTAMPTZ NOT NULL,
    modified    TIMESTAMPTZ NOT NULL
);

-- The outbox: one row per event and subscription, written in the
-- transaction of the change; the dispatcher sends and retries it.
CREATE TABLE webhook_deliveries (
    uuid             UUID PRIMARY KEY,
    webhook_uuid     UUID NOT NULL REFERENCES webhooks(uuid) ON DELETE CASCADE,
    event_id         BIGINT NOT NULL,
    event_kind       TEXT NOT NULL,
    payload          JSONB NOT NULL,
    status           TEXT NOT NULL, -- pending, delivered, failed
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ,
    retry_since      TIMESTAMPTZ NOT NULL, -- retries end 24h after this (creation or redelivery)
    last_attempt_at  TIMESTAMPTZ,
    last_status_code INTEGER,
    last_error       TEXT NOT NULL DEFAULT '',
    delivered_at     TIMESTAMPTZ,
    created          TIMESTAMPTZ NOT NULL,
    UNIQUE (webhook_uuid, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook_created ON webhook_deliveries(webhook_uuid, created);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
