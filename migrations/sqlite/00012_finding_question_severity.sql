-- +goose Up
-- question_severity is the severity of the question an assessment finding was raised on, before the
-- engagement's tier adjusted it (tier 1 raises it one level, tier 4 lowers it one level): the finding's
-- severity and priority are derived again from it whenever the tier moves. '' for manual findings,
-- whose severity is set by hand and does not follow the tier.
-- Backfill: the tier a stored finding was rated on follows from its severity and priority (priority =
-- severity rank × (5 − tier)), so the question's severity is the stored one moved back one level on
-- tiers 1 and 4. Two cases cannot be told apart (critical on tier 1: the question was high or critical;
-- low on tier 4: medium or low); they take the more severe of the two.
ALTER TABLE findings ADD COLUMN question_severity TEXT NOT NULL DEFAULT '';
UPDATE findings SET question_severity = CASE
    WHEN severity = 'critical' THEN 'critical'
    WHEN severity = 'high' AND priority = 12 THEN 'medium'
    WHEN severity = 'high' AND priority = 3 THEN 'critical'
    WHEN severity = 'medium' AND priority = 8 THEN 'low'
    WHEN severity = 'medium' AND priority = 2 THEN 'high'
    WHEN severity = 'low' AND priority = 1 THEN 'medium'
    ELSE severity END
WHERE source = 'assessment';

-- +goose Down
ALTER TABLE findings DROP COLUMN question_severity;
