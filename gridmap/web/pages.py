"""HTML pages: the grid map (folium) and, for now, a home page that leads to it."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, url_for
from flask_babel import gettext as _

from gridmap.maps import build_map_page
from gridmap.web.context import config
from gridmap.web.i18n import html_lang

bp = Blueprint("pages", __name__)

UNITS_URL_TEMPLATE = "/api/v1/units?level={level}"

#: Each language is named in its own language, so anyone can find theirs.
LANGUAGE_LINKS = (("中文", "?lang=zh_Hans_CN"), ("English", "?lang=en"))


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    """Send visitors to the map until there is a dashboard."""
    return redirect(url_for("pages.map_page"))


@bp.get("/map")
def map_page() -> Response:
    """Render the grid map: four unit levels loaded from the API over a configured base map."""
    cfg = config()
    page = build_map_page(
        units_url_template=UNITS_URL_TEMPLATE,
        basemap_url=cfg.basemap_url,
        basemap_attribution=cfg.basemap_attribution,
        labels=map_labels(),
        lang=html_lang(),
        language_links=LANGUAGE_LINKS,
    )
    return Response(page, mimetype="text/html")


def map_labels() -> dict[str, str]:
    """Return the map's labels in the request's language."""
    return {
        "title": _("Grid map"),
        "county": _("County"),
        "township": _("Townships"),
        "village": _("Villages"),
        "group": _("Villager groups"),
        "load_error": _("Grid data could not be loaded. Reload the page to try again."),
        "empty": _("No grid units have been imported yet."),
    }
