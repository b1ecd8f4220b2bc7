"""The open road rows of a county (osm_road, migration 0019) as the road graph reads them."""

from __future__ import annotations

import psycopg

#: Columns of each row road_rows returns, in order (the geometry as WKB, EPSG:4326).
ROAD_COLUMNS = ("osm_id", "part", "class", "name", "oneway", "maxspeed_kmh", "bridge",
                "length_m", "wkb")  # fmt: skip


def road_rows(conn: psycopg.Connection, county: str) -> list[tuple]:
    """The county's current roads and ferries (ROAD_COLUMNS), by osm_id and part."""
    return conn.execute(
        "SELECT osm_id, part, class, name, oneway, maxspeed_kmh::float8, bridge, length_m, "
        "ST_AsBinary(geom) FROM osm_road WHERE county_code = %s AND upper_inf(valid) "
        "ORDER BY osm_id, part",
        [county],
    ).fetchall()


def has_roads(conn: psycopg.Connection, county: str) -> bool:
    """True when the county has a current road network."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM osm_road WHERE county_code = %s AND upper_inf(valid))",
        [county],
    ).fetchone()
    return bool(row and row[0])
