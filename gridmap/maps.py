"""folium page builders: the grid map, with every asset served from /static/vendor."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import folium
from branca.element import Figure
from folium.map import Layer
from folium.template import Template

VENDOR = "/static/vendor"

#: folium's default scripts, same names, served locally (county intranets have no internet).
LOCAL_JS: list[tuple[str, str]] = [
    ("leaflet", f"{VENDOR}/leaflet/1.9.4/dist/leaflet.js"),
    ("jquery", f"{VENDOR}/jquery/3.7.1/dist/jquery.min.js"),
    ("bootstrap", f"{VENDOR}/bootstrap/5.2.2/dist/js/bootstrap.bundle.min.js"),
    (
        "awesome_markers",
        f"{VENDOR}/leaflet.awesome-markers/2.0.5/dist/leaflet.awesome-markers.js",
    ),
]

#: folium's default stylesheets, same names, served locally.
LOCAL_CSS: list[tuple[str, str]] = [
    ("leaflet_css", f"{VENDOR}/leaflet/1.9.4/dist/leaflet.css"),
    ("bootstrap_css", f"{VENDOR}/bootstrap/5.2.2/dist/css/bootstrap.min.css"),
    ("glyphicons_css", f"{VENDOR}/glyphicons-only-bootstrap/1.0.1/css/bootstrap.min.css"),
    ("awesome_markers_font_css", f"{VENDOR}/fontawesome-free/6.2.0/css/all.min.css"),
    (
        "awesome_markers_css",
        f"{VENDOR}/leaflet.awesome-markers/2.0.5/dist/leaflet.awesome-markers.css",
    ),
    ("awesome_rotate_css", f"{VENDOR}/folium/0.20.0/leaflet.awesome.rotate.css"),
]

#: Vector tiles (Leaflet.VectorGrid, patched for Leaflet 1.9; see static/VENDORED.md).
VECTORGRID_JS = f"{VENDOR}/leaflet.vectorgrid/1.3.0/dist/Leaflet.VectorGrid.bundled.min.js"

#: Grid levels in drawing order: (level number, label key).
LEVELS: tuple[tuple[int, str], ...] = ((1, "county"), (2, "township"), (3, "village"), (4, "group"))

#: Labels used when the caller passes none: the UI speaks Chinese by default.
DEFAULT_LABELS: dict[str, str] = {
    "title": "网格地图",
    "county": "县",
    "township": "乡镇",
    "village": "行政村",
    "group": "村民小组",
    "load_error": "网格数据加载失败，请刷新页面重试。",
    "empty": "尚未导入网格单元。",
}

#: Outline styles per level; coarser levels are drawn heavier so nesting stays readable.
LEVEL_STYLES: dict[int, dict[str, object]] = {
    1: {"color": "#922b21", "weight": 3, "fillColor": "#fdf2e9", "fillOpacity": 0.0},
    2: {"color": "#1f618d", "weight": 2, "fillColor": "#d6eaf8", "fillOpacity": 0.08},
    3: {"color": "#1e8449", "weight": 1.2, "fillColor": "#d5f5e3", "fillOpacity": 0.08},
    4: {"color": "#7d3c98", "weight": 0.8, "dashArray": "3 3", "fillOpacity": 0.05},
}

#: Shown until the first layer arrives and the map fits the county.
CHINA_CENTER = (35.0, 105.0)
PLAIN_BACKGROUND = "#f2efe9"

Bounds = tuple[tuple[float, float], tuple[float, float]]


class LocalMap(folium.Map):
    """A folium Map whose scripts and styles all come from /static/vendor."""

    # New lists, never folium's module-level ones: folium mutates them in add_js_link.
    default_js = list(LOCAL_JS)
    default_css = list(LOCAL_CSS)


class UnitSupport(folium.MacroElement):
    """Page-wide helpers for unit layers: fetch, escaped tooltips, notices."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
            .leaflet-container { background: {{ this.background }}; }
            .gridmap-unit-code { color: #666; font-size: 0.85em; }
            .gridmap-notice { background: #fff; padding: 4px 8px; max-width: 22em; }
            .gridmap-lang { position: absolute; bottom: 24px; right: 10px; z-index: 1000;
                background: rgba(255,255,255,0.85); padding: 2px 6px; border-radius: 4px; }
            .gridmap-lang a { margin: 0 3px; }
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}{{ this.nav_html }}{% endmacro %}
        {% macro script(this, kwargs) %}
        var gridmapUnits = (function () {
            var fitted = {{ (not this.autofit)|tojson }};
            var stack = [];  // unit layers, coarsest first
            function restack(map) {
                // Finer levels stay on top, so hovering finds the smallest unit.
                stack.forEach(function (g) { if (map.hasLayer(g)) { g.bringToFront(); } });
            }
            function describe(props) {
                // textContent, never innerHTML: unit names are user data.
                var box = document.createElement("div");
                var name = document.createElement("strong");
                name.textContent = props.name == null ? "" : String(props.name);
                box.appendChild(name);
                if (props.code != null) {
                    var code = document.createElement("div");
                    code.className = "gridmap-unit-code";
                    code.textContent = String(props.code);
                    box.appendChild(code);
                }
                return box;
            }
            function notice(map, text) {
                var control = L.control({position: "bottomleft"});
                control.onAdd = function () {
                    var box = L.DomUtil.create("div", "gridmap-notice leaflet-bar");
                    box.textContent = text;
                    return box;
                };
                control.addTo(map);
            }
            function loaded(map, group, opts, data) {
                group.addData(data);
                var count = group.getLayers().length;
                document.body.setAttribute("data-units-" + opts.level, String(count));
                if (count && !fitted) {
                    fitted = true;
                    map.fitBounds(group.getBounds());
                }
                if (!count && opts.emptyNotice) { notice(map, opts.emptyNotice); }
                restack(map);
            }
            function load(map, group, opts) {
                fetch(opts.url, {credentials: "same-origin",
                                 headers: {Accept: "application/geo+json, application/json"}})
                    .then(function (response) {
                        if (!response.ok) { throw new Error(response.status + " " + opts.url); }
                        return response.json();
                    })
                    .then(function (data) { loaded(map, group, opts, data); })
                    .catch(function (err) {
                        console.error("grid units not loaded:", err);
                        notice(map, opts.loadError);
                    });
            }
            function layer(map, opts) {
                var group = L.geoJson(null, {
                    style: opts.style,
                    onEachFeature: function (feature, item) {
                        item.bindTooltip(describe(feature.properties || {}), {sticky: true});
                        item.on("mouseover", function () {
                            item.setStyle({weight: opts.style.weight + 2});
                        });
                        item.on("mouseout", function () { group.resetStyle(item); });
                    },
                });
                // Fetched the first time the layer is shown: hidden levels cost nothing.
                group.once("add", function () { load(map, group, opts); });
                group.on("add", function () { restack(map); });
                stack.push(group);
                return group;
            }
            return {layer: layer};
        })();
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, *, autofit: bool, background: str, nav_html: str = ""):
        super().__init__()
        self._name = "UnitSupport"
        self.autofit = autofit
        self.background = background
        self.nav_html = nav_html


class UnitLayer(Layer):
    """The grid units of one level, fetched as GeoJSON from `url` when first shown."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = gridmapUnits.layer(
            {{ this._parent.get_name() }}, {{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, *, name: str, url: str, level: int, show: bool, options: dict):
        # Leaflet's layer control inserts names as HTML.
        super().__init__(name=html.escape(name), overlay=True, control=True, show=show)
        self._name = "UnitLayer"
        self.options = {"url": url, "level": level, "style": LEVEL_STYLES[level], **options}


def build_map_page(
    *,
    units_url_template: str,
    basemap_url: str = "",
    basemap_attribution: str = "",
    labels: Mapping[str, str] | None = None,
    bounds: Bounds | None = None,
    lang: str = "zh-Hans-CN",
    language_links: Sequence[tuple[str, str]] = (),
) -> str:
    """Return the HTML of the grid map page: four unit layers from the API, all assets local."""
    text = {**DEFAULT_LABELS, **(labels or {})}
    fmap = _base_map(basemap_url, basemap_attribution, bounds)
    UnitSupport(
        autofit=bounds is None,
        background=PLAIN_BACKGROUND,
        nav_html=_language_nav(language_links),
    ).add_to(fmap)
    for level, key in LEVELS:
        UnitLayer(
            name=text[key],
            url=units_url_template.format(level=level),
            level=level,
            show=level <= 2,  # county outline and townships; finer levels on demand
            options={
                "loadError": text["load_error"],
                "emptyNotice": text["empty"] if level == 1 else "",
            },
        ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    root = fmap.get_root()
    assert isinstance(root, Figure)  # folium.Map always sits in a Figure
    root.title = html.escape(text["title"])
    return root.render().replace("<html>", f'<html lang="{html.escape(lang)}">', 1)


def _base_map(url: str, attribution: str, bounds: Bounds | None) -> LocalMap:
    """Create the map: an XYZ base layer if configured, else a plain background."""
    fmap = LocalMap(location=CHINA_CENTER, zoom_start=4, tiles=None)
    if url:
        folium.TileLayer(
            tiles=url,
            attr=attribution or " ",  # folium insists on one for custom URLs
            name="basemap",
            overlay=False,
            control=False,
        ).add_to(fmap)
    if bounds is not None:
        fmap.fit_bounds([list(bounds[0]), list(bounds[1])])
    return fmap


def _language_nav(links: Sequence[tuple[str, str]]) -> str:
    """Render the language switch as escaped links (empty when there is nothing to switch)."""
    if not links:
        return ""
    items = "".join(
        f'<a href="{html.escape(href)}">{html.escape(label)}</a>' for label, href in links
    )
    return f'<nav class="gridmap-lang">{items}</nav>'
