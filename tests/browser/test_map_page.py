"""The grid map in real headless Chromium: offline, layered, drawn, re-styled, bilingual.

The live database holds the tiny county (2 townships, 4 villages, 8 groups) with
households H1 (overdue), H2 (monitored, no contact), H3 (group without worker),
H4 (outside the county) and worker W1 serving group 341890100200001.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from gridmap.maps.pages import COLOURS, VECTORGRID_JS
from tests.browser.conftest import PageWatch
from tests.browser.helpers import (
    KINDS,
    LAYERS_EN,
    LAYERS_ZH,
    OVERLAY_LABELS,
    drawn_households,
    on_map,
    open_map,
    overlay,
    screen_point,
    wait_for_tiles,
)

EXPECTED = {"H1": "overdue", "H2": "no_contact", "H3": "no_worker", "H4": "outside_grid"}


def test_map_stays_on_host_and_has_no_errors(page: Page, live_server: str, watch: PageWatch):
    open_map(page, live_server)
    overlay(page, "网格员住址").check()
    page.wait_for_selector("body[data-gm-workers]", state="attached")
    page.wait_for_load_state("networkidle")

    assert watch.off_host == []
    assert watch.requests and all(url.startswith(live_server) for url in watch.requests)
    assert watch.failed == []
    assert watch.errors == []  # CSP violations would show here too
    assert page.get_attribute("body", "data-gm-units-1") == "1"
    assert page.get_attribute("body", "data-gm-units-2") == "2"
    assert page.get_attribute("body", "data-gm-outside") == "1"
    assert page.get_attribute("body", "data-gm-gaps") == "0"  # the tiny county has none
    assert page.locator("svg.gm-defs pattern#gm-hatch").count() == 1  # the gaps' hatching


def test_layer_control_names_and_toggles_every_layer(page: Page, live_server: str, watch):
    open_map(page, live_server)
    expect(page.locator(OVERLAY_LABELS)).to_have_text(LAYERS_ZH)
    for name, kind in zip(LAYERS_ZH, KINDS, strict=True):
        box = overlay(page, name)
        was_on = box.is_checked()
        box.set_checked(not was_on)
        assert on_map(page, kind) is (not was_on), kind
        box.set_checked(was_on)
        assert on_map(page, kind) is was_on, kind
    assert watch.errors == []


def test_households_layer_off_and_on_removes_and_redraws_points(page: Page, live_server, watch):
    open_map(page, live_server)
    page.wait_for_function("() => document.querySelectorAll('.gm-label').length === 2")
    wait_for_tiles(page)
    overlay(page, "农户").uncheck()
    expect(page.locator(".leaflet-gm-households-pane canvas")).to_have_count(0)
    overlay(page, "农户").check()
    wait_for_tiles(page)
    assert set(drawn_households(page)) == set(EXPECTED)
    assert watch.errors == []


def test_household_tiles_draw_every_household_by_coverage(page: Page, live_server, watch):
    open_map(page, live_server)
    wait_for_tiles(page)
    drawn = drawn_households(page)
    assert {code: d["coverage"] for code, d in drawn.items()} == EXPECTED
    for code, status in EXPECTED.items():
        assert drawn[code]["fill"] == COLOURS["coverage"][status], code
    painted = page.evaluate(
        """() => [...document.querySelectorAll(".leaflet-gm-households-pane canvas")]
            .reduce((n, c) => n + c.getContext("2d").getImageData(0, 0, c.width, c.height)
                .data.filter((v, i) => i % 4 === 3 && v > 0).length, 0)"""
    )
    assert painted > 4 * 20  # four dots of a few dozen pixels each


def test_visit_colouring_restyles_without_fetching_tiles(page: Page, live_server, watch):
    open_map(page, live_server)
    wait_for_tiles(page)
    page.wait_for_load_state("networkidle")
    before = len([u for u in watch.requests if "/tiles/" in u])
    page.locator("label[for='gm-mode-visit']").click()
    page.wait_for_selector("body[data-gm-mode='visit']", state="attached")
    drawn = drawn_households(page)
    for code, d in drawn.items():
        assert d["fill"] == COLOURS["visit"][d["visit"]], code
    assert drawn["H1"]["fill"] == COLOURS["visit"]["never"]
    expect(page.locator("#gm-legend .gm-legend-statuses li")).to_have_count(4)
    expect(page.locator("#gm-legend")).to_contain_text("从未走访")
    assert len([u for u in watch.requests if "/tiles/" in u]) == before
    page.locator("label[for='gm-mode-coverage']").click()
    assert drawn_households(page)["H1"]["fill"] == COLOURS["coverage"]["overdue"]
    assert watch.errors == []


def test_units_named_as_the_map_zooms(page: Page, live_server: str, watch: PageWatch):
    open_map(page, live_server)
    expect(page.locator(".gm-label-2")).to_have_count(2)
    page.evaluate("() => gridmap.app.map.setZoom(gridmap.app.map.getZoom() + 1)")
    page.wait_for_function("() => Number(document.body.dataset.gmLevel) > 2")
    expect(page.locator(".gm-label-2")).to_have_count(0)
    assert page.locator(".gm-label-3, .gm-label-4").count() > 0
    assert watch.errors == []


def test_language_is_chosen_by_query_and_remembered(page: Page, live_server: str, watch):
    open_map(page, live_server, "?lang=en")
    expect(page.locator(OVERLAY_LABELS)).to_have_text(LAYERS_EN)
    assert page.get_attribute("html", "lang") == "en"
    assert page.title() == "Grid map"
    expect(page.locator("#gm-legend")).to_contain_text("Outside the grid")
    expect(page.locator(".gm-nav")).to_contain_text("Coverage report")

    open_map(page, live_server)  # the session remembers English
    expect(page.locator(OVERLAY_LABELS)).to_have_text(LAYERS_EN)

    open_map(page, live_server, "?lang=zh")
    expect(page.locator(OVERLAY_LABELS)).to_have_text(LAYERS_ZH)
    assert page.get_attribute("html", "lang") == "zh-Hans-CN"
    assert page.title() == "网格地图"
    assert watch.errors == []


def test_vendored_vectorgrid_handles_clicks_on_leaflet_19(page: Page, live_server, watch):
    """Leaflet 1.9 has no L.DomEvent.fakeStop; the vendored VectorGrid must not call it."""
    open_map(page, live_server)
    assert VECTORGRID_JS in page.content()
    page.evaluate(
        """() => {
            const map = gridmap.app.map;
            window.vectorClicks = 0;
            const grid = L.vectorGrid.protobuf("/tiles/households/{z}/{x}/{y}.pbf", {
                rendererFactory: L.canvas.tile,
                interactive: true,
                vectorTileLayerStyles: {households: {radius: 12, fill: true, weight: 1}},
            });
            grid.on("click", () => { window.vectorClicks += 1; });
            grid.addTo(map);
            window.testGrid = grid;
        }"""
    )
    page.wait_for_function("() => window.testGrid._loading === false")
    point = screen_point(page, 2500, 500)  # H3: nothing else of ours is drawn there
    page.evaluate("() => gridmap.layers.registry.households.remove()")
    page.mouse.click(point["x"], point["y"])
    # The click has been handled; an error thrown while handling it was reported before.
    page.wait_for_function("window.vectorClicks > 0", timeout=5000)
    assert watch.errors == []  # unpatched: "L.DomEvent.fakeStop is not a function"


def test_markers_are_leaflets_own_and_their_glyphs_load_locally(page: Page, live_server, watch):
    """No marker plugin: circle markers and divIcons, whose Font Awesome glyph is vendored."""
    open_map(page, live_server)
    page.evaluate(
        """() => {
            const map = gridmap.app.map;
            const c = map.getCenter();
            const glyph = document.createElement("i");
            glyph.className = "fa-solid fa-house-user";
            const icon = L.divIcon({className: "gm-test-icon", html: glyph, iconSize: [24, 24]});
            L.marker(c, {icon: icon}).addTo(map);
            L.circleMarker([c.lat + 0.005, c.lng], {radius: 6, className: "gm-test-circle"})
                .addTo(map);
        }"""
    )
    expect(page.locator(".gm-test-icon i.fa-house-user")).to_be_visible()
    expect(page.locator("path.gm-test-circle")).to_have_count(1)
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
    assert statuses.get("Font Awesome 6 Free")
    assert any("fa-solid-900.woff2" in url for url in watch.requests)
    assert page.evaluate("() => typeof L.AwesomeMarkers") == "undefined"
    for unused in ("awesome-markers", "awesome.rotate", "glyphicons", "jquery"):
        assert not [url for url in watch.requests if unused in url], unused
    assert watch.failed == [] and watch.off_host == [] and watch.errors == []
