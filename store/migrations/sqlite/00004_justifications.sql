-- +goose Up
CREATE TABLE justifications (
    uuid               TEXT PRIMARY KEY,
    verification_uuid  TEXT NOT NULL REFERENCES verifications(uuid) ON DELETE CASCADE,
    user_id            INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    user_justification TEXT NOT NULL,
    decision           TEXT NOT NULL DEFAULT 'pending', -- pending, approved, rejected
    staff_notes        TEXT NOT NULL DEFAULT '',
    reviewer_id        INTEGER REFERENCES users(id) ON DELETE SET NULL,
    reviewed_at        DATETIME,
    created            DATETIME NOT NULL,
    modified           DATETIME NOT NULL
);
CREATE INDEX justifications_verification ON justifications(verification_uuid);

CREATE TABLE justification_documents (
    justification_uuid TEXT NOT NULL REFERENCES justifications(uuid) ON DELETE CASCADE,
    file_uuid          TEXT NOT NULL REFERENCES stored_files(uuid) ON DELETE CASCADE,
    PRIMARY KEY (justification_uuid, file_uuid)
);

-- +goose Down
DROP TABLE justification_documents;
DROP TABLE justifications;
