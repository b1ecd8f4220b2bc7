"""JSON API under /api/v1: parse the request, call the domain, return JSON."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, jsonify, request, url_for

from gridmap.access import audit
from gridmap.access.accounts import Scope
from gridmap.core.clock import today
from gridmap.core.errors import BadInput, NotFound
from gridmap.coverage import report as coverage
from gridmap.fieldwork import monitoring
from gridmap.files.reports import coverage_workbook
from gridmap.grid import grids
from gridmap.grid.redraw import history
from gridmap.web.auth import current_actor
from gridmap.web.context import config, db

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def int_arg(name: str, *, low: int, high: int, default: int | None = None) -> int | None:
    """Read an integer query parameter within [low, high], or refuse with 400."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadInput(f"parameter {name} must be a whole number from {low} to {high}")
    return int(raw)


def code_arg(name: str) -> str | None:
    """Read a grid code query parameter (6 to 15 digits), or refuse with 400."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) not in (6, 9, 12, 15):
        raise BadInput(f"parameter {name} must be a 6, 9, 12 or 15-digit grid code")
    return raw


@bp.get("/units")
def units():  # type: ignore[no-untyped-def]
    """Units of one level (default townships) as GeoJSON: current, or as of a date."""
    level = int_arg("level", low=1, high=4, default=2)
    assert level is not None
    scope = current_actor().scope
    if request.args.get("as_of"):
        return jsonify(
            history.grid_as_of_geojson(db(), as_of_arg(), config().timezone, level, scope)
        )
    return jsonify(grids.units_geojson(db(), level, code_arg("parent"), scope))


VALID_STATUSES = set(coverage.COVERAGE_STATUSES) | set(coverage.VISIT_STATUSES)


def as_of_arg() -> date:
    """The `as_of` query parameter (YYYY-MM-DD), default today in the county's timezone."""
    raw = request.args.get("as_of")
    if not raw:
        return today(config().timezone)
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise BadInput("parameter as_of must be a date written YYYY-MM-DD") from exc


@bp.get("/units/<code>")
def unit_detail(code: str):  # type: ignore[no-untyped-def]
    """The coverage figures of one unit."""
    if not code.isdigit() or len(code) not in (6, 9, 12, 15):
        raise NotFound(f"no unit {code}")
    as_of = as_of_arg()
    figures = coverage.unit_figures(db(), config(), code, as_of, current_actor().scope)
    return jsonify({**figures, "monitoring": unit_monitoring(code, as_of)})


def unit_monitoring(code: str, as_of: date) -> dict:
    """A unit's monitoring counts this year up to `as_of`, with a link to the monitoring page
    (`page`, None for the accounts that may not open it)."""
    actor = current_actor()
    found = monitoring.year_to_date(db(), code, as_of, actor.scope)
    period = {"from": found["from"], "to": found["to"]}
    allowed = actor.role in monitoring.PAGE_ROLES
    return {**found, "page": url_for("monitoring.index", unit=code, **period) if allowed else None}


@bp.get("/coverage")
def coverage_units():  # type: ignore[no-untyped-def]
    """The coverage report for a level (default townships), optionally under a parent."""
    level = int_arg("level", low=1, high=4, default=None)
    report = coverage.coverage_report(
        db(), config(), as_of_arg(), level=level, parent=code_arg("parent"),
        scope=current_actor().scope,
    )  # fmt: skip
    return jsonify(report)


@bp.get("/households")
def households():  # type: ignore[no-untyped-def]
    """A page of households under a unit as GeoJSON, filtered by coverage or visit status."""
    status = request.args.get("status") or None
    if status is not None and status not in VALID_STATUSES:
        raise BadInput(f"parameter status must be one of {', '.join(sorted(VALID_STATUSES))}")
    page = int_arg("page", low=1, high=1_000_000, default=1)
    assert page is not None
    return jsonify(
        coverage.households_geojson(
            db(),
            config(),
            as_of_arg(),
            unit=code_arg("unit"),
            status=status,
            page=page,
            scope=current_actor().scope,
        )  # fmt: skip
    )


@bp.get("/workers")
def workers():  # type: ignore[no-untyped-def]
    """Workers serving groups under a unit."""
    workers = coverage.workers_list(db(), config(), code_arg("unit"), current_actor().scope)
    return jsonify({"workers": workers})


@bp.get("/households/<code>")
def household(code: str):  # type: ignore[no-untyped-def]
    """One household's details and statuses."""
    return jsonify(
        coverage.household_detail(db(), config(), code[:40], as_of_arg(), current_actor())
    )


@bp.get("/gaps")
def gaps():  # type: ignore[no-untyped-def]
    """Areas of units not covered by their children, as GeoJSON."""
    return jsonify(coverage.gaps_geojson(db(), config(), code_arg("unit"), current_actor().scope))


@bp.get("/search")
def search():  # type: ignore[no-untyped-def]
    """Units whose code starts with, or whose name contains, `q`."""
    units = grids.search_units(db(), request.args.get("q", ""), current_actor().scope)
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
    as_of = as_of_arg()
    parent = code_arg("parent")
    actor = current_actor()
    scope = actor.scope if parent is None else Scope(tuple(actor.scope.narrow(parent) or ()))
    report = coverage.coverage_report(db(), config(), as_of, scope=scope)
    body = coverage_workbook(report, coverage.mismatches(db(), scope, masked=not actor.is_admin))
    with db().transaction():
        audit.record(db(), actor, "export.coverage_xlsx", parent, {"as_of": as_of.isoformat()})
    return download(body, f"coverage-{parent or 'all'}-{as_of.isoformat()}.xlsx")
