-- +goose Up
-- A webhook endpoint scoped to a supplier receives only its vendor's events, as the supplier sees them.
ALTER TABLE webhook_endpoints ADD COLUMN vendor_id VARCHAR(36) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE webhook_endpoints DROP COLUMN vendor_id;
