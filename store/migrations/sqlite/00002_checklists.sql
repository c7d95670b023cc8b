-- +goose Up
CREATE TABLE checklists (
    uuid           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    checklist_type TEXT NOT NULL DEFAULT 'customer_onboarding',
    created        DATETIME NOT NULL,
    modified       DATETIME NOT NULL
);

CREATE TABLE questions (
    uuid                      TEXT PRIMARY KEY,
    checklist_uuid            TEXT NOT NULL REFERENCES checklists(uuid) ON DELETE CASCADE,
    sort_order                INTEGER NOT NULL DEFAULT 0,
    description               TEXT NOT NULL DEFAULT '',
    user_guidance             TEXT NOT NULL DEFAULT '',
    question_type             TEXT NOT NULL,
    required                  BOOLEAN NOT NULL DEFAULT 0,
    min_value                 TEXT,  -- decimal as text: exact on both databases
    max_value                 TEXT,
    allowed_file_types        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(allowed_file_types)),
    allowed_mime_types        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(allowed_mime_types)),
    max_file_size_mb          INTEGER,
    max_files_count           INTEGER,
    operator                  TEXT NOT NULL DEFAULT '',
    review_answer_value       TEXT CHECK (review_answer_value IS NULL OR json_valid(review_answer_value)),
    always_requires_review    BOOLEAN NOT NULL DEFAULT 0,
    guidance_operator         TEXT NOT NULL DEFAULT '',
    guidance_answer_value     TEXT CHECK (guidance_answer_value IS NULL OR json_valid(guidance_answer_value)),
    always_show_guidance      BOOLEAN NOT NULL DEFAULT 0,
    dependency_logic_operator TEXT NOT NULL DEFAULT 'and',
    maps_to_customer_field    TEXT NOT NULL DEFAULT '',
    intent_field              TEXT NOT NULL DEFAULT '',
    created                   DATETIME NOT NULL,
    modified                  DATETIME NOT NULL
);
CREATE INDEX questions_checklist ON questions(checklist_uuid, sort_order);

CREATE TABLE question_options (
    uuid          TEXT PRIMARY KEY,
    question_uuid TEXT NOT NULL REFERENCES questions(uuid) ON DELETE CASCADE,
    label         TEXT NOT NULL,
    sort_order    INTEGER NOT NULL DEFAULT 0,
    created       DATETIME NOT NULL
);
CREATE INDEX question_options_question ON question_options(question_uuid, sort_order);

CREATE TABLE question_dependencies (
    uuid                     TEXT PRIMARY KEY,
    question_uuid            TEXT NOT NULL REFERENCES questions(uuid) ON DELETE CASCADE,
    depends_on_question_uuid TEXT NOT NULL REFERENCES questions(uuid) ON DELETE CASCADE,
    required_answer_value    TEXT NOT NULL CHECK (json_valid(required_answer_value)),
    operator                 TEXT NOT NULL DEFAULT 'equals',
    created                  DATETIME NOT NULL,
    UNIQUE (question_uuid, depends_on_question_uuid)
);

CREATE TABLE country_configs (
    uuid           TEXT PRIMARY KEY,
    country        CHAR(2) NOT NULL UNIQUE,
    checklist_uuid TEXT NOT NULL REFERENCES checklists(uuid) ON DELETE CASCADE,
    is_active      BOOLEAN NOT NULL DEFAULT 1,
    created        DATETIME NOT NULL,
    modified       DATETIME NOT NULL
);

CREATE TABLE completions (
    uuid              TEXT PRIMARY KEY,
    verification_uuid TEXT NOT NULL REFERENCES verifications(uuid) ON DELETE CASCADE,
    checklist_uuid    TEXT NOT NULL REFERENCES checklists(uuid) ON DELETE CASCADE,
    created           DATETIME NOT NULL,
    modified          DATETIME NOT NULL,
    UNIQUE (verification_uuid, checklist_uuid)
);

CREATE TABLE stored_files (
    uuid      TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    size      INTEGER NOT NULL,
    content   BLOB NOT NULL,
    created   DATETIME NOT NULL
);

CREATE TABLE answers (
    uuid            TEXT PRIMARY KEY,
    completion_uuid TEXT NOT NULL REFERENCES completions(uuid) ON DELETE CASCADE,
    question_uuid   TEXT NOT NULL REFERENCES questions(uuid) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    answer_data     TEXT NOT NULL CHECK (json_valid(answer_data)),
    requires_review BOOLEAN NOT NULL DEFAULT 0,
    created         DATETIME NOT NULL,
    modified        DATETIME NOT NULL,
    UNIQUE (completion_uuid, question_uuid)
);

-- Which stored files an answer refers to; deleting the answer deletes them.
CREATE TABLE answer_files (
    answer_uuid TEXT NOT NULL REFERENCES answers(uuid) ON DELETE CASCADE,
    file_uuid   TEXT NOT NULL REFERENCES stored_files(uuid) ON DELETE CASCADE,
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
