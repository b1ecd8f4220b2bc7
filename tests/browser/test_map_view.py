"""What the grid map shows where: units fitted clear of the panel and controls (at start,
linked or chosen in the filter), group names, the village panel's groups without a worker,
households outside the grid, the top bar.

The live database holds the tiny county (2 townships, 4 villages, 8 groups); group
341890101200001 has household H3 and no worker, H4 lies outside the county.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageWatch
from tests.browser.helpers import fitted, not_free, open_map

COUNTY = "341890"
TOWNSHIP_2 = "341890101"  # the county's east half


def test_the_county_is_fitted_clear_of_the_legend_and_controls(page: Page, live_server, watch):
    open_map(page, live_server)
    fitted(page, COUNTY)
    assert not_free(page, live_server, COUNTY) == []
    assert watch.errors == []


# The county is wider than the map left of the panel: unpadded, the panel would cover it.
@pytest.mark.parametrize("code", [TOWNSHIP_2, COUNTY])
def test_a_linked_unit_is_fitted_clear_of_the_panel_and_legend(
    page: Page, live_server, watch, code
):
    open_map(page, live_server, f"?unit={code}")
    expect(page.locator(f"#gm-panel[data-code='{code}']")).to_be_visible()
    fitted(page, code)  # the fit to the unit: it follows the panel
    assert not_free(page, live_server, code) == []
    assert watch.errors == []


def test_a_chosen_township_is_fitted_clear_of_the_legend(page: Page, live_server, watch):
    open_map(page, live_server)
    fitted(page, COUNTY)
    page.select_option("#gm-township", TOWNSHIP_2)
    fitted(page, TOWNSHIP_2)
    assert not_free(page, live_server, TOWNSHIP_2) == []
    page.select_option("#gm-township", "")
    fitted(page, COUNTY)
    assert not_free(page, live_server, COUNTY) == []
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
