-- +goose Up
-- Lists at scale: an index for each ordering (ties broken by uuid, as the
-- queries order) and for each filter combined with the default ordering, so
-- that a page and its bounded count walk an index and stop early; the status
-- ones carry expires_at, which the pending and escalated filters check.
DROP INDEX verifications_user_created;
DROP INDEX verifications_created;
DROP INDEX verifications_status;
CREATE INDEX verifications_created ON verifications(created, uuid);
CREATE INDEX verifications_modified ON verifications(modified, uuid);
CREATE INDEX verifications_user_created ON verifications(user_id, created, uuid);
CREATE INDEX verifications_status_created ON verifications(status, created, uuid) INCLUDE (expires_at);
CREATE INDEX verifications_country_created ON verifications(country, created, uuid);
CREATE INDEX verifications_status_country_created ON verifications(status, country, created, uuid) INCLUDE (expires_at);
CREATE INDEX verifications_legal_person_identifier ON verifications(legal_person_identifier);
-- legal_name contains: lower(legal_name) LIKE '%…%' through trigrams.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX verifications_legal_name_trgm ON verifications USING gin (lower(legal_name) gin_trgm_ops);
-- The sweeper: rows that can expire (expires_at < now implies NOT NULL),
-- and rows without a customer that the retention period may delete.
CREATE INDEX verifications_expiring ON verifications(status, expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX verifications_stale ON verifications(status, modified) WHERE customer_id IS NULL;

-- +goose Down
DROP INDEX verifications_stale;
DROP INDEX verifications_expiring;
DROP INDEX verifications_legal_name_trgm;
DROP INDEX verifications_legal_person_identifier;
DROP INDEX verifications_status_country_created;
DROP INDEX verifications_country_created;
DROP INDEX verifications_status_created;
DROP INDEX verifications_user_created;
DROP INDEX verifications_modified;
DROP INDEX verifications_created;
CREATE INDEX verifications_user_created ON verifications(user_id, created);
CREATE INDEX verifications_created ON verifications(created);
CREATE INDEX verifications_status ON verifications(status);
