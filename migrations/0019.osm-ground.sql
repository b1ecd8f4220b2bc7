-- The ground of a county from OpenStreetMap (`gridmap import osm`): roads (ferries among them),
-- waterways and water areas, named places and, when asked, buildings, clipped to the county
-- and a margin around it. The base map and road routing read these tables.
-- Each import is one row of osm_import; the rows it wrote name it. Nothing is overwritten: a
-- new import of a county closes the open rows of the one before (the upper end of `valid`)
-- and opens its own, so the map and routes of any earlier day can be drawn again. Reads take
-- the open rows, which the partial indexes below keep apart. (A row replaced at the instant it
-- was loaded keeps an empty range: it was never current.)
-- Lines are cut at the edge of the clip area and stored one part a row (`part`); areas keep
-- their parts together as a multipolygon. Geometries are in EPSG:4326.
-- County data like every other table since 0015: county_code leads every key (and the foreign
-- keys to osm_import), and row-level security limits the web roles as in 0016.
-- depends: 0018.county-partitions

CREATE TABLE osm_import (
    county_code text NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    file_name text NOT NULL,
    file_bytes bigint NOT NULL CHECK (file_bytes >= 0),
    margin_m double precision NOT NULL CHECK (margin_m >= 0),
    with_buildings boolean NOT NULL,
    -- The county buffered by the margin: what every row of the import lies within.
    clip geometry(MultiPolygon, 4326) NOT NULL,
    loaded_at timestamptz NOT NULL,
    loaded_by text NOT NULL,
    -- Rows written per table, and objects skipped as incomplete (nodes missing from the file).
    counts jsonb NOT NULL,
    -- When the next import of the county replaced this one; NULL while it is the current one.
    replaced_at timestamptz CHECK (replaced_at >= loaded_at),
    PRIMARY KEY (county_code, id)
);
CREATE UNIQUE INDEX osm_import_current ON osm_import (county_code) WHERE replaced_at IS NULL;

CREATE TABLE osm_road (
    county_code text NOT NULL,
    import_id bigint NOT NULL,
    osm_id bigint NOT NULL,
    part integer NOT NULL CHECK (part >= 0),
    -- The highway value (primary, residential, track, …) or 'ferry' for a route=ferry way.
    class text NOT NULL,
    name text,
    -- Direction of travel along the line: 1 forward only, -1 backward only, 0 both ways.
    oneway smallint NOT NULL CHECK (oneway IN (-1, 0, 1)),
    maxspeed_kmh real CHECK (maxspeed_kmh > 0),
    bridge boolean NOT NULL,
    length_m double precision NOT NULL,
    geom geometry(LineString, 4326) NOT NULL,
    valid tstzrange NOT NULL,
    PRIMARY KEY (county_code, import_id, osm_id, part),
    FOREIGN KEY (county_code, import_id) REFERENCES osm_import (county_code, id)
);

CREATE TABLE osm_water (
    county_code text NOT NULL,
    import_id bigint NOT NULL,
    osm_type char(1) NOT NULL CHECK (osm_type IN ('w', 'r')),
    osm_id bigint NOT NULL,
    part integer NOT NULL CHECK (part >= 0),
    -- river, stream, canal, drain, ditch: a line; water, riverbank, reservoir: an area.
    kind text NOT NULL,
    name text,
    geom geometry(Geometry, 4326) NOT NULL,
    valid tstzrange NOT NULL,
    PRIMARY KEY (county_code, import_id, osm_type, osm_id, part),
    FOREIGN KEY (county_code, import_id) REFERENCES osm_import (county_code, id),
    CHECK (CASE WHEN kind IN ('river', 'stream', 'canal', 'drain', 'ditch')
                THEN GeometryType(geom) = 'LINESTRING'
                WHEN kind IN ('water', 'riverbank', 'reservoir')
                THEN GeometryType(geom) = 'MULTIPOLYGON' END)
);

CREATE TABLE osm_place (
    county_code text NOT NULL,
    import_id bigint NOT NULL,
    osm_id bigint NOT NULL,
    -- The place value: county, town, township, village, hamlet, …
    kind text NOT NULL,
    name text,
    geom geometry(Point, 4326) NOT NULL,
    valid tstzrange NOT NULL,
    PRIMARY KEY (county_code, import_id, osm_id),
    FOREIGN KEY (county_code, import_id) REFERENCES osm_import (county_code, id)
);

CREATE TABLE osm_building (
    county_code text NOT NULL,
    import_id bigint NOT NULL,
    osm_type char(1) NOT NULL CHECK (osm_type IN ('w', 'r')),
    osm_id bigint NOT NULL,
    -- The building value: yes, house, school, …
    kind text NOT NULL,
    name text,
    geom geometry(MultiPolygon, 4326) NOT NULL,
    valid tstzrange NOT NULL,
    PRIMARY KEY (county_code, import_id, osm_type, osm_id),
    FOREIGN KEY (county_code, import_id) REFERENCES osm_import (county_code, id)
);

-- The open rows of each county, for the next import to close, and their shapes, for the map
-- and the road graph; closed rows are read only for a day in the past, rarely.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['osm_road', 'osm_water', 'osm_place', 'osm_building'] LOOP
        EXECUTE format('CREATE INDEX %I ON %I (county_code) WHERE upper_inf(valid)',
                       t || '_open', t);
        EXECUTE format('CREATE INDEX %I ON %I USING gist (geom) WHERE upper_inf(valid)',
                       t || '_open_geom', t);
    END LOOP;
END $$;

-- Row-level security exactly as 0016 gives every county table: both web roles are granted
-- the tables, gridmap_web sees the counties of its scope whole, gridmap_web_local every row of
-- a county its township or groups lie in (the ground is no household's).
DO $$
DECLARE
    whole_county constant text := 'county_code ^@ ANY (gridmap_scope())';
    in_county constant text :=
        'county_code ^@ ANY (gridmap_scope()) '
        'OR strpos(gridmap_scope_text(), '','' || county_code) > 0';
    test constant text := '(nullif(%s, false) IS NOT NULL)';
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['osm_import', 'osm_road', 'osm_water', 'osm_place',
                             'osm_building'] LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I '
                       'TO gridmap_web, gridmap_web_local', t);
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY county_scope ON %I TO gridmap_web USING %s',
                       t, format(test, whole_county));
        EXECUTE format('CREATE POLICY local_scope ON %I TO gridmap_web_local USING %s',
                       t, format(test, in_county));
    END LOOP;
END $$;
