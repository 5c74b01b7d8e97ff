-- +goose Up
CREATE TABLE vendors (
    id               TEXT          NOT NULL PRIMARY KEY,
    kind             TEXT          NOT NULL,
    name             TEXT          NOT NULL COLLATE NOCASE,
    legal_name       TEXT          NOT NULL DEFAULT '',
    corporate_number TEXT          NULL,
    registration_ids TEXT          NOT NULL,
    country          TEXT          NOT NULL DEFAULT '',
    website          TEXT          NOT NULL DEFAULT '',
    description      TEXT          NOT NULL,
    internal_owner   TEXT          NOT NULL DEFAULT '',
    status           TEXT          NOT NULL,
    version          INTEGER           NOT NULL,
    created_at       DATETIME      NOT NULL,
    updated_at       DATETIME      NOT NULL
);
CREATE UNIQUE INDEX uq_vendors_corporate_number ON vendors (corporate_number);
CREATE INDEX ix_vendors_name ON vendors (name, id);
CREATE INDEX ix_vendors_kind ON vendors (kind, id);
CREATE INDEX ix_vendors_status ON vendors (status, id);
CREATE INDEX ix_vendors_country ON vendors (country, id);


CREATE TABLE vendor_tags (
    vendor_id TEXT        NOT NULL,
    tag       TEXT        NOT NULL,
    PRIMARY KEY (vendor_id, tag),
    FOREIGN KEY (vendor_id) REFERENCES vendors (id) ON DELETE CASCADE
);
CREATE INDEX ix_vendor_tags_tag ON vendor_tags (tag, vendor_id);


CREATE TABLE vendor_contacts (
    id         TEXT         NOT NULL PRIMARY KEY,
    vendor_id  TEXT         NOT NULL,
    name       TEXT         NOT NULL,
    email      TEXT         NOT NULL DEFAULT '',
    phone      TEXT         NOT NULL DEFAULT '',
    role       TEXT         NOT NULL DEFAULT '',
    is_primary BOOLEAN      NOT NULL DEFAULT 0,
    version    INTEGER          NOT NULL,
    created_at DATETIME     NOT NULL,
    updated_at DATETIME     NOT NULL,
    FOREIGN KEY (vendor_id) REFERENCES vendors (id) ON DELETE CASCADE
);
CREATE INDEX ix_vendor_contacts_vendor ON vendor_contacts (vendor_id);


CREATE TABLE vendor_certifications (
    id             TEXT         NOT NULL PRIMARY KEY,
    vendor_id      TEXT         NOT NULL,
    scheme         TEXT         NOT NULL,
    scheme_name    TEXT         NOT NULL DEFAULT '',
    certificate_id TEXT         NOT NULL DEFAULT '',
    issuer         TEXT         NOT NULL DEFAULT '',
    scope          TEXT         NOT NULL,
    valid_from     DATE         NOT NULL,
    valid_until    DATE         NOT NULL,
    version        INTEGER          NOT NULL,
    created_at     DATETIME     NOT NULL,
    updated_at     DATETIME     NOT NULL,
    FOREIGN KEY (vendor_id) REFERENCES vendors (id) ON DELETE CASCADE
);
CREATE INDEX ix_vendor_certifications_vendor ON vendor_certifications (vendor_id);
CREATE INDEX ix_vendor_certifications_valid_until ON vendor_certifications (valid_until);


CREATE TABLE vendor_subcontractors (
    id               TEXT         NOT NULL PRIMARY KEY,
    vendor_id        TEXT         NOT NULL,
    subcontractor_id TEXT         NOT NULL,
    service          TEXT         NOT NULL,
    handles_our_data BOOLEAN      NOT NULL DEFAULT 0,
    created_at       DATETIME     NOT NULL,
    FOREIGN KEY (vendor_id) REFERENCES vendors (id) ON DELETE CASCADE,
    FOREIGN KEY (subcontractor_id) REFERENCES vendors (id)
);
CREATE UNIQUE INDEX uq_vendor_subcontractors_pair ON vendor_subcontractors (vendor_id, subcontractor_id);
CREATE INDEX ix_vendor_subcontractors_sub ON vendor_subcontractors (subcontractor_id);


CREATE TABLE api_keys (
    id           TEXT         NOT NULL PRIMARY KEY,
    name         TEXT         NOT NULL DEFAULT '',
    role         TEXT         NOT NULL,
    vendor_id    TEXT         NULL,
    prefix       TEXT         NOT NULL,
    hash         TEXT         NOT NULL,
    created_by   TEXT         NOT NULL,
    created_at   DATETIME     NOT NULL,
    expires_at   DATETIME     NULL,
    revoked_at   DATETIME     NULL,
    last_used_at DATETIME     NULL,
    FOREIGN KEY (vendor_id) REFERENCES vendors (id)
);
CREATE UNIQUE INDEX uq_api_keys_hash ON api_keys (hash);
CREATE INDEX ix_api_keys_vendor ON api_keys (vendor_id);


CREATE TABLE idempotency_keys (
    key_id       TEXT         NOT NULL,
    idem_key     TEXT         NOT NULL,
    request_hash TEXT         NOT NULL,
    status       INTEGER          NOT NULL,
    location     TEXT         NOT NULL DEFAULT '',
    etag         TEXT         NOT NULL DEFAULT '',
    body         BLOB         NULL,
    created_at   DATETIME     NOT NULL,
    PRIMARY KEY (key_id, idem_key)
);
CREATE INDEX ix_idempotency_keys_created ON idempotency_keys (created_at);


CREATE TABLE locks (
    name    TEXT        NOT NULL PRIMARY KEY,
    version INTEGER      NOT NULL
);


INSERT INTO locks (name, version) VALUES ('subcontractor_graph', 0);

-- +goose Down
DROP TABLE locks;
DROP TABLE idempotency_keys;
DROP TABLE api_keys;
DROP TABLE vendor_subcontractors;
DROP TABLE vendor_certifications;
DROP TABLE vendor_contacts;
DROP TABLE vendor_tags;
DROP TABLE vendors;
