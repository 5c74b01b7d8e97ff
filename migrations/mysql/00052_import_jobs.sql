-- +goose Up
-- Import jobs: a file too large for one request waits here (its rows as JSON in payload, dropped when
-- the job ends) until a replica holding the job's lease (job_leases, "import_job:<id>") runs it.
CREATE TABLE import_jobs (
    id                VARCHAR(36)  NOT NULL PRIMARY KEY,
    kind              VARCHAR(20)  NOT NULL,
    permission        VARCHAR(40)  NOT NULL,
    state             VARCHAR(10)  NOT NULL,
    mode              VARCHAR(20)  NOT NULL,
    dry_run           BOOLEAN      NOT NULL DEFAULT FALSE,
    source            TEXT         NOT NULL,
    payload           LONGTEXT     NULL,
    rows_total        INT          NOT NULL,
    rows_done         INT          NOT NULL DEFAULT 0,
    report            LONGTEXT     NULL,
    error             TEXT         NOT NULL,
    starter_key_id    VARCHAR(36)  NOT NULL,
    starter_name      VARCHAR(200) NOT NULL,
    starter_role      VARCHAR(20)  NOT NULL,
    starter_vendor_id VARCHAR(36)  NOT NULL DEFAULT '',
    request_id        VARCHAR(64)  NOT NULL DEFAULT '',
    path              VARCHAR(255) NOT NULL DEFAULT '',
    created_at        DATETIME(6)  NOT NULL,
    updated_at        DATETIME(6)  NOT NULL,
    ended_at          DATETIME(6)  NULL,
    KEY ix_import_jobs_state (state, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE import_jobs;
