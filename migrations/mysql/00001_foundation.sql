-- +goose Up
CREATE TABLE vendors (
    id               VARCHAR(36)   NOT NULL PRIMARY KEY,
    kind             VARCHAR(20)   NOT NULL,
    name             VARCHAR(200)  NOT NULL,
    legal_name       VARCHAR(200)  NOT NULL DEFAULT '',
    corporate_number VARCHAR(13)   NULL,
    registration_ids TEXT          NOT NULL,
    country          VARCHAR(2)    NOT NULL DEFAULT '',
    website          VARCHAR(2048) NOT NULL DEFAULT '',
    description      TEXT          NOT NULL,
    internal_owner   VARCHAR(200)  NOT NULL DEFAULT '',
    status           VARCHAR(20)   NOT NULL,
    version          INT           NOT NULL,
    created_at       DATETIME(6)   NOT NULL,
    updated_at       DATETIME(6)   NOT NULL,
    UNIQUE KEY uq_vendors_corporate_number (corporate_number),
    KEY ix_vendors_name (name, id),
    KEY ix_vendors_kind (kind, id),
    KEY ix_vendors_status (status, id),
    KEY ix_vendors_country (country, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE vendor_tags (
    vendor_id VARCHAR(36) NOT NULL,
    tag       VARCHAR(40) NOT NULL,
    PRIMARY KEY (vendor_id, tag),
    KEY ix_vendor_tags_tag (tag, vendor_id),
    CONSTRAINT fk_vendor_tags_vendor FOREIGN KEY (vendor_id) REFERENCES vendors (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE vendor_contacts (
    id         VARCHAR(36)  NOT NULL PRIMARY KEY,
    vendor_id  VARCHAR(36)  NOT NULL,
    name       VARCHAR(200) NOT NULL,
    email      VARCHAR(254) NOT NULL DEFAULT '',
    phone      VARCHAR(40)  NOT NULL DEFAULT '',
    role       VARCHAR(200) NOT NULL DEFAULT '',
    is_primary BOOLEAN      NOT NULL DEFAULT FALSE,
    version    INT          NOT NULL,
    created_at DATETIME(6)  NOT NULL,
    updated_at DATETIME(6)  NOT NULL,
    KEY ix_vendor_contacts_vendor (vendor_id),
    CONSTRAINT fk_vendor_contacts_vendor FOREIGN KEY (vendor_id) REFERENCES vendors (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE vendor_certifications (
    id             VARCHAR(36)  NOT NULL PRIMARY KEY,
    vendor_id      VARCHAR(36)  NOT NULL,
    scheme         VARCHAR(20)  NOT NULL,
    scheme_name    VARCHAR(200) NOT NULL DEFAULT '',
    certificate_id VARCHAR(100) NOT NULL DEFAULT '',
    issuer         VARCHAR(200) NOT NULL DEFAULT '',
    scope          TEXT         NOT NULL,
    valid_from     DATE         NOT NULL,
    valid_until    DATE         NOT NULL,
    version        INT          NOT NULL,
    created_at     DATETIME(6)  NOT NULL,
    updated_at     DATETIME(6)  NOT NULL,
    KEY ix_vendor_certifications_vendor (vendor_id),
    KEY ix_vendor_certifications_valid_until (valid_until),
    CONSTRAINT fk_vendor_certifications_vendor FOREIGN KEY (vendor_id) REFERENCES vendors (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE vendor_subcontractors (
    id               VARCHAR(36)  NOT NULL PRIMARY KEY,
    vendor_id        VARCHAR(36)  NOT NULL,
    subcontractor_id VARCHAR(36)  NOT NULL,
    service          VARCHAR(200) NOT NULL,
    handles_our_data BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at       DATETIME(6)  NOT NULL,
    UNIQUE KEY uq_vendor_subcontractors_pair (vendor_id, subcontractor_id),
    KEY ix_vendor_subcontractors_sub (subcontractor_id),
    CONSTRAINT fk_vendor_subcontractors_vendor FOREIGN KEY (vendor_id) REFERENCES vendors (id) ON DELETE CASCADE,
    CONSTRAINT fk_vendor_subcontractors_sub FOREIGN KEY (subcontractor_id) REFERENCES vendors (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE api_keys (
    id           VARCHAR(36)  NOT NULL PRIMARY KEY,
    name         VARCHAR(200) NOT NULL DEFAULT '',
    role         VARCHAR(20)  NOT NULL,
    vendor_id    VARCHAR(36)  NULL,
    prefix       VARCHAR(16)  NOT NULL,
    hash         CHAR(64)     NOT NULL,
    created_by   VARCHAR(64)  NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    expires_at   DATETIME(6)  NULL,
    revoked_at   DATETIME(6)  NULL,
    last_used_at DATETIME(6)  NULL,
    UNIQUE KEY uq_api_keys_hash (hash),
    KEY ix_api_keys_vendor (vendor_id),
    CONSTRAINT fk_api_keys_vendor FOREIGN KEY (vendor_id) REFERENCES vendors (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE idempotency_keys (
    key_id       VARCHAR(36)  NOT NULL,
    idem_key     VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    request_hash CHAR(64)     NOT NULL,
    status       INT          NOT NULL,
    location     VARCHAR(512) NOT NULL DEFAULT '',
    etag         VARCHAR(64)  NOT NULL DEFAULT '',
    body         MEDIUMBLOB   NULL,
    created_at   DATETIME(6)  NOT NULL,
    PRIMARY KEY (key_id, idem_key),
    KEY ix_idempotency_keys_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE locks (
    name    VARCHAR(64) NOT NULL PRIMARY KEY,
    version BIGINT      NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

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
