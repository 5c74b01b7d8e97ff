-- +goose Up
CREATE TABLE assessments (
    id                 TEXT     NOT NULL PRIMARY KEY,
    engagement_id      TEXT     NOT NULL REFERENCES engagements (id),
    vendor_id          TEXT     NOT NULL REFERENCES vendors (id),
    template_id        TEXT     NOT NULL,
    template_family_id TEXT     NOT NULL,
    template_number    INTEGER  NOT NULL,
    template_document  TEXT     NOT NULL,
    depth              TEXT     NOT NULL,
    due_date           DATE     NOT NULL,
    message            TEXT     NOT NULL,
    status             TEXT     NOT NULL,
    supplier_key_id    TEXT     NOT NULL DEFAULT '',
    answers            TEXT     NOT NULL,
    answers_version    INTEGER  NOT NULL,
    return_comment     TEXT     NOT NULL,
    created_by         TEXT     NOT NULL,
    version            INTEGER  NOT NULL,
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL,
    sent_at            DATETIME NULL,
    submitted_at       DATETIME NULL,
    completed_at       DATETIME NULL
);
CREATE INDEX ix_assessments_engagement ON assessments (engagement_id, template_family_id);
CREATE INDEX ix_assessments_vendor ON assessments (vendor_id, id);
CREATE INDEX ix_assessments_status ON assessments (status, due_date);

CREATE TABLE evidence (
    id            TEXT     NOT NULL PRIMARY KEY,
    assessment_id TEXT     NOT NULL REFERENCES assessments (id),
    vendor_id     TEXT     NOT NULL,
    file_name     TEXT     NOT NULL,
    content_type  TEXT     NOT NULL,
    size          INTEGER  NOT NULL,
    sha256        TEXT     NOT NULL,
    question_keys TEXT     NOT NULL,
    uploaded_by   TEXT     NOT NULL,
    created_at    DATETIME NOT NULL
);
CREATE INDEX ix_evidence_assessment ON evidence (assessment_id, id);

INSERT INTO locks (name, version) VALUES ('assessments', 0);

-- +goose Down
DELETE FROM locks WHERE name = 'assessments';
DROP TABLE evidence;
DROP TABLE assessments;
