-- +goose Up
-- Signed checkpoints of the audit chain: the head (seq, hash) signed with an Ed25519 key the database
-- does not hold. Append-only like the chain itself.
CREATE TABLE audit_checkpoints (
    seq        INTEGER  NOT NULL PRIMARY KEY,
    hash       TEXT     NOT NULL,
    signed_at  DATETIME NOT NULL,
    key_id     TEXT     NOT NULL,
    public_key TEXT     NOT NULL,
    signature  TEXT     NOT NULL
);

-- +goose StatementBegin
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_checkpoints;
