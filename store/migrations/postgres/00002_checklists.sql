-- +goose Up
CREATE TABLE checklists (
    uuid           UUID PRIMARY KEY,
    name           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    checklist_type TEXT NOT NULL DEFAULT 'customer_onboarding',
    created        TIMESTAMPTZ NOT NULL,
    modified       TIMESTAMPTZ NOT NULL
);

CREATE TABLE questions (
    uuid                      UUID PRIMARY KEY,
    checklist_uuid            UUID NOT NULL REFERENCES checklists(uuid) ON DELETE CASCADE,
    sort_order                INTEGER NOT NULL DEFAULT 0,
    description               TEXT NOT NULL DEFAULT '',
    user_guidance             TEXT NOT NULL DEFAULT '',
    question_type             TEXT NOT NULL,
    required                  BOOLEAN NOT NULL DEFAULT FALSE,
    min_value                 TEXT,  -- decimal as text: exact on both databases
    max_value                 TEXT,
    allowed_file_types        JSONB NOT NULL DEFAULT '[]',
    allowed_mime_types        JSONB NOT NULL DEFAULT '[]',
    max_file_size_mb          INTEGER,
    max_files_count           INTEGER,
    operator                  TEXT NOT NULL DEFAULT '',
    review_answer_value       JSONB,
    always_requires_review    BOOLEAN NOT NULL DEFAULT FALSE,
    guidance_operator         TEXT NOT NULL DEFAULT '',
    guidance_answer_value     JSONB,
    always_show_guidance      BOOLEAN NOT NULL DEFAULT FALSE,
    dependency_logic_operator TEXT NOT NULL DEFAULT 'and',
    maps_to_customer_field    TEXT NOT NULL DEFAULT '',
    intent_field              TEXT NOT NULL DEFAULT '',
    created                   TIMESTAMPTZ NOT NULL,
    modified                  TIMESTAMPTZ NOT NULL
);
CREATE INDEX questions_checklist ON questions(checklist_uuid, sort_order);

CREATE TABLE question_options (
    uuid          UUID PRIMARY KEY,
    question_uuid UUID NOT NULL REFERENCES questions(uuid) ON DELETE CASCADE,
    label         TEXT NOT NULL,
    sort_order    INTEGER NOT NULL DEFAULT 0,
    created       TIMESTAMPTZ NOT NULL
);
CREATE INDEX question_options_question ON question_options(question_uuid, sort_order);

CREATE TABLE question_dependencies (
    uuid                     UUID PRIMARY KEY,
    question_uuid            UUID NOT NULL REFERENCES questions(uuid) ON DELETE CASCADE,
    depends_on_question_uuid UUID NOT NULL REFERENCES questions(uuid) ON DELETE CASCADE,
    required_answer_value    JSONB NOT NULL,
    operator                 TEXT NOT NULL DEFAULT 'equals',
    created                  TIMESTAMPTZ NOT NULL,
    UNIQUE (question_uuid, depends_on_question_uuid)
);

CREATE TABLE country_configs (
    uuid           UUID PRIMARY KEY,
    country        CHAR(2) NOT NULL UNIQUE,
    checklist_uuid UUID NOT NULL REFERENCES checklists(uuid) ON DELETE CASCADE,
    is_active      BOOLEAN NOT NULL DEFAULT TRUE,
    created        TIMESTAMPTZ NOT NULL,
    modified       TIMESTAMPTZ NOT NULL
);

CREATE TABLE completions (
    uuid              UUID PRIMARY KEY,
    verification_uuid UUID NOT NULL REFERENCES verifications(uuid) ON DELETE CASCADE,
    checklist_uuid    UUID NOT NULL REFERENCES checklists(uuid) ON DELETE CASCADE,
    created           TIMESTAMPTZ NOT NULL,
    modified          TIMESTAMPTZ NOT NULL,
    UNIQUE (verification_uuid, checklist_uuid)
);

CREATE TABLE stored_files (
    uuid      UUID PRIMARY KEY,
    name      TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    size      BIGINT NOT NULL,
    content   BYTEA NOT NULL,
    created   TIMESTAMPTZ NOT NULL
);

CREATE TABLE answers (
    uuid            UUID PRIMARY KEY,
    completion_uuid UUID NOT NULL REFERENCES completions(uuid) ON DELETE CASCADE,
    question_uuid   UUID NOT NULL REFERENCES questions(uuid) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    answer_data     JSONB NOT NULL,
    requires_review BOOLEAN NOT NULL DEFAULT FALSE,
    created         TIMESTAMPTZ NOT NULL,
    modified        TIMESTAMPTZ NOT NULL,
    UNIQUE (completion_uuid, question_uuid)
);

-- Which stored files an answer refers to; deleting the answer deletes them.
CREATE TABLE answer_files (
    answer_uuid UUID NOT NULL REFERENCES answers(uuid) ON DELETE CASCADE,
    file_uuid   UUID NOT NULL REFERENCES stored_files(uuid) ON DELETE CASCADE,
    PRIMARY KEY (answer_uuid, file_uuid)
);

-- +goose Down
DROP TABLE answer_files;
DROP TABLE answers;
DROP TABLE stored_files;
DROP TABLE completions;
DROP TABLE country_configs;
DROP TABLE question_dependencies;
DROP TABLE question_options;
DROP TABLE questions;
DROP TABLE checklists;
