"""Gaps: the part of each current unit that none of its current children covers."""

from __future__ import annotations

import psycopg
from psycopg import sql

from gridmap.store.scoping import prefix_filter, prefix_params

_REFRESH = """
INSERT INTO unit_gap (county_code, code, area_m2, geom)
SELECT p.county_code, p.code,
       coalesce(ST_Area(d.geom::geography), 0),
       CASE WHEN ST_IsEmpty(d.geom) THEN NULL ELSE ST_Multi(d.geom) END
FROM unit_version p
CROSS JOIN LATERAL (
    SELECT ST_CollectionExtract(ST_Difference(p.geom, ST_Union(c.geom)), 3) AS geom
    FROM unit_version c
    WHERE c.valid_to IS NULL AND c.parent_code = p.code
) d
WHERE p.valid_to IS NULL AND p.level < 4 AND d.geom IS NOT NULL
  AND (%(codes)s::text[] IS NULL OR p.code = ANY(%(codes)s::text[]))
"""


def refresh_gaps(conn: psycopg.Connection, parent_codes: list[str] | None = None) -> None:
    """Recompute the gaps of `parent_codes` (all current units when None)."""
    conn.execute(
        "DELETE FROM unit_gap WHERE %(codes)s::text[] IS NULL OR code = ANY(%(codes)s::text[])",
        {"codes": parent_codes},
    )
    conn.execute(_REFRESH, {"codes": parent_codes})
    # Units that were closed keep no gap row.
    conn.execute(
        "DELETE FROM unit_gap g WHERE NOT EXISTS (SELECT 1 FROM unit_version u "
        "WHERE u.code = g.code AND u.valid_to IS NULL)"
    )


def gap_areas_m2(conn: psycopg.Connection) -> dict[str, float]:
    """Gap area in m² of every unit that has children."""
    return {code: float(a) for code, a in conn.execute("SELECT code, area_m2 FROM unit_gap")}


def gaps_geojson(conn: psycopg.Connection, min_area_m2: float, prefixes: list[str] | None) -> dict:
    """Gaps larger than `min_area_m2` in units under `prefixes` as GeoJSON."""
    query = sql.SQL(
        "SELECT json_build_object('type', 'FeatureCollection', 'features', "
        "coalesce(json_agg(json_build_object('type', 'Feature', "
        "'geometry', ST_AsGeoJSON(geom, 6)::json, "
        "'properties', json_build_object('code', code, 'area_m2', round(area_m2::numeric, 1))) "
        "ORDER BY code), '[]'::json)) FROM unit_gap "
        "WHERE geom IS NOT NULL AND area_m2 > %(min)s AND {}"
    ).format(prefix_filter("code"))
    row = conn.execute(query, {"min": min_area_m2, **prefix_params(prefixes)}).fetchone()
    assert row is not None
    return row[0]
