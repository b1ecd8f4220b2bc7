"""Staging checked import frames in temporary tables with binary COPY.

Importers check a file in pandas, stage it here, and merge it into the real tables with
set-based SQL in the same transaction. Binary COPY skips the text round trip of every value,
and the columns are converted to Python values column by column, not cell by cell.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql
from psycopg.adapt import Dumper
from psycopg.pq import Format
from psycopg.types import TypeInfo

#: Staged column: (name, SQL type, e.g. "text PRIMARY KEY" or "geometry(Point, 4326)").
Column = tuple[str, str]


class _EwkbDumper(Dumper):
    """Sends EWKB bytes as they are to a geometry column in binary COPY."""

    format = Format.BINARY

    def dump(self, obj: bytes) -> bytes:
        """The bytes themselves: PostGIS reads (E)WKB as a geometry's binary form."""
        return obj


def stage_frame(
    conn: psycopg.Connection, table: str, columns: Sequence[Column], frame: pd.DataFrame
) -> None:
    """(Re)create temp table `table` with `columns` and COPY the frame's columns of those names.

    A frame's `row` column is staged as `file_row`; geometry columns take shapely geometries
    (a GeoSeries). The table is dropped at commit; dropping it first lets an import run twice
    inside one outer transaction.
    """
    create_staged(conn, table, columns)
    frame = frame.rename(columns={"row": "file_row"})
    values = [_values(frame[name], kind) for name, kind in columns]
    names = sql.SQL(", ").join(sql.Identifier(n) for n, _ in columns)
    query = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(sql.Identifier(table), names)
    cursor = conn.cursor()
    types = [_copy_type(cursor, kind) for _, kind in columns]
    with cursor.copy(query) as copy:
        copy.set_types(types)
        for row in zip(*values, strict=True):
            copy.write_row(row)


def create_staged(conn: psycopg.Connection, table: str, columns: Sequence[Column]) -> None:
    """(Re)create the empty temp table `table` with `columns`, dropped at commit."""
    name = sql.Identifier(table)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(name))
    ddl = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(kind)) for n, kind in columns
    )
    conn.execute(sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(name, ddl))


def _base_type(kind: str) -> str:
    """'text PRIMARY KEY' -> 'text', 'geometry(Point, 4326)' -> 'geometry'."""
    return kind.split("(")[0].removesuffix(" PRIMARY KEY").strip()


def _copy_type(cursor: psycopg.Cursor, kind: str) -> str | int:
    """The type COPY is told for a staged column: its name, or the oid of PostGIS geometry."""
    base = _base_type(kind)
    if base != "geometry":
        return base
    info = TypeInfo.fetch(cursor.connection, "geometry")
    if info is None:
        raise RuntimeError("the database has no PostGIS geometry type")
    dumper = type("GeometryDumper", (_EwkbDumper,), {"oid": info.oid})
    cursor.adapters.register_dumper(None, dumper)
    return info.oid


def _values(column: pd.Series, kind: str) -> list:
    """The column as Python values COPY can send, None where missing."""
    base = _base_type(kind)
    if base == "geometry":
        cells = column.to_numpy(dtype=object, copy=True)
        cells[pd.isna(cells)] = None  # pandas may hold a missing geometry as NaN
        geoms = shapely.set_srid(cells, 4326)
        return list(shapely.to_wkb(geoms, include_srid=True))
    if base == "timestamptz" and isinstance(column.dtype, pd.DatetimeTZDtype):
        stamps = column.dt.to_pydatetime()
        return [None if pd.isna(t) else t for t in stamps] if column.isna().any() else list(stamps)
    if base in ("integer", "bigint", "smallint") and column.dtype != object:
        column = column.astype("Int64")
    if base == "boolean" and column.dtype != object:
        column = column.astype("boolean")
    values = column.astype(object)
    return values.where(column.notna(), None).tolist()


def frame_geometry(rows: pd.DataFrame, geoms: gpd.GeoSeries) -> pd.Series:
    """`geoms` aligned on the rows' index (None where a row has none), for stage_frame."""
    aligned = np.full(len(rows), None, dtype=object)
    aligned[rows.index.get_indexer(geoms.index)] = np.asarray(geoms.array, dtype=object)
    return pd.Series(aligned, index=rows.index, dtype=object)
