-- +goose Up
CREATE TABLE frameworks (
    id             VARCHAR(64)  NOT NULL PRIMARY KEY,
    name           VARCHAR(300) NOT NULL,
    edition        VARCHAR(100) NOT NULL DEFAULT '',
    publisher      VARCHAR(200) NOT NULL DEFAULT '',
    description_en TEXT         NOT NULL,
    description_ja TEXT         NOT NULL,
    levels         TEXT         NOT NULL,
    source         VARCHAR(10)  NOT NULL,
    source_uuid    VARCHAR(64)  NULL,
    content_hash   CHAR(64)     NOT NULL,
    version        INT          NOT NULL,
    created_at     DATETIME(6)  NOT NULL,
    updated_at     DATETIME(6)  NOT NULL,
    UNIQUE KEY uq_frameworks_source_uuid (source_uuid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE framework_groups (
    framework_id VARCHAR(64)  NOT NULL,
    ref          VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    parent_ref   VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    level        INT          NOT NULL,
    title_en     TEXT         NOT NULL,
    title_ja     TEXT         NOT NULL,
    position     INT          NOT NULL,
    PRIMARY KEY (framework_id, ref),
    CONSTRAINT fk_framework_groups_framework FOREIGN KEY (framework_id) REFERENCES frameworks (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE controls (
    framework_id     VARCHAR(64)  NOT NULL,
    ref              VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    parent_ref       VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    group_path       TEXT         NOT NULL,
    title_en         TEXT         NOT NULL,
    title_ja         TEXT         NOT NULL,
    supplier_related BOOLEAN      NOT NULL DEFAULT FALSE,
    tags             TEXT         NOT NULL,
    class            VARCHAR(100) NOT NULL DEFAULT '',
    parts            MEDIUMTEXT   NOT NULL,
    props            MEDIUMTEXT   NOT NULL,
    position         INT          NOT NULL,
    PRIMARY KEY (framework_id, ref),
    KEY ix_controls_position (framework_id, position),
    CONSTRAINT fk_controls_framework FOREIGN KEY (framework_id) REFERENCES frameworks (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE control_mappings (
    from_framework VARCHAR(64)  NOT NULL,
    from_ref       VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    to_framework   VARCHAR(64)  NOT NULL,
    to_ref         VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    relation       VARCHAR(12)  NOT NULL,
    inverse        BOOLEAN      NOT NULL DEFAULT FALSE,
    via            VARCHAR(200) NOT NULL DEFAULT '',
    note           TEXT         NOT NULL,
    position       INT          NOT NULL,
    PRIMARY KEY (from_framework, from_ref, to_framework, to_ref),
    CONSTRAINT fk_control_mappings_from FOREIGN KEY (from_framework) REFERENCES frameworks (id) ON DELETE CASCADE,
    CONSTRAINT fk_control_mappings_to FOREIGN KEY (to_framework) REFERENCES frameworks (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO locks (name, version) VALUES ('catalog', 0);

-- +goose Down
DELETE FROM locks WHERE name = 'catalog';
DROP TABLE control_mappings;
DROP TABLE controls;
DROP TABLE framework_groups;
DROP TABLE frameworks;
