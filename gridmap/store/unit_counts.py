"""Coverage counts per unit on a date: the coverage report's figures, from the few columns
they need (the status query, store.coverage, gives the same per household)."""

from __future__ import annotations

import psycopg
from psycopg import sql

from gridmap.store.counties import report_counties
from gridmap.store.coverage import LAST_VISIT_AS_OF, STAFFED_AND_CONTACTED, last_visit_before
from gridmap.store.scoping import prefix_filter, prefix_params

# The per-unit counts read only the few columns they need, each county table limited to the
# report's counties (`county_code = ANY(%(counties)s)`), and count at once per unit: the figures
# that depend on the unit alone (outside the grid, no active worker) are applied to the unit's
# totals after counting, not to every household. Each household's window is its category's on
# as_of, as in the status query; `lim` is the earliest visit date still inside it.
_COUNT_HOUSEHOLDS_NOW = sql.SQL(
    "SELECT h.county_code, h.code, h.unit_code, h.base_category, {last_visit} AS last_visit_on "
    "FROM household h {visited_join} "
    "WHERE h.county_code = ANY(%(counties)s) AND h.status = 'active' AND {scope}"
)
# Before the latest change the households are their periods on as_of; before the latest visit,
# their last visit is the latest of their visit times up to the end of as_of.
_COUNT_HOUSEHOLDS_ON = sql.SQL(
    "SELECT p.county_code, p.household_code AS code, p.unit_code, p.base_category, "
    "{last_visit} AS last_visit_on "
    "FROM household_period p {visited_join} "
    "WHERE p.county_code = ANY(%(counties)s) AND p.valid @> %(as_of)s::date "
    "AND p.status = 'active' AND {scope}"
)
_COUNT_LAST_VISIT_STORED = sql.SQL(
    "JOIN household x ON x.county_code = p.county_code AND x.code = p.household_code "
    "AND x.county_code = ANY(%(counties)s)"
)
# The counts read a household's last visit six times, and a search of its visit times in the
# query would be repeated for each. On the nullable side of an outer join the date is computed
# once a row and carried up as a value, and the plan stays parallel (an OFFSET 0 fence also
# computes it once, but on one process only).
_AS_OF_VISIT = sql.SQL("LEFT JOIN LATERAL (SELECT {} AS day) lv ON true")
_COUNTS_QUERY = sql.SQL("""
WITH monitored AS (
    SELECT DISTINCT ON (county_code, household_code) county_code, household_code,
           eliminated_on IS NULL OR eliminated_on > %(as_of)s::date AS covers
    FROM monitoring
    WHERE county_code = ANY(%(counties)s) AND identified_on <= %(as_of)s::date
    ORDER BY county_code, household_code, identified_on DESC
),
doubtful AS (
    SELECT DISTINCT d.county_code, d.household_code, d.day
    FROM (SELECT county_code, household_code, (visited_at AT TIME ZONE %(tz)s)::date AS day
          FROM visit WHERE county_code = ANY(%(counties)s) AND doubtful AND rejected_at IS NULL
            AND NOT hidden) d
    WHERE NOT EXISTS (
        SELECT 1 FROM visit v
        WHERE v.county_code = ANY(%(counties)s) AND v.county_code = d.county_code
          AND v.household_code = d.household_code
          AND v.rejected_at IS NULL AND NOT v.doubtful AND NOT v.hidden
          AND v.visited_at >= (d.day::timestamp AT TIME ZONE %(tz)s)
          AND v.visited_at < ((d.day + 1)::timestamp AT TIME ZONE %(tz)s))
),
{staffed_and_contacted},
marked AS (
    SELECT h.unit_code, h.last_visit_on,
           coalesce(m.covers, false) AS monitored,
           coalesce(m.covers AND c.household_code IS NULL, false) AS no_contact,
           d.household_code IS NOT NULL AS doubtful,
           %(as_of)s::date - CASE
               WHEN m.covers THEN %(w_monitored)s::int
               WHEN m.household_code IS NOT NULL AND %(after_risk)s::text <> 'base'
               THEN CASE %(after_risk)s::text WHEN 'monitored' THEN %(w_monitored)s::int
                    WHEN 'lifted' THEN %(w_lifted)s::int ELSE %(w_ordinary)s::int END
               WHEN h.base_category = 'lifted' THEN %(w_lifted)s::int
               ELSE %(w_ordinary)s::int END AS lim
    FROM ({households}) h
    LEFT JOIN monitored m ON m.county_code = h.county_code AND m.household_code = h.code
    LEFT JOIN contacted c ON c.county_code = h.county_code AND c.household_code = h.code
    LEFT JOIN doubtful d ON d.county_code = h.county_code AND d.household_code = h.code
         AND d.day = h.last_visit_on
),
units AS (
    SELECT unit_code, count(*) AS n,
           count(*) FILTER (WHERE monitored) AS monitored,
           count(*) FILTER (WHERE no_contact) AS no_contact,
           count(*) FILTER (WHERE last_visit_on IS NULL) AS never,
           count(*) FILTER (WHERE last_visit_on >= lim AND last_visit_on < lim + 7) AS due_soon,
           count(*) FILTER (WHERE last_visit_on < lim) AS overdue,
           count(*) FILTER (WHERE NOT no_contact
                            AND (last_visit_on IS NULL OR last_visit_on < lim)) AS overdue_only,
           count(*) FILTER (WHERE doubtful) AS doubtful
    FROM marked GROUP BY unit_code
),
flagged AS (
    SELECT u.*,
           u.unit_code IS NULL OR length(u.unit_code) <> %(group_length)s AS outside_grid,
           s.group_code IS NULL AS no_worker
    FROM units u LEFT JOIN staffed s ON s.group_code = u.unit_code
)
-- In the order of the report's COUNT_KEYS: statuses as in COVERAGE_STATUSES, then visit
-- statuses, doubtful visits and the four reasons.
SELECT coalesce(unit_code, ''), n, monitored,
       CASE WHEN outside_grid THEN n ELSE 0 END,
       CASE WHEN NOT outside_grid AND no_worker THEN n ELSE 0 END,
       CASE WHEN NOT (outside_grid OR no_worker) THEN no_contact ELSE 0 END,
       CASE WHEN NOT (outside_grid OR no_worker) THEN overdue_only ELSE 0 END,
       CASE WHEN NOT (outside_grid OR no_worker) THEN n - no_contact - overdue_only ELSE 0 END,
       n - never - overdue, never, due_soon, overdue, doubtful,
       CASE WHEN outside_grid THEN n ELSE 0 END,
       CASE WHEN no_worker THEN n ELSE 0 END,
       no_contact, never + overdue
FROM flagged
""")


def counts_by_unit(
    conn: psycopg.Connection, params: dict, prefixes: list[str] | None,
    counties: list[str] | None = None,
) -> list[tuple]:  # fmt: skip
    """Per assigned unit under `prefixes`: households, monitored, counts per status (COUNT_KEYS).

    The figures are those of the status query (status_with_doubtful) counted per unit;
    `counties` defaults to report_counties(conn, prefixes).
    """
    moved, historic = bool(params.get("moved_since")), bool(params["historic"])
    alias = "p" if moved else "h"
    visited: sql.Composable = sql.SQL("")
    last_visit: sql.Composable = sql.SQL("h.last_visit_on")
    if moved:
        visited = _COUNT_LAST_VISIT_STORED
        last_visit = sql.SQL("x.last_visit_on")
        if historic:
            visited += sql.SQL(" ") + _AS_OF_VISIT.format(
                last_visit_before(sql.SQL("x.visit_times"))
            )
            last_visit = sql.SQL("lv.day")
    elif historic:
        visited, last_visit = _AS_OF_VISIT.format(LAST_VISIT_AS_OF), sql.SQL("lv.day")
    source = _COUNT_HOUSEHOLDS_ON if moved else _COUNT_HOUSEHOLDS_NOW
    households = source.format(
        last_visit=last_visit, visited_join=visited, scope=prefix_filter(f"{alias}.unit_code")
    )
    query = _COUNTS_QUERY.format(households=households, staffed_and_contacted=STAFFED_AND_CONTACTED)
    if counties is None:
        counties = report_counties(conn, prefixes)
    return conn.execute(
        query, {**params, **prefix_params(prefixes), "counties": counties}
    ).fetchall()
