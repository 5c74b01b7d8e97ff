-- +goose Up
-- The audit trail: one row per committed write, chained by hash. Rows are append-only (the triggers
-- below refuse UPDATE and DELETE); audit_head holds the chain's last seq and hash, and its row lock
-- serialises appends so the chain never forks.
CREATE TABLE audit_events (
    seq           BIGINT       NOT NULL PRIMARY KEY,
    id            VARCHAR(36)  NOT NULL,
    occurred_at   DATETIME(6)  NOT NULL,
    actor_key_id  VARCHAR(64)  NOT NULL,
    actor_name    VARCHAR(200) NOT NULL,
    actor_role    VARCHAR(20)  NOT NULL,
    action        VARCHAR(200) NOT NULL,
    resource_type VARCHAR(64)  NOT NULL,
    resource_id   VARCHAR(200) NOT NULL,
    path          VARCHAR(500) NOT NULL,
    status        INT          NOT NULL,
    request_id    VARCHAR(128) NOT NULL,
    input         LONGTEXT     NOT NULL,
    result        LONGTEXT     NOT NULL,
    prev_hash     CHAR(64)     NOT NULL,
    hash          CHAR(64)     NOT NULL,
    UNIQUE KEY ux_audit_events_id (id),
    KEY ix_audit_events_resource (resource_type, resource_id, seq),
    KEY ix_audit_events_actor (actor_key_id, seq),
    KEY ix_audit_events_time (occurred_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE audit_head (
    id   INT      NOT NULL PRIMARY KEY,
    seq  BIGINT   NOT NULL,
    hash CHAR(64) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_events is append-only';
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_events is append-only';
-- +goose StatementEnd
-- The head only moves forward (seq up, or the same seq with the same hash: the lock-taking no-op) and
-- cannot be removed, so that deleting the tail and rewinding the head needs the triggers dropped first.
-- +goose StatementBegin
CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head FOR EACH ROW
BEGIN
    IF NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash <> OLD.hash) OR NEW.id <> OLD.id THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_head only moves forward';
    END IF;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_head cannot be removed';
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_events;
