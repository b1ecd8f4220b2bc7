"""What the grid map shows where: fitting clear of the panel and controls, group names,
the village panel's groups without a worker, households outside the grid, the top bar.

The live database holds the tiny county (2 townships, 4 villages, 8 groups); group
341890101200001 has household H3 and no worker, H4 lies outside the county.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import PageWatch
from tests.browser.helpers import open_map

TOWNSHIP_2 = "341890101"  # the county's east half

#: Where a unit and what covers the map lie on screen; bounds come from the page's records.
COVERED = """(code) => {
    const map = gridmap.app.map;
    const view = gridmap.app.view;
    const unit = code ? view.data.townships.find((t) => t.code === code) : null;
    const bounds = unit ? unit.bounds : view.whole;
    const box = map.getContainer().getBoundingClientRect();
    const nw = map.latLngToContainerPoint(bounds.getNorthWest());
    const se = map.latLngToContainerPoint(bounds.getSouthEast());
    const rect = (r) => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom});
    const covers = {};
    [["panel", "#gm-panel"], ["legend", "#gm-legend"], ["layers", ".leaflet-control-layers"]]
        .forEach(([name, selector]) => {
            const node = document.querySelector(selector);
            if (node && !node.hidden) { covers[name] = rect(node.getBoundingClientRect()); }
        });
    return {
        unit: {left: box.left + nw.x, top: box.top + nw.y, right: box.left + se.x,
               bottom: box.top + se.y},
        covers: covers,
    };
}"""


def overlaps(a: dict, b: dict) -> bool:
    """Whether two screen rectangles share more than an edge."""
    return (
        a["left"] < b["right"] - 1
        and b["left"] < a["right"] - 1
        and a["top"] < b["bottom"] - 1
        and b["top"] < a["bottom"] - 1
    )


def covered_by(page: Page, code: str | None) -> list[str]:
    """What covers part of the unit `code` (the county when None) on screen."""
    found = page.evaluate(COVERED, code)
    return [name for name, rect in found["covers"].items() if overlaps(found["unit"], rect)]


def test_a_linked_unit_is_fitted_clear_of_the_panel_and_legend(page: Page, live_server, watch):
    open_map(page, live_server, f"?unit={TOWNSHIP_2}")
    page.wait_for_selector(f"body[data-gm-fitted='{TOWNSHIP_2}']", state="attached")
    expect(page.locator(f"#gm-panel[data-code='{TOWNSHIP_2}']")).to_be_visible()
    assert covered_by(page, TOWNSHIP_2) == []
    assert watch.errors == []


def test_group_circles_are_named_at_zoom_12(page: Page, live_server: str, watch: PageWatch):
    open_map(page, live_server)
    page.evaluate("() => gridmap.app.map.setZoom(12, {animate: false})")
    page.wait_for_selector("body[data-gm-counts='2']", state="attached")
    expect(page.locator(".gm-label-4")).to_have_count(8)  # every group of the tiny county
    expect(page.locator(".gm-label-4").first).to_have_text("1组")
    assert watch.errors == []


def test_a_household_outside_every_grid_says_so(page: Page, live_server: str, watch: PageWatch):
    open_map(page, live_server)
    page.evaluate("() => gridmap.app.panel.showHousehold('H4')")
    unit = page.locator("#gm-panel[data-loaded] .gm-row[data-key='unit'] dd")
    expect(unit).to_have_text("网格外")
    expect(unit.locator("button")).to_have_count(0)  # no link to the county
    assert watch.errors == []
