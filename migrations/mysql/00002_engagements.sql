-- +goose Up
CREATE TABLE engagements (
    id                        VARCHAR(36)   NOT NULL PRIMARY KEY,
    vendor_id                 VARCHAR(36)   NOT NULL,
    name                      VARCHAR(200)  NOT NULL,
    description               TEXT          NOT NULL,
    business_owner            VARCHAR(200)  NOT NULL DEFAULT '',
    service_type              VARCHAR(40)   NOT NULL,
    holdings                  TEXT          NOT NULL,
    access_type               VARCHAR(20)   NOT NULL,
    internet_facing           BOOLEAN       NOT NULL DEFAULT FALSE,
    data_locations            TEXT          NOT NULL,
    critical_process          BOOLEAN       NOT NULL DEFAULT FALSE,
    rto_hours                 INT           NULL,
    substitutability          VARCHAR(10)   NOT NULL,
    annual_spend_amount       BIGINT        NULL,
    annual_spend_currency     VARCHAR(3)    NOT NULL DEFAULT '',
    impact_c                  INT           NULL,
    impact_i                  INT           NULL,
    impact_a                  INT           NULL,
    status                    VARCHAR(20)   NOT NULL,
    override_tier             INT           NULL,
    override_reason           TEXT          NULL,
    override_by_key_id        VARCHAR(36)   NULL,
    override_by_name          VARCHAR(200)  NULL,
    override_at               DATETIME(6)   NULL,
    override_recommended_tier INT           NULL,
    risk_score                INT           NOT NULL,
    recommended_tier          INT           NOT NULL,
    effective_tier            INT           NOT NULL,
    risk_model_version        VARCHAR(40)   NOT NULL,
    version                   INT           NOT NULL,
    created_at                DATETIME(6)   NOT NULL,
    updated_at                DATETIME(6)   NOT NULL,
    KEY ix_engagements_vendor (vendor_id, id),
    KEY ix_engagements_tier (effective_tier, id),
    KEY ix_engagements_status (status, id),
    KEY ix_engagements_name (name, id),
    KEY ix_engagements_score (risk_score, id),
    CONSTRAINT fk_engagements_vendor FOREIGN KEY (vendor_id) REFERENCES vendors (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE contracts (
    id                 VARCHAR(36)  NOT NULL PRIMARY KEY,
    engagement_id      VARCHAR(36)  NOT NULL,
    title              VARCHAR(200) NOT NULL,
    document_reference VARCHAR(500) NOT NULL DEFAULT '',
    signed_on          DATE         NULL,
    starts_on          DATE         NOT NULL,
    ends_on            DATE         NULL,
    auto_renew         BOOLEAN      NOT NULL DEFAULT FALSE,
    notice_days        INT          NOT NULL DEFAULT 0,
    clauses            MEDIUMTEXT   NOT NULL,
    version            INT          NOT NULL,
    created_at         DATETIME(6)  NOT NULL,
    updated_at         DATETIME(6)  NOT NULL,
    KEY ix_contracts_engagement (engagement_id),
    KEY ix_contracts_ends_on (ends_on),
    CONSTRAINT fk_contracts_engagement FOREIGN KEY (engagement_id) REFERENCES engagements (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE risk_policies (
    version    INT         NOT NULL PRIMARY KEY,
    document   MEDIUMTEXT  NOT NULL,
    created_at DATETIME(6) NOT NULL,
    created_by VARCHAR(64) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE risk_policies;
DROP TABLE contracts;
DROP TABLE engagements;
