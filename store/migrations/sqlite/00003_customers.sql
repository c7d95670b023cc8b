-- +goose Up
CREATE TABLE customers (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid                  TEXT NOT NULL UNIQUE,
    name                  TEXT NOT NULL,
    slug                  TEXT NOT NULL DEFAULT '',
    native_name           TEXT NOT NULL DEFAULT '',
    abbreviation          TEXT NOT NULL DEFAULT '',
    description           TEXT NOT NULL DEFAULT '',
    contact_details       TEXT NOT NULL DEFAULT '',
    agreement_number      TEXT NOT NULL DEFAULT '',
    email                 TEXT NOT NULL DEFAULT '',
    phone_number          TEXT NOT NULL DEFAULT '',
    registration_code     TEXT NOT NULL,
    homepage              TEXT NOT NULL DEFAULT '',
    domain                TEXT NOT NULL DEFAULT '',
    vat_code              TEXT NOT NULL DEFAULT '',
    postal                TEXT NOT NULL DEFAULT '',
    address               TEXT NOT NULL DEFAULT '',
    bank_name             TEXT NOT NULL DEFAULT '',
    bank_account          TEXT NOT NULL DEFAULT '',
    latitude              REAL,
    longitude             REAL,
    country               CHAR(2) NOT NULL,
    access_subnets        TEXT NOT NULL DEFAULT '',
    notification_emails   TEXT NOT NULL DEFAULT '',
    backend_id            TEXT NOT NULL DEFAULT '',
    blocked               BOOLEAN NOT NULL DEFAULT 0,
    archived              BOOLEAN NOT NULL DEFAULT 0,
    default_tax_percent   TEXT NOT NULL DEFAULT '0.00',
    accounting_start_date DATETIME,
    sponsor_number        INTEGER,
    max_service_accounts  INTEGER,
    grace_period_days     INTEGER,
    created               DATETIME NOT NULL,
    -- one customer per company, whatever races create_customer
    UNIQUE (registration_code, country)
);

-- Ownership is data: who holds which role in which customer.
CREATE TABLE customer_permissions (
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    created     DATETIME NOT NULL,
    PRIMARY KEY (customer_id, user_id, role)
);
CREATE INDEX customer_permissions_user ON customer_permissions(user_id);

-- a verification creates at most one customer
CREATE UNIQUE INDEX verifications_customer ON verifications(customer_id) WHERE customer_id IS NOT NULL;

-- The audit trail; no foreign key, so the record of a deleted verification stays.
CREATE TABLE verification_events (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    verification_uuid TEXT NOT NULL,
    kind              TEXT NOT NULL,
    actor_id          INTEGER,
    old_status        TEXT NOT NULL DEFAULT '',
    new_status        TEXT NOT NULL DEFAULT '',
    reason            TEXT NOT NULL DEFAULT '',
    created           DATETIME NOT NULL
);
CREATE INDEX verification_events_verification ON verification_events(verification_uuid, id);

-- +goose Down
DROP TABLE verification_events;
DROP INDEX verifications_customer;
DROP TABLE customer_permissions;
DROP TABLE customers;
