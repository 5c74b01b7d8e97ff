-- +goose Up
CREATE TABLE assessments (
    id                 VARCHAR(36)  NOT NULL PRIMARY KEY,
    engagement_id      VARCHAR(36)  NOT NULL,
    vendor_id          VARCHAR(36)  NOT NULL,
    template_id        VARCHAR(36)  NOT NULL,
    template_family_id VARCHAR(36)  NOT NULL,
    template_number    INT          NOT NULL,
    template_document  MEDIUMTEXT   NOT NULL,
    depth              VARCHAR(20)  NOT NULL,
    due_date           DATE         NOT NULL,
    message            TEXT         NOT NULL,
    status             VARCHAR(20)  NOT NULL,
    supplier_key_id    VARCHAR(36)  NOT NULL DEFAULT '',
    answers            MEDIUMTEXT   NOT NULL,
    answers_version    INT          NOT NULL,
    return_comment     TEXT         NOT NULL,
    created_by         VARCHAR(64)  NOT NULL,
    version            INT          NOT NULL,
    created_at         DATETIME(6)  NOT NULL,
    updated_at         DATETIME(6)  NOT NULL,
    sent_at            DATETIME(6)  NULL,
    submitted_at       DATETIME(6)  NULL,
    completed_at       DATETIME(6)  NULL,
    KEY ix_assessments_engagement (engagement_id, template_family_id),
    KEY ix_assessments_vendor (vendor_id, id),
    KEY ix_assessments_status (status, due_date),
    CONSTRAINT fk_assessments_engagement FOREIGN KEY (engagement_id) REFERENCES engagements (id),
    CONSTRAINT fk_assessments_vendor FOREIGN KEY (vendor_id) REFERENCES vendors (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE evidence (
    id            VARCHAR(36)  NOT NULL PRIMARY KEY,
    assessment_id VARCHAR(36)  NOT NULL,
    vendor_id     VARCHAR(36)  NOT NULL,
    file_name     VARCHAR(255) NOT NULL,
    content_type  VARCHAR(100) NOT NULL,
    size          BIGINT       NOT NULL,
    sha256        CHAR(64)     NOT NULL,
    question_keys TEXT         NOT NULL,
    uploaded_by   VARCHAR(64)  NOT NULL,
    created_at    DATETIME(6)  NOT NULL,
    KEY ix_evidence_assessment (assessment_id, id),
    CONSTRAINT fk_evidence_assessment FOREIGN KEY (assessment_id) REFERENCES assessments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO locks (name, version) VALUES ('assessments', 0);

-- +goose Down
DELETE FROM locks WHERE name = 'assessments';
DROP TABLE evidence;
DROP TABLE assessments;
