-- +goose Up
-- Import jobs: a file too large for one request waits here (its rows as JSON in payload, dropped when
-- the job ends) until a replica holding the job's lease (job_leases, "import_job:<id>") runs it.
CREATE TABLE import_jobs (
    id                TEXT     NOT NULL PRIMARY KEY,
    kind              TEXT     NOT NULL,
    permission        TEXT     NOT NULL,
    state             TEXT     NOT NULL,
    mode              TEXT     NOT NULL,
    dry_run           BOOLEAN  NOT NULL DEFAULT 0,
    source            TEXT     NOT NULL,
    payload           TEXT     NULL,
    rows_total        INTEGER  NOT NULL,
    rows_done         INTEGER  NOT NULL DEFAULT 0,
    report            TEXT     NULL,
    error             TEXT     NOT NULL,
    starter_key_id    TEXT     NOT NULL,
    starter_name      TEXT     NOT NULL,
    starter_role      TEXT     NOT NULL,
    starter_vendor_id TEXT     NOT NULL DEFAULT '',
    request_id        TEXT     NOT NULL DEFAULT '',
    path              TEXT     NOT NULL DEFAULT '',
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    ended_at          DATETIME NULL
);
CREATE INDEX ix_import_jobs_state ON import_jobs (state, id);

-- +goose Down
DROP TABLE import_jobs;
