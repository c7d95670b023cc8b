-- +goose Up
-- The company's Legal Entity Identifier, when the verification names one:
-- run_validation asks GLEIF for a second opinion.
ALTER TABLE verifications ADD COLUMN lei TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE verifications DROP COLUMN lei;
