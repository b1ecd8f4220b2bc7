"""The grid map page in real headless Chromium: offline, layered, escaped, bilingual."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from gridmap.maps import VECTORGRID_JS
from tests.browser.conftest import PageWatch
from tests.grid_fixtures import XSS_NAME

#: The tiny county: 1 county, 2 townships, 4 villages, 8 groups.
COUNTS = {1: 1, 2: 2, 3: 4, 4: 8}
LABELS_ZH = ["县", "乡镇", "行政村", "村民小组"]
LABELS_EN = ["County", "Townships", "Villages", "Villager groups"]

PATHS = "path.leaflet-interactive"
OVERLAY_LABELS = ".leaflet-control-layers-overlays label"


def open_map(page: Page, base_url: str, query: str = "") -> None:
    """Open /map and wait until the county and township layers have arrived."""
    response = page.goto(f"{base_url}/map{query}")
    assert response is not None and response.ok, response and response.status
    page.wait_for_selector("body[data-units-1][data-units-2]", state="attached")


def overlay(page: Page, name: str):  # type: ignore[no-untyped-def]
    """The layer control's checkbox for the layer called `name`."""
    return page.locator(OVERLAY_LABELS).filter(has_text=name).locator("input")


def test_map_stays_on_host_and_has_no_errors(page: Page, live_server: str, watch: PageWatch):
    open_map(page, live_server)
    overlay(page, "行政村").check()  # hidden levels load when first shown
    overlay(page, "村民小组").check()
    page.wait_for_selector("body[data-units-3][data-units-4]", state="attached")
    page.wait_for_load_state("networkidle")

    assert watch.off_host == []
    assert watch.requests and all(url.startswith(live_server) for url in watch.requests)
    assert watch.failed == []
    assert watch.errors == []
    for level, count in COUNTS.items():
        assert page.get_attribute("body", f"data-units-{level}") == str(count)


def test_four_levels_in_layer_control_and_toggling(page: Page, live_server: str, watch):
    open_map(page, live_server)
    expect(page.locator(OVERLAY_LABELS)).to_have_text(LABELS_ZH)
    paths = page.locator(PATHS)
    expect(paths).to_have_count(COUNTS[1] + COUNTS[2])

    overlay(page, "行政村").check()
    expect(paths).to_have_count(COUNTS[1] + COUNTS[2] + COUNTS[3])
    overlay(page, "乡镇").uncheck()
    expect(paths).to_have_count(COUNTS[1] + COUNTS[3])
    overlay(page, "乡镇").check()
    expect(paths).to_have_count(COUNTS[1] + COUNTS[2] + COUNTS[3])
    assert watch.errors == []


def test_html_in_a_name_shows_as_text(page: Page, live_server: str, watch: PageWatch):
    open_map(page, live_server)
    overlay(page, "行政村").check()
    page.wait_for_selector("body[data-units-3]", state="attached")
    box = page.evaluate(
        """(name) => {
            const map = window[document.querySelector(".folium-map").id];
            let found = null;
            map.eachLayer((layer) => {
                const props = layer.feature && layer.feature.properties;
                if (props && props.level === 3 && props.name === name) { found = layer; }
            });
            const r = found._path.getBoundingClientRect();
            return {x: r.x + r.width / 2, y: r.y + r.height / 2};
        }""",
        XSS_NAME,
    )
    page.mouse.move(box["x"], box["y"])
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text(XSS_NAME)
    assert tooltip.locator("img").count() == 0
    assert page.locator("img[src='x']").count() == 0
    page.wait_for_timeout(300)  # an injected onerror would have fired by now
    assert watch.dialogs == []
    assert watch.errors == []


def test_language_is_chosen_by_query_and_remembered(page: Page, live_server: str, watch):
    open_map(page, live_server, "?lang=en")
    expect(page.locator(OVERLAY_LABELS)).to_have_text(LABELS_EN)
    assert page.get_attribute("html", "lang") == "en"
    assert page.title() == "Grid map"

    open_map(page, live_server)  # the session remembers English
    expect(page.locator(OVERLAY_LABELS)).to_have_text(LABELS_EN)

    open_map(page, live_server, "?lang=zh")
    expect(page.locator(OVERLAY_LABELS)).to_have_text(LABELS_ZH)
    assert page.get_attribute("html", "lang") == "zh-Hans-CN"
    assert page.title() == "网格地图"


def test_root_leads_to_the_map(page: Page, live_server: str, watch: PageWatch):
    page.goto(f"{live_server}/")
    assert page.url == f"{live_server}/map"


def test_vendored_vectorgrid_handles_clicks_on_leaflet_19(page: Page, live_server, watch):
    """Leaflet 1.9 has no L.DomEvent.fakeStop; the vendored VectorGrid must not call it."""
    open_map(page, live_server)
    page.add_script_tag(url=VECTORGRID_JS)
    page.evaluate(
        """() => {
            const map = window[document.querySelector(".folium-map").id];
            const b = map.getBounds();
            const square = {type: "Feature", properties: {name: "tile"}, geometry: {
                type: "Polygon", coordinates: [[
                    [b.getWest(), b.getSouth()], [b.getEast(), b.getSouth()],
                    [b.getEast(), b.getNorth()], [b.getWest(), b.getNorth()],
                    [b.getWest(), b.getSouth()]]]}};
            window.vectorClicks = 0;
            const grid = L.vectorGrid.slicer({type: "FeatureCollection", features: [square]}, {
                rendererFactory: L.canvas.tile,
                interactive: true,
                vectorTileLayerStyles: {sliced: {fill: true, fillOpacity: 0.2, weight: 1}},
            });
            grid.on("click", () => { window.vectorClicks += 1; });
            grid.addTo(map);
            grid.bringToFront();
            map.eachLayer((layer) => { if (layer.feature) { layer.remove(); } });
        }"""
    )
    page.wait_for_selector("canvas.leaflet-tile-loaded", state="attached")
    page.wait_for_timeout(300)  # tiles are sliced in a worker
    size = page.viewport_size or {"width": 1280, "height": 720}
    page.mouse.click(size["width"] / 2, size["height"] / 2)
    page.wait_for_timeout(300)
    assert watch.errors == []  # unpatched: "L.DomEvent.fakeStop is not a function"
    page.wait_for_function("window.vectorClicks > 0", timeout=5000)


def test_vendored_marker_icons_and_fonts_load(page: Page, live_server: str, watch: PageWatch):
    """folium's marker icons (glyphicon and Font Awesome) find their sprites and fonts locally."""
    open_map(page, live_server)
    page.evaluate(
        """() => {
            const map = window[document.querySelector(".folium-map").id];
            const c = map.getCenter();
            const icon = (prefix, name) => L.AwesomeMarkers.icon(
                {prefix: prefix, icon: name, markerColor: "red", extraClasses: "fa-rotate-90"});
            L.marker(c, {icon: icon("glyphicon", "info-sign")}).addTo(map);
            L.marker([c.lat + 0.005, c.lng], {icon: icon("fa", "home")}).addTo(map);
        }"""
    )
    page.wait_for_load_state("networkidle")
    statuses = page.evaluate(
        """async () => {
            await document.fonts.ready;
            const status = {};
            document.fonts.forEach((face) => {
                if (face.status === "loaded") { status[face.family.replace(/"/g, "")] = true; }
            });
            return status;
        }"""
    )
    assert statuses.get("Glyphicons Halflings") and statuses.get("Font Awesome 6 Free")
    assert any("glyphicons-halflings-regular.woff2" in url for url in watch.requests)
    assert any("fa-solid-900.woff2" in url for url in watch.requests)
    assert any("markers-soft" in url for url in watch.requests)
    assert watch.failed == [] and watch.off_host == [] and watch.errors == []
