-- +goose Up
-- The transactional outbox: every domain event, written in the transaction of its change. seq is the
-- delivery order; writers take the 'outbox' lock row so that seqs commit in order. endpoint_id targets
-- one endpoint (a test ping); '' is for every subscriber.
CREATE TABLE outbox (
    seq          INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    id           TEXT     NOT NULL UNIQUE,
    type         TEXT     NOT NULL,
    version      INTEGER  NOT NULL,
    subject_type TEXT     NOT NULL,
    subject_id   TEXT     NOT NULL,
    vendor_id    TEXT     NOT NULL,
    endpoint_id  TEXT     NOT NULL,
    payload      TEXT     NOT NULL,
    request_id   TEXT     NOT NULL,
    occurred_at  DATETIME NOT NULL
);
CREATE INDEX ix_outbox_time ON outbox (occurred_at);
INSERT INTO locks (name, version) VALUES ('outbox', 0);

CREATE TABLE webhook_endpoints (
    id                    TEXT     NOT NULL PRIMARY KEY,
    url                   TEXT     NOT NULL,
    description           TEXT     NOT NULL,
    event_types           TEXT     NOT NULL,
    enabled               BOOLEAN  NOT NULL,
    disabled_reason       TEXT     NOT NULL,
    secret                TEXT     NOT NULL,
    previous_secret       TEXT     NOT NULL,
    previous_secret_until DATETIME NULL,
    consecutive_failures  INTEGER  NOT NULL,
    outbox_cursor         INTEGER  NOT NULL,
    version               INTEGER  NOT NULL,
    created_at            DATETIME NOT NULL,
    updated_at            DATETIME NOT NULL
);

CREATE TABLE webhook_deliveries (
    id               TEXT     NOT NULL PRIMARY KEY,
    endpoint_id      TEXT     NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    outbox_seq       INTEGER  NOT NULL,
    message_id       TEXT     NOT NULL,
    event_type       TEXT     NOT NULL,
    status           TEXT     NOT NULL,
    attempts         INTEGER  NOT NULL,
    next_attempt_at  DATETIME NULL,
    retry_from       DATETIME NOT NULL,
    last_status_code INTEGER  NOT NULL,
    last_error       TEXT     NOT NULL,
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL,
    UNIQUE (endpoint_id, outbox_seq)
);
CREATE INDEX ix_webhook_deliveries_queue ON webhook_deliveries (endpoint_id, status, outbox_seq);
CREATE INDEX ix_webhook_deliveries_pending ON webhook_deliveries (status, created_at);
CREATE INDEX ix_webhook_deliveries_seq ON webhook_deliveries (outbox_seq);

CREATE TABLE webhook_attempts (
    id           TEXT     NOT NULL PRIMARY KEY,
    delivery_id  TEXT     NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    endpoint_id  TEXT     NOT NULL,
    number       INTEGER  NOT NULL,
    attempted_at DATETIME NOT NULL,
    status_code  INTEGER  NOT NULL,
    duration_ms  INTEGER  NOT NULL,
    error        TEXT     NOT NULL,
    response     TEXT     NOT NULL,
    succeeded    BOOLEAN  NOT NULL
);
CREATE INDEX ix_webhook_attempts_delivery ON webhook_attempts (delivery_id, number);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
DELETE FROM locks WHERE name = 'outbox';
DROP TABLE outbox;
