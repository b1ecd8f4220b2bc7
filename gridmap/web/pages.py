"""HTML pages: dashboard, grid map (folium), unit pages and the coverage report."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user

from gridmap.access import counties
from gridmap.core import vocab
from gridmap.core.errors import NotFound
from gridmap.coverage import report as coverage
from gridmap.grid import grids
from gridmap.maps.pages import build_map_page, build_unit_map
from gridmap.maps.text import N_, all_texts
from gridmap.projects import funded as projects
from gridmap.web import params
from gridmap.web.api import unit_monitoring
from gridmap.web.auth import COUNTY_CHOICE, current_actor, report_actor
from gridmap.web.basemap_choice import page_basemap
from gridmap.web.context import config, db
from gridmap.web.i18n import html_lang
from gridmap.web.security import csp_nonce

bp = Blueprint("pages", __name__)

#: Each language is named in its own language, so anyone can find theirs.
LANGUAGES = (("zh_Hans_CN", "中文"), ("en", "English"))
COUNT_KEYS = ("households", "monitored", "outside_grid", "no_worker", "no_contact")
COUNT_KEYS += ("overdue", "covered", "visited")


#: Pages in the navigation: (endpoint, key for `active`, label, capability needed; None: all).
NAV_PAGES = (
    ("pages.index", "index", N_("Overview"), None),
    ("pages.map_page", "map", N_("Map"), None),
    ("pages.coverage_page", "coverage", N_("Coverage report"), None),
    ("field.visit_form", "visit", N_("Record a visit"), vocab.RECORD_VISITS),
    ("field.campaigns_page", "campaigns", N_("Campaigns"), vocab.FOLLOW_CAMPAIGNS),
    ("monitoring.index", "monitoring", N_("Monitoring"), vocab.READ_MONITORING),
    ("projects.projects_page", "projects", N_("Funded projects"), None),
    ("inspections.index", "inspections", N_("Inspections"), vocab.PLAN_INSPECTIONS),
    ("admin.import_page", "import", N_("Import"), vocab.IMPORT),
    ("admin.audit_page", "audit", N_("Audit log"), vocab.READ_AUDIT),
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
        "vocab": vocab,
        # Called by the map templates only: the choice looks at the database.
        "basemap": page_basemap,
        # A page's own forms keep the counties chosen for it.
        "chosen_counties": params.counties(),
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
    views = current_app.view_functions
    return [
        (endpoint, key, _(label))
        for endpoint, key, label, capability in NAV_PAGES
        if endpoint in views and (capability is None or current_user.may(capability))
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


def _prefix(endpoint: str, key: str) -> str:
    """The URL of `endpoint` up to its last part, which the scripts append (a code)."""
    url = url_for(endpoint, **{key: "0"})
    assert url.endswith("/0")
    return url[:-1]


def _tile_template(layer: str, query: dict[str, str]) -> str:
    """The tile URL of `layer` with {z}/{x}/{y} for Leaflet to fill (and `query`)."""
    url = url_for("tiles.tile", layer=layer, z=0, x=0, y=0)
    assert url.endswith("/0/0/0.pbf")
    template = url[: -len("0/0/0.pbf")] + "{z}/{x}/{y}.pbf"
    return f"{template}?{urlencode(query)}" if query else template


def map_urls(county: str | None = None) -> dict[str, str]:
    """Where the map scripts find their data (the lists of `county` when one is chosen)."""
    query = {"county": county} if county else {}
    return {
        "unitTiles": _tile_template("units", query),
        "householdTiles": _tile_template("households", query),
        "units": url_for("api.units", **query),
        "unit": _prefix("api.unit_detail", "code"),
        "households": url_for("api.households", **query),
        "household": _prefix("api.household", "code"),
        "workers": url_for("api.workers", **query),
        "gaps": url_for("api.gaps", **query),
        "search": url_for("api.search", **query),
        "unitPage": _prefix("pages.unit_page", "code"),
        "projects": url_for("projects.api_projects", **query),
        "pairingsXlsx": url_for("projects.pairings_xlsx", **query),
    }


def language_links() -> list[tuple[str, str, bool]]:
    """(label, URL of this page in that language, is current) for the language switch."""
    if request.endpoint is None:
        return []
    args = {k: v for k, v in request.args.lists() if k != "lang"}
    current = html_lang().replace("-", "_")
    return [
        (label, url_for(request.endpoint, **(request.view_args or {}), **args, lang=code),
         current == code)
        for code, label in LANGUAGES
    ]  # fmt: skip


def page_url(endpoint: str, **values: object) -> str:
    """URL of a page keeping this one's date (?as_of=, when a date) and counties (?county=)."""
    raw = request.args.get("as_of", "")
    if raw and "as_of" not in values and _is_date(raw):
        values["as_of"] = raw
    chosen = params.counties()
    if chosen and "county" not in values:
        values["county"] = chosen
    return url_for(endpoint, **values)


def _is_date(raw: str) -> bool:
    try:
        date.fromisoformat(raw)
    except ValueError:
        return False
    return True


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
    as_of, _raw = params.as_of_given()
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
        row_level=rows[0]["level"] if rows else vocab.TOWNSHIP,
    )


def report(as_of: date, level: int | None = None, parent: str | None = None) -> list[dict]:
    """The coverage report's units (of a level, under a parent) within the user's scope."""
    found = coverage.coverage_report(
        db(), config(), as_of, level=level, parent=parent, scope=report_actor(parent).scope
    )
    return found["units"]


@bp.get("/map")
def map_page() -> Response:
    """The grid map: unit boundaries, households, gaps and workers over a configured base map."""
    _as_of, raw = params.as_of_given()
    choices, county = map_county()
    picker = render_template(
        "_county_picker.html", choices=choices, chosen=county, as_of=raw, roll_up=counties.ROLL_UP
    )
    page = build_map_page(
        nonce=csp_nonce(),
        text=map_texts(),
        as_of=raw,
        basemap=page_basemap(),
        lang=html_lang(),
        nav_html=render_template("_nav.html", active="map"),
        focus=params.lenient_unit_code("unit"),
        can_edit=current_user.may(vocab.EDIT_GRID),
        urls=map_urls(county),
        panel_html=picker if choices else "",
        county_required=bool(choices) and county is None,
    )
    return Response(page, mimetype="text/html")


def map_county() -> tuple[list[dict], str | None]:
    """The counties to pick on the map (none when the account sees one) and the one shown."""
    scope = current_actor().scope
    asked = params.counties()[:1]
    if asked:
        counties.choose(db(), scope, asked, how=COUNTY_CHOICE, words=params.wording)
    choices = counties.county_choices(db(), scope)
    if len(choices) < 2:
        return [], asked[0] if asked else None
    focus = params.lenient_unit_code("unit")
    if not asked and focus:
        # A unit to show (?unit=) picks its own county.
        asked = [c["code"] for c in choices if c["code"] == vocab.unit_at(focus, vocab.COUNTY)]
    return choices, asked[0] if asked else None


@bp.get("/units/<code>")
def unit_page(code: str) -> str:
    """One unit: its figures, this year's monitoring, a small map, children, pairings, downloads."""
    as_of, raw = params.as_of_given()
    figures = unit_figures(code, as_of)
    level = figures["level"]
    children: list[dict] = []
    if level < vocab.GROUP:
        children = [with_rates(u) for u in report(as_of, level=level + 1, parent=code)]
    box = unit_bbox(code)
    words = map_texts()
    fragment = build_unit_map(
        nonce=csp_nonce(),
        unit=figures,
        children={c["code"]: c["uncovered_share"] for c in children},
        text=words,
        bounds=((box[1], box[0]), (box[3], box[2])) if box else None,
        as_of=raw,
        basemap=page_basemap(),
        urls=map_urls(),
    )
    return render_template(
        "unit.html",
        active="unit",
        as_of=as_of,
        unit=with_rates(figures),
        trail=ancestors(code),
        children=children,
        child_level=level + 1 if level < vocab.GROUP else None,
        map=fragment,
        pairings=projects.unit_pairings(db(), current_actor().scope, code),
        pairing_kinds=words["pairing_kind"],
        monitoring=unit_monitoring(code, as_of),
    )


@bp.get("/coverage")
def coverage_page() -> str:
    """The coverage report for one level (townships by default) with its download."""
    as_of, _raw = params.as_of_given()
    level = params.level_or(vocab.TOWNSHIP)
    everything = report(as_of)  # one query for all levels: parents' names come with it
    names = {u["code"]: u["name"] for u in everything}
    units = [u for u in everything if u["level"] == level]
    top = totals([u for u in everything if u["parent"] not in names])
    total = totals(units) if level > vocab.COUNTY else None
    return render_template(
        "coverage.html",
        active="coverage",
        as_of=as_of,
        level=level,
        units=[with_rates(u) for u in units],
        parents={u["code"]: names.get(u["parent"]) for u in units}
        if level > vocab.TOWNSHIP
        else None,
        total=total,
        left_out=top["households"] - total["households"] if total else 0,
    )


def unit_figures(code: str, as_of: date) -> dict:
    """The coverage figures of a unit; NotFound for a code that names no current unit."""
    if not vocab.is_unit_code(code):
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
    for above in vocab.ancestors_and_self(code)[:-1]:
        found = _search_exact(above)
        trail.append((above, found["name"] if found else None))
    return trail
