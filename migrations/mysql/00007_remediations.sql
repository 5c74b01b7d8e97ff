-- +goose Up
CREATE TABLE remediations (
    id          VARCHAR(36)  NOT NULL PRIMARY KEY,
    finding_id  VARCHAR(36)  NOT NULL,
    vendor_id   VARCHAR(36)  NOT NULL,
    type        VARCHAR(12)  NOT NULL,
    owner       VARCHAR(10)  NOT NULL,
    description TEXT         NOT NULL,
    due_date    DATE         NOT NULL,
    status      VARCHAR(12)  NOT NULL,
    comment     TEXT         NOT NULL,
    verified_by VARCHAR(64)  NOT NULL DEFAULT '',
    verified_at DATETIME(6)  NULL,
    version     INT          NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    updated_at  DATETIME(6)  NOT NULL,
    KEY ix_remediations_finding (finding_id, id),
    CONSTRAINT fk_remediations_finding FOREIGN KEY (finding_id) REFERENCES findings (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE remediations;
