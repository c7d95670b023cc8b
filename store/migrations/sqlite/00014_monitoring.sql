-- +goose Up
-- Ongoing monitoring: see the PostgreSQL migration of the same number.
ALTER TABLE verifications ADD COLUMN person_code_hmac TEXT NOT NULL DEFAULT '';

CREATE TABLE monitor_watches (
    verification_uuid TEXT PRIMARY KEY REFERENCES verifications(uuid) ON DELETE CASCADE,
    company_status    TEXT NOT NULL,
    company_name      TEXT NOT NULL,
    legal_form        TEXT NOT NULL,
    represents        BOOLEAN, -- NULL: not known (the register or the data cannot tell)
    due_at            DATETIME NOT NULL,
    claim             TEXT NOT NULL DEFAULT '', -- the check holding the row; a claim lapses at due_at
    failures          INTEGER NOT NULL DEFAULT 0, -- register outages in a row (backoff)
    checked_at        DATETIME,
    last_error        TEXT NOT NULL DEFAULT '',
    created           DATETIME NOT NULL
);
CREATE INDEX monitor_watches_due ON monitor_watches(due_at);

-- The per-register rate limit, shared by every replica: the next free slot
-- (microseconds since the Unix epoch), advanced atomically by each call.
CREATE TABLE monitor_rate (
    method    TEXT PRIMARY KEY,
    next_slot INTEGER NOT NULL
);

CREATE TABLE monitoring_alerts (
    uuid                    TEXT PRIMARY KEY,
    verification_uuid       TEXT NOT NULL REFERENCES verifications(uuid) ON DELETE CASCADE,
    customer_uuid           TEXT,
    country                 CHAR(2) NOT NULL,
    legal_person_identifier TEXT NOT NULL,
    legal_name              TEXT NOT NULL,
    kind                    TEXT NOT NULL, -- condition, name, legal_form, representation
    old_value               TEXT NOT NULL,
    new_value               TEXT NOT NULL,
    state                   TEXT NOT NULL, -- open, acknowledged, resolved
    note                    TEXT NOT NULL DEFAULT '',
    acknowledged_by         INTEGER REFERENCES users(id) ON DELETE SET NULL,
    acknowledged_at         DATETIME,
    resolved_by             INTEGER REFERENCES users(id) ON DELETE SET NULL,
    resolved_at             DATETIME,
    created                 DATETIME NOT NULL,
    modified                DATETIME NOT NULL
);
CREATE INDEX monitoring_alerts_created ON monitoring_alerts(created, uuid);
CREATE INDEX monitoring_alerts_state ON monitoring_alerts(state, created);
CREATE INDEX monitoring_alerts_verification ON monitoring_alerts(verification_uuid);

-- +goose Down
DROP TABLE monitoring_alerts;
DROP TABLE monitor_rate;
DROP TABLE monitor_watches;
ALTER TABLE verifications DROP COLUMN person_code_hmac;
