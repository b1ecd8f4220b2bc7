"""folium page builders: the grid map and a unit's small map, every asset from /static."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import Element, Figure
from folium.template import Template

from gridmap.core import vocab
from gridmap.maps.basemap import basemap_settings
from gridmap.maps.layers import (
    AppLayer,
    AppStart,
    NoncedFigure,
    NoncedScriptLinks,
    PageConfig,
    json_for_html,
)

VENDOR = "/static/vendor"

#: Leaflet itself, under folium's names, served locally (county intranets have no internet).
LEAFLET_JS: list[tuple[str, str]] = [("leaflet", f"{VENDOR}/leaflet/1.9.4/dist/leaflet.js")]
LEAFLET_CSS: list[tuple[str, str]] = [("leaflet_css", f"{VENDOR}/leaflet/1.9.4/dist/leaflet.css")]
#: folium's Popup builds its content with jQuery's `$(...)`: pages with popups need it.
JQUERY_JS: list[tuple[str, str]] = [("jquery", f"{VENDOR}/jquery/3.7.1/dist/jquery.min.js")]
#: Bootstrap's stylesheet for a page that is a whole map (other pages get it from base.html):
#: the side panel's buttons and the controls' form fields use its classes.
BOOTSTRAP_CSS: list[tuple[str, str]] = [
    ("bootstrap_css", f"{VENDOR}/bootstrap/5.2.2/dist/css/bootstrap.min.css"),
]
#: Font Awesome's solid glyphs: the grid workers' homes and their legend entry.
FONT_AWESOME_CSS: list[tuple[str, str]] = [
    ("awesome_markers_font_css", f"{VENDOR}/fontawesome-free/6.2.0/css/all.min.css"),
]
#: folium's Icon markers (with Font Awesome): the script, its sprites, the glyphicon font and
#: the rotation classes of `Icon(angle=N)`. No page of the app uses them; the benchmark's
#: reference page does (folium's FastMarkerCluster draws them).
MARKER_JS: list[tuple[str, str]] = [
    (
        "awesome_markers",
        f"{VENDOR}/leaflet.awesome-markers/2.0.5/dist/leaflet.awesome-markers.js",
    ),
]
MARKER_CSS: list[tuple[str, str]] = [
    ("glyphicons_css", f"{VENDOR}/glyphicons-only-bootstrap/1.0.1/css/bootstrap.min.css"),
    (
        "awesome_markers_css",
        f"{VENDOR}/leaflet.awesome-markers/2.0.5/dist/leaflet.awesome-markers.css",
    ),
    ("awesome_rotate_css", f"{VENDOR}/folium/0.20.0/leaflet.awesome.rotate.css"),
]

#: The grid map's folium assets, under folium's names: Leaflet, and the stylesheets its
#: markers and controls use (they are Leaflet's own: circle markers and divIcons).
LOCAL_JS: list[tuple[str, str]] = LEAFLET_JS
LOCAL_CSS: list[tuple[str, str]] = LEAFLET_CSS + BOOTSTRAP_CSS + FONT_AWESOME_CSS

#: Vector tiles (Leaflet.VectorGrid, patched for Leaflet 1.9; see static/VENDORED.md).
VECTORGRID_JS = f"{VENDOR}/leaflet.vectorgrid/1.3.0/dist/Leaflet.VectorGrid.bundled.min.js"

#: Vendored scripts our map modules need besides Leaflet; classic scripts, they run first.
MAP_JS: list[tuple[str, str]] = [("vectorgrid", VECTORGRID_JS)]
UNIT_MAP_JS: list[tuple[str, str]] = [("vectorgrid", VECTORGRID_JS)]
#: The inspection plan's map draws only the base layers with it (OSM vector tiles).
PLAN_MAP_JS: list[tuple[str, str]] = [("vectorgrid", VECTORGRID_JS)]
#: Each map page's entry module: it imports the rest of ours and sets window.gridmap.
MAP_ENTRY = "/static/js/map.js"
UNIT_MAP_ENTRY = "/static/js/unit-map.js"
PLAN_MAP_ENTRY = "/static/js/plan-map.js"
OWN_CSS: list[tuple[str, str]] = [
    ("gridmap_app_css", "/static/css/app.css"),
    ("gridmap_basemap_css", "/static/css/basemap.css"),
    ("gridmap_map_css", "/static/css/map.css"),
    ("gridmap_panel_css", "/static/css/map-panel.css"),
]

#: Where the scripts find the data; every URL stays on this host.
API_URLS: dict[str, str] = {
    "unitTiles": "/tiles/units/{z}/{x}/{y}.pbf",
    "householdTiles": "/tiles/households/{z}/{x}/{y}.pbf",
    "units": "/api/v1/units",
    "unit": "/api/v1/units/",
    "households": "/api/v1/households",
    "household": "/api/v1/households/",
    "workers": "/api/v1/workers",
    "gaps": "/api/v1/gaps",
    "search": "/api/v1/search",
    "unitPage": "/units/",
    "projects": "/api/v1/projects",
    "pairingsXlsx": "/api/v1/pairings.xlsx",
}

#: Outline styles per level; coarser levels are drawn heavier so nesting stays readable.
LEVEL_STYLES: dict[int, dict[str, object]] = {
    1: {"color": "#922b21", "weight": 3},
    2: {"color": "#1f618d", "weight": 2},
    3: {"color": "#1e8449", "weight": 1.2},
    4: {"color": "#7d3c98", "weight": 0.8, "dashArray": "3 3"},
}

#: Status colours: red and purple for the worst gaps, green for covered or visited.
COLOURS: dict[str, dict[str, str]] = {
    "coverage": {
        "outside_grid": "#6a1b9a",
        "no_worker": "#d32f2f",
        "no_contact": "#f57c00",
        "overdue": "#fbc02d",
        "covered": "#388e3c",
    },
    "visit": {
        "never": "#c62828",
        "overdue": "#ef6c00",
        "due_soon": "#f9a825",
        "visited": "#2e7d32",
    },
    "worker": {"active": "#1b5e20", "inactive": "#e65100", "left": "#616161"},
    "gap": {"line": "#c62828"},
    # A visit resting on a far check-in: a dashed ring in a hue no status uses.
    "doubtful": {"ring": "#00b8d4"},
}

#: Zoom rules of the tile endpoints: single households, villages and groups from these zooms.
ZOOMS = dict(vocab.ZOOMS)
#: The fixed lists the map scripts iterate, in their order.
VOCABULARY: dict[str, list] = {
    "codeLengths": list(vocab.CODE_LENGTHS),
    "coverageStatuses": list(vocab.COVERAGE_STATUSES),
    "coverageProblems": list(vocab.COVERAGE_PROBLEMS),
    "workerStatuses": list(vocab.WORKER_STATUSES),
    "projectCategories": list(vocab.PROJECT_CATEGORIES),
    "projectStatuses": list(vocab.PROJECT_STATUSES),
}

#: Shown until the county has arrived and the map fits it.
CHINA_CENTER = (35.0, 105.0)
PLAIN_BACKGROUND = "#f2efe9"

Bounds = tuple[tuple[float, float], tuple[float, float]]

#: Layers of the grid map: (kind in map-layers.js, text key of its name, shown at first).
MAP_LAYERS: tuple[tuple[str, str, bool], ...] = (
    ("units", "layer_units", True),
    ("labels", "layer_labels", True),
    ("households", "layer_households", True),
    ("gaps", "layer_gaps", True),
    ("outside", "layer_outside", True),
    ("workers", "layer_workers", False),
    # Shown at first: one small GeoJSON request, and what the funds built belongs in view.
    ("projects", "layer_projects", True),
)

#: folium's map head (size of the map element, Leaflet's global switches), its script nonced.
_MAP_HEADER = Template(
    """<meta name="viewport" content="width=device-width, initial-scale=1.0, maximum-scale=1.0, """
    """user-scalable=no">
<style nonce="{{ this.get_root().nonce }}">
#{{ this.get_name() }} {
  position: {{ this.position }}; width: {{ this.width[0] }}{{ this.width[1] }};
  height: {{ this.height[0] }}{{ this.height[1] }};
  left: {{ this.left[0] }}{{ this.left[1] }}; top: {{ this.top[0] }}{{ this.top[1] }};
}
.leaflet-container { font-size: {{ this.font_size }}; }
html, body { width: 100%; height: 100%; margin: 0; padding: 0; }
#map { position: absolute; top: 0; bottom: 0; right: 0; left: 0; }
</style>
<script nonce="{{ this.get_root().nonce }}">
L_NO_TOUCH = {{ this.global_switches.no_touch|tojson }};
L_DISABLE_3D = {{ this.global_switches.disable_3d|tojson }};
</script>
"""
)


class LocalMap(NoncedScriptLinks, folium.Map):
    """A folium Map whose scripts and styles all come from /static/vendor.

    It sits in a NoncedFigure: every script tag that the templates write carries the page's
    nonce; markup injected from elsewhere gets none and stays inert.
    """

    # New lists, never folium's module-level ones: folium mutates them in add_js_link.
    default_js = list(LOCAL_JS)
    default_css = list(LOCAL_CSS)

    def __init__(
        self,
        *args: object,
        js: Sequence[tuple[str, str]] = LOCAL_JS,
        css: Sequence[tuple[str, str]] = LOCAL_CSS,
        **kwargs: object,
    ):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.default_js = list(js)
        self.default_css = list(css)
        NoncedFigure().add_child(self)

    def render(self, **kwargs: object) -> Any:
        """Render as folium does, with a head whose script element carries the nonce."""
        rendered = super().render(**kwargs)
        header = Element(_MAP_HEADER.render(this=self, kwargs=kwargs))
        _figure(self).header.add_child(header, name=self.get_name())
        return rendered


@dataclass(frozen=True)
class MapFragment:
    """A folium map cut into parts for a page template: head links, body and script."""

    header: str
    body: str
    script: str


def map_fragment(fmap: folium.Map, nonce: str) -> MapFragment:
    """Cut a rendered map into head links, body and script for a page template.

    The template wraps `script` in its own nonced <script> element.
    """
    root = _nonced_figure(fmap, nonce)
    root.render()
    return MapFragment(
        header=root.header.render(), body=root.html.render(), script=root.script.render()
    )


def map_config(
    text: Mapping[str, object], as_of: str | None, urls: Mapping[str, str] | None = None,
    **extra: object,
) -> dict:  # fmt: skip
    """The JSON the map scripts read: URLs (default API_URLS), colours, zoom rules and words."""
    return {
        "urls": dict(API_URLS if urls is None else urls),
        "asOf": as_of,
        "colours": COLOURS,
        "levelStyles": {str(k): v for k, v in LEVEL_STYLES.items()},
        "zooms": ZOOMS,
        "vocab": VOCABULARY,
        **text,
        **extra,
    }


def build_map_page(
    *,
    nonce: str,
    text: Mapping[str, Mapping[str, str]],
    as_of: str | None = None,
    basemap: Mapping[str, Any] | None = None,
    bounds: Bounds | None = None,
    lang: str = "zh-Hans-CN",
    nav_html: str = "",
    focus: str | None = None,
    can_edit: bool = False,
    urls: Mapping[str, str] | None = None,
    panel_html: str = "",
    county_required: bool = False,
) -> str:
    """Return the HTML of the grid map page; every <script> carries `nonce`.

    `text` holds the translated words by group, as gridmap.map_text.all_texts() names them;
    `basemap` is the page's gridmap.maps.basemap.basemap_settings (default: no base layer);
    `focus` is the code of a unit to zoom to and show in the side panel at once;
    `can_edit` puts links to the boundary editor and history in the unit panel;
    `urls` are where the scripts find the data (the web app's routes; default API_URLS);
    `panel_html` goes at the top of the side panel (the county picker) and `county_required`
    keeps the map empty until a county is picked there.
    """
    words = text["text"]
    basemap = dict(basemap or basemap_settings([]))
    fmap = base_map(basemap, bounds=bounds)
    root = _figure(fmap)
    if nav_html:
        root.html.add_child(Element(nav_html), name="gridmap_nav")
    if panel_html:
        root.html.add_child(Element(panel_html), name="gridmap_panel_top")
    config = map_config(
        text, as_of, urls, fitted=bounds is not None, background=PLAIN_BACKGROUND, focus=focus,
        canEdit=can_edit, basemap=basemap, countyRequired=county_required,
    )  # fmt: skip
    PageConfig(config, entry=MAP_ENTRY, js=MAP_JS, css=OWN_CSS).add_to(fmap)
    for kind, key, show in MAP_LAYERS:
        AppLayer(kind=kind, name=words[key], show=show).add_to(fmap)
    control = folium.LayerControl(collapsed=False)
    control.add_to(fmap)
    AppStart(entry="gridmap.app.start", control=control).add_to(fmap)
    root.title = html.escape(words["title"])
    page = _nonced_figure(fmap, nonce).render()
    return page.replace("<html>", f'<html lang="{html.escape(lang)}">', 1)


def build_unit_map(
    *,
    nonce: str,
    unit: Mapping[str, object],
    children: Mapping[str, float],
    text: Mapping[str, Mapping[str, str]],
    bounds: Bounds | None,
    as_of: str | None = None,
    basemap: Mapping[str, Any] | None = None,
    urls: Mapping[str, str] | None = None,
) -> MapFragment:
    """Return a small map of one unit (outline, children by uncovered share) for a page.

    `children` maps each child's code to its uncovered share (0-1); `basemap` and `urls` as
    for the grid map.
    """
    basemap = dict(basemap or basemap_settings([]))
    fmap = base_map(basemap, bounds=bounds, js=LEAFLET_JS, css=LEAFLET_CSS)
    config = map_config(
        text,
        as_of,
        urls,
        unit={"code": unit["code"], "level": unit["level"], "parent": unit.get("parent")},
        children=dict(children),
        fitted=bounds is not None,
        background=PLAIN_BACKGROUND,
        basemap=basemap,
    )
    PageConfig(config, entry=UNIT_MAP_ENTRY, js=UNIT_MAP_JS, css=OWN_CSS).add_to(fmap)
    AppStart(entry="gridmap.unitMap.start").add_to(fmap)
    return map_fragment(fmap, nonce)


def _figure(fmap: folium.Map) -> Figure:
    root = fmap.get_root()
    assert isinstance(root, Figure)  # folium.Map always sits in a Figure
    return root


def _nonced_figure(fmap: folium.Map, nonce: str) -> NoncedFigure:
    root = fmap.get_root()
    assert isinstance(root, NoncedFigure)  # LocalMap sits in one
    root.nonce = html.escape(nonce)
    return root


def base_map(
    basemap: Mapping[str, Any],
    *,
    location: tuple[float, float] = CHINA_CENTER,
    zoom_start: int = 4,
    bounds: Bounds | None = None,
    js: Sequence[tuple[str, str]] = LOCAL_JS,
    css: Sequence[tuple[str, str]] = LOCAL_CSS,
) -> LocalMap:
    """A map with the shared base map's zoom limit and no tiles: the page's entry module
    draws the base layers, their switch and the scale bar (gridmap-base.js baseMap), as on
    the maps folium does not build."""
    fmap = LocalMap(
        location=location, zoom_start=zoom_start, tiles=None, max_zoom=basemap["maxZoom"],
        js=js, css=css,
    )  # fmt: skip
    if bounds is not None:
        fmap.fit_bounds([list(bounds[0]), list(bounds[1])])
    return fmap


__all__ = [
    "API_URLS",
    "COLOURS",
    "JQUERY_JS",
    "LEAFLET_CSS",
    "LEAFLET_JS",
    "LOCAL_CSS",
    "LOCAL_JS",
    "MAP_ENTRY",
    "MAP_JS",
    "MARKER_CSS",
    "MARKER_JS",
    "OWN_CSS",
    "PLAN_MAP_ENTRY",
    "PLAN_MAP_JS",
    "UNIT_MAP_ENTRY",
    "UNIT_MAP_JS",
    "VECTORGRID_JS",
    "LocalMap",
    "MapFragment",
    "base_map",
    "build_map_page",
    "build_unit_map",
    "json_for_html",
    "map_fragment",
]
