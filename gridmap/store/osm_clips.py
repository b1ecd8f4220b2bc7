"""The areas the counties' current OpenStreetMap ground covers, for an offline base map."""

from __future__ import annotations

import psycopg


def current_clips(conn: psycopg.Connection, counties: list[str]) -> list[tuple[str, bytes]]:
    """(county, WKB in EPSG:4326) of the clip area of each county's current OSM import."""
    rows = conn.execute(
        "SELECT county_code, ST_AsBinary(clip) FROM osm_import "
        "WHERE replaced_at IS NULL AND county_code = ANY(%s) ORDER BY county_code",
        [counties],
    ).fetchall()
    return [(str(code), bytes(wkb)) for code, wkb in rows]
