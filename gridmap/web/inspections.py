"""Inspection plans (暗访) over HTTP: plan form, plan, map, printable itinerary, exports, API.

Plans are secret: for every role but inspector and admin each route here answers exactly as an
unknown address does (404), and every view and export is audited by gridmap.inspect.plan.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from gridmap.core.clock import today
from gridmap.core.errors import GridmapError
from gridmap.inspections import exports, plan, plan_input, sampling
from gridmap.inspections.map import build_plan_map, day_dash, team_colour
from gridmap.web import params
from gridmap.web.api import download
from gridmap.web.auth import current_actor, report_actor
from gridmap.web.basemap_choice import page_basemap
from gridmap.web.context import config, db
from gridmap.web.security import csp_nonce

bp = Blueprint("inspections", __name__)
DOWNLOADS = {"gpx": "application/gpx+xml", "kml": "application/vnd.google-earth.kml+xml"}


@bp.before_request
def _only_inspectors() -> None:
    # Same answer as an unknown address: nobody else learns that plans exist.
    if not plan.may_see(current_actor()):
        abort(404)


def _form_defaults() -> dict:
    return {
        "name": "", "first_day": (today(config().timezone) + timedelta(days=1)).isoformat(),
        "days": 4, "teams": 2, "hours": 8, "stops": 60, "per_township": "", "mandatory": True,
        "seed": "", "seat": config().inspection_seat, "sources": list(sampling.SOURCES),
        **{f"quota_{s}": "" for s in sampling.SOURCES},
        **{f"weight_{s}": "" for s in sampling.SOURCES},
    }  # fmt: skip


@bp.get("/inspections")
def index() -> str:
    """The plans of the chosen county made so far and the form for a new one there."""
    plans = plan.list_plans(db(), report_actor())
    return render_template("inspections.html", active="inspections", plans=plans,
                           form=_form_defaults(), error=None)  # fmt: skip


@bp.post("/inspections")
def create() -> Any:
    """Make a plan from the form; show the form again with the reason when it cannot be made."""
    form = request.form.to_dict()
    sources = request.form.getlist("sources")
    try:
        wanted = plan_input.plan_request(form, sources, params.translated)
        # The form posts to the page's ?county=: the plan samples that county.
        made = plan.create_plan(db(), config(), wanted, report_actor(),
                                today(config().timezone), params.wording)  # fmt: skip
    except GridmapError as exc:
        shown = {**_form_defaults(), **form, "sources": sources, "mandatory": "mandatory" in form}
        return render_template("inspections.html", active="inspections", plans=[], form=shown,
                               error=exc.message), exc.status  # fmt: skip
    return redirect(url_for("inspections.show", plan_id=made["id"]))


def _styles(p: dict) -> dict:
    days = sorted({r["day"] for r in p["routes"]})
    return {(r["team"], r["day"]): {"colour": team_colour(r["team"]),
                                    "dash": day_dash(days.index(r["day"])) or ""}
            for r in p["routes"]}  # fmt: skip


@bp.get("/inspections/<int:plan_id>")
def show(plan_id: int) -> str:
    """The plan: routes per team-day, dropped stops and the downloads."""
    p = plan.view_plan(db(), plan_id, current_actor(), "view")
    return render_template("inspection.html", active="inspections", plan=p, styles=_styles(p),
                           sources=sampling.SOURCES)  # fmt: skip


def layer_name(team: int, day: str) -> str:
    """The name of a team-day on the map."""
    return _("Team %(team)s · %(day)s", team=team, day=day)


@bp.post("/inspections/<int:plan_id>/close")
def close(plan_id: int) -> Any:
    """Close the plan from its page; its visits then count and show to everyone in scope."""
    plan.close_plan(db(), config(), plan_id, current_actor())
    return redirect(url_for("inspections.show", plan_id=plan_id))


@bp.get("/inspections/<int:plan_id>/map")
def map_page(plan_id: int) -> str:
    """The plan on a map: a colour per team, a line style per day, numbered stops."""
    p = plan.view_plan(db(), plan_id, current_actor(), "map")
    fragment = build_plan_map(
        p, nonce=csp_nonce(),
        layer_names={(r["team"], r["day"]): layer_name(r["team"], r["day"]) for r in p["routes"]},
        words={"eta": _("Arrival"), "check": _("What to check"), "seat": _("Start and end")},
        basemap=page_basemap(),
    )  # fmt: skip
    return render_template("inspection_map.html", active="inspections", plan=p, map=fragment,
                           styles=_styles(p))  # fmt: skip


@bp.get("/inspections/<int:plan_id>/itinerary")
def itinerary(plan_id: int) -> str:
    """The printable itinerary in Chinese: a page per team and day."""
    p = plan.view_plan(db(), plan_id, current_actor(), "itinerary")
    return render_template("inspection_itinerary.html", active="inspections", plan=p,
                           sections=exports.itinerary(p))  # fmt: skip


@bp.get("/inspections/<int:plan_id>/plan.csv")
def csv_file(plan_id: int) -> Response:
    """Every sampled stop as CSV."""
    p = plan.view_plan(db(), plan_id, current_actor(), "export", {"format": "csv"})
    return download(exports.csv_text(p).encode("utf-8"), f"inspection-{plan_id}.csv", "text/csv")


@bp.get("/inspections/<int:plan_id>/<int:team>/<day>.<any(gpx, kml):fmt>")
def route_file(plan_id: int, team: int, day: str, fmt: str) -> Response:
    """One team-day as GPX or KML."""
    detail = {"format": fmt, "team": team, "day": day[:10]}
    p = plan.view_plan(db(), plan_id, current_actor(), "export", detail)
    body = exports.gpx(p, team, day) if fmt == "gpx" else exports.kml(p, team, day)
    name = f"{exports.file_stem(p, team, day)}.{fmt}"
    return download(body.encode("utf-8"), name, DOWNLOADS[fmt])


@bp.get("/api/v1/inspections")
def api_list() -> Any:
    """The plans of the chosen counties, newest first."""
    return jsonify({"plans": plan.list_plans(db(), report_actor())})


@bp.post("/api/v1/inspections")
def api_create() -> Any:
    """Make a plan of the chosen county (?county=) from a JSON object with the form's fields
    (sources as a list)."""
    wanted = plan_input.plan_body(request.get_json(silent=True), params.translated)
    made = plan.create_plan(db(), config(), wanted, report_actor(), today(config().timezone),
                            params.wording)  # fmt: skip
    return jsonify(made), 201


@bp.get("/api/v1/inspections/<int:plan_id>")
def api_show(plan_id: int) -> Any:
    """One plan as JSON."""
    return jsonify(plan.view_plan(db(), plan_id, current_actor(), "view", {"via": "api"}))


@bp.post("/api/v1/inspections/<int:plan_id>/close")
def api_close(plan_id: int) -> Any:
    """Close a plan: who and when, and the households whose visits now count."""
    return jsonify(plan.close_plan(db(), config(), plan_id, current_actor()))
