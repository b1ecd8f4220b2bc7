"""Visit campaigns: stored definitions, target households and whether each was visited."""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg import sql

from gridmap.store.coverage import households_on
from gridmap.store.scoping import level_params, prefix_filter, prefix_params

_CAMPAIGN_KEYS = (
    "id", "county_code", "name", "starts_on", "ends_on", "scope_codes", "categories",
    "created_by", "created_at",
)  # fmt: skip
_CAMPAIGN_COLUMNS = sql.SQL(", ").join(sql.Identifier(k) for k in _CAMPAIGN_KEYS)
#: A campaign an account with the code prefixes %(viewer)s sees (gridmap.campaigns.visible_to):
#: every one for NULL, none for an empty list, else those with a unit of their area (their
#: units, or their county when they name none) inside, or containing, one of the prefixes.
_VISIBLE = sql.SQL(
    "(%(viewer)s::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest(CASE WHEN "
    "cardinality(scope_codes) = 0 THEN ARRAY[county_code] ELSE scope_codes END) c "
    "CROSS JOIN unnest(%(viewer)s::text[]) p WHERE starts_with(c, p) OR starts_with(p, c)))"
)
#: A campaign's target households (alias h) within the viewer's prefixes, under the patterns
#: of the campaign's area; an empty list of categories means every one.
_TARGETS = sql.SQL(
    "h.status = 'active' AND (cardinality(%(c_patterns)s::text[]) = 0 "
    "OR h.unit_code LIKE ANY(%(c_patterns)s::text[])) "
    "AND (cardinality(%(categories)s::text[]) = 0 OR h.category = ANY(%(categories)s::text[])) "
    "AND {}"
).format(prefix_filter("h.unit_code"))
#: A visit that still counts (not rejected, not hidden under an open inspection plan), dated
#: inside the campaign's window.
_VISITED = sql.SQL(
    "EXISTS (SELECT 1 FROM visit v WHERE v.county_code = ANY(%(counties)s) "
    "AND v.county_code = h.county_code "
    "AND v.household_code = h.code AND v.rejected_at IS NULL "
    "AND NOT v.hidden "
    "AND v.visited_at >= %(window_start)s AND v.visited_at < %(window_end)s)"
)


def insert_campaign(conn: psycopg.Connection, values: dict) -> int:
    """Store a campaign (county_code, name, starts_on, ends_on, scope_codes, categories,
    created_by)."""
    row = conn.execute(
        "INSERT INTO campaign (county_code, name, starts_on, ends_on, scope_codes, categories, "
        "created_by) VALUES (%(county_code)s, %(name)s, %(starts_on)s, %(ends_on)s, "
        "%(scope_codes)s, %(categories)s, %(created_by)s) RETURNING id",
        values,
    ).fetchone()
    assert row is not None
    return int(row[0])


def get_campaign(conn: psycopg.Connection, campaign_id: int) -> dict | None:
    """One campaign by id, or None."""
    query = sql.SQL("SELECT {} FROM campaign WHERE id = %s").format(_CAMPAIGN_COLUMNS)
    row = conn.execute(query, [campaign_id]).fetchone()
    return None if row is None else dict(zip(_CAMPAIGN_KEYS, row, strict=True))


def list_campaigns(conn: psycopg.Connection, prefixes: list[str] | None) -> list[dict]:
    """The campaigns an account with the code `prefixes` sees (None: every one), latest first."""
    query = sql.SQL(
        "SELECT {columns} FROM campaign WHERE {visible} ORDER BY starts_on DESC, id DESC"
    ).format(columns=_CAMPAIGN_COLUMNS, visible=_VISIBLE)
    rows = conn.execute(query, {"viewer": prefixes}).fetchall()
    return [dict(zip(_CAMPAIGN_KEYS, r, strict=True)) for r in rows]


def unknown_units(conn: psycopg.Connection, codes: list[str]) -> list[str]:
    """The codes that are not units of the current grid."""
    rows = conn.execute(
        "SELECT c FROM unnest(%s::text[]) c WHERE NOT EXISTS "
        "(SELECT 1 FROM unit_version u WHERE u.code = c AND u.valid_to IS NULL) ORDER BY c",
        [codes],
    ).fetchall()
    return [r[0] for r in rows]


def _params(
    campaign: dict, window: tuple[datetime, datetime], prefixes: list[str] | None, status: dict
) -> dict:
    return {
        **status,
        # A campaign naming no unit covers its county.
        "c_patterns": [code + "%" for code in campaign["scope_codes"] or [campaign["county_code"]]],
        "categories": list(campaign["categories"]),
        "window_start": window[0],
        "window_end": window[1],
        **prefix_params(prefixes),
    }


def progress_by_unit(
    conn: psycopg.Connection, campaign: dict, window: tuple[datetime, datetime],
    prefixes: list[str] | None, status: dict,
) -> list[tuple[str, int, int]]:  # fmt: skip
    """(unit, target households, visited in the window) under `prefixes`, the targets as
    they stood on the as-of date of `status` (coverage status_params)."""
    query = sql.SQL(
        "SELECT coalesce(h.unit_code, ''), count(*), count(*) FILTER (WHERE {visited}) "
        "FROM ({households}) h WHERE {targets} GROUP BY 1 ORDER BY 1"
    ).format(visited=_VISITED, targets=_TARGETS, households=households_on(status))
    rows = conn.execute(query, _params(campaign, window, prefixes, status)).fetchall()
    return [(r[0], int(r[1]), int(r[2])) for r in rows]


def unvisited(
    conn: psycopg.Connection, campaign: dict, window: tuple[datetime, datetime],
    prefixes: list[str] | None, limit: int, status: dict,
) -> list[dict]:  # fmt: skip
    """Target households under `prefixes` not visited in the window, by unit and code."""
    return _households(conn, campaign, window, prefixes, limit, status, visited=False)


def visited(
    conn: psycopg.Connection, campaign: dict, window: tuple[datetime, datetime],
    prefixes: list[str] | None, limit: int, status: dict,
) -> list[dict]:  # fmt: skip
    """Target households under `prefixes` visited in the window, by unit and code."""
    return _households(conn, campaign, window, prefixes, limit, status, visited=True)


def _households(
    conn: psycopg.Connection, campaign: dict, window: tuple[datetime, datetime],
    prefixes: list[str] | None, limit: int, status: dict, *, visited: bool,
) -> list[dict]:  # fmt: skip
    query = sql.SQL(
        "SELECT h.code, h.unit_code, g.name, left(h.unit_code, %(village_length)s), v.name, "
        "x.head_name, "
        "h.category, x.phone, x.address, h.last_visit_on, ST_X(h.geom), ST_Y(h.geom) "
        "FROM ({households}) h JOIN household x ON x.county_code = h.county_code "
        "AND x.code = h.code AND x.county_code = ANY(%(counties)s) "
        "LEFT JOIN unit_version g ON g.code = h.unit_code AND g.valid_to IS NULL "
        "LEFT JOIN unit_version v ON v.code = left(h.unit_code, %(village_length)s) "
        "AND v.valid_to IS NULL AND length(h.unit_code) >= %(village_length)s "
        "WHERE {targets} AND {visited} ORDER BY h.unit_code, h.code LIMIT %(limit)s"
    ).format(
        visited=_VISITED if visited else sql.SQL("NOT ") + _VISITED,
        targets=_TARGETS,
        households=households_on(status),
    )
    values = {**_params(campaign, window, prefixes, status), **level_params(), "limit": limit}
    rows = conn.execute(query, values).fetchall()
    keys = (
        "code", "unit", "unit_name", "village", "village_name", "head_name", "category", "phone",
        "address", "last_visit_on", "lon", "lat",
    )  # fmt: skip
    return [dict(zip(keys, r, strict=True)) for r in rows]
