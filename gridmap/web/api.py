"""JSON API under /api/v1: parse the request, call the domain, return JSON."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, jsonify, request, url_for

from gridmap.core import vocab
from gridmap.core.errors import NotFound
from gridmap.coverage import report as coverage
from gridmap.fieldwork import monitoring
from gridmap.grid import grids
from gridmap.grid.redraw import history
from gridmap.web import params
from gridmap.web.auth import current_actor, report_actor
from gridmap.web.context import config, db

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/units")
def units():  # type: ignore[no-untyped-def]
    """Units of one level (default townships) as GeoJSON: current, or as of a date."""
    level = params.level(default=vocab.TOWNSHIP)
    assert level is not None
    parent = params.unit_code("parent")
    scope = report_actor(within=parent).scope
    if params.raw("as_of"):
        return jsonify(
            history.grid_as_of_geojson(db(), params.as_of(), config().timezone, level, scope)
        )
    return jsonify(grids.units_geojson(db(), level, parent, scope))


VALID_STATUSES = set(coverage.COVERAGE_STATUSES) | set(coverage.VISIT_STATUSES)


@bp.get("/units/<code>")
def unit_detail(code: str):  # type: ignore[no-untyped-def]
    """The coverage figures of one unit."""
    if not vocab.is_unit_code(code):
        raise NotFound(f"no unit {code}")
    as_of = params.as_of()
    figures = coverage.unit_figures(db(), config(), code, as_of, current_actor().scope)
    return jsonify({**figures, "monitoring": unit_monitoring(code, as_of)})


def unit_monitoring(code: str, as_of: date) -> dict:
    """A unit's monitoring counts this year up to `as_of`, with a link to the monitoring page
    (`page`, None for the accounts that may not open it)."""
    actor = current_actor()
    found = monitoring.year_to_date(db(), code, as_of, actor.scope)
    period = {"from": found["from"], "to": found["to"]}
    allowed = actor.may(vocab.READ_MONITORING)
    return {**found, "page": url_for("monitoring.index", unit=code, **period) if allowed else None}


@bp.get("/coverage")
def coverage_units():  # type: ignore[no-untyped-def]
    """The coverage report for a level (default townships), optionally under a parent."""
    level, parent = params.report_level(), params.unit_code("parent")
    # A city or province roll-up is over every county seen: no county needs choosing.
    rolled_up = level is not None and level < vocab.COUNTY and not params.counties()
    scope = current_actor().scope if rolled_up else report_actor(within=parent).scope
    report = coverage.coverage_report(
        db(), config(), params.as_of(), level=level, parent=parent, scope=scope
    )
    return jsonify(report)


@bp.get("/households")
def households():  # type: ignore[no-untyped-def]
    """A page of households under a unit as GeoJSON, filtered by coverage or visit status."""
    unit = params.unit_code("unit")
    return jsonify(
        coverage.households_geojson(
            db(),
            config(),
            params.as_of(),
            unit=unit,
            status=params.choice("status", VALID_STATUSES),
            page=params.page(),
            scope=report_actor(within=unit).scope,
        )  # fmt: skip
    )


@bp.get("/workers")
def workers():  # type: ignore[no-untyped-def]
    """Workers serving groups under a unit."""
    unit = params.unit_code("unit")
    workers = coverage.workers_list(db(), config(), unit, report_actor(within=unit).scope)
    return jsonify({"workers": workers})


@bp.get("/households/<code>")
def household(code: str):  # type: ignore[no-untyped-def]
    """One household's details and statuses."""
    return jsonify(
        coverage.household_detail(db(), config(), code[:40], params.as_of(), current_actor())
    )


@bp.get("/gaps")
def gaps():  # type: ignore[no-untyped-def]
    """Areas of units not covered by their children, as GeoJSON."""
    unit = params.unit_code("unit")
    return jsonify(coverage.gaps_geojson(db(), config(), unit, report_actor(within=unit).scope))


@bp.get("/search")
def search():  # type: ignore[no-untyped-def]
    """Units whose code starts with, or whose name contains, `q`."""
    units = grids.search_units(db(), request.args.get("q", ""), report_actor().scope)
    return jsonify({"units": units})


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(body: bytes, name: str, mimetype: str = XLSX_TYPE) -> Response:
    """A file as an attachment named `name`, which browsers and proxies must not keep: every
    download may hold personal values or an inspection plan."""
    return Response(
        body, mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip


@bp.get("/coverage.xlsx")
def coverage_xlsx() -> Response:
    """The coverage report (all levels, or under `parent`) as a spreadsheet download."""
    as_of, parent = params.as_of(), params.unit_code("parent")
    actor = report_actor(within=parent)
    scope = coverage.export_scope(actor, parent)
    report = coverage.coverage_report(db(), config(), as_of, scope=scope)
    body = coverage.export_workbook(db(), actor, report, parent=parent)
    return download(body, f"coverage-{parent or 'all'}-{as_of.isoformat()}.xlsx")
