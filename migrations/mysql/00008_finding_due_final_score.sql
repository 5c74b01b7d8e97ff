-- +goose Up
-- next_due is the earliest due date of the finding's open remediation items; 9999-12-31 when it has none,
-- so priority paging can order and compare it without NULL cases.
ALTER TABLE findings ADD COLUMN next_due DATE NOT NULL DEFAULT '9999-12-31';
UPDATE findings SET next_due = (SELECT MIN(r.due_date) FROM remediations r WHERE r.finding_id = findings.id AND r.status IN ('open', 'in_progress'))
WHERE EXISTS (SELECT 1 FROM remediations r WHERE r.finding_id = findings.id AND r.status IN ('open', 'in_progress'));
CREATE INDEX ix_findings_priority_due ON findings (priority, next_due, id);
CREATE INDEX ix_findings_next_due ON findings (next_due);
-- final_score is the score-v1 result stored when the assessment completes.
ALTER TABLE assessments ADD COLUMN final_score LONGTEXT NULL;

-- +goose Down
DROP INDEX ix_findings_next_due ON findings;
DROP INDEX ix_findings_priority_due ON findings;
ALTER TABLE findings DROP COLUMN next_due;
ALTER TABLE assessments DROP COLUMN final_score;
