-- +goose Up
-- A subscription's health: a receiver that keeps failing is tried at
-- growing intervals (next_attempt_at, also the lease of the dispatcher
-- sending to it), and disabled once it has failed for long enough.
ALTER TABLE webhooks ADD COLUMN next_attempt_at TIMESTAMPTZ;
ALTER TABLE webhooks ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN failing_since TIMESTAMPTZ;
ALTER TABLE webhooks ADD COLUMN disabled_at TIMESTAMPTZ;
ALTER TABLE webhooks ADD COLUMN disabled_reason TEXT NOT NULL DEFAULT '';
-- A subscription's due deliveries, oldest first.
CREATE INDEX webhook_deliveries_webhook_due ON webhook_deliveries(webhook_uuid, next_attempt_at) WHERE status = 'pending';

-- +goose Down
DROP INDEX webhook_deliveries_webhook_due;
ALTER TABLE webhooks DROP COLUMN disabled_reason;
ALTER TABLE webhooks DROP COLUMN disabled_at;
ALTER TABLE webhooks DROP COLUMN failing_since;
ALTER TABLE webhooks DROP COLUMN consecutive_failures;
ALTER TABLE webhooks DROP COLUMN next_attempt_at;
