-- +goose Up
-- The remediation plan a supplier proposes for a finding waits for procurement: plan_status is
-- 'proposed', 'accepted' or 'rejected' ('' while the supplier proposed nothing), plan_reason the
-- reason of the last rejection, plan_decided_by/at who judged the last proposal and when. The items
-- of a proposal are remediations with status 'proposed' (accepted: 'open'; rejected: 'rejected');
-- items planned before this column are taken as accepted.
ALTER TABLE findings ADD COLUMN plan_status VARCHAR(12) NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN plan_reason VARCHAR(2000) NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN plan_decided_by VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN plan_decided_at DATETIME(6) NULL;

-- +goose Down
ALTER TABLE findings DROP COLUMN plan_decided_at;
ALTER TABLE findings DROP COLUMN plan_decided_by;
ALTER TABLE findings DROP COLUMN plan_reason;
ALTER TABLE findings DROP COLUMN plan_status;
