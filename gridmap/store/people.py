"""Workers and their groups, assistance contacts and their households, and visits."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
import psycopg
from psycopg import sql

from gridmap.store.households import ewkb_hex, stage_rows, upsert_staged
from gridmap.store.visits import foreign_workers_query

_WORKER_COLUMNS = [
    ("file_row", "integer"), ("code", "text PRIMARY KEY"), ("name", "text"), ("phone", "text"),
    ("birth_year", "integer"), ("status", "text"), ("capacity", "integer"),
    ("home", "geometry(Point, 4326)"),
]  # fmt: skip
_WORKER_GROUP_COLUMNS = [("file_row", "integer"), ("worker_code", "text"), ("group_code", "text")]
_CONTACT_COLUMNS = [
    ("file_row", "integer"), ("code", "text PRIMARY KEY"), ("name", "text"),
    ("organisation", "text"), ("phone", "text"),
]  # fmt: skip
_PAIRING_COLUMNS = [
    ("file_row", "integer"), ("contact_code", "text"), ("household_code", "text"), ("since", "date")
]  # fmt: skip
_VISIT_COLUMNS = [
    ("file_row", "integer"), ("household_code", "text"), ("visitor_code", "text"),
    ("visited_at", "timestamptz"), ("kind", "text"), ("note", "text"),
    ("checkin_lon", "double precision"), ("checkin_lat", "double precision"),
    ("plan_id", "bigint"),
]  # fmt: skip


def _values(frame: pd.DataFrame, columns: Sequence[tuple[str, str]]) -> list[tuple]:
    ordered = frame.rename(columns={"row": "file_row"})[[n for n, _ in columns]].astype(object)
    return list(ordered.itertuples(index=False, name=None))


def stage_workers(
    conn: psycopg.Connection,
    rows: pd.DataFrame,
    homes: gpd.GeoDataFrame,
    groups: pd.DataFrame | None,
) -> None:
    """Stage checked workers (io.people.read_workers), their homes and, if given, their groups."""
    geoms = gpd.GeoSeries([None] * len(rows), index=rows.index, crs=4326)
    geoms[homes.index] = homes.geometry
    frame = rows.assign(home=pd.Series(ewkb_hex(geoms), index=rows.index, dtype=object))
    stage_rows(conn, "incoming_worker", _WORKER_COLUMNS, _values(frame, _WORKER_COLUMNS))
    if groups is not None:
        pairs = _values(groups, _WORKER_GROUP_COLUMNS)
        stage_rows(conn, "incoming_worker_group", _WORKER_GROUP_COLUMNS, pairs)


def unknown_groups(conn: psycopg.Connection) -> list[tuple[int, str, str]]:
    """(row, worker, group) of staged worker groups that are not open villager groups."""
    rows = conn.execute(
        "SELECT p.file_row, p.worker_code, p.group_code FROM incoming_worker_group p "
        "WHERE NOT EXISTS (SELECT 1 FROM unit_version u WHERE u.valid_to IS NULL "
        "AND u.level = 4 AND u.code = p.group_code) ORDER BY p.file_row, p.group_code"
    ).fetchall()
    return [(int(r[0]), r[1], r[2]) for r in rows]


def upsert_workers(conn: psycopg.Connection, supplied: Sequence[str]) -> tuple[int, int]:
    """Write the staged workers by code; existing ones get only the `supplied` columns."""
    columns = [n for n, _ in _WORKER_COLUMNS[2:]]
    updatable = [c for c in columns if c in supplied]
    return upsert_staged(conn, "worker", "incoming_worker", "code", columns, updatable)


def replace_worker_groups(conn: psycopg.Connection) -> dict[str, int]:
    """Make each staged worker serve exactly its staged groups; return removed and added pairs."""
    removed = conn.execute(
        "DELETE FROM worker_group g USING incoming_worker w WHERE g.worker_code = w.code "
        "AND NOT EXISTS (SELECT 1 FROM incoming_worker_group p "
        "WHERE p.worker_code = g.worker_code AND p.group_code = g.group_code)"
    ).rowcount
    added = conn.execute(
        "INSERT INTO worker_group (worker_code, group_code) "
        "SELECT DISTINCT worker_code, group_code FROM incoming_worker_group "
        "ON CONFLICT DO NOTHING"
    ).rowcount
    return {"removed": removed, "added": added}


def stage_contacts(conn: psycopg.Connection, rows: pd.DataFrame, pairings: pd.DataFrame) -> None:
    """Stage checked contacts and their pairings (every `since` filled in)."""
    stage_rows(conn, "incoming_contact", _CONTACT_COLUMNS, _values(rows, _CONTACT_COLUMNS))
    stage_rows(conn, "incoming_pairing", _PAIRING_COLUMNS, _values(pairings, _PAIRING_COLUMNS))


def upsert_contacts(conn: psycopg.Connection, supplied: Sequence[str]) -> tuple[int, int]:
    """Write the staged contacts by code; existing ones get only the `supplied` columns."""
    columns = [n for n, _ in _CONTACT_COLUMNS[2:]]
    updatable = [c for c in columns if c in supplied]
    return upsert_staged(conn, "contact", "incoming_contact", "code", columns, updatable)


def add_pairings(conn: psycopg.Connection) -> int:
    """Add the staged pairings a contact does not already have open (or from the same day)."""
    return conn.execute(
        "INSERT INTO contact_household (contact_code, household_code, since) "
        "SELECT DISTINCT ON (p.contact_code, p.household_code) "
        "p.contact_code, p.household_code, p.since FROM incoming_pairing p "
        "WHERE NOT EXISTS (SELECT 1 FROM contact_household c "
        "WHERE c.contact_code = p.contact_code AND c.household_code = p.household_code "
        "AND (c.until IS NULL OR c.since = p.since)) "
        "ORDER BY p.contact_code, p.household_code, p.since ON CONFLICT DO NOTHING"
    ).rowcount


#: `replaced`: the open links of households the staged pairings give a new contact (one
#: without an open link yet) with contacts the file does not name for them, beside the
#: earliest start among the household's new contacts and the file row naming it.
_REPLACED = sql.SQL(
    "WITH newcomer AS (SELECT DISTINCT ON (p.household_code) p.household_code, p.since, "
    "p.file_row, p.contact_code FROM incoming_pairing p WHERE NOT EXISTS (SELECT 1 "
    "FROM contact_household c WHERE c.contact_code = p.contact_code "
    "AND c.household_code = p.household_code AND c.until IS NULL) "
    "ORDER BY p.household_code, p.since, p.file_row), "
    "replaced AS (SELECT n.file_row, c.household_code, c.contact_code, c.since AS old_since, "
    "n.contact_code AS new_contact, n.since AS new_since FROM contact_household c "
    "JOIN newcomer n ON n.household_code = c.household_code WHERE c.until IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM incoming_pairing p "
    "WHERE p.household_code = c.household_code AND p.contact_code = c.contact_code)) "
)


def unclosable_pairings(conn: psycopg.Connection) -> list[tuple]:
    """Rows (row, household, old/new contact and start) whose new contact starts too early."""
    query = _REPLACED + sql.SQL(
        "SELECT file_row, household_code, contact_code, old_since, new_contact, new_since "
        "FROM replaced WHERE old_since >= new_since ORDER BY file_row, contact_code"
    )
    return conn.execute(query).fetchall()


def close_replaced_pairings(conn: psycopg.Connection) -> int:
    """End the replaced open links on the day the new contact starts; return how many."""
    query = _REPLACED + sql.SQL(
        "UPDATE contact_household o SET until = r.new_since FROM replaced r "
        "WHERE o.contact_code = r.contact_code AND o.household_code = r.household_code "
        "AND o.since = r.old_since"
    )
    return conn.execute(query).rowcount


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
    stage_rows(conn, "incoming_visit", _VISIT_COLUMNS, _values(rows, _VISIT_COLUMNS))


def foreign_visitors(conn: psycopg.Connection) -> list[tuple[int, str, str, str]]:
    """(row, worker, townships served, household's township) of staged visits by outside workers."""
    source = sql.SQL("SELECT file_row, visitor_code, household_code FROM incoming_visit")
    rows = conn.execute(foreign_workers_query(source)).fetchall()
    return [(int(r[0]), r[1], r[2], r[3]) for r in rows]


def insert_visits(
    conn: psycopg.Connection, recorded_by: str | None = None, checkin_max_m: float = 500.0
) -> tuple[int, int]:
    """Insert the new staged visits (far check-ins doubtful); return (new, new and doubtful)."""
    # The UNIQUE constraint treats a missing visitor as distinct, so compare explicitly too.
    rows = conn.execute(
        "INSERT INTO visit (household_code, visitor_code, visited_at, kind, note, recorded_by, "
        "checkin, checkin_distance_m, doubtful, plan_id, hidden) "
        "SELECT s.household_code, s.visitor_code, s.visited_at, s.kind, s.note, %(by)s, "
        "c.pt, d.m, coalesce(d.m > %(max_m)s, false), s.plan_id, s.plan_id IS NOT NULL "
        "FROM incoming_visit s "
        "JOIN household h ON h.code = s.household_code "
        "CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(s.checkin_lon, s.checkin_lat), 4326) "
        "AS pt) c CROSS JOIN LATERAL (SELECT ST_Distance(c.pt::geography, h.geom::geography) "
        "AS m) d WHERE NOT EXISTS (SELECT 1 FROM visit v "
        "WHERE v.household_code = s.household_code AND v.visited_at = s.visited_at "
        "AND v.visitor_code IS NOT DISTINCT FROM s.visitor_code) "
        "ORDER BY s.file_row ON CONFLICT DO NOTHING RETURNING doubtful",
        {"by": recorded_by, "max_m": checkin_max_m},
    ).fetchall()
    return len(rows), sum(1 for (doubtful,) in rows if doubtful)


def unusable_plans(conn: psycopg.Connection) -> list[tuple[int, int, bool]]:
    """(row, plan, exists) of staged visits naming an unknown or closed plan; locks open ones."""
    # FOR SHARE keeps the named plans open until the import commits (see plan_is_open).
    conn.execute(
        "SELECT 1 FROM inspection_plan p WHERE p.closed_at IS NULL AND p.id IN "
        "(SELECT plan_id FROM incoming_visit) FOR SHARE"
    )
    rows = conn.execute(
        "SELECT s.file_row, s.plan_id, p.id IS NOT NULL FROM incoming_visit s "
        "LEFT JOIN inspection_plan p ON p.id = s.plan_id "
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
