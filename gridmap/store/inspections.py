"""Inspection plans and the places they sample from: townships, monitored households,
unstaffed groups, villages by visit rate and (when that table exists) funded projects.

A plan covers one county: the places are read from one county (`county`; None reads every
county) and plans are listed and read within the counties an account sees."""

from __future__ import annotations

import json

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from gridmap.core import vocab
from gridmap.store.coverage import status_query
from gridmap.store.scoping import code_length, level_params

#: The status query's scope for sampling: households monitored on the date, or whose risk was
#: eliminated by then, with a location.
_MONITORED_LOCATED = sql.SQL("(h.monitored OR h.risk_eliminated) AND h.geom IS NOT NULL")

#: Columns a `project` table needs before projects can be sampled.
PROJECT_COLUMNS = ("code", "name", "status", "geom", "village_code")


def _in_county(column: str) -> sql.Composed:
    """A predicate keeping the rows whose unit code in `column` lies in %(county)s (NULL:
    every county)."""
    return sql.SQL("(%(county)s::text IS NULL OR starts_with({}, %(county)s::text))").format(
        sql.Identifier(*column.split("."))
    )


def townships(conn: psycopg.Connection, county: str | None = None) -> list[tuple[str, str]]:
    """Code and name of every current township (of `county`), by code."""
    query = sql.SQL(
        "SELECT code, name FROM unit_version WHERE valid_to IS NULL AND level = %(township)s "
        "AND {} ORDER BY code"
    ).format(_in_county("code"))
    rows = conn.execute(query, {**level_params(), "county": county}).fetchall()
    return [(r[0], r[1]) for r in rows]


def default_seat(conn: psycopg.Connection, county: str | None = None) -> tuple[float, float] | None:
    """Label point of the first township's first village (the seat), else of the first unit
    (of `county`)."""
    query = sql.SQL(
        "SELECT ST_X(label), ST_Y(label) FROM unit_version WHERE valid_to IS NULL "
        "AND level <= %(village)s AND {} ORDER BY level DESC, code LIMIT 1"
    ).format(_in_county("code"))
    row = conn.execute(query, {**level_params(), "county": county}).fetchone()
    return (float(row[0]), float(row[1])) if row else None


def monitored_households(
    conn: psycopg.Connection, params: dict, county: str | None = None
) -> list[dict]:
    """Located monitored households in a township (of `county`), with the flags that weigh
    them."""
    in_county = _in_county("h.unit_code")
    query = sql.SQL(
        "SELECT s.code, left(s.unit_code, {township}), NOT s.risk_eliminated, "
        "s.visit_status IN ('overdue', 'never'), NOT EXISTS ("
        "  SELECT 1 FROM contact_household c WHERE c.county_code = s.county_code "
        "  AND c.county_code = ANY(%(counties)s) AND c.household_code = s.code "
        "  AND c.since <= %(as_of)s::date AND (c.until IS NULL OR c.until > %(as_of)s::date)), "
        "ST_X(s.geom), ST_Y(s.geom), coalesce(h.address, ''), coalesce(h.head_name, ''), "
        "concat(v.name, g.name) "
        "FROM ({}) s JOIN household h ON h.county_code = s.county_code AND h.code = s.code "
        "AND h.county_code = ANY(%(counties)s) "
        "LEFT JOIN unit_version g ON g.code = s.unit_code AND g.valid_to IS NULL "
        "LEFT JOIN unit_version v ON v.code = left(s.unit_code, {village}) AND v.valid_to IS NULL "
        "WHERE length(s.unit_code) >= {township} ORDER BY s.code"
    ).format(
        status_query(params, sql.SQL("{} AND {}").format(_MONITORED_LOCATED, in_county)),
        township=code_length(vocab.TOWNSHIP),
        village=code_length(vocab.VILLAGE),
    )
    keys = ("code", "township", "at_risk", "overdue", "no_contact", "lon", "lat", "address",
            "head_name", "place")  # fmt: skip
    rows = conn.execute(query, {**params, "county": county}).fetchall()
    return [dict(zip(keys, r, strict=True)) for r in rows]


def unstaffed_groups(conn: psycopg.Connection, county: str | None = None) -> list[dict]:
    """Current villager groups (of `county`) with active households and no active worker."""
    query = sql.SQL(
        "SELECT u.code, concat(v.name, u.name), ST_X(u.label), ST_Y(u.label), count(*) "
        "FROM unit_version u JOIN household h ON h.unit_code = u.code AND h.status = 'active' "
        "LEFT JOIN unit_version v ON v.code = u.parent_code AND v.valid_to IS NULL "
        "WHERE u.valid_to IS NULL AND u.level = %(group)s AND {} AND NOT EXISTS ("
        "  SELECT 1 FROM worker_group wg JOIN worker w "
        "  ON w.county_code = wg.county_code AND w.code = wg.worker_code "
        "  WHERE wg.group_code = u.code AND w.status = 'active') "
        "GROUP BY u.code, u.name, v.name, u.label ORDER BY u.code"
    ).format(_in_county("u.code"))
    rows = conn.execute(query, {**level_params(), "county": county}).fetchall()
    keys = ("code", "name", "lon", "lat", "households")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def lowest_visit_villages(
    conn: psycopg.Connection, params: dict, limit: int, county: str | None = None
) -> list[dict]:
    """The `limit` current villages (of `county`) with the lowest share of households visited
    in time."""
    query = sql.SQL(
        "WITH rates AS (SELECT left(s.unit_code, {village}) AS village, count(*) AS households, "
        "  count(*) FILTER (WHERE s.visit_status NOT IN ('never', 'overdue')) AS visited "
        "  FROM ({status}) s WHERE length(s.unit_code) = {group} GROUP BY 1) "
        "SELECT u.code, u.name, ST_X(u.label), ST_Y(u.label), r.households, r.visited "
        "FROM rates r JOIN unit_version u ON u.code = r.village AND u.valid_to IS NULL "
        "ORDER BY r.visited::float8 / r.households, u.code LIMIT %(limit)s"
    ).format(
        status=status_query(params, _in_county("h.unit_code")),
        village=code_length(vocab.VILLAGE),
        group=code_length(vocab.GROUP),
    )
    keys = ("code", "name", "lon", "lat", "households", "visited")
    rows = conn.execute(query, {**params, "limit": limit, "county": county}).fetchall()
    return [dict(zip(keys, r, strict=True)) for r in rows]


def has_projects(conn: psycopg.Connection) -> bool:
    """True when a `project` table (as the search path finds it) has the PROJECT_COLUMNS."""
    row = conn.execute(
        "SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass('project') "
        "AND attname = ANY (%s) AND attnum > 0 AND NOT attisdropped",
        [list(PROJECT_COLUMNS)],
    ).fetchone()
    return bool(row and row[0] == len(PROJECT_COLUMNS))


def projects_in_progress(
    conn: psycopg.Connection, statuses: list[str], county: str | None = None
) -> list[dict]:
    """Projects (of `county`) whose status is one of `statuses`: at their site, else their
    village's label."""
    # A project known only by its village code (employment and public-job projects mostly
    # have no site) is placed at the village's label point, as the projects map shows it.
    query = sql.SQL(
        "SELECT p.code::text, p.name::text, ST_X(p.pt), ST_Y(p.pt), p.village_code::text, "
        "  coalesce(p.village_name, '') "
        "FROM (SELECT pr.code, pr.name, pr.village_code, v.name AS village_name, "
        "  ST_PointOnSurface(coalesce(pr.geom::geometry, v.label)) AS pt FROM project pr "
        "  LEFT JOIN unit_version v ON v.code = pr.village_code AND v.valid_to IS NULL "
        "  WHERE pr.status::text = ANY (%(statuses)s) AND {}) p "
        "WHERE p.pt IS NOT NULL ORDER BY p.code"
    ).format(_in_county("pr.village_code"))
    rows = conn.execute(query, {"statuses": statuses, "county": county}).fetchall()
    keys = ("code", "name", "lon", "lat", "village", "village_name")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def save_plan(
    conn: psycopg.Connection, county: str, plan: dict, inputs: dict, created_by: str
) -> int:
    """Store a composed plan of `county` (whose places its stops are) with its routes and
    stops; return its id."""
    summary = {k: plan[k] for k in SUMMARY_KEYS}
    row = conn.execute(
        "INSERT INTO inspection_plan (county_code, name, first_day, days, teams, hours, seed, "
        "seat, inputs, summary, created_by, travel_model) VALUES (%(county)s, %(name)s, "
        "%(first_day)s, %(days)s, %(teams)s, %(hours)s, %(seed)s, "
        "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), %(inputs)s, %(summary)s, %(by)s, "
        "%(model)s) RETURNING id",
        {"county": county, "name": plan["name"], "first_day": plan["first_day"],
         "model": plan.get("travel_model", "straight"),
         "days": plan["days"], "teams": plan["teams"], "hours": plan["hours_per_day"],
         "seed": plan["seed"], "lon": plan["seat"]["lon"], "lat": plan["seat"]["lat"],
         "inputs": Jsonb(inputs), "summary": Jsonb(summary), "by": created_by},
    ).fetchone()  # fmt: skip
    assert row is not None
    plan_id = int(row[0])
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO inspection_route (county_code, plan_id, team, day, hours, km, back, "
            "path) VALUES (%s, %s, %s, %s, %s, %s, %s, "
            "ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326))",
            [(county, plan_id, r["team"], r["day"], r["hours"], r["km"], r["back"],
              _line_json(r.get("path"))) for r in plan["routes"]],
        )  # fmt: skip
        cur.executemany(_INSERT_STOP, [(county, *r) for r in _stop_rows(plan_id, plan)])
    return plan_id


SUMMARY_KEYS = ("townships_without_candidates", "unreachable_candidates", "objective",
                "mandatory_per_township", "totals", "unreachable_by_road")  # fmt: skip


def _line_json(path: list | None) -> str | None:
    """A path of [lon, lat] points as a GeoJSON LineString (None for none or a single point)."""
    if not path or len(path) < 2:
        return None
    return json.dumps({"type": "LineString", "coordinates": path})


_INSERT_STOP = (
    "INSERT INTO inspection_stop (county_code, plan_id, kind, code, township, name, place, "
    "address, check_text, weight, mandatory, geom, team, day, seq, eta, km, minutes, left_out) "
    "VALUES (%s, %s, %s, "
    "%s, %s, %s, %s, %s, %s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s, %s, %s, "
    "%s, %s, %s)"
)


def _stop_rows(plan_id: int, plan: dict) -> list[tuple]:
    rows: list[tuple] = [
        (plan_id, s["kind"], s["code"], s["township"], s["name"], s["place"], s["address"],
         s["check"],
         s["weight"], s["mandatory"], s["lon"], s["lat"], r["team"], r["day"], seq, s["eta"],
         s["km"], s["minutes"], None)
        for r in plan["routes"] for seq, s in enumerate(r["stops"], start=1)
    ]  # fmt: skip
    rows += [
        (plan_id, d["kind"], d["code"], d["township"], d["name"], d["place"], d["address"],
         d["check"], d["weight"], False, d["lon"], d["lat"], None, None, None, None,
         None, None, d.get("reason"))
        for d in plan["dropped"]
    ]  # fmt: skip
    return rows


def plan_header(conn: psycopg.Connection, plan_id: int) -> dict | None:
    """A plan's inputs and summary, or None."""
    row = conn.execute(
        "SELECT id, county_code, name, first_day, days, teams, hours::float8, seed, ST_X(seat), "
        "ST_Y(seat), inputs, summary, created_by, created_at, closed_at, closed_by, travel_model, "
        "(SELECT count(*) FROM visit v WHERE v.county_code = p.county_code "
        "AND v.plan_id = p.id) FROM inspection_plan p WHERE id = %s",
        [plan_id],
    ).fetchone()
    if row is None:
        return None
    keys = ("id", "county", "name", "first_day", "days", "teams", "hours_per_day", "seed", "lon",
            "lat", "inputs", "summary", "created_by", "created_at", "closed_at", "closed_by",
            "travel_model", "visits")  # fmt: skip
    return dict(zip(keys, row, strict=True))


def plan_routes(conn: psycopg.Connection, plan_id: int) -> list[dict]:
    """A plan's team-days by team and day."""
    rows = conn.execute(
        "SELECT team, day, hours::float8, km::float8, back, ST_AsGeoJSON(path) "
        "FROM inspection_route WHERE plan_id = %s ORDER BY team, day",
        [plan_id],
    ).fetchall()
    keys = ("team", "day", "hours", "km", "back")
    return [{**dict(zip(keys, r[:5], strict=True)),
             "path": json.loads(r[5])["coordinates"] if r[5] else None} for r in rows]  # fmt: skip


def plan_stops(conn: psycopg.Connection, plan_id: int) -> list[dict]:
    """A plan's stops: visited ones by team, day and order, then dropped ones by weight."""
    rows = conn.execute(
        "SELECT kind, code, township, name, place, address, check_text, weight, mandatory, "
        "ST_X(geom), ST_Y(geom), team, day, seq, eta, km::float8, minutes, left_out "
        "FROM inspection_stop WHERE plan_id = %s "
        "ORDER BY team NULLS LAST, day, seq, weight DESC, kind, code",
        [plan_id],
    ).fetchall()
    keys = ("kind", "code", "township", "name", "place", "address", "check", "weight", "mandatory",
            "lon", "lat", "team", "day", "seq", "eta", "km", "minutes", "reason")  # fmt: skip
    return [dict(zip(keys, r, strict=True)) for r in rows]


def list_plans(
    conn: psycopg.Connection, prefixes: list[str] | None, limit: int = 200
) -> list[dict]:
    """Plans of the counties the code `prefixes` touch (None: every county), newest first: id,
    county, name, dates, teams, who made them and their totals."""
    rows = conn.execute(
        "SELECT id, county_code, name, first_day, days, teams, hours::float8, created_by, "
        "created_at, summary -> 'totals', closed_at, closed_by FROM inspection_plan "
        "WHERE %(viewer)s::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest(%(viewer)s::text[]) p "
        "WHERE starts_with(county_code, p) OR starts_with(p, county_code)) "
        "ORDER BY id DESC LIMIT %(limit)s",
        {"viewer": prefixes, "limit": limit},
    ).fetchall()
    keys = ("id", "county", "name", "first_day", "days", "teams", "hours_per_day", "created_by",
            "created_at", "totals", "closed_at", "closed_by")  # fmt: skip
    return [dict(zip(keys, r, strict=True)) for r in rows]


def plan_is_open(conn: psycopg.Connection, plan_id: int, household: str) -> bool | None:
    """Whether plan `plan_id` of household `household`'s county is open (None: no such plan
    there), holding it open until commit."""
    # FOR SHARE makes a concurrent close wait for this transaction, so no visit is stored
    # under a plan that closed in between and then stays hidden for good.
    row = conn.execute(
        "SELECT closed_at IS NULL FROM inspection_plan WHERE id = %s AND county_code IN ("
        "SELECT county_code FROM household WHERE code = %s) FOR SHARE",
        [plan_id, household],
    ).fetchone()
    return None if row is None else bool(row[0])


def close_plan(conn: psycopg.Connection, plan_id: int, by: str) -> dict | None:
    """Close an open plan, saying who closed it and when; None when it is unknown or closed."""
    row = conn.execute(
        "UPDATE inspection_plan SET closed_at = now(), closed_by = %s "
        "WHERE id = %s AND closed_at IS NULL RETURNING closed_at, closed_by",
        [by, plan_id],
    ).fetchone()
    return None if row is None else {"closed_at": row[0], "closed_by": row[1]}
