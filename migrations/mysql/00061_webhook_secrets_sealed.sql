-- +goose Up
-- Webhook signing secrets are stored sealed with the secrets key ("enc:v1:" and the base64 of nonce,
-- ciphertext and tag, about 111 characters), longer than the clear secret the columns were sized for.
-- The clear values are sealed by the server at start-up, which needs the key; SQL cannot.
ALTER TABLE webhook_endpoints MODIFY secret VARCHAR(255) NOT NULL, MODIFY previous_secret VARCHAR(255) NOT NULL;

-- +goose Down
-- Fails while sealed secrets are stored: a version before sealing could not read them anyway.
ALTER TABLE webhook_endpoints MODIFY secret VARCHAR(100) NOT NULL, MODIFY previous_secret VARCHAR(100) NOT NULL;
