"""OpenStreetMap ground of each county (migration 0019): imports and their rows, written
set-based from staged copies; a new import closes the open rows of the one before."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from gridmap.store.scoping import level_params
from gridmap.store.staging import Column, stage_frame

#: Table and staged columns of each layer (the geometry last, as `geom`).
LAYER_TABLES: dict[str, tuple[str, tuple[Column, ...]]] = {
    "road": ("osm_road", (
        ("osm_id", "bigint"), ("part", "integer"), ("class", "text"), ("name", "text"),
        ("oneway", "smallint"), ("maxspeed_kmh", "real"), ("bridge", "boolean"),
        ("geom", "geometry"),
    )),
    "water": ("osm_water", (
        ("osm_type", "text"), ("osm_id", "bigint"), ("part", "integer"), ("kind", "text"),
        ("name", "text"), ("geom", "geometry"),
    )),
    "place": ("osm_place", (
        ("osm_id", "bigint"), ("kind", "text"), ("name", "text"), ("geom", "geometry"),
    )),
    "building": ("osm_building", (
        ("osm_type", "text"), ("osm_id", "bigint"), ("kind", "text"), ("name", "text"),
        ("geom", "geometry"),
    )),
}  # fmt: skip
#: Columns computed on insert rather than staged: a road's length on the ellipsoid.
_DERIVED = {"road": {"length_m": "ST_Length(geom::geography)"}}


def county_outline(conn: psycopg.Connection, code: str) -> bytes | None:
    """WKB (EPSG:4326) of the county's current boundary, None when it is not a county."""
    row = conn.execute(
        "SELECT ST_AsBinary(geom) FROM unit_version WHERE valid_to IS NULL "
        "AND level = %(county)s AND code = %(code)s",
        {**level_params(), "code": code},
    ).fetchone()
    return None if row is None else bytes(row[0])


def open_import(
    conn: psycopg.Connection, county: str, *, file_name: str, file_bytes: int, margin_m: float,
    with_buildings: bool, clip_wkb: bytes, at: datetime, by: str,
) -> int:  # fmt: skip
    """Record a county's new import (replacing its current one); return its id."""
    conn.execute(
        "UPDATE osm_import SET replaced_at = greatest(loaded_at, %(at)s) "
        "WHERE county_code = %(county)s AND replaced_at IS NULL",
        {"county": county, "at": at},
    )
    row = conn.execute(
        "INSERT INTO osm_import (county_code, file_name, file_bytes, margin_m, with_buildings, "
        "clip, loaded_at, loaded_by, counts) VALUES (%(county)s, %(file)s, %(bytes)s, "
        "%(margin)s, %(buildings)s, ST_Multi(ST_GeomFromWKB(%(clip)s, 4326)), %(at)s, %(by)s, "
        "'{}') RETURNING id",
        {"county": county, "file": file_name, "bytes": file_bytes, "margin": margin_m,
         "buildings": with_buildings, "clip": clip_wkb, "at": at, "by": by},
    ).fetchone()  # fmt: skip
    assert row is not None
    return int(row[0])


def set_counts(conn: psycopg.Connection, county: str, import_id: int, counts: dict) -> None:
    """Store what an import wrote and skipped."""
    conn.execute(
        "UPDATE osm_import SET counts = %s WHERE county_code = %s AND id = %s",
        [Jsonb(counts), county, import_id],
    )


def replace_layer(
    conn: psycopg.Connection, layer: str, county: str, import_id: int, frame: pd.DataFrame,
    at: datetime,
) -> dict[str, int]:  # fmt: skip
    """Close the county's open rows of `layer` at `at` and open the frame's rows (its columns
    as in LAYER_TABLES, geometry in `geom`); return {"closed", "opened"}."""
    table, columns = LAYER_TABLES[layer]
    staged = f"incoming_{table}"
    stage_frame(conn, staged, columns, frame)
    params = {"county": county, "import": import_id, "at": at}
    closed = conn.execute(
        sql.SQL(
            "UPDATE {} SET valid = tstzrange(lower(valid), greatest(lower(valid), %(at)s)) "
            "WHERE county_code = %(county)s AND upper_inf(valid)"
        ).format(sql.Identifier(table)),
        params,
    ).rowcount
    derived = _DERIVED.get(layer, {})
    names = [name for name, _ in columns] + list(derived)
    values = [sql.Identifier(name) for name, _ in columns] + [sql.SQL(e) for e in derived.values()]
    opened = conn.execute(
        sql.SQL(
            "INSERT INTO {table} (county_code, import_id, valid, {names}) "
            "SELECT %(county)s, %(import)s, tstzrange(%(at)s, NULL), {values} FROM {staged}"
        ).format(
            table=sql.Identifier(table),
            staged=sql.Identifier(staged),
            names=sql.SQL(", ").join(map(sql.Identifier, names)),
            values=sql.SQL(", ").join(values),
        ),  # fmt: skip
        params,
    ).rowcount
    return {"closed": closed, "opened": opened}


def current_import(conn: psycopg.Connection, county: str) -> dict | None:
    """The county's current import: id, file_name, loaded_at, margin_m, counts; or None."""
    row = conn.execute(
        "SELECT id, file_name, loaded_at, margin_m, with_buildings, counts FROM osm_import "
        "WHERE county_code = %s AND replaced_at IS NULL",
        [county],
    ).fetchone()
    if row is None:
        return None
    keys = ("id", "file_name", "loaded_at", "margin_m", "with_buildings", "counts")
    return dict(zip(keys, row, strict=True))
