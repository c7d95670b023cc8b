-- +goose Up
-- One run_validation at a time: the run claims the row (run_claim, a random
-- token, and when) before the register is asked, and clears it when it stores
-- the outcome.
ALTER TABLE verifications ADD COLUMN run_claim TEXT NOT NULL DEFAULT '';
ALTER TABLE verifications ADD COLUMN run_claimed_at TIMESTAMPTZ;

-- A justification is bound to the company it was written for.
ALTER TABLE justifications ADD COLUMN country CHAR(2) NOT NULL DEFAULT '';
ALTER TABLE justifications ADD COLUMN legal_person_identifier TEXT NOT NULL DEFAULT '';
UPDATE justifications SET country = v.country, legal_person_identifier = v.legal_person_identifier
    FROM verifications v WHERE v.uuid = justifications.verification_uuid;

-- The retention sweep finds the trails of deleted verifications by their "deleted" event.
CREATE INDEX verification_events_deleted ON verification_events(created) WHERE kind = 'deleted';

-- +goose Down
DROP INDEX verification_events_deleted;
ALTER TABLE justifications DROP COLUMN legal_person_identifier;
ALTER TABLE justifications DROP COLUMN country;
ALTER TABLE verifications DROP COLUMN run_claimed_at;
ALTER TABLE verifications DROP COLUMN run_claim;
