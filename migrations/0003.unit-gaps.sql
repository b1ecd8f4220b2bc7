-- The area of each current unit not covered by its children, refreshed whenever the grid
-- changes, so coverage reports and the gaps layer do not recompute polygon differences.
-- depends: 0002.contacts-visits

CREATE TABLE unit_gap (
    code     text PRIMARY KEY,
    area_m2  double precision NOT NULL,
    geom     geometry(MultiPolygon, 4326)
);
CREATE INDEX unit_gap_geom ON unit_gap USING gist (geom);
