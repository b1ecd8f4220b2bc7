"""Set-based assignment of households to the deepest grid unit covering them."""

from __future__ import annotations

import psycopg
from psycopg import sql

from gridmap.core import vocab
from gridmap.store.scoping import level_params

# One statement assigns a scope of households:
# - a point covered by groups goes to the lowest covering group code (edge points: one, never two);
# - a point in no group goes to the deepest covering unit (a village's gap -> that village);
# - a point outside every unit, or a household without location or known declared group,
#   goes to its county;
# - without a location, the household is placed in its declared group when that group exists.
# The join drives from the polygons into the household index so PostGIS prepares each
# polygon once, and only rows whose unit changes are written.
_ASSIGN = """
WITH in_group AS MATERIALIZED (
    -- LATERAL keeps each polygon on the outside of the loop: PostGIS prepares it once
    -- and tests all the points its index probe returns.
    SELECT h.county_code, h.code, min(u.code) AS unit
    FROM unit_version u
    CROSS JOIN LATERAL (
        SELECT h.county_code, h.code FROM {table} h
        WHERE h.geom && u.geom AND ST_Covers(u.geom, h.geom) AND h.county_code = u.county_code
          AND ({scope})
        OFFSET 0  -- an optimisation fence: the planner must not flatten the loop order
    ) h
    WHERE u.valid_to IS NULL AND u.level = {group} AND ({units})
    GROUP BY h.county_code, h.code
),
target AS (
    SELECT h.county_code, h.code, h.unit_code AS old_unit, coalesce(
        g.unit,
        (SELECT u.code FROM unit_version u
         WHERE h.geom IS NOT NULL AND u.valid_to IS NULL AND u.level < {group}
           AND u.county_code = h.county_code AND ST_Covers(u.geom, h.geom)
         ORDER BY u.level DESC, u.code LIMIT 1),
        (SELECT d.code FROM unit_version d
         WHERE h.geom IS NULL AND d.valid_to IS NULL AND d.level = {group}
           AND d.county_code = h.county_code AND d.code = h.declared_group),
        h.county_code) AS unit
    FROM {table} h
    LEFT JOIN in_group g ON g.county_code = h.county_code AND g.code = h.code
    WHERE ({scope})
)
-- The counties again on the table written, so that it reads only their partitions.
UPDATE {table} h SET unit_code = t.unit
FROM target t
WHERE h.county_code = t.county_code AND h.code = t.code AND t.old_unit IS DISTINCT FROM t.unit
  AND ({written})
"""

# The area scope reaches every located household inside the changed area (which holds
# the old and new shapes of the changed units) and the unlocated ones declared there.
_SCOPE_AREA = sql.SQL(
    "(h.geom && {area} AND ST_Intersects(h.geom, {area})) "
    "OR (h.geom IS NULL AND h.declared_group = ANY(%(codes)s))"
).format(area=sql.SQL("ST_GeomFromWKB(%(area)s, 4326)"))
_UNITS_AREA = sql.SQL("u.geom && ST_GeomFromWKB(%(area)s, 4326)")
_EVERYTHING = sql.SQL("true")
_SCOPE_COUNTIES = sql.SQL("h.county_code = ANY(%(counties)s::text[])")
_UNITS_COUNTIES = sql.SQL("u.county_code = ANY(%(counties)s::text[])")


def _assign_query(
    table: str, scope: sql.Composable, units: sql.Composable, written: sql.Composable = _EVERYTHING
) -> sql.Composed:
    # `written` repeats only a county condition: repeating an area condition there made the
    # planner expect a handful of rows and pair every target with every household.
    return sql.SQL(_ASSIGN).format(
        table=sql.Identifier(table),
        scope=scope,
        units=units,
        written=written,
        group=sql.Literal(vocab.GROUP),
    )


def assign_all(conn: psycopg.Connection) -> int:
    """Assign every household; return how many changed unit."""
    return conn.execute(_assign_query("household", _EVERYTHING, _EVERYTHING)).rowcount


def assign_staged(conn: psycopg.Connection, table: str) -> int:
    """Assign the rows of a staged household table, staged with a GiST index on its points,
    before they are written (no rewrite)."""
    conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
    return conn.execute(_assign_query(table, _EVERYTHING, _EVERYTHING)).rowcount


def assign_counties(conn: psycopg.Connection, counties: list[str]) -> int:
    """Reassign the households of `counties` only (an import touches its own); return changes."""
    query = _assign_query("household", _SCOPE_COUNTIES, _UNITS_COUNTIES, _SCOPE_COUNTIES)
    return conn.execute(query, {"counties": counties}).rowcount


def assign_within(conn: psycopg.Connection, area_wkb: bytes, codes: list[str]) -> int:
    """Reassign households inside `area_wkb` (EPSG:4326) or declared in `codes`; return changes."""
    query = _assign_query("household", _SCOPE_AREA, _UNITS_AREA)
    cur = conn.execute(query, {"area": area_wkb, "codes": codes})
    return cur.rowcount


def assignment_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Counts over all households: total, in a group, outside, without location, mismatched."""
    row = conn.execute(
        "SELECT count(*), "
        "count(*) FILTER (WHERE length(unit_code) = %(group_length)s), "
        "count(*) FILTER (WHERE unit_code IS NULL OR length(unit_code) < %(group_length)s), "
        "count(*) FILTER (WHERE geom IS NULL), "
        "count(*) FILTER (WHERE geom IS NOT NULL AND declared_group IS NOT NULL "
        "AND declared_group IS DISTINCT FROM unit_code) "
        "FROM household",
        level_params(),
    ).fetchone()
    assert row is not None
    keys = ("households", "assigned", "outside_grid", "no_location", "mismatch")
    return dict(zip(keys, (int(v) for v in row), strict=True))


def household_units(conn: psycopg.Connection) -> dict[str, str | None]:
    """Map of household code to assigned unit code (for checks and previews)."""
    return dict(conn.execute("SELECT code, unit_code FROM household").fetchall())


def mismatches(conn: psycopg.Connection, limit: int = 10_000) -> list[dict]:
    """Households whose declared group differs from the group their point lies in."""
    rows = conn.execute(
        "SELECT code, head_name, declared_group, unit_code, ST_X(geom), ST_Y(geom) "
        "FROM household WHERE geom IS NOT NULL AND declared_group IS NOT NULL "
        "AND declared_group IS DISTINCT FROM unit_code ORDER BY code LIMIT %s",
        [limit],
    ).fetchall()
    keys = ("code", "head_name", "declared_group", "located_unit", "lon", "lat")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def households_within(conn: psycopg.Connection, area_wkb: bytes, codes: list[str]) -> list[tuple]:
    """(code, unit, lon, lat, declared group) of households inside the area or declared in codes."""
    query = sql.SQL(
        "SELECT h.code, h.unit_code, ST_X(h.geom), ST_Y(h.geom), h.declared_group "
        "FROM household h WHERE {}"
    ).format(_SCOPE_AREA)
    return conn.execute(query, {"area": area_wkb, "codes": codes}).fetchall()


def units_within(conn: psycopg.Connection, area_wkb: bytes) -> list[tuple]:
    """(code, WKB) of the current units whose shape meets the area."""
    return conn.execute(
        "SELECT code, ST_AsBinary(geom) FROM unit_version WHERE valid_to IS NULL "
        "AND geom && ST_GeomFromWKB(%(area)s, 4326) "
        "AND ST_Intersects(geom, ST_GeomFromWKB(%(area)s, 4326))",
        {"area": area_wkb},
    ).fetchall()
