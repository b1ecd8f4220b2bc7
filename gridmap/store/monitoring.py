"""Monitoring periods of households at risk, and assistance contacts over time."""

from __future__ import annotations

from datetime import date

import pandas as pd
import psycopg
from psycopg import sql

from gridmap.core import vocab
from gridmap.store.coverage import households_on, status_query
from gridmap.store.scoping import prefix_filter, prefix_params
from gridmap.store.staging import stage_frame

STAGED = "incoming_monitoring"
_STAGE_COLUMNS = [
    ("file_row", "integer"), ("household_code", "text"), ("kind", "text"),
    ("identified_on", "date"), ("found_by", "text"), ("risk_type", "text"),
    ("measures", "text"), ("eliminated_on", "date"),
]  # fmt: skip
_SCOPE = prefix_filter("h.unit_code")


def stage_monitoring(conn: psycopg.Connection, rows: pd.DataFrame) -> None:
    """Stage checked monitoring rows (io.monitoring.read_monitoring)."""
    stage_frame(conn, STAGED, _STAGE_COLUMNS, rows)


def drop_listed_only(conn: psycopg.Connection) -> int:
    """Remove the periods known only from household files of the staged households: a
    monitoring file's dated periods replace a household file's listing as monitored."""
    return conn.execute(
        "DELETE FROM monitoring WHERE listed_only "
        "AND household_code IN (SELECT household_code FROM incoming_monitoring)"
    ).rowcount


def overlaps(conn: psycopg.Connection) -> list[tuple]:
    """Staged periods starting before the household's previous one ended, with that one."""
    return conn.execute(
        "WITH merged AS (SELECT household_code, identified_on, eliminated_on, file_row "
        "FROM incoming_monitoring UNION ALL SELECT m.household_code, m.identified_on, "
        "m.eliminated_on, NULL FROM monitoring m WHERE m.household_code IN "
        "(SELECT household_code FROM incoming_monitoring) AND NOT EXISTS (SELECT 1 "
        "FROM incoming_monitoring s WHERE s.household_code = m.household_code "
        "AND s.identified_on = m.identified_on)), "
        "ordered AS (SELECT *, lag(identified_on) OVER w AS prev_on, "
        "lag(eliminated_on) OVER w AS prev_end, lag(file_row) OVER w AS prev_row FROM merged "
        "WINDOW w AS (PARTITION BY household_code ORDER BY identified_on)) "
        "SELECT coalesce(file_row, prev_row), household_code, identified_on, prev_on, prev_end "
        "FROM ordered WHERE prev_on IS NOT NULL AND (prev_end IS NULL OR prev_end > identified_on) "
        "ORDER BY 1, 2"
    ).fetchall()


def upsert_monitoring(conn: psycopg.Connection) -> tuple[int, int]:
    """Write the staged periods by (household, identified_on); return (created, updated)."""
    # Counted beforehand: a partitioned table cannot return xmax, which tells the two apart.
    known = conn.execute(
        "SELECT count(*) FROM incoming_monitoring i JOIN household h ON h.code = i.household_code "
        "JOIN monitoring m ON m.county_code = h.county_code "
        "AND m.household_code = i.household_code AND m.identified_on = i.identified_on"
    ).fetchone()
    assert known is not None
    # Earlier periods first, so one is closed before the next one opens (monitoring_open).
    written = conn.execute(
        "INSERT INTO monitoring AS m (county_code, household_code, kind, identified_on, "
        "found_by, risk_type, measures, eliminated_on) SELECT h.county_code, i.household_code, "
        "i.kind, i.identified_on, i.found_by, i.risk_type, i.measures, i.eliminated_on "
        "FROM incoming_monitoring i JOIN household h ON h.code = i.household_code "
        "ORDER BY i.household_code, i.identified_on "
        "ON CONFLICT (county_code, household_code, identified_on) "
        "DO UPDATE SET kind = EXCLUDED.kind, "
        "found_by = EXCLUDED.found_by, risk_type = EXCLUDED.risk_type, "
        "measures = EXCLUDED.measures, eliminated_on = EXCLUDED.eliminated_on, updated_at = now() "
        "WHERE ROW(m.kind, m.found_by, m.risk_type, m.measures, m.eliminated_on) IS DISTINCT FROM "
        "ROW(EXCLUDED.kind, EXCLUDED.found_by, EXCLUDED.risk_type, EXCLUDED.measures, "
        "EXCLUDED.eliminated_on)"
    ).rowcount
    staged = conn.execute(
        "SELECT count(*) FROM incoming_monitoring i JOIN household h ON h.code = i.household_code"
    ).fetchone()
    assert staged is not None
    created = staged[0] - known[0]
    return created, written - created


def sync_households(conn: psycopg.Connection) -> int:
    """Make the staged households' category, kind and risk flag follow their latest period."""
    return conn.execute(
        "UPDATE household h SET category = 'monitored', monitor_kind = l.kind, "
        "risk_eliminated = l.eliminated_on IS NOT NULL, updated_at = now() "
        "FROM (SELECT DISTINCT ON (household_code) household_code, kind, eliminated_on "
        "FROM monitoring WHERE household_code IN (SELECT household_code FROM incoming_monitoring) "
        "ORDER BY household_code, identified_on DESC) l WHERE h.code = l.household_code "
        "AND (h.category, h.monitor_kind, h.risk_eliminated) IS DISTINCT FROM "
        "('monitored', l.kind, l.eliminated_on IS NOT NULL)"
    ).rowcount


def counts_by_unit(
    conn: psycopg.Connection, start: date, end: date, prefixes: list[str] | None, status: dict
) -> list[tuple]:
    """Per unit: identified in [start, end] (all, per way found), eliminated, at risk at end.

    Households count in the unit they were in on `end`, the as-of date of `status`.
    """
    found = sql.SQL(", ").join(
        sql.SQL(
            "count(*) FILTER (WHERE m.identified_on BETWEEN %(start)s AND %(end)s "
            "AND m.found_by = {})"
        ).format(sql.Literal(way))  # fmt: skip
        for way in vocab.FOUND_BY
    )
    query = sql.SQL(
        "SELECT coalesce(h.unit_code, ''), "
        "count(*) FILTER (WHERE m.identified_on BETWEEN %(start)s AND %(end)s), {found}, "
        "count(*) FILTER (WHERE m.eliminated_on BETWEEN %(start)s AND %(end)s), "
        "count(*) FILTER (WHERE m.identified_on <= %(end)s "
        "AND (m.eliminated_on IS NULL OR m.eliminated_on > %(end)s)) "
        "FROM monitoring m JOIN ({households}) h "
        "ON h.county_code = m.county_code AND h.code = m.household_code "
        "WHERE m.county_code = ANY(%(counties)s) AND {scope} GROUP BY 1"
    ).format(found=found, scope=_SCOPE, households=households_on(status))
    params = {**status, "start": start, "end": end, **prefix_params(prefixes)}
    return conn.execute(query, params).fetchall()


def periods_of(conn: psycopg.Connection, household: str, prefixes: list[str] | None) -> list[dict]:
    """A household's monitoring periods under `prefixes`, oldest first."""
    query = sql.SQL(
        "SELECT m.kind, m.identified_on, m.found_by, m.risk_type, m.measures, m.eliminated_on "
        "FROM monitoring m JOIN household h "
        "ON h.county_code = m.county_code AND h.code = m.household_code "
        "WHERE m.household_code = %(code)s AND {} ORDER BY m.identified_on"
    ).format(_SCOPE)
    keys = ("kind", "identified_on", "found_by", "risk_type", "measures", "eliminated_on")
    rows = conn.execute(query, {"code": household, **prefix_params(prefixes)}).fetchall()
    return [dict(zip(keys, r, strict=True)) for r in rows]


def contact_links(conn: psycopg.Connection, household: str, prefixes: list[str] | None) -> list:
    """Every contact link of a household under `prefixes`: who assisted it from when to when."""
    query = sql.SQL(
        "SELECT c.code, c.name, c.organisation, l.since, l.until FROM contact_household l "
        "JOIN contact c ON c.county_code = l.county_code AND c.code = l.contact_code "
        "JOIN household h ON h.county_code = l.county_code AND h.code = l.household_code "
        "WHERE l.household_code = %(code)s AND {} ORDER BY l.since, c.code"
    ).format(_SCOPE)
    return conn.execute(query, {"code": household, **prefix_params(prefixes)}).fetchall()


#: A contact link (alias l) open on the bound date.
_OPEN_ON = sql.SQL("l.since <= %(as_of)s AND (l.until IS NULL OR l.until > %(as_of)s)")


def contact_loads(conn: psycopg.Connection, status: dict, prefixes: list[str] | None) -> list:
    """Contacts with their households under `prefixes` on the as-of date of `status` (all, and
    those monitored then)."""
    query = sql.SQL(
        "SELECT c.code, c.name, c.organisation, c.phone, count(h.code), count(h.code) FILTER "
        "(WHERE h.monitored) FROM contact c "
        "LEFT JOIN contact_household l ON l.county_code = c.county_code "
        "AND l.county_code = ANY(%(counties)s) AND l.contact_code = c.code AND {open} "
        "LEFT JOIN ({households}) h ON h.county_code = l.county_code "
        "AND h.code = l.household_code AND h.status = 'active' AND {scope} "
        "WHERE c.county_code = ANY(%(counties)s) "
        "GROUP BY c.county_code, c.code HAVING %(prefixes)s::text[] IS NULL OR count(h.code) > 0 "
        "ORDER BY count(h.code) DESC, c.code"
    ).format(open=_OPEN_ON, scope=_SCOPE, households=households_on(status))
    return conn.execute(query, {**status, **prefix_params(prefixes)}).fetchall()


def uncontacted(
    conn: psycopg.Connection, status: dict, prefixes: list[str] | None, limit: int
) -> list[tuple]:
    """Households under `prefixes` monitored without a contact on the as-of date of `status`
    (the coverage query's no_contact), with their points."""
    query = sql.SQL(
        "SELECT s.code, s.unit_code, u.name, x.head_name, s.monitor_kind, "
        "(SELECT max(l.until) FROM contact_household l WHERE l.county_code = s.county_code "
        "AND l.county_code = ANY(%(counties)s) AND l.household_code = s.code "
        "AND l.until <= %(as_of)s), ST_X(s.geom), ST_Y(s.geom) FROM ({status}) s "
        "JOIN household x ON x.county_code = s.county_code AND x.code = s.code "
        "AND x.county_code = ANY(%(counties)s) "
        "LEFT JOIN unit_version u ON u.code = s.unit_code AND u.valid_to IS NULL "
        "WHERE s.no_contact ORDER BY s.unit_code, s.code LIMIT %(limit)s"
    ).format(status=status_query(status, _SCOPE))
    params = {**status, "limit": limit, **prefix_params(prefixes)}
    return conn.execute(query, params).fetchall()
