"""Worker ↔ group links and worker status over time, written from a staged worker file.

The staged table incoming_worker holds each worker's `since` (上岗日期, default the import
date; none on a row that only gives 离岗日期) and optional `until` (离岗日期);
incoming_worker_group the groups the file names.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

# Links of a staged worker open on its start date to groups the file no longer names end
# that day (or go, when they began that very day).
_CLOSE_UNNAMED = """
UPDATE worker_group_period p SET valid = daterange(lower(p.valid), w.since), recorded_at = now()
FROM incoming_worker w
WHERE p.county_code = w.county_code AND p.worker_code = w.code AND p.valid @> w.since
  AND coalesce(lower(p.valid) < w.since, true)
  AND NOT EXISTS (SELECT 1 FROM incoming_worker_group g
                  WHERE g.worker_code = p.worker_code AND g.group_code = p.group_code)
"""
_DROP_UNNAMED_SAME_DAY = """
DELETE FROM worker_group_period p USING incoming_worker w
WHERE p.county_code = w.county_code AND p.worker_code = w.code AND lower(p.valid) = w.since
  AND NOT EXISTS (SELECT 1 FROM incoming_worker_group g
                  WHERE g.worker_code = p.worker_code AND g.group_code = p.group_code)
"""
# A named group without a link on the start date gets one, up to a later link if any.
_OPEN_NAMED = """
INSERT INTO worker_group_period (county_code, worker_code, group_code, valid)
SELECT left(g.group_code, 6), g.worker_code, g.group_code, daterange(w.since, (
    SELECT min(lower(p.valid)) FROM worker_group_period p
    WHERE p.worker_code = g.worker_code AND p.group_code = g.group_code
      AND lower(p.valid) > w.since))
FROM (SELECT DISTINCT worker_code, group_code FROM incoming_worker_group) g
JOIN incoming_worker w ON w.code = g.worker_code
WHERE w.since IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM worker_group_period p WHERE p.worker_code = g.worker_code
                  AND p.group_code = g.group_code AND p.valid @> w.since)
"""
_END_AT_UNTIL = """
UPDATE worker_group_period p SET valid = daterange(lower(p.valid), w.until), recorded_at = now()
FROM incoming_worker w
WHERE w.until IS NOT NULL AND p.county_code = w.county_code AND p.worker_code = w.code
  AND coalesce(lower(p.valid) < w.until, true)
  AND (upper_inf(p.valid) OR upper(p.valid) > w.until)
"""


def write_group_links(conn: psycopg.Connection, groups_named: bool) -> dict[str, int]:
    """Record the staged workers' groups from their start dates; return links added and ended."""
    ended = 0
    added = 0
    if groups_named:
        ended += conn.execute(_CLOSE_UNNAMED).rowcount
        ended += conn.execute(_DROP_UNNAMED_SAME_DAY).rowcount
        added = conn.execute(_OPEN_NAMED).rowcount
    ended += conn.execute(_END_AT_UNTIL).rowcount
    return {"added": added, "ended": ended}


# (worker, county, status, day) facts: the file's status from the start date; 离岗 (left)
# from the end date.
_STATUS_FACTS = """
CREATE TEMP TABLE worker_status_fact ON COMMIT DROP AS
SELECT DISTINCT f.worker_code, f.county_code, f.status, f.day
FROM (SELECT w.code AS worker_code, w.county_code, w.status, w.since AS day
      FROM incoming_worker w
      WHERE w.since IS NOT NULL AND (%(status_named)s OR NOT EXISTS (
          SELECT 1 FROM worker_status_period s
          WHERE s.county_code = w.county_code AND s.worker_code = w.code))
      UNION ALL
      SELECT code, county_code, 'left', until FROM incoming_worker WHERE until IS NOT NULL) f
"""


def write_statuses(conn: psycopg.Connection, status_named: bool) -> int:
    """Record the staged workers' statuses from their dates; return how many periods opened."""
    conn.execute("DROP TABLE IF EXISTS worker_status_fact")
    conn.execute(_STATUS_FACTS, {"status_named": status_named})
    opened = 0
    for (day,) in conn.execute(
        "SELECT DISTINCT day FROM worker_status_fact ORDER BY day"
    ).fetchall():
        opened += _status_on(conn, day)
    return opened


#: A status period (s) that a fact (f) dated %(day)s contradicts.
_CONTRADICTED = sql.SQL(
    "f.day = %(day)s AND f.worker_code = s.worker_code AND f.county_code = s.county_code "
    "AND s.valid @> f.day AND s.status <> f.status"
)


def _status_on(conn: psycopg.Connection, day: object) -> int:
    """Apply the status facts dated `day`: close the differing period, open the new one."""
    drop = sql.SQL(
        "DELETE FROM worker_status_period s USING worker_status_fact f "
        "WHERE {} AND lower(s.valid) = f.day"
    )
    conn.execute(drop.format(_CONTRADICTED), {"day": day})
    close = sql.SQL(
        "UPDATE worker_status_period s SET valid = daterange(lower(s.valid), f.day), "
        "recorded_at = now() FROM worker_status_fact f WHERE {}"
    )
    conn.execute(close.format(_CONTRADICTED), {"day": day})
    return conn.execute(
        "INSERT INTO worker_status_period (county_code, worker_code, status, valid) "
        "SELECT f.county_code, f.worker_code, f.status, daterange(f.day, (SELECT "
        "min(lower(s.valid)) FROM worker_status_period s WHERE s.worker_code = f.worker_code "
        "AND s.county_code = f.county_code AND lower(s.valid) > f.day)) "
        "FROM worker_status_fact f WHERE f.day = %(day)s AND NOT EXISTS (SELECT 1 "
        "FROM worker_status_period s WHERE s.worker_code = f.worker_code "
        "AND s.county_code = f.county_code AND s.valid @> f.day)",
        {"day": day},
    ).rowcount


def refresh_current(conn: psycopg.Connection, today: object) -> dict[str, int]:
    """Make worker_group and worker.status of the staged workers what their periods say today."""
    removed = conn.execute(
        "DELETE FROM worker_group g USING incoming_worker w "
        "WHERE g.county_code = w.county_code AND g.worker_code = w.code "
        "AND NOT EXISTS (SELECT 1 FROM worker_group_period p WHERE p.worker_code = g.worker_code "
        "AND p.group_code = g.group_code AND p.valid @> %(today)s::date)",
        {"today": today},
    ).rowcount
    added = conn.execute(
        "INSERT INTO worker_group (county_code, worker_code, group_code) "
        "SELECT p.county_code, p.worker_code, p.group_code FROM worker_group_period p "
        "JOIN incoming_worker w ON w.county_code = p.county_code AND w.code = p.worker_code "
        "WHERE p.valid @> %(today)s::date ON CONFLICT DO NOTHING",
        {"today": today},
    ).rowcount
    conn.execute(
        "UPDATE worker x SET status = s.status FROM worker_status_period s "
        "JOIN incoming_worker w ON w.county_code = s.county_code AND w.code = s.worker_code "
        "WHERE x.county_code = s.county_code AND x.code = s.worker_code "
        "AND s.valid @> %(today)s::date AND x.status <> s.status",
        {"today": today},
    )
    return {"added": added, "removed": removed}
