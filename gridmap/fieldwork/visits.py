"""Recording visits one at a time (the field form and API), reviewing doubtful check-ins."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import NoReturn

import psycopg

from gridmap.access import audit
from gridmap.access.accounts import Actor, Scope
from gridmap.core import clock, vocab
from gridmap.core.config import Config
from gridmap.core.errors import BadInput, Conflict, GridmapError, NotFound
from gridmap.coverage.report import status_params
from gridmap.fieldwork.visit_input import KINDS, parse_visit
from gridmap.inspections import plan as inspection_plans
from gridmap.store import coverage as coverage_store
from gridmap.store import inspections as plan_store
from gridmap.store import visits as visit_store

MAX_REASON = 500
#: The field list shows at most this many households; a search narrows it.
FIELD_LIST_LIMIT = 300


class NotAllowed(GridmapError):
    """The account's role may not do this."""

    status = 403


def sees_hidden(actor: Actor) -> bool:
    """True for the roles that see inspection visits while their plan is still open."""
    return actor.may(vocab.PLAN_INSPECTIONS)


def prefixes_of(scope: Scope) -> list[str] | None:
    """The scope's prefixes as the store takes them (None: everything)."""
    return None if scope.prefixes is None else list(scope.prefixes)


def check_role(actor: Actor, kind: str) -> None:
    """Refuse an inspection visit recorded by a role other than inspector or admin."""
    if kind == vocab.INSPECTION_VISIT and not actor.may(vocab.PLAN_INSPECTIONS):
        raise NotAllowed("only inspectors and administrators record inspection visits; "
                         "record this visit as routine or campaign")  # fmt: skip


def check_plan(conn: psycopg.Connection, kind: str, plan_id: int | None, household: str) -> None:
    """Refuse an inspection visit without a plan or under an unknown or closed plan (a plan of
    another county than the household's is unknown)."""
    if kind != vocab.INSPECTION_VISIT:
        return
    if plan_id is None:
        raise BadInput("an inspection visit must name its plan: give plan_id, the number of "
                       "the open inspection plan it was made under")  # fmt: skip
    is_open = plan_store.plan_is_open(conn, plan_id, household)
    if is_open is None:
        raise NotFound(f"no inspection plan {plan_id} in the household's county")
    if not is_open:
        raise Conflict(f"inspection plan {plan_id} is closed and takes no more visits; "
                       "record the visit under an open plan")  # fmt: skip


def outside_worker(worker: str, served: str, township: str) -> str:
    """Why worker `worker`, serving the townships `served`, is no visitor for `township`."""
    noun = "townships" if "," in served else "township"
    return (f"worker {worker} serves {noun} {served}, not the household's township {township}; "
            "check the visitor code")  # fmt: skip


def check_township(conn: psycopg.Connection, visitor: str, household: str) -> None:
    """Refuse a visit by a grid worker none of whose groups lie in the household's township."""
    elsewhere = visit_store.worker_elsewhere(conn, visitor, household)
    if elsewhere is not None:
        raise BadInput(outside_worker(visitor, *elsewhere))


def record_visit(
    conn: psycopg.Connection, config: Config, actor: Actor, payload: object, *,
    default_visitor: str | None = None, now: datetime | None = None,
) -> dict:  # fmt: skip
    """Store a visit in the actor's scope with its audit row; a far check-in makes it doubtful."""
    visit = parse_visit(payload, config.timezone, now or clock.now(), default_visitor)
    check_role(actor, visit.kind)
    if not visit_store.visitor_known(conn, visit.visitor):
        raise BadInput(f"visitor {visit.visitor} is neither a worker's nor a contact's code")
    hidden = visit.plan_id is not None
    with conn.transaction():
        if not visit_store.household_in_scope(conn, visit.household, prefixes_of(actor.scope)):
            raise NotFound(f"no household {visit.household}")
        check_township(conn, visit.visitor, visit.household)
        check_plan(conn, visit.kind, visit.plan_id, visit.household)
        values = {**asdict(visit), "recorded_by": actor.username, "hidden": hidden}
        stored = visit_store.insert_visit(conn, values, config.checkin_max_m)
        if stored is None:
            raise Conflict("this visit (household, visitor and time) is recorded already")
        if not hidden:  # a hidden visit counts only once its plan is closed
            visit_store.advance_last_visit(conn, visit.household, visit.visited_at,
                                           config.timezone)  # fmt: skip
        detail = {"visit": stored["id"], "doubtful": stored["doubtful"]}
        audit.record(conn, actor, "visit.add", visit.household,
                     {**detail, "plan": visit.plan_id} if hidden else detail)  # fmt: skip
    distance = stored["checkin_distance_m"]
    return {
        "id": stored["id"], "household": visit.household, "visitor": visit.visitor,
        "visited_at": visit.visited_at.isoformat(), "kind": visit.kind,
        "doubtful": stored["doubtful"],
        "checkin_distance_m": None if distance is None else round(distance, 1),
        "recorded_by": actor.username, "plan_id": visit.plan_id, "hidden": hidden,
    }  # fmt: skip


def open_plans(conn: psycopg.Connection, actor: Actor) -> list[dict]:
    """Open plans (id, name, first_day) an inspection visit by `actor` may name; [] for others."""
    if not actor.may(vocab.PLAN_INSPECTIONS):
        return []
    # Through the plans module, so even this list leaves the audit row plans always leave.
    found = inspection_plans.list_plans(conn, actor)
    return [{k: p[k] for k in ("id", "name", "first_day")} for p in found if p["closed_at"] is None]


def form_kinds(plans_open: list[dict]) -> tuple[str, ...]:
    """The kinds the visit form offers: inspection only with an open plan to record it under."""
    return KINDS if plans_open else tuple(k for k in KINDS if k != vocab.INSPECTION_VISIT)


def reject_visit(
    conn: psycopg.Connection, config: Config, actor: Actor, visit_id: int, reason: object
) -> dict:
    """Reject a visit so it no longer counts; its household's last visit date is recomputed."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise BadInput("reason is missing; say why the visit is rejected")
    if len(text) > MAX_REASON:
        raise BadInput(f"reason is longer than {MAX_REASON} characters; shorten it")
    prefixes, hidden = prefixes_of(actor.scope), sees_hidden(actor)
    with conn.transaction():
        household = visit_store.reject(conn, visit_id, actor.username, text, prefixes, hidden)
        if household is None:
            _refuse_reject(conn, visit_id, prefixes, hidden)
        last = visit_store.recompute_last_visit(conn, household, config.timezone)
        audit.record(conn, actor, "visit.reject", str(visit_id),
                     {"household": household, "reason": text})  # fmt: skip
    return {"id": visit_id, "household": household, "rejected": True, "last_visit_on": last}


def _refuse_reject(
    conn: psycopg.Connection, visit_id: int, prefixes: list[str] | None, hidden: bool
) -> NoReturn:
    """Say why a visit could not be rejected: it is unknown, outside scope, or rejected."""
    found = visit_store.visits(conn, prefixes, household=None, pending_doubtful=False, limit=1,
                               visit_id=visit_id, hidden=hidden)  # fmt: skip
    if not found:
        raise NotFound(f"no visit {visit_id}")
    raise Conflict(f"visit {visit_id} was rejected already")


def list_visits(
    conn: psycopg.Connection, scope: Scope, *, household: str | None = None,
    pending_doubtful: bool = False, limit: int = 500, hidden: bool = False,
) -> list[dict]:  # fmt: skip
    """Visits in scope, newest first: one household's, or the doubtful ones awaiting review.

    Inspection visits under an open plan are listed only with `hidden` (see `sees_hidden`).
    """
    rows = visit_store.visits(conn, prefixes_of(scope), household=household,
                              pending_doubtful=pending_doubtful, limit=limit,
                              hidden=hidden)  # fmt: skip
    for row in rows:
        distance = row["checkin_distance_m"]
        row["checkin_distance_m"] = None if distance is None else round(distance, 1)
        row["counts"] = row["rejected_at"] is None and not row["hidden"]
    return rows


def households_to_visit(
    conn: psycopg.Connection, config: Config, as_of: date, scope: Scope, *,
    unit: str | None = None, text: str | None = None,
) -> dict:  # fmt: skip
    """Active households in scope (under `unit`, matching `text`) to visit, most urgent first."""
    prefixes = scope.narrow(unit)
    needle = (text or "").strip()[:40] or None
    rows = visit_store.households_to_visit(
        conn, status_params(conn, config, as_of, prefixes), prefixes, needle, FIELD_LIST_LIMIT + 1
    )
    return {
        "as_of": as_of.isoformat(),
        "households": rows[:FIELD_LIST_LIMIT],
        "truncated": len(rows) > FIELD_LIST_LIMIT,
    }


def groups_in_scope(conn: psycopg.Connection, scope: Scope) -> list[dict]:
    """Villager groups in scope, each named with its village, by code."""
    prefixes = prefixes_of(scope)
    villages = {
        u[0]: u[1] for u in coverage_store.unit_index(conn, vocab.VILLAGE, _parents(prefixes))
    }
    return [
        {"code": code, "name": f"{villages.get(parent or '', '')} {name}".strip()}
        for code, name, _level, parent in coverage_store.unit_index(conn, vocab.GROUP, prefixes)
    ]


def _parents(prefixes: list[str] | None) -> list[str] | None:
    """Prefixes that also reach the villages above groups in scope."""
    return None if prefixes is None else [vocab.unit_at(p, vocab.VILLAGE) for p in prefixes]


def doubtful_households(conn: psycopg.Connection, config: Config, codes: list[str]) -> set[str]:
    """Households among `codes` whose latest counted visit rests on a doubtful check-in only."""
    return set(visit_store.doubtful_last_visits(conn, codes, config.timezone))
