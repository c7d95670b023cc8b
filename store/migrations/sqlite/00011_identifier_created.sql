-- +goose Up
-- The legal_person_identifier filter with the list's ordering: a page and
-- its bounded count walk this index in order instead of sorting the
-- company's rows.
DROP INDEX verifications_legal_person_identifier;
CREATE INDEX verifications_legal_person_identifier_created ON verifications(legal_person_identifier, created, uuid);

-- +goose Down
DROP INDEX verifications_legal_person_identifier_created;
CREATE INDEX verifications_legal_person_identifier ON verifications(legal_person_identifier);
