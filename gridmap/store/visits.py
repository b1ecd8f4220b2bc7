"""Visits recorded one at a time: insert with check-in distance, reject, list, to-do lists."""

from __future__ import annotations

from datetime import date, datetime

import psycopg
from psycopg import sql

from gridmap.core import vocab
from gridmap.store.coverage import status_query
from gridmap.store.scoping import code_length, prefix_filter, prefix_params

#: Limits a query to households (alias h) under the bound prefixes.
_SCOPE = prefix_filter("h.unit_code")
# A visit counts when it is neither rejected nor hidden under an open inspection plan
# ("v.rejected_at IS NULL AND NOT v.hidden" below).
_VISIT_KEYS = (
    "id", "household", "unit", "visitor", "visited_at", "kind", "note", "recorded_by",
    "recorded_at", "checkin_lon", "checkin_lat", "checkin_distance_m", "doubtful",
    "rejected_at", "rejected_by", "reject_reason", "plan_id", "hidden",
)  # fmt: skip


def visitor_known(conn: psycopg.Connection, code: str) -> bool:
    """True when `code` is a worker's or an assistance contact's code."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM worker WHERE code = %(c)s) "
        "OR EXISTS (SELECT 1 FROM contact WHERE code = %(c)s)",
        {"c": code},
    ).fetchone()
    return bool(row and row[0])


def foreign_workers_query(source: sql.Composable) -> sql.Composed:
    """(row, worker, townships served, household's township) of `source` rows by outside workers."""
    # `source` yields file_row, visitor_code, household_code. A township is a prefix of a unit
    # code; a household placed no deeper than the county has no township to compare,
    # and a worker without groups (or a contact) belongs to none, so neither is refused.
    return sql.SQL(
        "SELECT s.file_row, s.visitor_code, string_agg(DISTINCT left(g.group_code, {n}), ', ' "
        "ORDER BY left(g.group_code, {n})), left(h.unit_code, {n}) FROM ({source}) s "
        "JOIN household h ON h.code = s.household_code "
        "JOIN worker_group g ON g.county_code = h.county_code AND g.worker_code = s.visitor_code "
        "WHERE length(h.unit_code) >= {n} "
        "GROUP BY s.file_row, s.visitor_code, left(h.unit_code, {n}) "
        "HAVING NOT bool_or(left(g.group_code, {n}) = left(h.unit_code, {n})) ORDER BY s.file_row"
    ).format(source=source, n=code_length(vocab.TOWNSHIP))


def worker_elsewhere(
    conn: psycopg.Connection, visitor: str, household: str
) -> tuple[str, str] | None:
    """(townships served, household's township) when `visitor` is a worker of another township."""
    source = sql.SQL("SELECT 0 AS file_row, %(visitor)s::text AS visitor_code, "
                     "%(household)s::text AS household_code")  # fmt: skip
    row = conn.execute(
        foreign_workers_query(source), {"visitor": visitor, "household": household}
    ).fetchone()
    return None if row is None else (row[2], row[3])


def household_in_scope(conn: psycopg.Connection, code: str, prefixes: list[str] | None) -> bool:
    """True when household `code` exists and is assigned under `prefixes`."""
    query = sql.SQL("SELECT 1 FROM household h WHERE h.code = %(code)s AND {}").format(_SCOPE)
    return conn.execute(query, {"code": code, **prefix_params(prefixes)}).fetchone() is not None


def insert_visit(conn: psycopg.Connection, visit: dict, max_m: float) -> dict | None:
    """Insert a visit (NewVisit fields, recorded_by, hidden) with its check-in; None if stored."""
    row = conn.execute(
        "INSERT INTO visit (county_code, household_code, visitor_code, visited_at, kind, note, "
        "recorded_by, checkin, checkin_distance_m, doubtful, plan_id, hidden) "
        "SELECT h.county_code, h.code, %(visitor)s, %(visited_at)s, %(kind)s, %(note)s, "
        "%(recorded_by)s, "
        "p.pt, d.m, coalesce(d.m > %(max_m)s, false), %(plan_id)s, %(hidden)s FROM household h "
        "CROSS JOIN LATERAL (SELECT CASE WHEN %(lon)s::float8 IS NULL THEN NULL ELSE "
        "ST_SetSRID(ST_MakePoint(%(lon)s::float8, %(lat)s::float8), 4326) END AS pt) p "
        "CROSS JOIN LATERAL (SELECT ST_Distance(p.pt::geography, h.geom::geography) AS m) d "
        "WHERE h.code = %(household)s ON CONFLICT DO NOTHING "
        "RETURNING id, checkin_distance_m, doubtful",
        {**visit, "max_m": max_m},
    ).fetchone()
    if row is None:
        return None
    return {"id": row[0], "checkin_distance_m": row[1], "doubtful": row[2]}


def advance_last_visit(conn: psycopg.Connection, household: str, at: datetime, tz: str) -> None:
    """Move the household's last visit date up to the local date of `at`."""
    conn.execute(
        "UPDATE household SET last_visit_on = greatest(last_visit_on, (%(at)s AT TIME ZONE "
        "%(tz)s)::date) WHERE code = %(code)s",
        {"at": at, "tz": tz, "code": household},
    )


def recompute_last_visit(conn: psycopg.Connection, household: str, tz: str) -> date | None:
    """Set the household's last visit date from its visits that still count; return it."""
    return recompute_last_visits(conn, [household], tz).get(household)


def recompute_last_visits(
    conn: psycopg.Connection, households: list[str], tz: str
) -> dict[str, date | None]:
    """Set the last visit dates of `households` from their counted visits; return them."""
    rows = conn.execute(
        "UPDATE household h SET last_visit_on = (SELECT max((v.visited_at AT TIME ZONE %(tz)s)"
        "::date) FROM visit v WHERE v.household_code = h.code AND v.rejected_at IS NULL "
        "AND NOT v.hidden) "
        "WHERE h.code = ANY(%(codes)s::text[]) RETURNING h.code, h.last_visit_on",
        {"tz": tz, "codes": households},
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def reveal_plan_visits(conn: psycopg.Connection, plan_id: int) -> list[str]:
    """Stop hiding the visits of plan `plan_id`; return their households, each once."""
    rows = conn.execute(
        "UPDATE visit SET hidden = false WHERE plan_id = %s AND hidden RETURNING household_code",
        [plan_id],
    ).fetchall()
    return sorted({r[0] for r in rows})


def reject(
    conn: psycopg.Connection, visit_id: int, by: str, reason: str, prefixes: list[str] | None,
    hidden: bool = False,
) -> str | None:  # fmt: skip
    """Mark a visit under `prefixes` (hidden ones too with `hidden`) rejected; its household."""
    query = sql.SQL(
        "UPDATE visit v SET rejected_at = now(), rejected_by = %(by)s, reject_reason = %(reason)s "
        "FROM household h WHERE v.id = %(id)s AND v.rejected_at IS NULL "
        "AND (%(hidden)s OR NOT v.hidden) "
        "AND h.code = v.household_code AND {} RETURNING v.household_code"
    ).format(_SCOPE)
    values = {"id": visit_id, "by": by, "reason": reason, "hidden": hidden}
    row = conn.execute(query, {**values, **prefix_params(prefixes)}).fetchone()
    return row[0] if row else None


def visits(
    conn: psycopg.Connection,
    prefixes: list[str] | None,
    *,
    household: str | None,
    pending_doubtful: bool,
    limit: int,
    visit_id: int | None = None,
    hidden: bool = False,
) -> list[dict]:
    """Visits under `prefixes`: one household's, or doubtful ones not yet decided; newest first.

    Visits hidden under an open inspection plan are left out unless `hidden` is true.
    """
    query = sql.SQL(
        "SELECT v.id, v.household_code, h.unit_code, v.visitor_code, v.visited_at, v.kind, "
        "v.note, v.recorded_by, v.recorded_at, ST_X(v.checkin), ST_Y(v.checkin), "
        "v.checkin_distance_m, v.doubtful, v.rejected_at, v.rejected_by, v.reject_reason, "
        "v.plan_id, v.hidden FROM visit v JOIN household h ON h.code = v.household_code "
        "WHERE (%(household)s::text IS NULL OR v.household_code = %(household)s::text) "
        "AND (%(hidden)s OR NOT v.hidden) "
        "AND (%(id)s::bigint IS NULL OR v.id = %(id)s::bigint) "
        "AND (NOT %(pending)s OR (v.doubtful AND v.rejected_at IS NULL)) AND {} "
        "ORDER BY v.visited_at DESC, v.id DESC LIMIT %(limit)s"
    ).format(_SCOPE)
    params = {"household": household, "pending": pending_doubtful, "limit": limit}
    params.update(id=visit_id, hidden=hidden)
    rows = conn.execute(query, {**params, **prefix_params(prefixes)}).fetchall()
    return [dict(zip(_VISIT_KEYS, r, strict=True)) for r in rows]


def households_to_visit(
    conn: psycopg.Connection, params: dict, prefixes: list[str] | None, text: str | None,
    limit: int,
) -> list[dict]:  # fmt: skip
    """Active households under `prefixes` matching `text`, most urgent first, with statuses."""
    # `doubtful`: every counted visit on the household's last visit date is doubtful.
    scope = sql.SQL(
        "(%(text)s::text IS NULL OR h.code LIKE %(like)s OR h.head_name LIKE %(like)s) AND {}"
    ).format(prefix_filter("h.unit_code"))
    query = sql.SQL(
        "SELECT s.code, s.unit_code, u.name, h.head_name, s.category, s.monitored, "
        "s.visit_status, s.coverage_status, s.last_visit_on, coalesce(d.doubtful, false) "
        "FROM ({}) s JOIN household h ON h.code = s.code "
        "LEFT JOIN unit_version u ON u.code = s.unit_code AND u.valid_to IS NULL "
        "LEFT JOIN LATERAL (SELECT bool_and(v.doubtful) AS doubtful FROM visit v "
        "WHERE v.household_code = s.code AND v.rejected_at IS NULL AND NOT v.hidden "
        "AND (v.visited_at AT TIME ZONE %(tz)s)::date = s.last_visit_on) d ON true "
        "ORDER BY array_position(%(urgency)s::text[], s.visit_status), s.unit_code, s.code "
        "LIMIT %(limit)s"
    ).format(status_query(params, scope))
    like = None if text is None else "%" + _escape_like(text) + "%"
    values = {**params, **prefix_params(prefixes), "text": text, "like": like, "limit": limit,
              "urgency": list(vocab.VISIT_STATUSES)}  # fmt: skip
    keys = (
        "code", "unit", "unit_name", "head_name", "category", "monitored", "visit_status",
        "coverage_status", "last_visit_on", "doubtful",
    )  # fmt: skip
    return [dict(zip(keys, r, strict=True)) for r in conn.execute(query, values).fetchall()]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def doubtful_last_visits(conn: psycopg.Connection, codes: list[str], tz: str) -> list[str]:
    """Those of `codes` whose counted visits on their last visit date are all doubtful."""
    rows = conn.execute(
        "SELECT h.code FROM household h JOIN LATERAL (SELECT bool_and(v.doubtful) AS doubtful "
        "FROM visit v WHERE v.household_code = h.code AND v.rejected_at IS NULL AND NOT v.hidden "
        "AND (v.visited_at AT TIME ZONE %(tz)s)::date = h.last_visit_on) d ON d.doubtful "
        "WHERE h.code = ANY(%(codes)s::text[]) ORDER BY h.code",
        {"codes": codes, "tz": tz},
    ).fetchall()
    return [r[0] for r in rows]
