-- +goose Up
-- close_reason says why an assessment closed a finding: 'passed' (the latest answer passes) or
-- 'not_applicable' (the latest assessment hid the question or the answer was not applicable); '' when
-- it was closed by hand, or is not closed. Findings closed before this column have ''.
ALTER TABLE findings ADD COLUMN close_reason VARCHAR(20) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE findings DROP COLUMN close_reason;
