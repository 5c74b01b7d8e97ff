-- +goose Up
CREATE TABLE questionnaire_templates (
    id           TEXT     NOT NULL PRIMARY KEY,
    family_id    TEXT     NOT NULL,
    number       INTEGER  NOT NULL,
    template_key TEXT     NOT NULL DEFAULT '',
    name_en      TEXT     NOT NULL,
    status       TEXT     NOT NULL,
    built_in     BOOLEAN  NOT NULL DEFAULT 0,
    vendor_kinds TEXT     NOT NULL DEFAULT '',
    document     TEXT     NOT NULL,
    version      INTEGER  NOT NULL,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    published_at DATETIME NULL
);
CREATE UNIQUE INDEX uq_questionnaire_templates_family_number ON questionnaire_templates (family_id, number);
CREATE INDEX ix_questionnaire_templates_status ON questionnaire_templates (status, id);
CREATE INDEX ix_questionnaire_templates_key ON questionnaire_templates (template_key, number);

INSERT INTO locks (name, version) VALUES ('questionnaire_templates', 0);

-- +goose Down
DELETE FROM locks WHERE name = 'questionnaire_templates';
DROP TABLE questionnaire_templates;
