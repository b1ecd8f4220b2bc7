-- Funded projects (衔接资金项目) with their funds, status, location and asset registration,
-- and pairings of enterprises (万企兴万村) and county leaders (联系点) with villages.
-- depends: 0007.edit-history

CREATE TABLE project (
    code            text PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 40),
    name            text NOT NULL CHECK (length(name) > 0),
    year            smallint NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    category        text NOT NULL
                    CHECK (category IN ('industry', 'infrastructure', 'employment',
                                        'public_jobs', 'other')),
    -- Funds in 万元 by source; cents are the finest unit budgets use.
    funds_central   numeric(14, 2) NOT NULL DEFAULT 0 CHECK (funds_central >= 0),
    funds_provincial numeric(14, 2) NOT NULL DEFAULT 0 CHECK (funds_provincial >= 0),
    funds_city      numeric(14, 2) NOT NULL DEFAULT 0 CHECK (funds_city >= 0),
    funds_county    numeric(14, 2) NOT NULL DEFAULT 0 CHECK (funds_county >= 0),
    status          text NOT NULL CHECK (status IN ('approved', 'started', 'completed')),
    approved_on     date,
    started_on      date,
    completed_on    date,
    progress        smallint CHECK (progress BETWEEN 0 AND 100),
    -- Every project belongs to a village, also before it has a site on the map.
    village_code    text NOT NULL CHECK (village_code ~ '^[0-9]{12}$'),
    county_code     text GENERATED ALWAYS AS (left(village_code, 6)) STORED,
    geom            geometry(Geometry, 4326)
                    CHECK (geom IS NULL OR GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON')),
    asset_registered boolean NOT NULL DEFAULT false,
    asset_registered_on date CHECK (asset_registered_on IS NULL OR asset_registered),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'approved' OR (started_on IS NULL AND completed_on IS NULL)),
    CHECK (status = 'completed' OR completed_on IS NULL)
);
-- Scoped reads filter by village code prefix (LIKE '341890100%').
CREATE INDEX project_village ON project (village_code text_pattern_ops);
CREATE INDEX project_year ON project (year);
CREATE INDEX project_geom ON project USING gist (geom);

CREATE TABLE pairing (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('enterprise', 'leader')),
    partner      text NOT NULL CHECK (length(partner) BETWEEN 1 AND 200),
    village_code text NOT NULL CHECK (village_code ~ '^[0-9]{12}$'),
    since        date,
    note         text,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, partner, village_code)
);
CREATE INDEX pairing_village ON pairing (village_code text_pattern_ops);
