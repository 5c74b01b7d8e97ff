-- +goose Up
-- The supplier portal's one-time invitations (handed out by send) and browser sessions. Only the
-- SHA-256 of a secret is stored. A token acts as the supplier API key key_id: revoking the key ends it.
CREATE TABLE portal_tokens (
    id            TEXT     NOT NULL PRIMARY KEY,
    kind          TEXT     NOT NULL,
    hash          TEXT     NOT NULL UNIQUE,
    key_id        TEXT     NOT NULL REFERENCES api_keys (id),
    vendor_id     TEXT     NOT NULL,
    assessment_id TEXT     NOT NULL DEFAULT '',
    csrf          TEXT     NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    expires_at    DATETIME NOT NULL,
    used_at       DATETIME NULL,
    ended_at      DATETIME NULL
);
CREATE INDEX ix_portal_tokens_key ON portal_tokens (key_id);

-- +goose Down
DROP TABLE portal_tokens;
