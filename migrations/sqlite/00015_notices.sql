-- +goose Up
-- Notices the sweep raised (a certificate expiring, expired), one per kind, subject and occasion, so
-- that each is raised once across restarts and replicas.
CREATE TABLE notices (
    kind       TEXT     NOT NULL,
    subject_id TEXT     NOT NULL,
    occasion   TEXT     NOT NULL,
    raised_at  DATETIME NOT NULL,
    PRIMARY KEY (kind, subject_id, occasion)
);

-- +goose Down
DROP TABLE notices;
