-- +goose Up
-- Notices the sweep raised (a certificate expiring, expired), one per kind, subject and occasion, so
-- that each is raised once across restarts and replicas.
CREATE TABLE notices (
    kind       VARCHAR(100) NOT NULL,
    subject_id VARCHAR(36)  NOT NULL,
    occasion   VARCHAR(64)  NOT NULL,
    raised_at  DATETIME(6)  NOT NULL,
    PRIMARY KEY (kind, subject_id, occasion)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE notices;
