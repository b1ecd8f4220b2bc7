"""The monitoring page: counts per unit and period, households without a contact, contact loads."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _

from gridmap.access import audit
from gridmap.access.accounts import Actor
from gridmap.core import clock
from gridmap.core.errors import BadInput, GridmapError, NotFound
from gridmap.fieldwork import monitoring
from gridmap.files.monitoring import contacts_workbook, uncontacted_workbook
from gridmap.maps.text import N_
from gridmap.web.api import as_of_arg, code_arg
from gridmap.web.auth import current_actor, require_roles
from gridmap.web.context import config, db
from gridmap.web.field import date_arg, xlsx_download

bp = Blueprint("monitoring", __name__)
PAGE_ROLES = monitoring.PAGE_ROLES
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
        start, end = date_arg("from", default[0]), date_arg("to", default[1])
    except BadInput:
        return *default, _("Write the dates as YYYY-MM-DD, e.g. 2024-06-30.")
    if end < start:
        return *default, _("The period ends before it starts; swap the dates.")
    return start, end, None


def _counts(start: date, end: date, unit: str | None, actor: Actor) -> dict:
    """Rows of the counts table (townships, or the children of `unit`) and their total."""
    report = monitoring.monitoring_counts(
        db(), start, end, actor.scope, level=None if unit else 2, parent=unit
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
@require_roles(*PAGE_ROLES)
def index() -> Any:
    """Identified, eliminated and at-risk counts per unit, households without a contact, loads."""
    actor, unit = current_actor(), code_arg("unit")
    start, end, error = _period()
    counts = _counts(start, end, unit, actor)
    listing = monitoring.uncontacted_households(db(), end, actor.scope, unit=unit)
    loads = monitoring.contact_loads(db(), end, actor, unit=unit)
    cfg = config()
    return render_template(
        "monitoring.html", active="monitoring", start=start, end=end, unit=unit, error=error,
        up=_up(unit, actor), counts=counts, listing=listing,
        households=listing["households"][:TABLE_ROWS], points=_points(listing["households"]),
        contacts=loads[:TABLE_ROWS], contacts_total=len(loads), table_rows=TABLE_ROWS,
        kind_names={k: _(v) for k, v in KIND_TEXT.items()},
        basemap_url=cfg.basemap_url, basemap_attribution=cfg.basemap_attribution,
    ), 400 if error else 200  # fmt: skip


def _up(unit: str | None, actor: Actor) -> str | None:
    """The unit one level up from `unit` when the account may see it, else None (the top)."""
    if unit is None or len(unit) <= 9:
        return None
    parent = unit[:-3]
    return parent if actor.scope.allows(parent) else None


@bp.get("/api/v1/monitoring/uncontacted.xlsx")
def uncontacted_xlsx() -> Response:
    """Monitored households at risk without a contact on `as_of` (under `unit`), as XLSX."""
    actor, as_of, unit = current_actor(), as_of_arg(), code_arg("unit")
    listing = monitoring.uncontacted_households(db(), as_of, actor.scope, unit=unit)
    with db().transaction():
        audit.record(db(), actor, "export.uncontacted_xlsx", unit, {"as_of": as_of.isoformat()})
    return xlsx_download(uncontacted_workbook(listing), f"uncontacted-{unit or 'all'}-{as_of}.xlsx")


@bp.get("/api/v1/contacts.xlsx")
def contacts_xlsx() -> Response:
    """Contacts with the households they assist on `as_of` (under `unit`), as XLSX."""
    actor, as_of, unit = current_actor(), as_of_arg(), code_arg("unit")
    loads = monitoring.contact_loads(db(), as_of, actor, unit=unit)
    with db().transaction():
        audit.record(db(), actor, "export.contacts_xlsx", unit, {"as_of": as_of.isoformat()})
    return xlsx_download(contacts_workbook(loads, as_of), f"contacts-{unit or 'all'}-{as_of}.xlsx")


@bp.errorhandler(GridmapError)
def _error(exc: GridmapError) -> Any:
    if request.path.startswith("/api/"):
        return exc.to_dict(), exc.status
    template = "not_found.html" if isinstance(exc, NotFound) else "error.html"
    return render_template(template, message=exc.message, active=None), exc.status
