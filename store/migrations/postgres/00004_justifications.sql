-- +goose Up
CREATE TABLE justifications (
    uuid               UUID PRIMARY KEY,
    verification_uuid  UUID NOT NULL REFERENCES verifications(uuid) ON DELETE CASCADE,
    user_id            BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    user_justification TEXT NOT NULL,
    decision           TEXT NOT NULL DEFAULT 'pending', -- pending, approved, rejected
    staff_notes        TEXT NOT NULL DEFAULT '',
    reviewer_id        BIGINT REFERENCES users(id) ON DELETE SET NULL,
    reviewed_at        TIMESTAMPTZ,
    created            TIMESTAMPTZ NOT NULL,
    modified           TIMESTAMPTZ NOT NULL
);
CREATE INDEX justifications_verification ON justifications(verification_uuid);

CREATE TABLE justification_documents (
    justification_uuid UUID NOT NULL REFERENCES justifications(uuid) ON DELETE CASCADE,
    file_uuid          UUID NOT NULL REFERENCES stored_files(uuid) ON DELETE CASCADE,
    PRIMARY KEY (justification_uuid, file_uuid)
);

-- +goose Down
DROP TABLE justification_documents;
DROP TABLE justifications;
