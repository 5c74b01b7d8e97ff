-- +goose Up
-- The supplier portal's one-time invitations (handed out by send) and browser sessions. Only the
-- SHA-256 of a secret is stored. A token acts as the supplier API key key_id: revoking the key ends it.
CREATE TABLE portal_tokens (
    id            VARCHAR(36)  NOT NULL PRIMARY KEY,
    kind          VARCHAR(20)  NOT NULL,
    hash          VARCHAR(64)  NOT NULL,
    key_id        VARCHAR(36)  NOT NULL,
    vendor_id     VARCHAR(36)  NOT NULL,
    assessment_id VARCHAR(36)  NOT NULL DEFAULT '',
    csrf          VARCHAR(64)  NOT NULL DEFAULT '',
    created_at    DATETIME(6)  NOT NULL,
    expires_at    DATETIME(6)  NOT NULL,
    used_at       DATETIME(6)  NULL,
    ended_at      DATETIME(6)  NULL,
    UNIQUE KEY uq_portal_tokens_hash (hash),
    KEY ix_portal_tokens_key (key_id),
    CONSTRAINT fk_portal_tokens_key FOREIGN KEY (key_id) REFERENCES api_keys (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE portal_tokens;
