-- +goose Up
-- Signed checkpoints of the audit chain: the head (seq, hash) signed with an Ed25519 key the database
-- does not hold. Append-only like the chain itself.
CREATE TABLE audit_checkpoints (
    seq        BIGINT       NOT NULL PRIMARY KEY,
    hash       CHAR(64)     NOT NULL,
    signed_at  DATETIME(6)  NOT NULL,
    key_id     VARCHAR(64)  NOT NULL,
    public_key VARCHAR(100) NOT NULL,
    signature  VARCHAR(200) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose StatementBegin
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_checkpoints is append-only';
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_checkpoints is append-only';
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_checkpoints;
