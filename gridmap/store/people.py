"""Workers and their groups, and visits."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
import psycopg
from psycopg import sql

from gridmap.core import vocab
from gridmap.store.households import upsert_staged
from gridmap.store.scoping import code_length
from gridmap.store.staging import create_staged, frame_geometry, stage_frame

_WORKER_COLUMNS = [
    ("file_row", "integer"), ("code", "text PRIMARY KEY"), ("name", "text"), ("phone", "text"),
    ("birth_year", "integer"), ("status", "text"), ("capacity", "integer"),
    ("home", "geometry(Point, 4326)"), ("since", "date"), ("until", "date"),
]  # fmt: skip
#: Staged worker columns the worker table has (the dates go to the history tables).
_WORKER_STORED = [n for n, _ in _WORKER_COLUMNS[2:] if n not in ("since", "until")]
_WORKER_GROUP_COLUMNS = [("file_row", "integer"), ("worker_code", "text"), ("group_code", "text")]
_VISIT_COLUMNS = [
    ("file_row", "integer"), ("household_code", "text"), ("visitor_code", "text"),
    ("visited_at", "timestamptz"), ("kind", "text"), ("note", "text"),
    ("checkin_lon", "double precision"), ("checkin_lat", "double precision"),
    ("plan_id", "bigint"),
]  # fmt: skip


def stage_workers(
    conn: psycopg.Connection,
    rows: pd.DataFrame,
    homes: gpd.GeoDataFrame,
    groups: pd.DataFrame | None,
) -> None:
    """Stage checked workers (io.people.read_workers), their homes and, if given, their groups."""
    frame = rows.assign(home=frame_geometry(rows, homes.geometry))
    stage_frame(conn, "incoming_worker", _WORKER_COLUMNS, frame)
    # Without a groups column the staged groups are empty (and the workers keep theirs).
    if groups is None:
        create_staged(conn, "incoming_worker_group", _WORKER_GROUP_COLUMNS)
    else:
        stage_frame(conn, "incoming_worker_group", _WORKER_GROUP_COLUMNS, groups)


def unknown_groups(conn: psycopg.Connection) -> list[tuple[int, str, str]]:
    """(row, worker, group) of staged worker groups that are not open villager groups."""
    rows = conn.execute(
        "SELECT p.file_row, p.worker_code, p.group_code FROM incoming_worker_group p "
        "WHERE NOT EXISTS (SELECT 1 FROM unit_version u WHERE u.valid_to IS NULL "
        "AND u.level = 4 AND u.code = p.group_code) ORDER BY p.file_row, p.group_code"
    ).fetchall()
    return [(int(r[0]), r[1], r[2]) for r in rows]


# A worker serves the groups of one county: a worker's county is that of the groups the file
# gives it (codes may repeat in other counties), else the county of the worker known by that
# code, else the only (or first) county on record.
_WORKER_COUNTIES = """
ALTER TABLE incoming_worker ADD COLUMN county_code text;
UPDATE incoming_worker w SET county_code = coalesce(
    g.county_code,
    (SELECT min(k.county_code) FROM worker k WHERE k.code = w.code),
    (SELECT min(u.county_code) FROM unit_version u WHERE u.valid_to IS NULL))
FROM incoming_worker x LEFT JOIN (
    -- grouped once: per worker, the unindexed staged groups would be scanned once a row
    SELECT worker_code, min(left(group_code, 6)) AS county_code
    FROM incoming_worker_group GROUP BY worker_code) g ON g.worker_code = x.code
WHERE x.code = w.code
"""


def resolve_worker_counties(conn: psycopg.Connection) -> list[tuple[int, str, str, str]]:
    """Give each staged worker its county; return (row, worker, county, group) of staged groups
    in another county than the worker's."""
    conn.execute(_WORKER_COUNTIES)
    rows = conn.execute(
        "SELECT g.file_row, w.code, w.county_code, g.group_code FROM incoming_worker_group g "
        "JOIN incoming_worker w ON w.code = g.worker_code "
        "WHERE left(g.group_code, 6) <> w.county_code ORDER BY g.file_row, g.group_code"
    ).fetchall()
    return [(int(r[0]), r[1], r[2], r[3]) for r in rows]


def upsert_workers(conn: psycopg.Connection, supplied: Sequence[str]) -> tuple[int, int]:
    """Write the staged workers by county and code (resolve_worker_counties first); existing
    ones get only the `supplied` columns."""
    updatable = [c for c in _WORKER_STORED if c in supplied]
    return upsert_staged(conn, "worker", "incoming_worker", "code", _WORKER_STORED, updatable)


def unknown_households(conn: psycopg.Connection, staged: str) -> list[tuple[int, str]]:
    """(row, household code) of rows in staged table `staged` naming no known household."""
    query = sql.SQL(
        "SELECT s.file_row, s.household_code FROM {} s WHERE NOT EXISTS "
        "(SELECT 1 FROM household h WHERE h.code = s.household_code) "
        "ORDER BY s.file_row, s.household_code"
    ).format(sql.Identifier(staged))
    return [(int(r[0]), r[1]) for r in conn.execute(query).fetchall()]


def stage_visits(conn: psycopg.Connection, rows: pd.DataFrame) -> None:
    """Stage checked visits (io.people.read_visits)."""
    stage_frame(conn, "incoming_visit", _VISIT_COLUMNS, rows)


def foreign_visitors(conn: psycopg.Connection) -> list[tuple[int, str, str, str]]:
    """(row, worker, townships served, household's township) of staged visits by outside workers.

    Same rule as store.visits.foreign_workers_query, decided once per visitor and township
    rather than once per row: a file has many rows but few such pairs.
    """
    query = sql.SQL(_FOREIGN_VISITORS).format(n=code_length(vocab.TOWNSHIP))
    rows = conn.execute(query).fetchall()
    return [(int(r[0]), r[1], r[2], r[3]) for r in rows]


_FOREIGN_VISITORS = """
WITH placed AS MATERIALIZED (
    SELECT s.file_row, s.visitor_code, h.county_code, left(h.unit_code, {n}) AS township
    FROM incoming_visit s JOIN household h ON h.code = s.household_code
    WHERE s.visitor_code IS NOT NULL AND length(h.unit_code) >= {n}
), outside AS (
    SELECT p.visitor_code, p.county_code, p.township,
           string_agg(DISTINCT left(g.group_code, {n}), ', '
                      ORDER BY left(g.group_code, {n})) AS served
    FROM (SELECT DISTINCT visitor_code, county_code, township FROM placed) p
    JOIN worker_group g ON g.county_code = p.county_code AND g.worker_code = p.visitor_code
    GROUP BY p.visitor_code, p.county_code, p.township
    HAVING NOT bool_or(left(g.group_code, {n}) = p.township)
)
SELECT p.file_row, p.visitor_code, o.served, o.township FROM placed p
JOIN outside o USING (visitor_code, county_code, township) ORDER BY p.file_row
"""


def insert_visits(
    conn: psycopg.Connection, recorded_by: str | None = None, checkin_max_m: float = 500.0
) -> tuple[int, int]:
    """Insert the new staged visits (far check-ins doubtful); return (new, new and doubtful)."""
    # The UNIQUE constraint treats a missing visitor as distinct, so compare explicitly too;
    # the county in that comparison lets it probe the constraint's index.
    row = conn.execute(
        "WITH added AS (INSERT INTO visit (county_code, household_code, visitor_code, "
        "visited_at, kind, note, recorded_by, checkin, checkin_distance_m, doubtful, plan_id, "
        "hidden) "
        "SELECT h.county_code, s.household_code, s.visitor_code, s.visited_at, s.kind, s.note, "
        "%(by)s, "
        "c.pt, d.m, coalesce(d.m > %(max_m)s, false), s.plan_id, s.plan_id IS NOT NULL "
        "FROM incoming_visit s "
        "JOIN household h ON h.code = s.household_code "
        "CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(s.checkin_lon, s.checkin_lat), 4326) "
        "AS pt) c CROSS JOIN LATERAL (SELECT ST_Distance(c.pt::geography, h.geom::geography) "
        "AS m) d WHERE NOT EXISTS (SELECT 1 FROM visit v WHERE v.county_code = h.county_code "
        "AND v.household_code = s.household_code AND v.visited_at = s.visited_at "
        "AND v.visitor_code IS NOT DISTINCT FROM s.visitor_code) "
        "ORDER BY s.file_row ON CONFLICT DO NOTHING RETURNING doubtful) "
        "SELECT count(*), count(*) FILTER (WHERE doubtful) FROM added",
        {"by": recorded_by, "max_m": checkin_max_m},
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def unusable_plans(conn: psycopg.Connection) -> list[tuple[int, int, bool]]:
    """(row, plan, exists) of staged visits naming an unknown or closed plan; locks open ones."""
    # FOR SHARE keeps the named plans open until the import commits (see plan_is_open).
    conn.execute(
        "SELECT 1 FROM inspection_plan p WHERE p.closed_at IS NULL AND p.id IN "
        "(SELECT plan_id FROM incoming_visit) FOR SHARE"
    )
    rows = conn.execute(
        "SELECT s.file_row, s.plan_id, p.id IS NOT NULL FROM incoming_visit s "
        "LEFT JOIN household h ON h.code = s.household_code "
        "LEFT JOIN inspection_plan p ON p.county_code = h.county_code AND p.id = s.plan_id "
        "WHERE s.plan_id IS NOT NULL AND (p.id IS NULL OR p.closed_at IS NOT NULL) "
        "ORDER BY s.file_row"
    ).fetchall()
    return [(int(r[0]), int(r[1]), bool(r[2])) for r in rows]


def update_last_visits(conn: psycopg.Connection, timezone: str) -> int:
    """Move each visited household's last_visit_on up to its latest staged visit date.

    Dates are taken in `timezone`; a staged visit stored and rejected before does not count.
    Returns how many households changed.
    """
    return conn.execute(
        "UPDATE household h SET last_visit_on = greatest(h.last_visit_on, m.day) "
        "FROM (SELECT s.household_code, max((s.visited_at AT TIME ZONE %(tz)s)::date) AS day "
        "FROM incoming_visit s WHERE s.plan_id IS NULL "  # hidden until the plan closes
        "AND NOT EXISTS (SELECT 1 FROM visit v "  # rejected ones
        "WHERE v.household_code = s.household_code AND v.visited_at = s.visited_at "
        "AND v.visitor_code IS NOT DISTINCT FROM s.visitor_code AND v.rejected_at IS NOT NULL) "
        "GROUP BY s.household_code) m "
        "WHERE h.code = m.household_code AND h.last_visit_on IS DISTINCT FROM "
        "greatest(h.last_visit_on, m.day)",
        {"tz": timezone},
    ).rowcount
