-- Grid units with full history, households, workers and their groups.
-- depends:

CREATE EXTENSION IF NOT EXISTS postgis;

-- One row per change to the grid: who, when, why.
CREATE TABLE edit (
    id          bigserial PRIMARY KEY,
    kind        text        NOT NULL,
    author      text        NOT NULL,
    reason      text        NOT NULL,
    at          timestamptz NOT NULL,
    households_moved integer NOT NULL DEFAULT 0,
    undoes      bigint REFERENCES edit (id)
);

-- Every version of every unit; the current grid is the open versions.
CREATE TABLE unit_version (
    id          bigserial PRIMARY KEY,
    code        text        NOT NULL CHECK (code ~ '^[0-9]{6}([0-9]{3}){0,3}$'),
    name        text        NOT NULL,
    level       smallint    NOT NULL CHECK (level = length(code) / 3 - 1),
    parent_code text        CHECK ((level = 1) = (parent_code IS NULL)),
    geom        geometry(MultiPolygon, 4326) NOT NULL,
    valid_from  timestamptz NOT NULL,
    valid_to    timestamptz,
    opened_by   bigint      NOT NULL REFERENCES edit (id),
    closed_by   bigint      REFERENCES edit (id),
    CHECK (parent_code IS NULL OR code LIKE parent_code || '___'),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE UNIQUE INDEX unit_version_open_code ON unit_version (code) WHERE valid_to IS NULL;
CREATE INDEX unit_version_open_geom ON unit_version USING gist (geom) WHERE valid_to IS NULL;
CREATE INDEX unit_version_open_parent ON unit_version (parent_code) WHERE valid_to IS NULL;
CREATE INDEX unit_version_code_time ON unit_version (code, valid_from);

-- Households are points; county_code names the county each belongs to (the table is not
-- partitioned).
CREATE TABLE household (
    code            text PRIMARY KEY,
    county_code     text NOT NULL,
    head_name       text,
    category        text NOT NULL CHECK (category IN ('lifted', 'monitored', 'ordinary')),
    monitor_kind    text,
    risk_eliminated boolean NOT NULL DEFAULT false,
    members         integer CHECK (members IS NULL OR members >= 0),
    id_number       text,
    phone           text,
    address         text,
    geom            geometry(Point, 4326),
    declared_group  text,
    -- Deepest current unit whose polygon covers the point (the group when inside the grid);
    -- without a location, the declared group.
    unit_code       text,
    status          text NOT NULL DEFAULT 'active'
                    CHECK (status IN ('active', 'moved_away', 'deceased', 'merged')),
    status_date     date,
    status_reason   text,
    updated_at      timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 80);
-- unit_code is deliberately not indexed and pages keep free space, so reassignment
-- updates are HOT (no index writes); reports scan or hash-join households anyway.
CREATE INDEX household_geom ON household USING gist (geom);
CREATE INDEX household_county ON household (county_code);

CREATE TABLE worker (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    phone       text,
    birth_year  integer CHECK (birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'left')),
    capacity    integer CHECK (capacity IS NULL OR capacity > 0),
    home        geometry(Point, 4326),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX worker_home ON worker USING gist (home);

-- Which villager groups a worker serves.
CREATE TABLE worker_group (
    worker_code text NOT NULL REFERENCES worker (code) ON DELETE CASCADE,
    group_code  text NOT NULL CHECK (length(group_code) = 15),
    PRIMARY KEY (worker_code, group_code)
);
CREATE INDEX worker_group_group ON worker_group (group_code);
