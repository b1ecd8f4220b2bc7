"""Inspection plans: make one from the database, keep it, and show it only to those allowed.

Plans are secret: only inspectors and administrators may see them, anyone else is told there is
no such thing (NotFound), and every creation, view and export leaves an audit row. A plan covers
one county and is seen by those who see that county.
"""

from __future__ import annotations

from datetime import date, datetime, time

import psycopg

from gridmap.access import audit, counties
from gridmap.access.accounts import EVERYTHING, Actor, Scope
from gridmap.core import vocab
from gridmap.core.config import Config
from gridmap.core.errors import BadInput, Conflict, NotFound
from gridmap.core.fields import N_, Words, english
from gridmap.inspections import sampling
from gridmap.inspections.inputs import PlanRequest, Settings
from gridmap.inspections.plan_input import parse_point
from gridmap.inspections.sampling import Weights
from gridmap.store import inspections as store
from gridmap.store import visits as visit_store

STOP_KEYS = ("code", "kind", "township", "eta", "weight", "check", "name", "place", "address",
             "lon", "lat", "km", "minutes", "mandatory")  # fmt: skip
DROPPED_KEYS = ("code", "kind", "weight", "township", "name", "place", "address", "check",
                "lon", "lat", "reason")  # fmt: skip
ONE_COUNTY_MSG = N_(
    "An inspection plan covers one county; choose one of the counties this account may see: "
    "%(counties)s."
)
NO_COUNTY_MSG = N_("There is no grid yet to plan in; import the grid first.")


def may_see(actor: Actor) -> bool:
    """True for the roles that may see inspection plans."""
    return actor.may(vocab.PLAN_INSPECTIONS)


def require_access(actor: Actor) -> None:
    """NotFound for anyone else: a refusal would tell them plans exist."""
    if not may_see(actor):
        raise NotFound("no such page")


def settings_from(config: Config) -> Settings:
    """The inspection settings of `config`."""
    try:
        hour, minute = (int(p) for p in config.inspection_day_start.split(":"))
        day_start = time(hour, minute)
    except ValueError as exc:
        raise BadInput("GRIDMAP_INSPECTION_DAY_START must be written HH:MM") from exc
    return Settings(
        detour=config.inspection_detour_factor,
        speed_kmh=config.inspection_speed_kmh,
        day_start=day_start,
        stop_minutes={
            "household": config.inspection_stop_minutes_household,
            "project": config.inspection_stop_minutes_project,
            "unit": config.inspection_stop_minutes_unit,
        },
        prize_seconds=config.inspection_prize_seconds,
        weights=Weights(
            household=config.inspection_weight_household,
            at_risk=config.inspection_weight_at_risk,
            overdue=config.inspection_weight_overdue,
            no_contact=config.inspection_weight_no_contact,
            project=config.inspection_weight_project,
            no_worker=config.inspection_weight_no_worker,
            low_visit=config.inspection_weight_low_visit,
        ),
        low_visit_villages=config.inspection_low_visit_villages,
        project_statuses=tuple(
            s.strip() for s in config.inspection_project_statuses.split(",") if s.strip()
        ),
        solve_seconds=config.inspection_solve_seconds,
    )


def plan_county(conn: psycopg.Connection, scope: Scope, words: Words = english) -> str:
    """The county a new plan covers: the one `scope` (the counties chosen) sees; with several,
    CountyRequired names them."""
    choices = counties.county_choices(conn, scope)
    if len(choices) == 1:
        return str(choices[0]["code"])
    if not choices:
        raise BadInput(words(NO_COUNTY_MSG))
    listed = ", ".join(c["code"] for c in choices)
    raise counties.CountyRequired(words(ONE_COUNTY_MSG, counties=listed), choices)


def seat_of(
    conn: psycopg.Connection, config: Config, request: PlanRequest, county: str | None = None
) -> tuple[float, float]:
    """The start and end point: the request's, the configured one, or the seat village's label
    (of `county`)."""
    if request.seat is not None:
        return request.seat
    if config.inspection_seat.strip():
        return parse_point(config.inspection_seat, "GRIDMAP_INSPECTION_SEAT")
    found = store.default_seat(conn, county)
    if found is None:
        raise BadInput("there is no grid yet to start from; import the grid or set a start point")
    return found


def create_plan(
    conn: psycopg.Connection, config: Config, request: PlanRequest, actor: Actor, as_of: date,
    words: Words = english,
) -> dict:  # fmt: skip
    """Sample the one county the actor's scope (as chosen) sees, route and store a plan
    (audited); return it as stored."""
    # Gathering, travel and routing load numpy, scipy and PyVRP: only making a plan needs them,
    # so listing and showing plans start without them.
    from gridmap.inspections import candidates, travel_models
    from gridmap.inspections.compose import compose

    require_access(actor)
    request.check()
    county = plan_county(conn, actor.scope, words)
    settings = settings_from(config)
    seat = seat_of(conn, config, request, county)
    found = candidates.gather(
        conn, config, request.sources, weights=settings.weights, as_of=as_of,
        low_visit_villages=settings.low_visit_villages,
        project_statuses=list(settings.project_statuses), county=county,
    )  # fmt: skip
    seed = request.seed if request.seed is not None else sampling.new_seed()
    towns = [code for code, _name in store.townships(conn, county)]
    model = travel_models.for_county(conn, config, county)
    plan = compose(found, towns, request, settings, seat, seed, model)
    inputs = plan_inputs(request, settings, as_of, plan.pop("prize_seconds"))
    with conn.transaction():
        plan_id = store.save_plan(conn, county, plan, inputs, actor.username)
        detail = {"name": plan["name"], "county": county}
        audit.record(conn, actor, "inspection.create", str(plan_id), detail)
    return load(conn, plan_id, actor.scope)


def plan_inputs(request: PlanRequest, settings: Settings, as_of: date, prize: int) -> dict:
    """What a plan was made from, as stored with it: the request and the settings in use."""
    # The prize shown is the one the routing used: a setting too small is raised (see
    # compose.prize_unit), so the configured value is kept beside it, not in its place.
    used = {**settings.as_dict(), "prize_seconds": prize,
            "prize_seconds_setting": settings.prize_seconds}  # fmt: skip
    return {
        "stops": request.stops, "per_township": request.per_township,
        "mandatory": request.mandatory, "sources": list(request.sources),
        "quotas": request.quota, "weights": request.weight,
        "as_of": as_of.isoformat(), "settings": used,
    }  # fmt: skip


def view_plan(
    conn: psycopg.Connection, plan_id: int, actor: Actor, action: str = "view",
    detail: dict | None = None,
) -> dict:  # fmt: skip
    """A plan for `actor` (in a county it sees), with an audit row saying how it was seen or
    exported."""
    require_access(actor)
    plan = load(conn, plan_id, actor.scope)
    with conn.transaction():
        seen = {**(detail or {}), "county": plan["county"]}
        audit.record(conn, actor, f"inspection.{action}", str(plan_id), seen)
    return plan


def list_plans(conn: psycopg.Connection, actor: Actor) -> list[dict]:
    """The plans of the counties the actor sees, newest first (audited: even the list says
    which plans exist)."""
    require_access(actor)
    plans = store.list_plans(conn, actor.scope.narrow(None))
    with conn.transaction():
        audit.record(conn, actor, "inspection.list", None, {"plans": len(plans)})
    return plans


def _header(conn: psycopg.Connection, plan_id: int, scope: Scope) -> dict:
    """A plan's header when its county is in `scope`; NotFound otherwise, as for no plan."""
    header = store.plan_header(conn, plan_id)
    if header is None or not scope.overlaps(header["county"]):
        raise NotFound(f"no inspection plan {plan_id}")
    return header


def load(conn: psycopg.Connection, plan_id: int, scope: Scope = EVERYTHING) -> dict:
    """A stored plan in `scope` in the shape `compose` gives, with its id and county, or
    NotFound."""
    header = _header(conn, plan_id, scope)
    stops = store.plan_stops(conn, plan_id)
    routes = []
    for r in store.plan_routes(conn, plan_id):
        mine = [s for s in stops if s["team"] == r["team"] and s["day"] == r["day"]]
        routes.append({**r, "day": r["day"].isoformat(),
                       "stops": [{k: s[k] for k in STOP_KEYS} for s in mine]})  # fmt: skip
    summary, inputs = header["summary"], header["inputs"]
    return {
        "id": header["id"], "county": header["county"], "seed": header["seed"],
        "name": header["name"],
        "first_day": header["first_day"].isoformat(), "days": header["days"],
        "teams": header["teams"], "hours_per_day": header["hours_per_day"],
        "seat": {"lon": header["lon"], "lat": header["lat"]},
        "routes": routes, "travel_model": header["travel_model"],
        "dropped": [{k: s[k] for k in DROPPED_KEYS} for s in stops if s["team"] is None],
        "unreachable_by_road": [], **summary, "inputs": inputs,
        "created_by": header["created_by"], "created_at": header["created_at"].isoformat(),
        "closed_at": _iso(header["closed_at"]), "closed_by": header["closed_by"],
        "visits": header["visits"],
    }  # fmt: skip


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def close_plan(conn: psycopg.Connection, config: Config, plan_id: int, actor: Actor) -> dict:
    """Close a plan in a county the actor sees (audited): it takes no more visits, and its
    visits now count and show."""
    require_access(actor)
    with conn.transaction():
        _header(conn, plan_id, actor.scope)
        closed = store.close_plan(conn, plan_id, actor.username)
        if closed is None:
            raise Conflict(f"inspection plan {plan_id} is closed already")
        households = visit_store.reveal_plan_visits(conn, plan_id)
        visit_store.recompute_last_visits(conn, households, config.timezone)
        audit.record(conn, actor, "inspection.close", str(plan_id),
                     {"households": len(households)})  # fmt: skip
    return {"id": plan_id, "closed_at": closed["closed_at"].isoformat(),
            "closed_by": closed["closed_by"], "households": households}  # fmt: skip
