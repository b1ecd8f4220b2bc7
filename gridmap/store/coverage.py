"""Coverage and visit status of households on a date, computed at query time.

Nothing here is stored: the statuses follow from the households' periods (place, status,
base category), monitoring periods, worker links and statuses, contact links and visits,
each read as it was on the as-of date. Today's household columns stand in for their
periods when no household changed after the as-of date, which is the common case.
"""

from __future__ import annotations

from datetime import date, datetime

import psycopg
from psycopg import sql

from gridmap.core import vocab
from gridmap.store.counties import report_counties
from gridmap.store.scoping import prefix_filter, prefix_params

# Parameters every status query binds: as_of (date), tz (IANA name), the visit window in
# days of each category (w_monitored, w_lifted, w_ordinary) and group_length (a group's code).
_WINDOW = (
    "CASE h.category WHEN 'monitored' THEN %(w_monitored)s::int "
    "WHEN 'lifted' THEN %(w_lifted)s::int ELSE %(w_ordinary)s::int END"
)
# The stored latest visit date answers for any as-of date on or after the county's latest
# visit; only earlier dates look further back, into each household's ordered times of the
# visits that count (household.visit_times: rejected visits never count, nor do inspection
# visits hidden until their plan is closed).
_LAST_VISIT_CURRENT = sql.SQL("h.last_visit_on")


def last_visit_before(times: sql.Composable) -> sql.Composable:
    """The local date of the latest of the ordered `times` before the end of as_of, or NULL."""
    # width_bucket is a binary search: how many of the times are at or before its operand.
    # Times are whole microseconds, so those before the end of the day are those at or before
    # one microsecond earlier.
    return sql.SQL(
        "({times}[width_bucket(((%(as_of)s::date + 1)::timestamp AT TIME ZONE %(tz)s) "
        "- interval '1 microsecond', {times})] AT TIME ZONE %(tz)s)::date"
    ).format(times=times)


#: The last visit on or before as_of: the stored date when it is no later, else the latest of
#: the household's visit times before the end of as_of.
LAST_VISIT_AS_OF = sql.SQL(
    "CASE WHEN h.last_visit_on IS NULL OR h.last_visit_on <= %(as_of)s::date "
    "THEN h.last_visit_on ELSE {} END"
).format(last_visit_before(sql.SQL("h.visit_times")))

# Every county table a status query reads is limited to the counties in %(counties)s, which
# leaves a one-county query the partitions of that county alone.
# Households as they stand today, and as they stood on as_of (their period then); the head's
# name is there for searches.
_HOUSEHOLDS_NOW = sql.SQL(
    "SELECT code, county_code, unit_code, status, base_category, geom, last_visit_on, head_name, "
    "visit_times FROM household WHERE county_code = ANY(%(counties)s)"
)
_HOUSEHOLDS_ON = sql.SQL(
    "SELECT p.household_code AS code, p.county_code, p.unit_code, p.status, p.base_category, "
    "p.geom, x.last_visit_on, x.head_name, x.visit_times FROM household_period p "
    "JOIN household x ON x.county_code = p.county_code AND x.code = p.household_code "
    "WHERE p.county_code = ANY(%(counties)s) AND x.county_code = ANY(%(counties)s) "
    "AND p.valid @> %(as_of)s::date"
)
# Each household with its category on as_of: monitored while a monitoring period covers the
# date; after its last period ended (risk eliminated), the category of the after_risk setting
# ('base': the household's own base category).
_HOUSEHOLDS_WITH_CATEGORY = sql.SQL("""
SELECT x.*,
       CASE WHEN m.covers THEN 'monitored'
            WHEN m.household_code IS NOT NULL AND %(after_risk)s::text <> 'base'
            THEN %(after_risk)s::text ELSE x.base_category END AS category,
       coalesce(m.covers, false) AS monitored,
       coalesce(NOT m.covers, false) AS risk_eliminated,
       m.kind AS monitor_kind
FROM ({households}) x
LEFT JOIN (
    SELECT DISTINCT ON (county_code, household_code) county_code, household_code, kind,
           eliminated_on IS NULL OR eliminated_on > %(as_of)s::date AS covers
    FROM monitoring WHERE county_code = ANY(%(counties)s) AND identified_on <= %(as_of)s::date
    ORDER BY county_code, household_code, identified_on DESC
) m ON m.county_code = x.county_code AND m.household_code = x.code
""")

#: The groups staffed by an active worker on as_of, and the households with a contact then
#: (both query texts that name them: the status query and store.unit_counts).
STAFFED_AND_CONTACTED = sql.SQL("""staffed AS (
    SELECT DISTINCT g.group_code
    FROM worker_group_period g
    JOIN worker_status_period w ON w.worker_code = g.worker_code
         AND w.county_code = g.county_code AND w.valid @> %(as_of)s::date
         AND w.status = 'active'
    WHERE g.county_code = ANY(%(counties)s) AND w.county_code = ANY(%(counties)s)
      AND g.valid @> %(as_of)s::date
),
contacted AS (
    SELECT DISTINCT county_code, household_code FROM contact_household
    WHERE county_code = ANY(%(counties)s) AND since <= %(as_of)s::date
      AND (until IS NULL OR until > %(as_of)s::date)
)""")

# Built from the fixed fragments above; every value is a bound parameter.
_STATUS_QUERY = sql.SQL("""
WITH {staffed_and_contacted},
base AS (
    SELECT h.code, h.unit_code, h.category, h.risk_eliminated, h.monitor_kind, h.geom,
           h.monitored, h.county_code,
           s.group_code IS NOT NULL AS staffed,
           c.household_code IS NOT NULL AS contacted,
           {last_visit} AS last_visit_on,
           {window} AS window_days
    FROM ({households}) h
    LEFT JOIN staffed s ON s.group_code = h.unit_code
    LEFT JOIN contacted c ON c.county_code = h.county_code AND c.household_code = h.code
    WHERE h.status = 'active' AND {scope}
),
visits AS (
    SELECT b.*,
           CASE WHEN b.last_visit_on IS NULL THEN 'never'
                WHEN %(as_of)s::date - b.last_visit_on <= b.window_days - 7 THEN 'visited'
                WHEN %(as_of)s::date - b.last_visit_on <= b.window_days THEN 'due_soon'
                ELSE 'overdue' END AS visit_status
    FROM base b
),
flagged AS (
    SELECT v.*,
           v.unit_code IS NULL OR length(v.unit_code) <> %(group_length)s AS outside_grid,
           NOT v.staffed AS no_worker,
           v.monitored AND NOT v.contacted AS no_contact,
           v.visit_status IN ('overdue', 'never') AS overdue
    FROM visits v
)
SELECT f.*,
       CASE WHEN f.outside_grid THEN 'outside_grid'
            WHEN f.no_worker THEN 'no_worker'
            WHEN f.no_contact THEN 'no_contact'
            WHEN f.overdue THEN 'overdue'
            ELSE 'covered' END AS coverage_status
FROM flagged f
""")
#: A status query's scope that keeps every household.
EVERY_HOUSEHOLD = sql.SQL("true")


def latest_visit_date(conn: psycopg.Connection, tz: str, counties: list[str]) -> date | None:
    """The local date of the most recent visit in `counties`, if any."""
    row = conn.execute(
        "SELECT (max(visited_at) AT TIME ZONE %s)::date FROM visit "
        "WHERE county_code = ANY(%s) AND NOT hidden",
        [tz, counties],
    ).fetchone()
    return row[0] if row else None


def status_params(
    as_of: date, tz: str, windows_days: dict[str, int], latest_visit: date | None, *,
    counties: list[str], latest_change: date | None = None, after_risk: str = "base",
) -> dict:  # fmt: skip
    """The bound parameters of the status query.

    `historic` picks its last-visit rule; `moved_since` reads households from their periods
    because some changed after `as_of`; `after_risk` is the category a household whose risk
    was eliminated takes ('base' for its own base category). Every county table is read in
    `counties` only (the dates must be those of the same counties).
    """
    return {
        "counties": counties,
        "historic": latest_visit is not None and as_of < latest_visit,
        "moved_since": latest_change is not None and as_of < latest_change,
        "after_risk": after_risk,
        "as_of": as_of,
        "tz": tz,
        "w_monitored": windows_days["monitored"],
        "w_lifted": windows_days["lifted"],
        "w_ordinary": windows_days["ordinary"],
        "group_length": vocab.CODE_LENGTH[vocab.GROUP],
    }


def status_query(params: dict, scope: sql.Composable = EVERY_HOUSEHOLD) -> sql.Composable:
    """The status query for `params`, limited by a fixed SQL predicate on `h`."""
    historic = params["historic"]
    return _STATUS_QUERY.format(
        last_visit=LAST_VISIT_AS_OF if historic else _LAST_VISIT_CURRENT,
        window=sql.SQL(_WINDOW),
        scope=scope,
        households=households_on(params),
        staffed_and_contacted=STAFFED_AND_CONTACTED,
    )


def households_on(params: dict) -> sql.Composable:
    """Every household as it stood on the as-of date of `params` (status_params), with its
    category, monitored and risk_eliminated flags and monitoring kind on that date."""
    source = _HOUSEHOLDS_ON if params.get("moved_since") else _HOUSEHOLDS_NOW
    return _HOUSEHOLDS_WITH_CATEGORY.format(households=source)


# Doubtful check-ins not yet rejected are few (a partial index finds them): the days on which a
# household has one and no sound visit are found from them alone, then joined to every household.
# The sound-visit probe is a range on the household's visit index, so it stays cheap.
_DOUBTFUL_QUERY = """
SELECT s.*, dv.household_code IS NOT NULL AS doubtful_visit
FROM ({}) s
LEFT JOIN (
    SELECT DISTINCT d.county_code, d.household_code, d.day
    FROM (SELECT county_code, household_code, (visited_at AT TIME ZONE %(tz)s)::date AS day
          FROM visit WHERE county_code = ANY(%(counties)s) AND doubtful
            AND rejected_at IS NULL AND NOT hidden) d
    WHERE NOT EXISTS (
        SELECT 1 FROM visit v
        WHERE v.county_code = ANY(%(counties)s) AND v.county_code = d.county_code
          AND v.household_code = d.household_code
          AND v.rejected_at IS NULL
          AND NOT v.doubtful AND NOT v.hidden
          AND v.visited_at >= (d.day::timestamp AT TIME ZONE %(tz)s)
          AND v.visited_at < ((d.day + 1)::timestamp AT TIME ZONE %(tz)s))
) dv ON dv.county_code = s.county_code AND dv.household_code = s.code
     AND dv.day = s.last_visit_on
"""


def status_with_doubtful(params: dict, scope: sql.Composable = EVERY_HOUSEHOLD) -> sql.Composable:
    """The status query plus `doubtful_visit`: the last visit date rests on doubtful check-ins."""
    return sql.SQL(_DOUBTFUL_QUERY).format(status_query(params, scope))


def active_workers_by_group(
    conn: psycopg.Connection, prefixes: list[str] | None, as_of: date,
    counties: list[str] | None = None,
) -> list[tuple[str, str]]:  # fmt: skip
    """(group code, worker code) of the workers active and serving the group on `as_of`;
    `counties` defaults to report_counties(conn, prefixes)."""
    query = sql.SQL(
        "SELECT DISTINCT wg.group_code, wg.worker_code FROM worker_group_period wg "
        "JOIN worker_status_period w ON w.worker_code = wg.worker_code "
        "AND w.county_code = wg.county_code AND w.valid @> %(as_of)s::date "
        "AND w.status = 'active' WHERE wg.county_code = ANY(%(counties)s) "
        "AND w.county_code = ANY(%(counties)s) AND wg.valid @> %(as_of)s::date AND {}"
    ).format(prefix_filter("wg.group_code"))
    if counties is None:
        counties = report_counties(conn, prefixes)
    params = {"as_of": as_of, "counties": counties, **prefix_params(prefixes)}
    return conn.execute(query, params).fetchall()


def unit_index(
    conn: psycopg.Connection, level: int | None, prefixes: list[str] | None,
    at: datetime | None = None, counties: list[str] | None = None,
) -> list[tuple]:  # fmt: skip
    """Code, name, level and parent of the units under `prefixes` at `at` (default: now);
    `counties` defaults to report_counties(conn, prefixes)."""
    query = sql.SQL(
        "SELECT code, name, level, parent_code FROM unit_version "
        "WHERE county_code = ANY(%(counties)s) "
        "AND (CASE WHEN %(at)s::timestamptz IS NULL THEN valid_to IS NULL "
        "ELSE valid_from <= %(at)s AND (valid_to IS NULL OR valid_to > %(at)s) END) "
        "AND (%(level)s::int IS NULL OR level = %(level)s::int) AND {} ORDER BY code"
    ).format(prefix_filter("code"))
    if counties is None:
        counties = report_counties(conn, prefixes)
    params = {"level": level, "at": at, "counties": counties, **prefix_params(prefixes)}
    return conn.execute(query, params).fetchall()


def households_page(
    conn: psycopg.Connection,
    params: dict,
    *,
    prefixes: list[str] | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[int, list[tuple]]:
    """One page of active households under `prefixes` with their statuses, and the total."""
    scope = prefix_filter("h.unit_code")
    query = sql.SQL(
        "SELECT s.code, s.unit_code, s.category, s.monitored, s.coverage_status, "
        "s.visit_status, s.last_visit_on, ST_X(s.geom), ST_Y(s.geom), s.doubtful_visit, "
        "count(*) OVER () "
        "FROM ({}) s WHERE (%(status)s::text IS NULL OR s.coverage_status = %(status)s::text "
        "OR s.visit_status = %(status)s::text) ORDER BY s.code LIMIT %(limit)s OFFSET %(offset)s"
    ).format(status_with_doubtful(params, scope))
    rows = conn.execute(
        query,
        {**params, **prefix_params(prefixes), "status": status, "limit": limit, "offset": offset},
    ).fetchall()
    total = int(rows[0][-1]) if rows else 0
    return total, [r[:-1] for r in rows]


def workers_under(conn: psycopg.Connection, prefixes: list[str] | None) -> list[tuple]:
    """Workers serving groups under `prefixes`: code, name, status, birth year, groups, home."""
    query = sql.SQL(
        "WITH sizes AS (SELECT unit_code, count(*) AS n FROM household "
        "  WHERE status = 'active' GROUP BY unit_code) "
        "SELECT w.code, w.name, w.status, w.birth_year, w.capacity, "
        "array_agg(wg.group_code ORDER BY wg.group_code), ST_X(w.home), ST_Y(w.home), "
        "sum(coalesce(s.n, 0))::int "
        "FROM worker w JOIN worker_group wg "
        "ON wg.county_code = w.county_code AND wg.worker_code = w.code "
        "LEFT JOIN sizes s ON s.unit_code = wg.group_code "
        "WHERE {} GROUP BY w.county_code, w.code ORDER BY w.code"
    ).format(prefix_filter("wg.group_code"))
    return conn.execute(query, prefix_params(prefixes)).fetchall()


_ONE_HOUSEHOLD = sql.SQL("h.code = %(code)s AND {}").format(prefix_filter("h.unit_code"))


def household_detail(
    conn: psycopg.Connection, params: dict, code: str, prefixes: list[str] | None
) -> dict | None:
    """One household under `prefixes` with statuses, location and personal fields, or None."""
    query = sql.SQL(
        "SELECT s.code, s.unit_code, s.category, s.monitored, s.coverage_status, "
        "s.visit_status, s.last_visit_on, ST_X(s.geom), ST_Y(s.geom), "
        "h.head_name, h.members, h.id_number, h.phone, h.address, h.declared_group, "
        "s.monitor_kind, s.risk_eliminated, u.name, s.doubtful_visit "
        "FROM ({}) s JOIN household h ON h.county_code = s.county_code AND h.code = s.code "
        "AND h.county_code = ANY(%(counties)s) "
        "LEFT JOIN unit_version u ON u.code = s.unit_code AND u.valid_to IS NULL"
    ).format(status_with_doubtful(params, _ONE_HOUSEHOLD))
    row = conn.execute(query, {**params, **prefix_params(prefixes), "code": code}).fetchone()
    if row is None:
        return None
    keys = (
        "code", "unit", "category", "monitored", "coverage_status", "visit_status",
        "last_visit_on", "lon", "lat", "head_name", "members", "id_number", "phone",
        "address", "declared_group", "monitor_kind", "risk_eliminated", "unit_name",
        "doubtful_visit",
    )  # fmt: skip
    return dict(zip(keys, row, strict=True))
