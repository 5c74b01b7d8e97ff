-- +goose Up
-- The transactional outbox: every domain event, written in the transaction of its change. seq is the
-- delivery order; writers take the 'outbox' lock row so that seqs commit in order. endpoint_id targets
-- one endpoint (a test ping); '' is for every subscriber.
CREATE TABLE outbox (
    seq          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    id           VARCHAR(36)  NOT NULL,
    type         VARCHAR(200) NOT NULL,
    version      INT          NOT NULL,
    subject_type VARCHAR(64)  NOT NULL,
    subject_id   VARCHAR(200) NOT NULL,
    vendor_id    VARCHAR(36)  NOT NULL,
    endpoint_id  VARCHAR(36)  NOT NULL,
    payload      LONGTEXT     NOT NULL,
    request_id   VARCHAR(128) NOT NULL,
    occurred_at  DATETIME(6)  NOT NULL,
    UNIQUE KEY ux_outbox_id (id),
    KEY ix_outbox_time (occurred_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO locks (name, version) VALUES ('outbox', 0);

CREATE TABLE webhook_endpoints (
    id                    VARCHAR(36)   NOT NULL PRIMARY KEY,
    url                   VARCHAR(2000) NOT NULL,
    description           VARCHAR(2000) NOT NULL,
    event_types           TEXT          NOT NULL,
    enabled               BOOLEAN       NOT NULL,
    disabled_reason       VARCHAR(500)  NOT NULL,
    secret                VARCHAR(100)  NOT NULL,
    previous_secret       VARCHAR(100)  NOT NULL,
    previous_secret_until DATETIME(6)   NULL,
    consecutive_failures  INT           NOT NULL,
    outbox_cursor         BIGINT        NOT NULL,
    version               INT           NOT NULL,
    created_at            DATETIME(6)   NOT NULL,
    updated_at            DATETIME(6)   NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE webhook_deliveries (
    id               VARCHAR(36)  NOT NULL PRIMARY KEY,
    endpoint_id      VARCHAR(36)  NOT NULL,
    outbox_seq       BIGINT       NOT NULL,
    message_id       VARCHAR(36)  NOT NULL,
    event_type       VARCHAR(200) NOT NULL,
    status           VARCHAR(20)  NOT NULL,
    attempts         INT          NOT NULL,
    next_attempt_at  DATETIME(6)  NULL,
    retry_from       DATETIME(6)  NOT NULL,
    last_status_code INT          NOT NULL,
    last_error       TEXT         NOT NULL,
    created_at       DATETIME(6)  NOT NULL,
    updated_at       DATETIME(6)  NOT NULL,
    UNIQUE KEY ux_webhook_deliveries_message (endpoint_id, outbox_seq),
    KEY ix_webhook_deliveries_queue (endpoint_id, status, outbox_seq),
    KEY ix_webhook_deliveries_pending (status, created_at),
    KEY ix_webhook_deliveries_seq (outbox_seq),
    CONSTRAINT fk_webhook_deliveries_endpoint FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE webhook_attempts (
    id           VARCHAR(36) NOT NULL PRIMARY KEY,
    delivery_id  VARCHAR(36) NOT NULL,
    endpoint_id  VARCHAR(36) NOT NULL,
    number       INT         NOT NULL,
    attempted_at DATETIME(6) NOT NULL,
    status_code  INT         NOT NULL,
    duration_ms  BIGINT      NOT NULL,
    error        TEXT        NOT NULL,
    response     TEXT        NOT NULL,
    succeeded    BOOLEAN     NOT NULL,
    KEY ix_webhook_attempts_delivery (delivery_id, number),
    CONSTRAINT fk_webhook_attempts_delivery FOREIGN KEY (delivery_id) REFERENCES webhook_deliveries (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
DELETE FROM locks WHERE name = 'outbox';
DROP TABLE outbox;
