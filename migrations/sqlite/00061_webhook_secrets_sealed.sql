-- +goose Up
-- Webhook signing secrets are stored sealed with the secrets key (the server seals the clear values at
-- start-up; SQL cannot, without the key). SQLite TEXT holds the longer sealed form as it is: nothing
-- to change but the version, which the MySQL schema needs.
SELECT 1;

-- +goose Down
SELECT 1;
