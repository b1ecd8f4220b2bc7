"""Funded projects and village pairings: staging checked files, placing, upserting, reading."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from gridmap.store.households import upsert_staged
from gridmap.store.scoping import level_params, prefix_filter, prefix_params
from gridmap.store.staging import frame_geometry, stage_frame

STAGED = "incoming_project"
STAGED_PAIRINGS = "incoming_project_pairing"
_STAGE_COLUMNS = [
    ("file_row", "integer"), ("code", "text PRIMARY KEY"), ("name", "text"), ("year", "integer"),
    ("category", "text"), ("funds_central", "numeric"), ("funds_provincial", "numeric"),
    ("funds_city", "numeric"), ("funds_county", "numeric"), ("status", "text"),
    ("approved_on", "date"), ("started_on", "date"), ("completed_on", "date"),
    ("progress", "integer"), ("village_code", "text"), ("geom", "geometry(Geometry, 4326)"),
    ("asset_registered", "boolean"), ("asset_registered_on", "date"),
]  # fmt: skip
_PAIRING_COLUMNS = [
    ("file_row", "integer"), ("kind", "text"), ("partner", "text"), ("village_code", "text"),
    ("since", "date"), ("note", "text"),
]  # fmt: skip
# Columns every read returns; a project without a site is shown at its village's label point.
_SELECT = """
SELECT p.code, p.name, p.year, p.category, p.funds_central, p.funds_provincial, p.funds_city,
    p.funds_county, p.funds_central + p.funds_provincial + p.funds_city + p.funds_county
    AS funds_total, p.status, p.approved_on, p.started_on, p.completed_on, p.progress,
    p.village_code, v.name AS village_name,
    left(p.village_code, %(township_length)s) AS township_code,
    t.name AS township_name, p.asset_registered, p.asset_registered_on,
    p.geom IS NOT NULL AS located, GeometryType(p.geom) AS geometry_type,
    ST_X(ST_PointOnSurface(coalesce(p.geom, v.label))) AS lon,
    ST_Y(ST_PointOnSurface(coalesce(p.geom, v.label))) AS lat,
    ST_AsGeoJSON(coalesce(p.geom, v.label), 6)::json AS geometry
FROM project p
LEFT JOIN unit_version v ON v.code = p.village_code AND v.valid_to IS NULL
LEFT JOIN unit_version t ON t.code = left(p.village_code, %(township_length)s)
    AND t.valid_to IS NULL
"""
_FILTERS = sql.SQL(
    "(%(year)s::int IS NULL OR p.year = %(year)s::int) "
    "AND (%(category)s::text IS NULL OR p.category = %(category)s::text) "
    "AND (%(status)s::text IS NULL OR p.status = %(status)s::text) AND {}"
).format(prefix_filter("p.village_code"))


def stage_projects(conn: psycopg.Connection, rows: pd.DataFrame, geoms: gpd.GeoSeries) -> None:
    """Stage checked projects (io.projects) for `placement_problems` and `upsert_projects`."""
    frame = rows.assign(geom=frame_geometry(rows, geoms))
    stage_frame(conn, STAGED, _STAGE_COLUMNS, frame)


def placement_problems(conn: psycopg.Connection) -> list[tuple[int, str, str, str | None, Any]]:
    """Give staged projects without a village code theirs; return what cannot be placed.

    The village is the one under the site, else the stored project's. Rows are (file row,
    project code, problem, village code, village under the site), the problem one of
    unknown_village, outside_county, no_village, no_location, other_village.
    """
    conn.execute(
        "UPDATE incoming_project i SET village_code = coalesce("
        " (SELECT min(u.code) FROM unit_version u WHERE u.valid_to IS NULL"
        "  AND u.level = %(village)s AND ST_Covers(u.geom, ST_PointOnSurface(i.geom))),"
        " (SELECT p.village_code FROM project p WHERE p.code = i.code AND i.geom IS NULL)) "
        "WHERE i.village_code IS NULL",
        level_params(),
    )
    rows = conn.execute(
        "SELECT file_row, code, problem, village_code, located FROM ("
        " SELECT i.file_row, i.code, i.village_code, CASE"
        "  WHEN i.village_code IS NOT NULL AND u.code IS NULL THEN 'unknown_village'"
        "  WHEN i.geom IS NOT NULL AND NOT EXISTS (SELECT 1 FROM unit_version c"
        "   WHERE c.valid_to IS NULL AND c.level = %(county)s AND ST_Intersects(c.geom, i.geom))"
        "   THEN 'outside_county'"
        "  WHEN i.village_code IS NULL AND i.geom IS NOT NULL THEN 'no_village'"
        "  WHEN i.village_code IS NULL THEN 'no_location'"
        "  WHEN i.geom IS NOT NULL AND NOT ST_Intersects(u.geom, i.geom) THEN 'other_village'"
        "  END AS problem,"
        " (SELECT min(u.code) FROM unit_version u WHERE u.valid_to IS NULL"
        "   AND u.level = %(village)s AND ST_Covers(u.geom, ST_PointOnSurface(i.geom))) AS located"
        " FROM incoming_project i LEFT JOIN unit_version u"
        "  ON u.code = i.village_code AND u.valid_to IS NULL AND u.level = %(village)s"
        ") checked WHERE problem IS NOT NULL ORDER BY file_row",
        level_params(),
    ).fetchall()
    return [(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows]


def upsert_projects(conn: psycopg.Connection, supplied: Sequence[str]) -> tuple[int, int]:
    """Write the staged projects by code; existing ones get only the `supplied` columns.

    Returns (created, updated).
    """
    columns = [n for n, _ in _STAGE_COLUMNS if n not in ("file_row", "code")]
    # A project belongs to its village's county, and a known project keeps its county.
    conn.execute(
        "ALTER TABLE incoming_project ADD COLUMN county_code text; "
        "UPDATE incoming_project i SET county_code = coalesce((SELECT min(p.county_code) "
        "FROM project p WHERE p.code = i.code), left(i.village_code, 6))"
    )
    # A new site may move a project to another village, found from the site.
    placed = {"village_code"} if "geom" in supplied else set()
    updatable = [c for c in columns if c in supplied or c in placed]
    return upsert_staged(conn, "project", STAGED, "code", columns, updatable)


def project_rows(
    conn: psycopg.Connection, prefixes: list[str] | None, *, year: int | None = None,
    category: str | None = None, status: str | None = None, code: str | None = None,
) -> list[dict]:  # fmt: skip
    """Projects in villages under `prefixes` matching the filters (one `code`), by code."""
    query = sql.SQL(
        "{select} WHERE {filters} AND (%(code)s::text IS NULL OR p.code = %(code)s) ORDER BY p.code"
    ).format(select=sql.SQL(_SELECT), filters=_FILTERS)
    params = {"year": year, "category": category, "status": status, "code": code}
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            query, {**params, **prefix_params(prefixes), **level_params()}
        ).fetchall()


def unit_names(conn: psycopg.Connection, codes: Sequence[str]) -> dict[str, str]:
    """Names of the current units with these codes."""
    rows = conn.execute(
        "SELECT code, name FROM unit_version WHERE valid_to IS NULL AND code = ANY(%s)",
        [list(codes)],
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def stage_pairings(conn: psycopg.Connection, rows: pd.DataFrame) -> None:
    """Stage checked pairings (io.projects.read_pairings)."""
    stage_frame(conn, STAGED_PAIRINGS, _PAIRING_COLUMNS, rows)


def unknown_pairing_villages(conn: psycopg.Connection) -> list[tuple[int, str]]:
    """(file row, village code) of staged pairings whose village is not in the current grid."""
    rows = conn.execute(
        "SELECT i.file_row, i.village_code FROM incoming_project_pairing i WHERE NOT EXISTS "
        "(SELECT 1 FROM unit_version u WHERE u.valid_to IS NULL AND u.level = %(village)s "
        "AND u.code = i.village_code) "
        "ORDER BY i.file_row",
        level_params(),
    ).fetchall()
    return [(int(r[0]), r[1]) for r in rows]


def upsert_pairings(conn: psycopg.Connection) -> tuple[int, int]:
    """Write the staged pairings by (kind, partner, village); return (created, updated)."""
    rows = conn.execute(
        "INSERT INTO pairing (county_code, kind, partner, village_code, since, note) "
        "SELECT left(village_code, 6), kind, partner, village_code, since, note "
        "FROM incoming_project_pairing ORDER BY kind, partner, village_code "
        "ON CONFLICT (county_code, kind, partner, village_code) "
        "DO UPDATE SET since = EXCLUDED.since, "
        "note = EXCLUDED.note, updated_at = now() "
        "WHERE ROW(pairing.since, pairing.note) "
        "IS DISTINCT FROM ROW(EXCLUDED.since, EXCLUDED.note) "
        "RETURNING (xmax = 0)"  # xmax = 0: the row is new
    ).fetchall()
    created = sum(1 for r in rows if r[0])
    return created, len(rows) - created


def pairing_rows(conn: psycopg.Connection, prefixes: list[str] | None) -> list[dict]:
    """Pairings of villages under `prefixes` with village and township names."""
    query = sql.SQL(
        "SELECT p.kind, p.partner, p.village_code, v.name AS village_name, "
        "left(p.village_code, %(township_length)s) AS township_code, t.name AS township_name, "
        "p.since, p.note "
        "FROM pairing p "
        "LEFT JOIN unit_version v ON v.code = p.village_code AND v.valid_to IS NULL "
        "LEFT JOIN unit_version t ON t.code = left(p.village_code, %(township_length)s) "
        "AND t.valid_to IS NULL "
        "WHERE {} ORDER BY p.village_code, p.kind, p.partner"
    ).format(prefix_filter("p.village_code"))
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, {**prefix_params(prefixes), **level_params()}).fetchall()
