-- +goose Up
CREATE TABLE findings (
    id                VARCHAR(36)  NOT NULL PRIMARY KEY,
    engagement_id     VARCHAR(36)  NOT NULL,
    vendor_id         VARCHAR(36)  NOT NULL,
    assessment_id     VARCHAR(36)  NOT NULL DEFAULT '',
    question_key      VARCHAR(64)  NOT NULL DEFAULT '',
    title             VARCHAR(500) NOT NULL,
    answer            TEXT         NOT NULL,
    score_bp          INT          NOT NULL DEFAULT 0,
    evidence_ids      TEXT         NOT NULL,
    control_refs      TEXT         NOT NULL,
    threat_category   VARCHAR(20)  NOT NULL DEFAULT '',
    severity          VARCHAR(10)  NOT NULL,
    priority          INT          NOT NULL,
    status            VARCHAR(20)  NOT NULL,
    source            VARCHAR(12)  NOT NULL,
    internal_notes    TEXT         NOT NULL,
    supplier_response TEXT         NOT NULL,
    version           INT          NOT NULL,
    created_at        DATETIME(6)  NOT NULL,
    updated_at        DATETIME(6)  NOT NULL,
    closed_at         DATETIME(6)  NULL,
    KEY ix_findings_engagement_question (engagement_id, question_key),
    KEY ix_findings_vendor (vendor_id, id),
    KEY ix_findings_priority (priority, id),
    CONSTRAINT fk_findings_engagement FOREIGN KEY (engagement_id) REFERENCES engagements (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE findings;
