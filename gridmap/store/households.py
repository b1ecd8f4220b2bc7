"""Households: staging a checked file, upserting by code, placing rows in a county, counting.

`stage_rows`, `frame_values`, `upsert_staged` and `plain` are shared with the other importers
(store.people, store.contacts).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql

from gridmap.store.scoping import level_params
from gridmap.store.staging import create_staged, frame_geometry, stage_frame

STAGED = "incoming_household"
_STAGE_COLUMNS = [
    ("file_row", "integer"), ("code", "text PRIMARY KEY"), ("head_name", "text"),
    ("category", "text"), ("monitor_kind", "text"), ("risk_eliminated", "boolean"),
    ("members", "integer"), ("id_number", "text"), ("phone", "text"), ("address", "text"),
    ("geom", "geometry(Point, 4326)"), ("declared_group", "text"), ("status", "text"),
    ("status_date", "date"), ("status_reason", "text"), ("county_code", "text"),
    ("unit_code", "text"), ("base_category", "text"),
]  # fmt: skip
#: The checked file as copied, before each row is placed in its county.
_FILE = "incoming_household_file"
#: Columns taken from the file as they are; geom and county_code are filled separately.
_FROM_ROWS = [name for name, _ in _STAGE_COLUMNS[:10]] + ["declared_group", "status"]
_FROM_ROWS += ["status_date", "status_reason"]


_PLACED = sql.SQL("""
INSERT INTO incoming_household
SELECT {file_columns}, coalesce(
    k.county_code,
    d.code,
    (SELECT min(u.code) FROM unit_version u WHERE u.valid_to IS NULL AND u.level = %(county)s
     AND ST_Covers(u.geom, f.geom)),
    (SELECT min(u.code) FROM unit_version u WHERE u.valid_to IS NULL AND u.level = %(county)s
     HAVING count(*) = 1)),
    NULL, CASE WHEN f.category = 'monitored' AND k.county_code IS NOT NULL
               THEN k.base_category ELSE f.base_category END
FROM incoming_household_file f
LEFT JOIN (
    SELECT DISTINCT ON (h.code) h.code, h.county_code, h.base_category FROM household h
    WHERE h.code IN (SELECT code FROM incoming_household_file) ORDER BY h.code, h.county_code
) k ON k.code = f.code
LEFT JOIN unit_version d ON d.valid_to IS NULL AND d.level = %(county)s
    AND d.code = left(f.declared_group, %(county_length)s)
""").format(
    file_columns=sql.SQL(", ").join(
        sql.SQL("f.{}").format(sql.Identifier(n))
        for n, _ in _STAGE_COLUMNS
        if n not in ("county_code", "unit_code", "base_category")
    )
)


def plain(value: object) -> object:
    """A value psycopg can adapt: NumPy scalars become Python ones, pandas' missing values None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def ewkb_hex(geoms: gpd.GeoSeries) -> list[str | None]:
    """Hex EWKB (SRID 4326) per geometry, None where missing, for COPY into geometry columns."""
    values = shapely.set_srid(np.asarray(geoms.values, dtype=object), 4326)
    return list(shapely.to_wkb(values, hex=True, include_srid=True))


def frame_values(frame: pd.DataFrame, columns: Sequence[tuple[str, str]]) -> list[tuple]:
    """Rows of a checked frame in the order of staged `columns` (its `row` is `file_row`)."""
    ordered = frame.rename(columns={"row": "file_row"})[[n for n, _ in columns]].astype(object)
    return list(ordered.itertuples(index=False, name=None))


def stage_rows(
    conn: psycopg.Connection, table: str, columns: Sequence[tuple[str, str]], rows: Iterable
) -> None:
    """(Re)create temp table `table` with `columns` (name, SQL type) and COPY `rows` into it.

    The table is dropped at commit; dropping it first lets an import run twice inside one
    outer transaction.
    """
    name = sql.Identifier(table)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(name))
    ddl = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(kind)) for n, kind in columns
    )
    conn.execute(sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(name, ddl))
    names = sql.SQL(", ").join(sql.Identifier(n) for n, _ in columns)
    with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(name, names)) as copy:
        for row in rows:
            copy.write_row([plain(v) for v in row])


def upsert_staged(
    conn: psycopg.Connection,
    table: str,
    staged: str,
    key: str,
    columns: Sequence[str],
    updatable: Sequence[str],
) -> tuple[int, int]:
    """Insert the staged rows into `table`; a known (county_code, `key`) gets the `updatable`
    columns. Both tables have county_code, which a row keeps once written.

    Rows whose updatable values are all unchanged are not written. Returns (created, updated).
    """
    ident = sql.Identifier
    columns = [c for c in columns if c != "county_code"]
    updatable = [c for c in updatable if c != "county_code"]
    listed = sql.SQL(", ").join(map(ident, ["county_code", key, *columns]))
    action: sql.Composable = sql.SQL("DO NOTHING")
    if updatable:
        sets = sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(ident(c)) for c in updatable)
        old = sql.SQL(", ").join(sql.SQL("{}.{}").format(ident(table), ident(c)) for c in updatable)
        new = sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(ident(c)) for c in updatable)
        action = sql.SQL(
            "DO UPDATE SET {}, updated_at = now() WHERE ROW({}) IS DISTINCT FROM ROW({})"
        ).format(sets, old, new)
    query = sql.SQL(
        "INSERT INTO {table} ({listed}) SELECT {listed} FROM {staged} ORDER BY {key} "
        "ON CONFLICT (county_code, {key}) {action}"
    ).format(table=ident(table), listed=listed, staged=ident(staged), key=ident(key), action=action)
    # Counted beforehand: a partitioned table cannot return xmax, which tells the two apart.
    created = _count_new(conn, table, staged, ["county_code", key])
    return created, conn.execute(query).rowcount - created


def _count_new(conn: psycopg.Connection, table: str, staged: str, keys: Sequence[str]) -> int:
    """How many staged rows have no row in `table` with the same `keys`."""
    same = sql.SQL(" AND ").join(sql.SQL("t.{0} = s.{0}").format(sql.Identifier(k)) for k in keys)
    query = sql.SQL(
        "SELECT count(*) FROM {staged} s WHERE NOT EXISTS (SELECT FROM {table} t WHERE {same})"
    ).format(staged=sql.Identifier(staged), table=sql.Identifier(table), same=same)
    row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0])


def current_county_codes(conn: psycopg.Connection) -> list[str]:
    """Codes of the open county (level 1) units, in order."""
    rows = conn.execute(
        "SELECT code FROM unit_version WHERE valid_to IS NULL AND level = %(county)s ORDER BY code",
        level_params(),
    ).fetchall()
    return [r[0] for r in rows]


def stage_households(
    conn: psycopg.Connection, rows: pd.DataFrame, points: gpd.GeoDataFrame
) -> None:
    """Stage checked households (io.households) and their points for `upsert_households`.

    Each staged household gets its county: a known household keeps its own (the county is
    the tenant: a row never moves to another), and its base category when the file lists it
    as monitored; a new one takes the declared group's county when that is in the grid, else
    the county covering the point, else the only county there is.
    """
    frame = rows[["row", *_FROM_ROWS[1:]]].assign(
        geom=frame_geometry(rows, points.geometry), county_code=None, unit_code=None
    )
    category, kind = rows["category"].to_numpy(object), rows["monitor_kind"].to_numpy(object)
    # As base_category() decides, for the whole column at once.
    frame["base_category"] = np.where(
        np.isin(category, ["lifted", "ordinary"]),
        category,
        np.where(kind == "unstable", "lifted", "ordinary"),
    )
    stage_frame(
        conn, _FILE, [(n, k.removesuffix(" PRIMARY KEY")) for n, k in _STAGE_COLUMNS], frame
    )
    create_staged(conn, STAGED, _STAGE_COLUMNS)
    # Written once, placed: updating every staged row afterwards would cost a second write.
    conn.execute(_PLACED, level_params())
    # The assignment probes the staged points through this index. Built before the staged
    # rows are first updated: an index built after an update in the same transaction may not
    # serve that transaction (PostgreSQL marks it to wait for older snapshots).
    conn.execute(sql.SQL("CREATE INDEX ON {} USING gist (geom)").format(sql.Identifier(STAGED)))


def refresh_statistics(conn: psycopg.Connection) -> None:
    """Refresh the planner's statistics of the households and their periods after a bulk write."""
    # Without them the next import (contacts, visits) plans its joins for the table as it
    # was before, and may loop over every household once per row. Only the columns joined
    # and filtered on: the geometry's statistics take most of the time and are left to
    # autovacuum, which analyzes a table that grew this much anyway.
    conn.execute(
        "ANALYZE household (code, county_code, unit_code, declared_group, category, "
        "monitor_kind, status, last_visit_on)"
    )
    # The periods the import wrote too: autovacuum never analyzes a partitioned table as a
    # whole, and without its statistics a report as of a past date expected a few hundred of
    # a county's households and counted them on one process, after a sort.
    conn.execute("ANALYZE household_period (county_code, household_code, valid, unit_code, status)")


def staged_counties(conn: psycopg.Connection) -> list[str]:
    """The counties of the staged households (resolve_counties first), in order."""
    rows = conn.execute(
        "SELECT DISTINCT county_code FROM incoming_household WHERE county_code IS NOT NULL "
        "ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def base_category(category: str | None, monitor_kind: str | None) -> str:
    """The category a household returns to when not monitored: 脱贫不稳定户 were lifted."""
    if category in ("lifted", "ordinary"):
        return category
    return "lifted" if monitor_kind == "unstable" else "ordinary"


def open_listed_monitoring(conn: psycopg.Connection) -> int:
    """Record monitoring for staged households the file lists as monitored; return how many.

    One at risk without a period covering the effective date gets a period from that date;
    one whose risk the file says was eliminated, and that has no period at all, gets a period
    that ends the day it starts, so it counts as a household whose risk was eliminated.
    """
    return conn.execute(
        "INSERT INTO monitoring (county_code, household_code, kind, identified_on, "
        "eliminated_on, listed_only) "
        "SELECT i.county_code, i.code, i.monitor_kind, gridmap_effective_on(), "
        "CASE WHEN i.risk_eliminated THEN gridmap_effective_on() END, true "
        "FROM incoming_household i WHERE i.category = 'monitored' AND NOT EXISTS ("
        "SELECT 1 FROM monitoring m WHERE m.household_code = i.code AND (i.risk_eliminated "
        "OR m.eliminated_on IS NULL OR m.eliminated_on > gridmap_effective_on()))"
    ).rowcount


def unplaced_rows(conn: psycopg.Connection) -> list[tuple[int, str]]:
    """(row, code) of the staged households left without a county."""
    rows = conn.execute(
        "SELECT file_row, code FROM incoming_household WHERE county_code IS NULL ORDER BY file_row"
    ).fetchall()
    return [(int(r[0]), r[1]) for r in rows]


def upsert_households(conn: psycopg.Connection, supplied: Sequence[str]) -> tuple[int, int]:
    """Write the staged households by code; existing ones get only the `supplied` columns.

    Returns (created, updated).
    """
    columns = [n for n, _ in _STAGE_COLUMNS if n not in ("file_row", "code")]
    updatable = [c for c in columns if c in supplied]
    updatable += ["base_category"] if "category" in supplied else []
    return upsert_staged(conn, "household", STAGED, "code", columns, updatable)


def staged_assignment_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Where the staged households landed: in a group, outside every group, unlocated, mismatched.

    Same definitions as store.assignment.assignment_counts, over the staged rows only.
    """
    row = conn.execute(
        "SELECT count(*) FILTER (WHERE length(h.unit_code) = %(group_length)s), "
        "count(*) FILTER (WHERE h.unit_code IS NULL OR length(h.unit_code) < %(group_length)s), "
        "count(*) FILTER (WHERE h.geom IS NULL), "
        "count(*) FILTER (WHERE h.geom IS NOT NULL AND h.declared_group IS NOT NULL "
        "AND h.declared_group IS DISTINCT FROM h.unit_code) "
        "FROM household h JOIN incoming_household i ON i.code = h.code",
        level_params(),
    ).fetchone()
    assert row is not None
    keys = ("assigned", "outside_grid", "no_location", "mismatch")
    return dict(zip(keys, (int(v) for v in row), strict=True))
