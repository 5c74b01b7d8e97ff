-- +goose Up
-- external_ref is the record's id in the customer's ERP, so that an import can match rows to records
-- that have no corporate number. NULL when not set (unique only when set).
ALTER TABLE vendors ADD COLUMN external_ref TEXT NULL;
CREATE UNIQUE INDEX uq_vendors_external_ref ON vendors (external_ref);
ALTER TABLE engagements ADD COLUMN external_ref TEXT NULL;
CREATE UNIQUE INDEX uq_engagements_external_ref ON engagements (external_ref);

-- +goose Down
DROP INDEX uq_engagements_external_ref;
ALTER TABLE engagements DROP COLUMN external_ref;
DROP INDEX uq_vendors_external_ref;
ALTER TABLE vendors DROP COLUMN external_ref;
