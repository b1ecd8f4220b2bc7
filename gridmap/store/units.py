"""Grid units and their versions."""

from __future__ import annotations

from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql

from gridmap.store.scoping import level_params, prefix_filter, prefix_params
from gridmap.store.staging import Column, stage_frame

_UNIT_COLUMNS: list[Column] = [
    ("code", "text PRIMARY KEY"), ("name", "text"), ("level", "smallint"),
    ("parent_code", "text"), ("geom", "geometry(MultiPolygon, 4326)"),
]  # fmt: skip


def _frame(rows: list[tuple]) -> gpd.GeoDataFrame:
    """Build a GeoDataFrame (EPSG:4326) from rows of code, name, level, parent, WKB."""
    geoms: list = list(shapely.from_wkb([r[4] for r in rows])) if rows else []
    return gpd.GeoDataFrame(
        {
            "code": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "level": [int(r[2]) for r in rows],
            "parent": [r[3] for r in rows],
        },
        geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"),
        crs="EPSG:4326",
    )


def current_units(conn: psycopg.Connection, level: int | None = None) -> gpd.GeoDataFrame:
    """Return the open version of every unit (optionally one level), ordered by code."""
    where = sql.SQL("valid_to IS NULL")
    params: list = []
    if level is not None:
        where = sql.SQL("valid_to IS NULL AND level = %s")
        params.append(level)
    query = sql.SQL(
        "SELECT code, name, level, parent_code, ST_AsBinary(geom) FROM unit_version "
        "WHERE {} ORDER BY code"
    ).format(where)
    return _frame(conn.execute(query, params).fetchall())


def units_as_of(
    conn: psycopg.Connection, at: datetime, level: int | None = None
) -> gpd.GeoDataFrame:
    """Return the versions valid at `at` (optionally one level), ordered by code."""
    rows = conn.execute(
        "SELECT code, name, level, parent_code, ST_AsBinary(geom) FROM unit_version "
        "WHERE valid_from <= %(at)s AND (valid_to IS NULL OR valid_to > %(at)s) "
        "AND (%(level)s::int IS NULL OR level = %(level)s::int) ORDER BY code",
        {"at": at, "level": level},
    ).fetchall()
    return _frame(rows)


def current_codes(conn: psycopg.Connection) -> set[str]:
    """Codes of every open unit."""
    return {r[0] for r in conn.execute("SELECT code FROM unit_version WHERE valid_to IS NULL")}


def units_geojson_as_of(
    conn: psycopg.Connection, at: datetime, level: int, prefixes: list[str] | None
) -> dict:
    """Units of one level under `prefixes` as they were at `at`, as GeoJSON."""
    query = sql.SQL(
        "SELECT json_build_object('type', 'FeatureCollection', 'features', "
        "coalesce(json_agg(json_build_object('type', 'Feature', "
        "'geometry', ST_AsGeoJSON(geom, 6)::json, "
        "'properties', json_build_object('code', code, 'name', name, 'level', level, "
        "'parent', parent_code, 'valid_from', valid_from, 'valid_to', valid_to)) "
        "ORDER BY code), '[]'::json)) FROM unit_version "
        "WHERE valid_from <= %(at)s AND (valid_to IS NULL OR valid_to > %(at)s) "
        "AND level = %(level)s AND {}"
    ).format(prefix_filter("code"))
    row = conn.execute(query, {"at": at, "level": level, **prefix_params(prefixes)}).fetchone()
    assert row is not None
    return row[0]


def units_geojson(conn: psycopg.Connection, level: int, prefixes: list[str] | None) -> dict:
    """Current units of one level under `prefixes` as a GeoJSON FeatureCollection."""
    query = sql.SQL(
        "SELECT json_build_object('type', 'FeatureCollection', 'features', "
        "coalesce(json_agg(json_build_object('type', 'Feature', "
        "'geometry', ST_AsGeoJSON(geom, 6)::json, "
        "'properties', json_build_object('code', code, 'name', name, 'level', level, "
        "'parent', parent_code)) ORDER BY code), '[]'::json)) "
        "FROM unit_version WHERE valid_to IS NULL AND level = %(level)s AND {}"
    ).format(prefix_filter("code"))
    row = conn.execute(query, {"level": level, **prefix_params(prefixes)}).fetchone()
    assert row is not None
    return row[0]


def stage_units(conn: psycopg.Connection, units: gpd.GeoDataFrame) -> None:
    """Copy `units` (code, name, level, parent, geometry in 4326) into a temp table."""
    named = units["parent"].map(lambda p: isinstance(p, str))  # a county's parent is missing
    frame = pd.DataFrame({
        "code": units["code"], "name": units["name"], "level": units["level"],
        "parent_code": units["parent"].where(named, None),
        "geom": np.asarray(units.geometry.array, dtype=object),
    })  # fmt: skip
    stage_frame(conn, "incoming_unit", _UNIT_COLUMNS, frame)


def apply_staged_units(
    conn: psycopg.Connection, edit_id: int, at: datetime
) -> dict[str, list[str]]:
    """Close changed units and open new versions from the staged rows; return codes by outcome."""
    changed = [
        r[0]
        for r in conn.execute(
            "UPDATE unit_version u SET valid_to = %(at)s, closed_by = %(edit)s "
            "FROM incoming_unit i WHERE u.code = i.code AND u.valid_to IS NULL "
            "AND (u.name <> i.name OR NOT ST_Equals(u.geom, i.geom)) RETURNING u.code",
            {"at": at, "edit": edit_id},
        )
    ]
    created = [
        r[0]
        for r in conn.execute(
            "INSERT INTO unit_version "
            "(county_code, code, name, level, parent_code, geom, valid_from, opened_by) "
            "SELECT left(i.code, %(county_length)s), i.code, i.name, i.level, i.parent_code, "
            "i.geom, %(at)s, %(edit)s "
            "FROM incoming_unit i WHERE NOT EXISTS (SELECT 1 FROM unit_version u "
            "WHERE u.code = i.code AND u.valid_to IS NULL) ORDER BY i.code RETURNING code",
            {"at": at, "edit": edit_id, **level_params()},
        )
    ]
    changed_set = set(changed)
    return {
        "changed": sorted(changed),
        "created": sorted(c for c in created if c not in changed_set),
    }


def version_count(conn: psycopg.Connection, code: str) -> int:
    """How many versions (open and closed) a unit has."""
    row = conn.execute("SELECT count(*) FROM unit_version WHERE code = %s", [code]).fetchone()
    return int(row[0]) if row else 0


def like_prefix(text: str) -> str:
    """A LIKE pattern matching values that start with `text` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def search_units(
    conn: psycopg.Connection, text: str, prefixes: list[str] | None, limit: int = 20
) -> list[dict]:
    """Current units under `prefixes` whose code starts with or name contains `text`."""
    query = sql.SQL(
        "SELECT code, name, level, ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) "
        "FROM unit_version WHERE valid_to IS NULL AND {} "
        "AND (code LIKE %(prefix)s ESCAPE '\\' OR strpos(name, %(text)s) > 0) "
        "ORDER BY (name = %(text)s) DESC, level, code LIMIT %(limit)s"
    ).format(prefix_filter("code"))
    rows = conn.execute(
        query,
        {
            "prefix": like_prefix(text),
            "text": text,
            "limit": limit,
            **prefix_params(prefixes),
        },
    ).fetchall()
    return [
        {"code": r[0], "name": r[1], "level": r[2], "bbox": [r[3], r[4], r[5], r[6]]} for r in rows
    ]
