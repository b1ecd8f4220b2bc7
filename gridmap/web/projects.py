"""Funded projects and pairings: the /projects page, its form, GeoJSON, details and exports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gridmap.core import vocab
from gridmap.core.errors import BadInput, GridmapError
from gridmap.maps import text as map_text
from gridmap.projects import funded as projects
from gridmap.web import params
from gridmap.web.api import download
from gridmap.web.auth import current_actor, report_actor, require
from gridmap.web.basemap_choice import page_basemap
from gridmap.web.context import db

bp = Blueprint("projects", __name__)

#: The words live with the other map words, so the grid map's projects layer shares them.
CATEGORY_TEXT = map_text.PROJECT_CATEGORY_TEXT
STATUS_TEXT = map_text.PROJECT_STATUS_TEXT
KIND_TEXT = map_text.PAIRING_KIND_TEXT
LAYER_TEXT = map_text.PROJECT_LAYER_TEXT
#: The first and last year a project may be filtered by.
YEARS = (2000, 2100)


def layer_texts() -> dict[str, dict[str, str]]:
    """The projects layer's words in the request's language (for addTo of static/js/projects.js)."""
    return {
        "categories": {k: _(v) for k, v in CATEGORY_TEXT.items()},
        "statuses": {k: _(v) for k, v in STATUS_TEXT.items()},
        "text": {k: _(v) for k, v in LAYER_TEXT.items()},
    }


def _filters() -> projects.Filters:
    return projects.Filters(
        year=params.integer("year", low=YEARS[0], high=YEARS[1]),
        category=params.raw("category"),
        status=params.raw("status"),
        unit=params.unit_code("unit"),
    )


@bp.get("/api/v1/projects")
def api_projects():  # type: ignore[no-untyped-def]
    """Projects in scope as GeoJSON, filtered by year, category, status and unit."""
    filters = _filters()
    return jsonify(projects.projects_geojson(db(), report_actor(filters.unit).scope, filters))


@bp.post("/api/v1/projects")
@require(vocab.EDIT_PROJECTS)
def api_save_project():  # type: ignore[no-untyped-def]
    """Create or replace a project from a JSON object (needs the X-CSRFToken header)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadInput("send the project as a JSON object")
    result = projects.save_project(db(), current_actor(), body)
    return jsonify(result), 201 if result["created"] else 200


@bp.get("/api/v1/projects/<code>")
def api_project(code: str):  # type: ignore[no-untyped-def]
    """One project's details (404 outside the user's scope)."""
    return jsonify(projects.project_detail(db(), current_actor().scope, code))


@bp.get("/api/v1/projects.xlsx")
def projects_xlsx() -> Response:
    """The project list and report (one year or all, under a unit) as a spreadsheet."""
    filters = _filters()
    body = projects.projects_export(db(), report_actor(filters.unit), filters)
    return download(body, f"projects-{filters.unit or 'all'}-{filters.year or 'all'}.xlsx")


@bp.get("/api/v1/units/<code>/pairings")
def unit_pairings(code: str):  # type: ignore[no-untyped-def]
    """Enterprises and county leaders paired with the villages of a unit."""
    return jsonify(projects.unit_pairings(db(), current_actor().scope, code))


@bp.get("/api/v1/pairings.xlsx")
def pairings_xlsx() -> Response:
    """Pairings in scope (under `unit`) as a spreadsheet."""
    unit = params.unit_code("unit")
    body = projects.pairings_export(db(), report_actor(unit), unit)
    return download(body, f"pairings-{unit or 'all'}.xlsx")


@bp.get("/projects")
def projects_page() -> str:
    """The projects report (one year or all), its map and the project list."""
    year = params.integer("year", low=YEARS[0], high=YEARS[1])
    scope = report_actor().scope
    everything = projects.list_projects(db(), scope, projects.Filters())
    rows = [r for r in everything if year is None or r["year"] == year]
    report = projects.summarise(rows)
    names = projects.unit_names(db(), [t["code"] for t in report["by_township"]])
    chosen = {"county": params.counties()}  # the map's data come from the same counties
    page_config = {
        "urls": {
            "projects": url_for("projects.api_projects", **chosen),
            "units": url_for("api.units", level=vocab.TOWNSHIP, **chosen),
        },
        "filters": {"year": year},
        "basemap": page_basemap(),
        **layer_texts(),
    }
    return render_template(
        "projects.html", active="projects", year=year, report=report, rows=rows,
        years=sorted({r["year"] for r in everything}, reverse=True), township_names=names,
        texts=layer_texts(), kind_text={k: _(v) for k, v in KIND_TEXT.items()},
        pairings=projects.all_pairings(db(), scope), page_config=page_config,
    )  # fmt: skip


@bp.route("/projects/edit", methods=["GET", "POST"])
@require(vocab.EDIT_PROJECTS)
def edit_page() -> Any:
    """The project form: a new project, or an existing one (?code=) to change."""
    errors: list[str] = []
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in projects.FORM_FIELDS}
        try:
            projects.save_project(db(), current_actor(), values)
        except GridmapError as exc:
            errors = [exc.message, *exc.details]
        else:
            return redirect(url_for("projects.projects_page", saved=values["code"]))
    else:
        code = request.args.get("code", "")
        values = projects.form_values(db(), current_actor().scope, code) if code else {}
    return render_template(
        "projects_form.html", active="projects", values=values, errors=errors,
        texts=layer_texts(),
    ), (400 if errors else 200)  # fmt: skip
