"""Field work: the visit form and visit API, campaigns, contacts and monitoring figures."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from gridmap.access.accounts import Actor
from gridmap.core import clock, vocab
from gridmap.core.errors import BadInput, GridmapError
from gridmap.fieldwork import campaign_input, campaigns, monitoring, visits
from gridmap.files.monitoring import unvisited_workbook
from gridmap.maps.text import CATEGORY_TEXT
from gridmap.web import params
from gridmap.web.api import download
from gridmap.web.auth import current_actor, report_actor, require
from gridmap.web.context import config, db

bp = Blueprint("field", __name__)


def _worker_code() -> str | None:
    """The signed-in grid worker's own code: the visitor unless the form names another."""
    return current_user.account.get("worker_code")  # type: ignore[no-any-return]


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadInput("send a JSON object with the header Content-Type: application/json")
    return body


def _category_names() -> dict[str, str]:
    return {key: _(msgid) for key, msgid in CATEGORY_TEXT.items()}


# --- visits -------------------------------------------------------------------------------


@bp.get("/visits/new")
def visit_form() -> str:
    """The phone form: the households of the user's groups, tap one, record the visit."""
    local_now = clock.now().astimezone(ZoneInfo(config().timezone))
    actor = current_actor()
    plans = visits.open_plans(db(), actor)  # only inspectors and administrators get any
    return render_template(
        "visit_form.html",
        active="visit",
        groups=visits.groups_in_scope(db(), actor.scope),
        visitor=_worker_code() or "",
        now_local=local_now.strftime("%Y-%m-%dT%H:%M"),
        kinds=visits.form_kinds(plans),
        plans=plans,
    )


@bp.get("/api/v1/field/households")
def field_households() -> Any:
    """Households in scope to visit (under `unit`, matching `q`), most urgent first."""
    found = visits.households_to_visit(
        db(), config(), params.as_of(), current_actor().scope,
        unit=params.unit_code("unit"), text=request.args.get("q"),
    )  # fmt: skip
    return jsonify(found)


@bp.post("/api/v1/visits")
def record_visit() -> Any:
    """Record a visit to a household in scope; 404 outside it, 400 for bad input."""
    stored = visits.record_visit(
        db(), config(), current_actor(), _json_body(), default_visitor=_worker_code()
    )
    return jsonify(stored), 201


@bp.get("/api/v1/visits")
def list_visits() -> Any:
    """Visits in scope: of one household, or (doubtful=1) the doubtful ones awaiting review."""
    found = visits.list_visits(
        db(), current_actor().scope, household=params.text("household", max_length=40),
        pending_doubtful=params.flag("doubtful"),
        limit=params.limit(high=5000, default=500),
        hidden=visits.sees_hidden(current_actor()),
    )  # fmt: skip
    return jsonify({"visits": found})


@bp.post("/api/v1/visits/<int:visit_id>/reject")
@require(vocab.REVIEW_VISITS)
def reject_visit(visit_id: int) -> Any:
    """Reject a visit (reviewers): it stops counting towards visit status."""
    reason = _json_body().get("reason")
    return jsonify(visits.reject_visit(db(), config(), current_actor(), visit_id, reason))


# --- campaigns ----------------------------------------------------------------------------


def _campaign_actor(campaign_id: int) -> Actor:
    """The actor of one campaign's pages and API, seeing the campaign's county: the campaign
    names it, as a unit would, so no choice is needed; ?county= still narrows, as on reports."""
    county = campaigns.campaign_county(db(), campaign_id, current_actor().scope)
    actor = report_actor(within=county)
    return replace(actor, scope=campaigns.campaign_scope(db(), campaign_id, actor.scope))


@bp.route("/campaigns", methods=["GET", "POST"])
def campaigns_page() -> Any:
    """The campaigns of the chosen counties; administrators and reviewers create one here."""
    error, status = None, 200
    actor = report_actor()  # the form posts back with the page's ?county=
    if request.method == "POST":
        if not current_user.may(vocab.CREATE_CAMPAIGNS):
            abort(403)
        try:
            campaign = campaign_input.parse_campaign(request.form, params.translated)
            made = campaigns.add_campaign(db(), actor, campaign, params.translated)
        except GridmapError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect(url_for("field.campaign_page", campaign_id=made["id"]))
    return render_template(
        "campaigns.html", active="campaigns",
        campaigns=campaigns.list_campaigns(db(), actor.scope),
        can_create=current_user.may(vocab.CREATE_CAMPAIGNS), error=error, form=request.form,
        category_names=_category_names(),
    ), status  # fmt: skip


@bp.get("/campaigns/<int:campaign_id>")
def campaign_page(campaign_id: int) -> str:
    """One campaign: progress per township and village, a map of unvisited households."""
    scope = _campaign_actor(campaign_id).scope
    progress = campaigns.campaign_progress(db(), config(), campaign_id, scope)
    return render_template(
        "campaign.html", active="campaigns", progress=progress,
        units=[u for u in progress["units"] if u["level"] in (vocab.TOWNSHIP, vocab.VILLAGE)],
        category_names=_category_names(),
    )  # fmt: skip


@bp.get("/api/v1/campaigns")
def list_campaigns() -> Any:
    """The campaigns of the chosen counties in the account's scope."""
    return jsonify({"campaigns": campaigns.list_campaigns(db(), report_actor().scope)})


@bp.post("/api/v1/campaigns")
@require(vocab.CREATE_CAMPAIGNS)
def create_campaign() -> Any:
    """Create a campaign from JSON: name, from, to, scope (codes), categories."""
    campaign = campaign_input.parse_campaign(_json_body(), params.translated)
    # Units name the county; a campaign over a whole county needs ?county= (or its code).
    actor = report_actor(within=next(iter(campaign.scope_codes), None))
    made = campaigns.add_campaign(db(), actor, campaign, params.translated)
    return jsonify(made), 201


@bp.get("/api/v1/campaigns/<int:campaign_id>/progress")
def campaign_progress(campaign_id: int) -> Any:
    """Target and visited households per unit in scope (optionally one level)."""
    scope = _campaign_actor(campaign_id).scope
    found = campaigns.campaign_progress(db(), config(), campaign_id, scope, level=params.level())
    return jsonify(found)


@bp.get("/api/v1/campaigns/<int:campaign_id>/unvisited")
def campaign_unvisited(campaign_id: int) -> Any:
    """Target households in scope not yet visited, as GeoJSON (under `unit`)."""
    scope = _campaign_actor(campaign_id).scope
    unit = params.unit_code("unit")
    found = campaigns.unvisited_geojson(db(), config(), campaign_id, scope, unit)
    return jsonify(found)


@bp.get("/api/v1/campaigns/<int:campaign_id>/visited")
def campaign_visited(campaign_id: int) -> Any:
    """Target households in scope visited in the campaign, as GeoJSON (under `unit`)."""
    scope = _campaign_actor(campaign_id).scope
    unit = params.unit_code("unit")
    found = campaigns.visited_geojson(db(), config(), campaign_id, scope, unit)
    return jsonify(found)


@bp.get("/api/v1/campaigns/<int:campaign_id>/unvisited.xlsx")
def campaign_unvisited_xlsx(campaign_id: int) -> Response:
    """The unvisited households (under `unit`), one sheet per village, as a download."""
    unit = params.unit_code("unit")
    actor = _campaign_actor(campaign_id)
    _campaign, rows = campaigns.unvisited_list(db(), config(), campaign_id, actor, unit)
    return download(unvisited_workbook(rows), f"campaign-{campaign_id}-{unit or 'all'}-todo.xlsx")


# --- contacts and monitoring --------------------------------------------------------------


@bp.get("/api/v1/contacts")
def contact_loads() -> Any:
    """Contacts with the households they assist on `as_of` (open links) under `unit`."""
    unit = params.unit_code("unit")
    found = monitoring.contact_loads(db(), params.as_of(), report_actor(unit), unit=unit)
    return jsonify({"contacts": found})


@bp.get("/api/v1/households/<code>/contacts")
def household_contacts(code: str) -> Any:
    """Who assisted a household, from when until when."""
    return jsonify(monitoring.contact_history(db(), code[:40], current_actor().scope))


@bp.get("/api/v1/households/<code>/monitoring")
def household_monitoring(code: str) -> Any:
    """A household's monitoring periods."""
    return jsonify(monitoring.household_periods(db(), code[:40], current_actor().scope))


@bp.get("/api/v1/monitoring/uncontacted")
def uncontacted() -> Any:
    """Monitored households at risk without a contact on `as_of`, under `unit`."""
    unit = params.unit_code("unit")
    scope = report_actor(unit).scope
    return jsonify(monitoring.uncontacted_households(db(), params.as_of(), scope, unit=unit))


def _monitoring_report(level: int | None) -> dict:
    today = clock.today(config().timezone)
    start = params.required_day("from", today.replace(month=1, day=1))
    parent = params.unit_code("parent")
    return monitoring.monitoring_counts(
        db(), start, params.required_day("to", today), report_actor(parent).scope,
        level=level, parent=parent,
    )  # fmt: skip


@bp.get("/api/v1/monitoring")
def monitoring_counts() -> Any:
    """Identified, eliminated and still-at-risk counts per unit for a period (from, to)."""
    return jsonify(_monitoring_report(params.level()))


@bp.get("/api/v1/monitoring.xlsx")
def monitoring_xlsx() -> Response:
    """The monitoring counts for a period, a sheet per level, as a spreadsheet download."""
    report = _monitoring_report(None)
    body = monitoring.monitoring_workbook(report)
    return download(body, f"monitoring-{report['from']}-{report['to']}.xlsx")
