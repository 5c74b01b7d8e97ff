-- +goose Up
-- Outsourcing decisions: the snapshot, approvals and conditions are one JSON document; the columns
-- are what lists filter on.
CREATE TABLE decisions (
    id            TEXT     NOT NULL PRIMARY KEY,
    engagement_id TEXT     NOT NULL REFERENCES engagements (id),
    vendor_id     TEXT     NOT NULL,
    status        TEXT     NOT NULL,
    requested_by  TEXT     NOT NULL,
    document      TEXT     NOT NULL,
    version       INTEGER  NOT NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX ix_decisions_engagement ON decisions (engagement_id, status);
CREATE INDEX ix_decisions_status ON decisions (status, id);

CREATE TABLE risk_acceptances (
    id            TEXT     NOT NULL PRIMARY KEY,
    finding_id    TEXT     NOT NULL REFERENCES findings (id),
    engagement_id TEXT     NOT NULL,
    vendor_id     TEXT     NOT NULL,
    status        TEXT     NOT NULL,
    expires_on    DATE     NOT NULL,
    document      TEXT     NOT NULL,
    version       INTEGER  NOT NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX ix_risk_acceptances_finding ON risk_acceptances (finding_id, status);
CREATE INDEX ix_risk_acceptances_status ON risk_acceptances (status, id);

-- Leases let one replica at a time run the background sweep.
CREATE TABLE job_leases (
    name       TEXT     NOT NULL PRIMARY KEY,
    holder     TEXT     NOT NULL,
    expires_at DATETIME NOT NULL
);
INSERT INTO locks (name, version) VALUES ('decision_requests', 0);

-- +goose Down
DELETE FROM locks WHERE name = 'decision_requests';
DROP TABLE job_leases;
DROP TABLE risk_acceptances;
DROP TABLE decisions;
