"""What the worker-suggestion needs: unstaffed groups, workers with their loads, and applying."""

from __future__ import annotations

from datetime import date

import psycopg
from psycopg import sql

from gridmap.store.scoping import level_params, prefix_filter, prefix_params


def unstaffed_groups(conn: psycopg.Connection) -> list[tuple]:
    """(code, township, lon, lat, active households) of current groups with no active worker."""
    return conn.execute(
        "WITH sizes AS (SELECT unit_code, count(*) AS n FROM household "
        "  WHERE status = 'active' GROUP BY unit_code) "
        "SELECT u.code, left(u.code, %(township_length)s), ST_X(u.label), ST_Y(u.label), "
        "coalesce(s.n, 0) FROM unit_version u LEFT JOIN sizes s ON s.unit_code = u.code "
        "WHERE u.valid_to IS NULL AND u.level = %(group)s AND NOT EXISTS ("
        "  SELECT 1 FROM worker_group wg JOIN worker w "
        "  ON w.county_code = wg.county_code AND w.code = wg.worker_code "
        "  WHERE wg.group_code = u.code AND w.status = 'active') "
        "ORDER BY u.code",
        level_params(),
    ).fetchall()


def groups_without_worker(
    conn: psycopg.Connection, parent: str, prefixes: list[str] | None
) -> list[tuple[str, str]]:
    """(code, name) of the current groups under `parent` and `prefixes` with no active worker."""
    query = sql.SQL(
        "SELECT u.code, u.name FROM unit_version u "
        "WHERE u.valid_to IS NULL AND u.level = %(group)s AND u.parent_code = %(parent)s "
        "AND {} AND NOT EXISTS ("
        "  SELECT 1 FROM worker_group wg JOIN worker w "
        "  ON w.county_code = wg.county_code AND w.code = wg.worker_code "
        "  WHERE wg.group_code = u.code AND w.status = 'active') "
        "ORDER BY u.code"
    ).format(prefix_filter("u.code"))
    params = {**level_params(), "parent": parent, **prefix_params(prefixes)}
    return conn.execute(query, params).fetchall()


def workers_with_load(conn: psycopg.Connection) -> list[tuple]:
    """(code, township, lon, lat, load, capacity, birth_year, active) of every worker."""
    return conn.execute(
        "WITH load AS ("
        "  SELECT wg.county_code, wg.worker_code, count(h.code) AS households, "
        "  left(min(wg.group_code), %(township_length)s) AS t "
        "  FROM worker_group wg LEFT JOIN household h "
        "    ON h.unit_code = wg.group_code AND h.status = 'active' "
        "  GROUP BY wg.county_code, wg.worker_code) "
        "SELECT w.code, coalesce(l.t, (SELECT u.code FROM unit_version u WHERE u.valid_to IS NULL "
        "  AND u.level = %(township)s AND ST_Covers(u.geom, w.home) ORDER BY u.code LIMIT 1)), "
        "ST_X(w.home), ST_Y(w.home), coalesce(l.households, 0), w.capacity, w.birth_year, "
        "w.status = 'active' "
        "FROM worker w LEFT JOIN load l ON l.county_code = w.county_code "
        "AND l.worker_code = w.code ORDER BY w.code",
        level_params(),
    ).fetchall()


def add_worker_groups(conn: psycopg.Connection, pairs: list[tuple[str, str]], day: date) -> int:
    """Give each (worker, group) pair from `day` on, with its history; return how many were new."""
    added = 0
    for worker_code, group_code in pairs:
        values = {"worker": worker_code, "group": group_code, "day": day}
        cur = conn.execute(
            "INSERT INTO worker_group (county_code, worker_code, group_code) "
            "VALUES (left(%(group)s, 6), %(worker)s, %(group)s) ON CONFLICT DO NOTHING",
            values,
        )
        if cur.rowcount:
            conn.execute(_OPEN_LINK, values)
            conn.execute(_OPEN_STATUS, values)
        added += cur.rowcount
    return added


# A new link from the day on; in a county new to the worker, its status there from then too.
_OPEN_LINK = (
    "INSERT INTO worker_group_period (county_code, worker_code, group_code, valid) "
    "SELECT left(%(group)s, 6), %(worker)s, %(group)s, daterange(%(day)s, NULL) "
    "WHERE NOT EXISTS (SELECT 1 FROM worker_group_period WHERE worker_code = %(worker)s "
    "AND group_code = %(group)s AND valid && daterange(%(day)s, NULL))"
)
_OPEN_STATUS = (
    "INSERT INTO worker_status_period (county_code, worker_code, status, valid) "
    "SELECT w.county_code, w.code, w.status, daterange(%(day)s, NULL) FROM worker w "
    "WHERE w.county_code = left(%(group)s, 6) AND w.code = %(worker)s "
    "AND NOT EXISTS (SELECT 1 FROM worker_status_period s "
    "WHERE s.worker_code = w.code AND s.county_code = left(%(group)s, 6) "
    "AND s.valid && daterange(%(day)s, NULL))"
)
