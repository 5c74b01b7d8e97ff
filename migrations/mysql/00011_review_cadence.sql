-- +goose Up
-- Review cadence. last_assessed_at is when the engagement's latest assessment was completed (NULL: never
-- assessed); next_review_on is that day plus the effective tier's reassessment_months in the current risk
-- policy (NULL: never assessed, or ended). The engagement service keeps both; the cadence lives in the policy
-- document, so this migration backfills last_assessed_at only and `vendorrisk serve` fills the missing
-- review dates at start-up.
ALTER TABLE engagements ADD COLUMN last_assessed_at DATETIME(6) NULL, ADD COLUMN next_review_on DATE NULL;
UPDATE engagements SET last_assessed_at = (SELECT MAX(a.completed_at) FROM assessments a
                                           WHERE a.engagement_id = engagements.id AND a.status = 'completed');
CREATE INDEX ix_engagements_next_review ON engagements (next_review_on, id);

-- +goose Down
DROP INDEX ix_engagements_next_review ON engagements;
ALTER TABLE engagements DROP COLUMN next_review_on, DROP COLUMN last_assessed_at;
