-- +goose Up
-- Outsourcing decisions: the snapshot, approvals and conditions are one JSON document; the columns
-- are what lists filter on.
CREATE TABLE decisions (
    id            VARCHAR(36) NOT NULL PRIMARY KEY,
    engagement_id VARCHAR(36) NOT NULL,
    vendor_id     VARCHAR(36) NOT NULL,
    status        VARCHAR(20) NOT NULL,
    requested_by  VARCHAR(64) NOT NULL,
    document      LONGTEXT    NOT NULL,
    version       INT         NOT NULL,
    created_at    DATETIME(6) NOT NULL,
    updated_at    DATETIME(6) NOT NULL,
    KEY ix_decisions_engagement (engagement_id, status),
    KEY ix_decisions_status (status, id),
    CONSTRAINT fk_decisions_engagement FOREIGN KEY (engagement_id) REFERENCES engagements (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE risk_acceptances (
    id            VARCHAR(36) NOT NULL PRIMARY KEY,
    finding_id    VARCHAR(36) NOT NULL,
    engagement_id VARCHAR(36) NOT NULL,
    vendor_id     VARCHAR(36) NOT NULL,
    status        VARCHAR(20) NOT NULL,
    expires_on    DATE        NOT NULL,
    document      LONGTEXT    NOT NULL,
    version       INT         NOT NULL,
    created_at    DATETIME(6) NOT NULL,
    updated_at    DATETIME(6) NOT NULL,
    KEY ix_risk_acceptances_finding (finding_id, status),
    KEY ix_risk_acceptances_status (status, id),
    CONSTRAINT fk_risk_acceptances_finding FOREIGN KEY (finding_id) REFERENCES findings (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Leases let one replica at a time run the background sweep.
CREATE TABLE job_leases (
    name       VARCHAR(64)  NOT NULL PRIMARY KEY,
    holder     VARCHAR(128) NOT NULL,
    expires_at DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO locks (name, version) VALUES ('decision_requests', 0);

-- +goose Down
DELETE FROM locks WHERE name = 'decision_requests';
DROP TABLE job_leases;
DROP TABLE risk_acceptances;
DROP TABLE decisions;
