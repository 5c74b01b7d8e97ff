-- +goose Up
CREATE TABLE questionnaire_templates (
    id           VARCHAR(36)  NOT NULL PRIMARY KEY,
    family_id    VARCHAR(36)  NOT NULL,
    number       INT          NOT NULL,
    template_key VARCHAR(64)  NOT NULL DEFAULT '',
    name_en      VARCHAR(200) NOT NULL,
    status       VARCHAR(10)  NOT NULL,
    built_in     BOOLEAN      NOT NULL DEFAULT FALSE,
    vendor_kinds VARCHAR(100) NOT NULL DEFAULT '',
    document     MEDIUMTEXT   NOT NULL,
    version      INT          NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    updated_at   DATETIME(6)  NOT NULL,
    published_at DATETIME(6)  NULL,
    UNIQUE KEY uq_questionnaire_templates_family_number (family_id, number),
    KEY ix_questionnaire_templates_status (status, id),
    KEY ix_questionnaire_templates_key (template_key, number)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO locks (name, version) VALUES ('questionnaire_templates', 0);

-- +goose Down
DELETE FROM locks WHERE name = 'questionnaire_templates';
DROP TABLE questionnaire_templates;
