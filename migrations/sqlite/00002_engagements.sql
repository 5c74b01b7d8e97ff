-- +goose Up
CREATE TABLE engagements (
    id                        TEXT     NOT NULL PRIMARY KEY,
    vendor_id                 TEXT     NOT NULL REFERENCES vendors (id),
    name                      TEXT     NOT NULL COLLATE NOCASE,
    description               TEXT     NOT NULL,
    business_owner            TEXT     NOT NULL DEFAULT '',
    service_type              TEXT     NOT NULL,
    holdings                  TEXT     NOT NULL,
    access_type               TEXT     NOT NULL,
    internet_facing           BOOLEAN  NOT NULL DEFAULT 0,
    data_locations            TEXT     NOT NULL,
    critical_process          BOOLEAN  NOT NULL DEFAULT 0,
    rto_hours                 INTEGER  NULL,
    substitutability          TEXT     NOT NULL,
    annual_spend_amount       INTEGER  NULL,
    annual_spend_currency     TEXT     NOT NULL DEFAULT '',
    impact_c                  INTEGER  NULL,
    impact_i                  INTEGER  NULL,
    impact_a                  INTEGER  NULL,
    status                    TEXT     NOT NULL,
    override_tier             INTEGER  NULL,
    override_reason           TEXT     NULL,
    override_by_key_id        TEXT     NULL,
    override_by_name          TEXT     NULL,
    override_at               DATETIME NULL,
    override_recommended_tier INTEGER  NULL,
    risk_score                INTEGER  NOT NULL,
    recommended_tier          INTEGER  NOT NULL,
    effective_tier            INTEGER  NOT NULL,
    risk_model_version        TEXT     NOT NULL,
    version                   INTEGER  NOT NULL,
    created_at                DATETIME NOT NULL,
    updated_at                DATETIME NOT NULL
);
CREATE INDEX ix_engagements_vendor ON engagements (vendor_id, id);
CREATE INDEX ix_engagements_tier ON engagements (effective_tier, id);
CREATE INDEX ix_engagements_status ON engagements (status, id);
CREATE INDEX ix_engagements_name ON engagements (name, id);
CREATE INDEX ix_engagements_score ON engagements (risk_score, id);

CREATE TABLE contracts (
    id                 TEXT     NOT NULL PRIMARY KEY,
    engagement_id      TEXT     NOT NULL REFERENCES engagements (id),
    title              TEXT     NOT NULL,
    document_reference TEXT     NOT NULL DEFAULT '',
    signed_on          DATE     NULL,
    starts_on          DATE     NOT NULL,
    ends_on            DATE     NULL,
    auto_renew         BOOLEAN  NOT NULL DEFAULT 0,
    notice_days        INTEGER  NOT NULL DEFAULT 0,
    clauses            TEXT     NOT NULL,
    version            INTEGER  NOT NULL,
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL
);
CREATE INDEX ix_contracts_engagement ON contracts (engagement_id);
CREATE INDEX ix_contracts_ends_on ON contracts (ends_on);

CREATE TABLE risk_policies (
    version    INTEGER  NOT NULL PRIMARY KEY,
    document   TEXT     NOT NULL,
    created_at DATETIME NOT NULL,
    created_by TEXT     NOT NULL
);

-- +goose Down
DROP TABLE risk_policies;
DROP TABLE contracts;
DROP TABLE engagements;
