-- +goose Up
-- A reservation's token fences it: a retry that takes over an abandoned reservation replaces the token,
-- and the first request, if it was only slow, can then neither mark, complete nor release the key.
ALTER TABLE idempotency_keys ADD COLUMN token VARCHAR(36) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE idempotency_keys DROP COLUMN token;
