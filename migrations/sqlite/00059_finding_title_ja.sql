-- +goose Up
-- title_ja is the Japanese title of a finding raised from an assessment (the question's Japanese text
-- when it was raised); '' for findings recorded by hand and when the question has no Japanese text,
-- which then show title in both languages.
ALTER TABLE findings ADD COLUMN title_ja TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE findings DROP COLUMN title_ja;
