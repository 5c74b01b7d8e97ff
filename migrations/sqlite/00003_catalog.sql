-- +goose Up
CREATE TABLE frameworks (
    id             TEXT     NOT NULL PRIMARY KEY,
    name           TEXT     NOT NULL,
    edition        TEXT     NOT NULL DEFAULT '',
    publisher      TEXT     NOT NULL DEFAULT '',
    description_en TEXT     NOT NULL,
    description_ja TEXT     NOT NULL,
    levels         TEXT     NOT NULL,
    source         TEXT     NOT NULL,
    source_uuid    TEXT     NULL,
    content_hash   TEXT     NOT NULL,
    version        INTEGER  NOT NULL,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_frameworks_source_uuid ON frameworks (source_uuid);

CREATE TABLE framework_groups (
    framework_id TEXT    NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    ref          TEXT    NOT NULL,
    parent_ref   TEXT    NOT NULL DEFAULT '',
    level        INTEGER NOT NULL,
    title_en     TEXT    NOT NULL,
    title_ja     TEXT    NOT NULL,
    position     INTEGER NOT NULL,
    PRIMARY KEY (framework_id, ref)
);

CREATE TABLE controls (
    framework_id     TEXT    NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    ref              TEXT    NOT NULL,
    parent_ref       TEXT    NOT NULL DEFAULT '',
    group_path       TEXT    NOT NULL,
    title_en         TEXT    NOT NULL,
    title_ja         TEXT    NOT NULL,
    supplier_related BOOLEAN NOT NULL DEFAULT 0,
    tags             TEXT    NOT NULL,
    class            TEXT    NOT NULL DEFAULT '',
    parts            TEXT    NOT NULL,
    props            TEXT    NOT NULL,
    position         INTEGER NOT NULL,
    PRIMARY KEY (framework_id, ref)
);
CREATE INDEX ix_controls_position ON controls (framework_id, position);

CREATE TABLE control_mappings (
    from_framework TEXT    NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    from_ref       TEXT    NOT NULL,
    to_framework   TEXT    NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    to_ref         TEXT    NOT NULL,
    relation       TEXT    NOT NULL,
    inverse        BOOLEAN NOT NULL DEFAULT 0,
    via            TEXT    NOT NULL DEFAULT '',
    note           TEXT    NOT NULL,
    position       INTEGER NOT NULL,
    PRIMARY KEY (from_framework, from_ref, to_framework, to_ref)
);

INSERT INTO locks (name, version) VALUES ('catalog', 0);

-- +goose Down
DELETE FROM locks WHERE name = 'catalog';
DROP TABLE control_mappings;
DROP TABLE controls;
DROP TABLE framework_groups;
DROP TABLE frameworks;
