-- +goose Up
CREATE TABLE remediations (
    id          TEXT     NOT NULL PRIMARY KEY,
    finding_id  TEXT     NOT NULL REFERENCES findings (id),
    vendor_id   TEXT     NOT NULL,
    type        TEXT     NOT NULL,
    owner       TEXT     NOT NULL,
    description TEXT     NOT NULL,
    due_date    DATE     NOT NULL,
    status      TEXT     NOT NULL,
    comment     TEXT     NOT NULL,
    verified_by TEXT     NOT NULL DEFAULT '',
    verified_at DATETIME NULL,
    version     INTEGER  NOT NULL,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE INDEX ix_remediations_finding ON remediations (finding_id, id);

-- +goose Down
DROP TABLE remediations;
