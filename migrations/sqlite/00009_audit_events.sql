-- +goose Up
-- The audit trail: one row per committed write, chained by hash. Rows are append-only (the triggers
-- below refuse UPDATE and DELETE); audit_head holds the chain's last seq and hash, and its row lock
-- serialises appends so the chain never forks.
CREATE TABLE audit_events (
    seq           INTEGER  NOT NULL PRIMARY KEY,
    id            TEXT     NOT NULL UNIQUE,
    occurred_at   DATETIME NOT NULL,
    actor_key_id  TEXT     NOT NULL,
    actor_name    TEXT     NOT NULL,
    actor_role    TEXT     NOT NULL,
    action        TEXT     NOT NULL,
    resource_type TEXT     NOT NULL,
    resource_id   TEXT     NOT NULL,
    path          TEXT     NOT NULL,
    status        INTEGER  NOT NULL,
    request_id    TEXT     NOT NULL,
    input         TEXT     NOT NULL,
    result        TEXT     NOT NULL,
    prev_hash     TEXT     NOT NULL,
    hash          TEXT     NOT NULL
);
CREATE INDEX ix_audit_events_resource ON audit_events (resource_type, resource_id, seq);
CREATE INDEX ix_audit_events_actor ON audit_events (actor_key_id, seq);
CREATE INDEX ix_audit_events_time ON audit_events (occurred_at);

CREATE TABLE audit_head (
    id   INTEGER NOT NULL PRIMARY KEY,
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd
-- The head only moves forward (seq up, or the same seq with the same hash: the lock-taking no-op) and
-- cannot be removed, so that deleting the tail and rewinding the head needs the triggers dropped first.
-- +goose StatementBegin
CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
WHEN NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash <> OLD.hash) OR NEW.id <> OLD.id
BEGIN
    SELECT RAISE(ABORT, 'audit_head only moves forward');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'audit_head cannot be removed');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_events;
