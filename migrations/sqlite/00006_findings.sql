-- +goose Up
CREATE TABLE findings (
    id                TEXT     NOT NULL PRIMARY KEY,
    engagement_id     TEXT     NOT NULL REFERENCES engagements (id),
    vendor_id         TEXT     NOT NULL,
    assessment_id     TEXT     NOT NULL DEFAULT '',
    question_key      TEXT     NOT NULL DEFAULT '',
    title             TEXT     NOT NULL,
    answer            TEXT     NOT NULL,
    score_bp          INTEGER  NOT NULL DEFAULT 0,
    evidence_ids      TEXT     NOT NULL,
    control_refs      TEXT     NOT NULL,
    threat_category   TEXT     NOT NULL DEFAULT '',
    severity          TEXT     NOT NULL,
    priority          INTEGER  NOT NULL,
    status            TEXT     NOT NULL,
    source            TEXT     NOT NULL,
    internal_notes    TEXT     NOT NULL,
    supplier_response TEXT     NOT NULL,
    version           INTEGER  NOT NULL,
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    closed_at         DATETIME NULL
);
CREATE INDEX ix_findings_engagement_question ON findings (engagement_id, question_key);
CREATE INDEX ix_findings_vendor ON findings (vendor_id, id);
CREATE INDEX ix_findings_priority ON findings (priority, id);

-- +goose Down
DROP TABLE findings;
