"""Visit campaigns (集中走访): which households to visit in a window, and how far it has got."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import psycopg

from gridmap.access import audit, counties, privacy
from gridmap.access.accounts import EVERYTHING, Actor, Scope
from gridmap.core import clock, vocab
from gridmap.core.config import Config
from gridmap.core.errors import BadInput, NotFound
from gridmap.core.fields import N_, Words, english
from gridmap.core.vocab import ancestors_and_self
from gridmap.coverage.report import status_params
from gridmap.fieldwork.campaign_input import NewCampaign, new_campaign
from gridmap.store import campaigns as campaign_store
from gridmap.store import coverage as coverage_store

#: The map shows at most this many unvisited households; narrow to a unit for the rest.
MAP_LIMIT = 5000
#: The to-do export holds at most this many households.
EXPORT_LIMIT = 100_000
NAME_COUNTY_MSG = N_(
    "A campaign covers one county; this account sees several (%(counties)s), so give the "
    "county's code as the campaign's units to cover all of it, e.g. %(example)s."
)
NO_COUNTY_MSG = N_("There is no county yet to run a campaign in; import the grid first.")


def _check_units(conn: psycopg.Connection, actor: Actor, codes: tuple[str, ...]) -> None:
    for code in codes:
        if not actor.scope.allows(code):
            raise NotFound(f"no unit {code}")
    unknown = campaign_store.unknown_units(conn, list(codes))
    if unknown:
        raise BadInput(f"unit(s) {', '.join(unknown)} are not in the current grid; check the codes")


def _new_county(
    conn: psycopg.Connection, actor: Actor, codes: tuple[str, ...], words: Words
) -> str:
    """The county of a new campaign: its units' (new_campaign checked there is one), else the
    only county the actor sees; one who sees several must name it."""
    if codes:
        return vocab.county_of(codes[0])
    choices = counties.county_choices(conn, actor.scope)
    if len(choices) == 1:
        return str(choices[0]["code"])
    if not choices:
        raise BadInput(words(NO_COUNTY_MSG))
    listed = ", ".join(c["code"] for c in choices)
    message = words(NAME_COUNTY_MSG, counties=listed, example=choices[0]["code"])
    raise counties.CountyRequired(message, choices)


def create_campaign(
    conn: psycopg.Connection, actor: Actor, *, name: str, starts_on: date, ends_on: date,
    scope_codes: Iterable[str] = (), categories: Iterable[str] = (),
) -> dict:  # fmt: skip
    """Check and store a campaign with its audit row; return it."""
    campaign = new_campaign(name, starts_on, ends_on, scope_codes, categories)
    return add_campaign(conn, actor, campaign)


def add_campaign(
    conn: psycopg.Connection, actor: Actor, campaign: NewCampaign, words: Words = english
) -> dict:
    """Store a checked campaign over units of the grid in the actor's scope (in one county),
    with its audit row; return it."""
    _check_units(conn, actor, campaign.scope_codes)
    values = {
        "county_code": _new_county(conn, actor, campaign.scope_codes, words),
        "name": campaign.name, "starts_on": campaign.starts_on, "ends_on": campaign.ends_on,
        "scope_codes": list(campaign.scope_codes), "categories": list(campaign.categories),
        "created_by": actor.username,
    }  # fmt: skip
    with conn.transaction():
        campaign_id = campaign_store.insert_campaign(conn, values)
        audit.record(conn, actor, "campaign.add", str(campaign_id), {"name": campaign.name})
    return get_campaign(conn, campaign_id, EVERYTHING)


def area(campaign: dict) -> list[str]:
    """The units a campaign covers: its units, or its whole county when it names none."""
    return list(campaign["scope_codes"]) or [campaign["county_code"]]


def visible_to(campaign: dict, scope: Scope) -> bool:
    """True when the campaign's area overlaps `scope`.

    The whole-database scope sees every campaign and an empty one (a worker without groups)
    none; otherwise one unit of the campaign's area (its units, or its county) must lie
    inside, or contain, a unit of the scope. The store's list applies the same rule in SQL.
    """
    return any(scope.overlaps(code) for code in area(campaign))


def get_campaign(conn: psycopg.Connection, campaign_id: int, scope: Scope) -> dict:
    """One campaign visible in `scope`; NotFound when there is none or it lies outside."""
    campaign = campaign_store.get_campaign(conn, campaign_id)
    if campaign is None or not visible_to(campaign, scope):
        raise NotFound(f"no campaign {campaign_id}")
    return campaign


def campaign_county(conn: psycopg.Connection, campaign_id: int, scope: Scope) -> str:
    """The county of a campaign visible in `scope` (NotFound otherwise): like a unit, a
    campaign names the county its pages report on."""
    return str(get_campaign(conn, campaign_id, scope)["county_code"])


def campaign_scope(conn: psycopg.Connection, campaign_id: int, scope: Scope) -> Scope:
    """`scope` within the county of a campaign it sees (NotFound otherwise): what the
    campaign's pages show and export."""
    return Scope(tuple(scope.narrow(campaign_county(conn, campaign_id, scope)) or ()))


def list_campaigns(conn: psycopg.Connection, scope: Scope) -> list[dict]:
    """The campaigns visible in `scope`, latest first."""
    return campaign_store.list_campaigns(conn, scope.narrow(None))


def window(campaign: dict, timezone: str) -> tuple[datetime, datetime]:
    """The campaign's first and last day as a half-open interval of local time."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(campaign["starts_on"], time(0), zone)
    return start, datetime.combine(campaign["ends_on"] + timedelta(days=1), time(0), zone)


def _status(conn: psycopg.Connection, config: Config, campaign: dict) -> dict:
    """Status parameters as of the campaign's last day, or today while it runs: its targets
    are the households as they stood then."""
    as_of = min(campaign["ends_on"], clock.today(config.timezone))
    return status_params(conn, config, as_of, [campaign["county_code"]])


def _related(code: str, campaign_codes: list[str]) -> bool:
    """True when unit `code` lies inside, or contains, a unit of the campaign."""
    return any(code.startswith(c) or c.startswith(code) for c in campaign_codes)


def _entry(unit: tuple, counts: list[int]) -> dict:
    code, name, level, parent = unit
    target, visited = counts
    share = round(visited / target, 4) if target else None
    return {
        "code": code, "name": name, "level": level, "parent": parent, "target": target,
        "visited": visited, "unvisited": target - visited, "visited_share": share,
    }  # fmt: skip


def campaign_progress(
    conn: psycopg.Connection, config: Config, campaign_id: int, scope: Scope = EVERYTHING,
    *, level: int | None = None,
) -> dict:  # fmt: skip
    """Target and visited households per unit in scope (adding up across levels), and total."""
    campaign = get_campaign(conn, campaign_id, scope)
    prefixes = scope.narrow(None)
    rows = campaign_store.progress_by_unit(
        conn, campaign, window(campaign, config.timezone), prefixes, _status(conn, config, campaign)
    )
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for unit_code, target, visited in rows:
        for code in ancestors_and_self(unit_code):
            totals[code][0] += target
            totals[code][1] += visited
    units = [
        _entry(u, totals.get(u[0], [0, 0]))
        for u in coverage_store.unit_index(conn, level, prefixes)
        if _related(u[0], area(campaign))
    ]
    total = [sum(r[1] for r in rows), sum(r[2] for r in rows)]
    return {
        "campaign": campaign,
        "units": units,
        "total": _entry((None, None, None, None), total),
    }


def unvisited_geojson(
    conn: psycopg.Connection, config: Config, campaign_id: int, scope: Scope = EVERYTHING,
    unit: str | None = None,
) -> dict:  # fmt: skip
    """Target households in scope (under `unit`) not yet visited, as GeoJSON points."""
    return _targets_geojson(conn, config, campaign_id, scope, unit, campaign_store.unvisited)


def visited_geojson(
    conn: psycopg.Connection, config: Config, campaign_id: int, scope: Scope = EVERYTHING,
    unit: str | None = None,
) -> dict:  # fmt: skip
    """Target households in scope (under `unit`) visited in the campaign, as GeoJSON points."""
    return _targets_geojson(conn, config, campaign_id, scope, unit, campaign_store.visited)


def _targets_geojson(
    conn: psycopg.Connection, config: Config, campaign_id: int, scope: Scope, unit: str | None,
    rows_of: Callable[..., list[dict]],
) -> dict:  # fmt: skip
    campaign = get_campaign(conn, campaign_id, scope)
    prefixes = scope.narrow(unit)
    rows = rows_of(
        conn, campaign, window(campaign, config.timezone), prefixes, MAP_LIMIT + 1,
        _status(conn, config, campaign),
    )  # fmt: skip
    return _points(rows)


def _points(rows: list[dict]) -> dict:
    """Households as GeoJSON points (the first MAP_LIMIT), with how many have no location."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            "properties": {
                "code": r["code"],
                "unit": r["unit"],
                "unit_name": r["unit_name"],
                "category": r["category"],
                "last_visit_on": r["last_visit_on"],
            },
        }  # fmt: skip
        for r in rows[:MAP_LIMIT]
        if r["lon"] is not None
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "unlocated": sum(1 for r in rows[:MAP_LIMIT] if r["lon"] is None),
        "truncated": len(rows) > MAP_LIMIT,
    }


def unvisited_list(
    conn: psycopg.Connection, config: Config, campaign_id: int, actor: Actor,
    unit: str | None = None,
) -> tuple[dict, list[dict]]:  # fmt: skip
    """The campaign and its unvisited households in scope (masked but for admins), audited."""
    campaign = get_campaign(conn, campaign_id, actor.scope)
    rows = campaign_store.unvisited(
        conn, campaign, window(campaign, config.timezone), actor.scope.narrow(unit), EXPORT_LIMIT,
        _status(conn, config, campaign),
    )  # fmt: skip
    detail = {"unit": unit, "households": len(rows), "masked": not actor.is_admin}
    with conn.transaction():
        audit.record_export(conn, actor, "export.campaign_unvisited", str(campaign_id), detail)
    return campaign, rows if actor.is_admin else [privacy.masked(r) for r in rows]
