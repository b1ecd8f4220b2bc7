"""HTML pages: dashboard, grid map (folium), unit pages and the coverage report."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user

from gridmap.core.clock import today
from gridmap.core.errors import BadInput, GridmapError, NotFound
from gridmap.coverage import report as coverage
from gridmap.grid import grids
from gridmap.maps.pages import build_map_page, build_unit_map
from gridmap.maps.text import N_, all_texts
from gridmap.projects import funded as projects
from gridmap.web.api import unit_monitoring
from gridmap.web.auth import current_actor
from gridmap.web.context import config, db
from gridmap.web.i18n import html_lang
from gridmap.web.security import csp_nonce

bp = Blueprint("pages", __name__)

#: Each language is named in its own language, so anyone can find theirs.
LANGUAGES = (("zh_Hans_CN", "中文"), ("en", "English"))
CODE_LENGTHS = (6, 9, 12, 15)
COUNT_KEYS = ("households", "monitored", "outside_grid", "no_worker", "no_contact")
COUNT_KEYS += ("overdue", "covered", "visited")


#: Roles that record visits on the form (inspectors under their open plan).
RECORDING_ROLES = ("admin", "inspector", "township", "worker")
#: Pages in the navigation: (endpoint, key for `active`, label, roles that see it; None: all).
NAV_PAGES = (
    ("pages.index", "index", N_("Overview"), None),
    ("pages.map_page", "map", N_("Map"), None),
    ("pages.coverage_page", "coverage", N_("Coverage report"), None),
    ("field.visit_form", "visit", N_("Record a visit"), RECORDING_ROLES),
    ("field.campaigns_page", "campaigns", N_("Campaigns"), ("admin", "reviewer", "township")),
    ("monitoring.index", "monitoring", N_("Monitoring"), ("admin", "reviewer", "township")),
    ("projects.projects_page", "projects", N_("Funded projects"), None),
    ("inspections.index", "inspections", N_("Inspections"), ("admin", "inspector")),
    ("admin.import_page", "import", N_("Import"), ("admin",)),
    ("admin.audit_page", "audit", N_("Audit log"), ("admin",)),
)


@bp.app_context_processor
def _page_globals() -> dict:
    # Every page extends base.html, whose navigation needs these.
    words = all_texts()
    return {
        "language_links": language_links(),
        "nav_links": nav_links(),
        "page_url": page_url,
        "status_names": {k: _(v) for k, v in words["coverage"].items()},
        "level_names": {k: _(v) for k, v in words["level"].items()},
    }


@bp.app_template_filter("num")
def _num(value: object, digits: int = 0) -> str:
    if value is None or value == "":
        return "–"
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return str(format_decimal(value, format=pattern))


@bp.app_template_filter("share")
def _share(value: object) -> str:
    if value is None:
        return "–"
    return str(format_percent(value, format="#,##0.0%"))


def nav_links() -> list[tuple[str, str, str]]:
    """(endpoint, key, translated label) of the pages the signed-in account may open."""
    if not (current_user and current_user.is_authenticated):
        return []
    role = current_user.role
    views = current_app.view_functions
    return [
        (endpoint, key, _(label))
        for endpoint, key, label, roles in NAV_PAGES
        if endpoint in views and (roles is None or role in roles)
    ]


def map_texts() -> dict[str, dict[str, str]]:
    """Every word of the map pages in the request's language."""
    return {
        group: {key: _(msgid) for key, msgid in words.items()}
        for group, words in all_texts().items()
    }


def map_labels() -> dict[str, str]:
    """The map's general words (layer names, notices) in the request's language."""
    return map_texts()["text"]


def language_links() -> list[tuple[str, str, bool]]:
    """(label, URL of this page in that language, is current) for the language switch."""
    if request.endpoint is None:
        return []
    args = {k: v for k, v in request.args.items() if k != "lang"}
    current = html_lang().replace("-", "_")
    return [
        (label, url_for(request.endpoint, **(request.view_args or {}), **args, lang=code),
         current == code)
        for code, label in LANGUAGES
    ]  # fmt: skip


def page_url(endpoint: str, **values: object) -> str:
    """URL of a page keeping the chosen date (?as_of=) of this one, when it is a date."""
    raw = request.args.get("as_of", "")
    if raw and "as_of" not in values and _is_date(raw):
        values["as_of"] = raw
    return url_for(endpoint, **values)


def _is_date(raw: str) -> bool:
    try:
        date.fromisoformat(raw)
    except ValueError:
        return False
    return True


def as_of_arg() -> tuple[date, str | None]:
    """The page's date from ?as_of=YYYY-MM-DD (default today) and the text the user gave."""
    raw = request.args.get("as_of") or None
    if raw is None:
        return today(config().timezone), None
    try:
        return date.fromisoformat(raw), raw
    except ValueError as exc:
        raise BadInput(_("The date must be written YYYY-MM-DD, e.g. 2024-06-30.")) from exc


def with_rates(unit: dict) -> dict:
    """The unit's figures plus its visit rate (visited / households)."""
    households = unit.get("households") or 0
    rate = unit.get("visited", 0) / households if households else None
    return {**unit, "visit_rate": rate}


def totals(units: list[dict]) -> dict:
    """Summed counts of `units` with their uncovered share and visit rate."""
    summed: dict = {key: sum(u.get(key) or 0 for u in units) for key in COUNT_KEYS}
    summed["workers_active"] = sum(u.get("workers_active") or 0 for u in units)
    households = summed["households"]
    summed["uncovered_share"] = (households - summed["covered"]) / households if households else 0
    workers = summed["workers_active"]
    summed["load_per_worker"] = round(households / workers, 1) if workers else None
    return with_rates(summed)


@bp.get("/")
def index() -> str:
    """The dashboard: totals of what the user may see and one row per unit below the top."""
    as_of, _raw = as_of_arg()
    units = report(as_of)
    codes = {u["code"] for u in units}
    top = [u for u in units if u["parent"] not in codes]
    rows = [u for u in units if u["parent"] in {t["code"] for t in top}] or top
    return render_template(
        "dashboard.html",
        active="index",
        as_of=as_of,
        top=top[0] if len(top) == 1 else None,
        figures=totals(top),
        rows=[with_rates(u) for u in rows],
        row_level=rows[0]["level"] if rows else 2,
    )


def report(as_of: date, level: int | None = None, parent: str | None = None) -> list[dict]:
    """The coverage report's units (of a level, under a parent) within the user's scope."""
    found = coverage.coverage_report(
        db(), config(), as_of, level=level, parent=parent, scope=current_actor().scope
    )
    return found["units"]


@bp.get("/map")
def map_page() -> Response:
    """The grid map: unit boundaries, households, gaps and workers over a configured base map."""
    _as_of, raw = as_of_arg()
    focus = request.args.get("unit", "")
    cfg = config()
    page = build_map_page(
        nonce=csp_nonce(),
        text=map_texts(),
        as_of=raw,
        basemap_url=cfg.basemap_url,
        basemap_attribution=cfg.basemap_attribution,
        lang=html_lang(),
        nav_html=render_template("_nav.html", active="map"),
        focus=focus if focus.isdigit() and len(focus) in CODE_LENGTHS else None,
        can_edit=current_user.role == "admin",
    )
    return Response(page, mimetype="text/html")


@bp.get("/units/<code>")
def unit_page(code: str) -> str:
    """One unit: its figures, this year's monitoring, a small map, children, pairings, downloads."""
    as_of, raw = as_of_arg()
    figures = unit_figures(code, as_of)
    level = figures["level"]
    children: list[dict] = []
    if level < 4:
        children = [with_rates(u) for u in report(as_of, level=level + 1, parent=code)]
    box = unit_bbox(code)
    cfg = config()
    words = map_texts()
    fragment = build_unit_map(
        nonce=csp_nonce(),
        unit=figures,
        children={c["code"]: c["uncovered_share"] for c in children},
        text=words,
        bounds=((box[1], box[0]), (box[3], box[2])) if box else None,
        as_of=raw,
        basemap_url=cfg.basemap_url,
        basemap_attribution=cfg.basemap_attribution,
    )
    return render_template(
        "unit.html",
        active="unit",
        as_of=as_of,
        unit=with_rates(figures),
        trail=ancestors(code),
        children=children,
        child_level=level + 1 if level < 4 else None,
        map=fragment,
        pairings=projects.unit_pairings(db(), current_actor().scope, code),
        pairing_kinds=words["pairing_kind"],
        monitoring=unit_monitoring(code, as_of),
    )


@bp.get("/coverage")
def coverage_page() -> str:
    """The coverage report for one level (townships by default) with its download."""
    as_of, _raw = as_of_arg()
    raw_level = request.args.get("level", "2")
    level = int(raw_level) if raw_level in ("1", "2", "3", "4") else 2
    everything = report(as_of)  # one query for all levels: parents' names come with it
    names = {u["code"]: u["name"] for u in everything}
    units = [u for u in everything if u["level"] == level]
    top = totals([u for u in everything if u["parent"] not in names])
    total = totals(units) if level > 1 else None
    return render_template(
        "coverage.html",
        active="coverage",
        as_of=as_of,
        level=level,
        units=[with_rates(u) for u in units],
        parents={u["code"]: names.get(u["parent"]) for u in units} if level > 2 else None,
        total=total,
        left_out=top["households"] - total["households"] if total else 0,
    )


def unit_figures(code: str, as_of: date) -> dict:
    """The coverage figures of a unit; NotFound for a code that names no current unit."""
    if not code.isdigit() or len(code) not in CODE_LENGTHS:
        raise NotFound(_("There is no grid unit with the code %(code)s.", code=code[:40]))
    try:
        return coverage.unit_figures(db(), config(), code, as_of, current_actor().scope)
    except NotFound:
        # Unknown and outside the user's scope look the same: no unit by that code.
        raise NotFound(_("There is no grid unit with the code %(code)s.", code=code)) from None


def _search_exact(code: str) -> dict | None:
    found = grids.search_units(db(), code, current_actor().scope)
    return next((u for u in found if u["code"] == code), None)


def unit_bbox(code: str) -> list[float] | None:
    """[minx, miny, maxx, maxy] of a unit, for fitting its map."""
    found = _search_exact(code)
    return found["bbox"] if found else None


def ancestors(code: str) -> list[tuple[str, str | None]]:
    """(code, name) of the units above `code`, county first; name None outside the scope."""
    trail: list[tuple[str, str | None]] = []
    for n in CODE_LENGTHS[:-1]:
        if n < len(code):
            found = _search_exact(code[:n])
            trail.append((code[:n], found["name"] if found else None))
    return trail


@bp.errorhandler(GridmapError)
def _page_error(exc: GridmapError):  # type: ignore[no-untyped-def]
    """Errors on pages are pages (the API answers JSON)."""
    template = "not_found.html" if isinstance(exc, NotFound) else "error.html"
    return render_template(template, message=exc.message, active=None), exc.status
