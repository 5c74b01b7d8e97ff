-- +goose Up
-- The orphan sweep asks, for each stored evidence file, whether any record still names it.
CREATE INDEX ix_evidence_sha256 ON evidence (sha256);

-- +goose Down
DROP INDEX ix_evidence_sha256;
