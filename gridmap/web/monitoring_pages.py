"""The monitoring page: counts per unit and period, households without a contact, contact loads."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template
from flask_babel import gettext as _

from gridmap.access.accounts import Actor
from gridmap.core import clock, vocab
from gridmap.core.errors import BadInput
from gridmap.fieldwork import monitoring
from gridmap.maps.text import N_
from gridmap.web import params
from gridmap.web.api import download
from gridmap.web.auth import report_actor, require
from gridmap.web.context import config, db

bp = Blueprint("monitoring", __name__)
#: The page shows this many households and contacts; the downloads hold every one.
TABLE_ROWS = 200
KIND_TEXT = {
    "unstable": N_("Unstable lifted household"),
    "marginal": N_("Marginal household at risk"),
    "sudden_hardship": N_("Household in sudden severe hardship"),
}


def _period() -> tuple[date, date, str | None]:
    """The page's period (from, to; default this year to today) and what is wrong with it."""
    today = clock.today(config().timezone)
    default = (today.replace(month=1, day=1), today)
    try:
        start = params.required_day("from", default[0])
        end = params.required_day("to", default[1])
    except BadInput:
        return *default, _("Write the dates as YYYY-MM-DD, e.g. 2024-06-30.")
    if end < start:
        return *default, _("The period ends before it starts; swap the dates.")
    return start, end, None


def _counts(start: date, end: date, unit: str | None, actor: Actor) -> dict:
    """Rows of the counts table (townships, or the children of `unit`) and their total."""
    report = monitoring.monitoring_counts(
        db(), start, end, actor.scope, level=None if unit else vocab.TOWNSHIP, parent=unit
    )
    head = next((u for u in report["units"] if u["code"] == unit), None)
    rows = [u for u in report["units"] if u["code"] != unit]
    return {"head": head, "rows": rows, "total": head or report["total"]}


def _points(households: list[dict]) -> list[dict]:
    """The located households of a list, as the page's map draws them."""
    return [
        {"code": h["code"], "lon": h["lon"], "lat": h["lat"], "place": h["unit_name"] or h["unit"],
         "kind": _(KIND_TEXT[h["monitor_kind"]]) if h["monitor_kind"] in KIND_TEXT else ""}
        for h in households
        if h["lon"] is not None
    ]  # fmt: skip


@bp.get("/monitoring")
@require(vocab.READ_MONITORING)
def index() -> Any:
    """Identified, eliminated and at-risk counts per unit, households without a contact, loads."""
    unit = params.unit_code("unit")
    actor = report_actor(unit)
    start, end, error = _period()
    counts = _counts(start, end, unit, actor)
    listing = monitoring.uncontacted_households(db(), end, actor.scope, unit=unit)
    loads = monitoring.contact_loads(db(), end, actor, unit=unit)
    return render_template(
        "monitoring.html", active="monitoring", start=start, end=end, unit=unit, error=error,
        up=_up(unit, actor), counts=counts, listing=listing,
        households=listing["households"][:TABLE_ROWS], points=_points(listing["households"]),
        contacts=loads[:TABLE_ROWS], contacts_total=len(loads), table_rows=TABLE_ROWS,
        kind_names={k: _(v) for k, v in KIND_TEXT.items()},
    ), 400 if error else 200  # fmt: skip


def _up(unit: str | None, actor: Actor) -> str | None:
    """The unit one level up from `unit` when the account may see it, else None (the top)."""
    parent = vocab.parent_of(unit) if unit is not None else None
    if parent is None or vocab.level_of(parent) == vocab.COUNTY:
        return None
    return parent if actor.scope.allows(parent) else None


@bp.get("/api/v1/monitoring/uncontacted.xlsx")
def uncontacted_xlsx() -> Response:
    """Monitored households at risk without a contact on `as_of` (under `unit`), as XLSX."""
    as_of, unit = params.as_of(), params.unit_code("unit")
    body = monitoring.uncontacted_export(db(), as_of, report_actor(unit), unit=unit)
    return download(body, f"uncontacted-{unit or 'all'}-{as_of}.xlsx")


@bp.get("/api/v1/contacts.xlsx")
def contacts_xlsx() -> Response:
    """Contacts with the households they assist on `as_of` (under `unit`), as XLSX."""
    as_of, unit = params.as_of(), params.unit_code("unit")
    body = monitoring.contacts_export(db(), as_of, report_actor(unit), unit=unit)
    return download(body, f"contacts-{unit or 'all'}-{as_of}.xlsx")
