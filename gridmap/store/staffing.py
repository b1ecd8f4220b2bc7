"""What the worker-suggestion needs: unstaffed groups, workers with their loads, and applying."""

from __future__ import annotations

import psycopg


def unstaffed_groups(conn: psycopg.Connection) -> list[tuple]:
    """(code, township, lon, lat, active households) of current groups with no active worker."""
    return conn.execute(
        "WITH sizes AS (SELECT unit_code, count(*) AS n FROM household "
        "  WHERE status = 'active' GROUP BY unit_code) "
        "SELECT u.code, left(u.code, 9), ST_X(u.label), ST_Y(u.label), coalesce(s.n, 0) "
        "FROM unit_version u LEFT JOIN sizes s ON s.unit_code = u.code "
        "WHERE u.valid_to IS NULL AND u.level = 4 AND NOT EXISTS ("
        "  SELECT 1 FROM worker_group wg JOIN worker w ON w.code = wg.worker_code "
        "  WHERE wg.group_code = u.code AND w.status = 'active') "
        "ORDER BY u.code"
    ).fetchall()


def workers_with_load(conn: psycopg.Connection) -> list[tuple]:
    """(code, township, lon, lat, load, capacity, birth_year, active) of every worker."""
    return conn.execute(
        "WITH load AS ("
        "  SELECT wg.worker_code, count(h.code) AS households, left(min(wg.group_code), 9) AS t "
        "  FROM worker_group wg LEFT JOIN household h "
        "    ON h.unit_code = wg.group_code AND h.status = 'active' "
        "  GROUP BY wg.worker_code) "
        "SELECT w.code, coalesce(l.t, (SELECT u.code FROM unit_version u WHERE u.valid_to IS NULL "
        "  AND u.level = 2 AND ST_Covers(u.geom, w.home) ORDER BY u.code LIMIT 1)), "
        "ST_X(w.home), ST_Y(w.home), coalesce(l.households, 0), w.capacity, w.birth_year, "
        "w.status = 'active' "
        "FROM worker w LEFT JOIN load l ON l.worker_code = w.code ORDER BY w.code"
    ).fetchall()


def add_worker_groups(conn: psycopg.Connection, pairs: list[tuple[str, str]]) -> int:
    """Give each (worker, group) pair; return how many were new."""
    added = 0
    for worker_code, group_code in pairs:
        cur = conn.execute(
            "INSERT INTO worker_group (worker_code, group_code) VALUES (%s, %s) "
            "ON CONFLICT DO NOTHING",
            [worker_code, group_code],
        )
        added += cur.rowcount
    return added
