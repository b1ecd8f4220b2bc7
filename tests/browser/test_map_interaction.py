"""Working with the grid map in headless Chromium: clicks, search, filter, workers, escaping.

The live database holds the tiny county (2 townships, 4 villages, 8 groups) with
households H1 (overdue), H2 (monitored, no contact), H3 (group without worker),
H4 (outside the county) and worker W1 serving group 341890100200001.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PageWatch, log_in
from tests.browser.helpers import (
    click_at_m,
    drawn_households,
    fitted,
    not_free,
    open_map,
    overlay,
    panel_values,
    screen_point,
    wait_for_tiles,
)
from tests.grid_fixtures import XSS_NAME
from tests.household_fixtures import lonlat_m

TOWNSHIP_1 = "341890100"
VILLAGE_12 = "341890100201"  # named 12村
GROUP_1 = "341890100200001"
XSS_VILLAGE = "341890101201"


def test_clicking_a_unit_shows_its_figures(page: Page, live_server: str, watch: PageWatch):
    open_map(page, live_server)
    wait_for_tiles(page)
    click_at_m(page, 1500, 2500)  # inside township 1, away from every household
    page.wait_for_selector(f"#gm-panel[data-code='{TOWNSHIP_1}'][data-loaded]")
    api = page.request.get(f"{live_server}/api/v1/units/{TOWNSHIP_1}").json()
    shown = panel_values(page)
    for key in ("households", "monitored", "workers_active", "outside_grid", "no_worker"):
        assert shown[key] == str(api[key]), key
    for key in ("no_contact", "overdue", "covered"):
        assert shown[key] == str(api[key]), key
    assert float(shown["uncovered_share"]) == api["uncovered_share"]
    assert float(shown["load_per_worker"]) == api["load_per_worker"]
    panel = page.locator("#gm-panel")
    expect(panel.locator(".gm-title")).to_have_text(api["name"])
    expect(panel.locator(".gm-row[data-key='households'] .gm-value")).to_have_text("3")
    expect(panel.locator(".gm-row[data-key='uncovered_share'] .gm-value")).to_have_text("100.0%")
    expect(panel.locator("a", has_text="查看网格详情")).to_have_attribute(
        "href", f"/units/{TOWNSHIP_1}"
    )
    expect(panel.locator("#gm-panel-edit")).to_have_count(0)  # reviewers do not edit
    panel.locator(".gm-panel-close").click()
    expect(panel).to_be_hidden()
    assert watch.errors == []


def test_clicking_a_household_shows_its_details(page: Page, live_server: str, watch):
    open_map(page, live_server)
    wait_for_tiles(page)
    click_at_m(page, 600, 500)
    page.wait_for_selector("#gm-panel[data-code='H2'][data-loaded]")
    api = page.request.get(f"{live_server}/api/v1/households/H2").json()
    shown = panel_values(page)
    assert shown["coverage_status"] == api["coverage_status"] == "no_contact"
    assert shown["category"] == "monitored"
    panel = page.locator("#gm-panel")
    expect(panel.locator(".gm-row[data-key='category'] .gm-value")).to_have_text("监测对象")
    expect(panel.locator(".gm-row[data-key='coverage_status']")).to_contain_text("无帮扶联系人")
    expect(panel.locator(".gm-row[data-key='unit']")).to_contain_text(api["unit"])
    assert watch.errors == []


def test_household_details_show_what_the_api_gives(page: Page, live_server: str, watch):
    """A reviewer sees personal values as the API sends them (masked for non-admins)."""
    open_map(page, live_server)
    wait_for_tiles(page)
    click_at_m(page, 500, 500)
    page.wait_for_selector("#gm-panel[data-code='H1'][data-loaded]")
    api = page.request.get(f"{live_server}/api/v1/households/H1").json()
    shown = panel_values(page)
    for key in ("head_name", "id_number", "phone"):
        assert shown[key] == (api[key] or ""), key
    assert "13812345678" not in page.inner_text("#gm-panel")


def test_search_by_name_jumps_to_the_unit(page: Page, live_server: str, watch: PageWatch):
    open_map(page, live_server)
    page.fill(".gm-search input", "12村")
    page.locator(".gm-result", has_text="12村").click()
    page.wait_for_selector(f"#gm-panel[data-code='{VILLAGE_12}'][data-loaded]")
    fitted(page, VILLAGE_12)
    assert not_free(page, live_server, VILLAGE_12) == []  # in view, clear of the panel
    assert watch.errors == []


def test_search_by_code_and_enter(page: Page, live_server: str, watch: PageWatch):
    open_map(page, live_server)
    zoom = page.evaluate("() => gridmap.app.map.getZoom()")
    page.fill(".gm-search input", GROUP_1)
    page.press(".gm-search input", "Enter")
    page.wait_for_selector(f"#gm-panel[data-code='{GROUP_1}'][data-loaded]")
    fitted(page, GROUP_1)
    assert page.evaluate("() => gridmap.app.map.getZoom()") > zoom
    assert not_free(page, live_server, GROUP_1) == []
    assert watch.errors == []


def test_html_in_a_name_shows_as_text(page: Page, live_server: str, watch: PageWatch):
    open_map(page, live_server)
    page.fill(".gm-search input", XSS_VILLAGE)
    result = page.locator(".gm-result").first
    expect(result).to_contain_text(XSS_NAME)
    result.click()
    panel = page.locator("#gm-panel")
    page.wait_for_selector(f"#gm-panel[data-code='{XSS_VILLAGE}'][data-loaded]")
    expect(panel.locator(".gm-title")).to_have_text(XSS_NAME)
    page.evaluate("() => gridmap.app.map.setZoom(15)")  # villages are named from here
    page.wait_for_selector("body[data-gm-level='3']", state="attached")
    expect(page.locator(".gm-label-text", has_text=XSS_NAME)).to_have_count(1)
    assert page.locator("img[src='x']").count() == 0
    watch.settle(page)  # an injected image's request has its answer and its onerror has run
    assert watch.dialogs == []
    assert watch.errors == []


def test_township_filter_narrows_every_layer(page: Page, live_server: str, watch: PageWatch):
    open_map(page, live_server)
    page.wait_for_load_state("networkidle")
    seen = len(watch.requests)
    page.select_option("#gm-township", "341890101")
    page.wait_for_selector("body[data-gm-township='341890101']", state="attached")
    page.wait_for_selector("body[data-gm-outside='0']", state="attached")  # H4 is outside it
    page.wait_for_function("() => !gridmap.layers.registry.households.grid.isLoading()")
    later = watch.requests[seen:]
    for layer in ("units", "households"):
        tiles = [u for u in later if f"/tiles/{layer}/" in u]
        assert tiles and all("unit=341890101" in u for u in tiles), layer
    assert any("/api/v1/households?" in u and "unit=341890101" in u for u in later)
    lon_w, _ = lonlat_m(4000, 0)
    assert page.evaluate("() => gridmap.app.map.getCenter().lng") > lon_w
    assert drawn_households(page) == {}  # all four households lie in township 1 or outside
    page.select_option("#gm-township", "")
    page.wait_for_selector("body[data-gm-township='']", state="attached")
    assert watch.errors == []


def test_workers_layer_shows_the_workers_home(page: Page, live_server: str, watch):
    open_map(page, live_server)
    overlay(page, "网格员住址").check()
    worker = page.locator(".gm-worker")
    expect(worker).to_have_count(1)
    expect(worker).to_have_class(re.compile(r"\bgm-worker-active\b"))
    home = screen_point(page, 550, 550)
    box = worker.bounding_box()
    assert box and abs(box["x"] + box["width"] / 2 - home["x"]) < 2
    worker.click()
    page.wait_for_selector("#gm-panel[data-kind='worker'][data-code='W1']")
    expect(page.locator("#gm-panel .gm-row[data-key='groups']")).to_contain_text("341890100200001")
    assert watch.errors == []


def test_counts_below_point_zoom(page: Page, live_server: str, watch: PageWatch):
    open_map(page, live_server)
    page.evaluate("() => gridmap.app.map.setZoom(12, {animate: false})")
    page.wait_for_selector(
        "body[data-gm-counts='2']", state="attached"
    )  # two groups with households
    circles = page.locator(".leaflet-gm-households-pane path.leaflet-interactive")
    expect(circles).to_have_count(2)
    expect(page.locator("#gm-legend .gm-hint")).to_contain_text("放大地图可查看每一户")
    circles.first.click()
    page.wait_for_selector("#gm-panel[data-kind='unit'][data-loaded]")
    assert len(page.get_attribute("#gm-panel", "data-code") or "") == 15
    assert watch.errors == []


def scoped_page(browser: Browser, live_server: str, username: str) -> tuple[Page, list[str]]:
    """A page logged in as `username`, with the console errors it logs."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server, username)
    return page, errors


def test_township_staff_see_their_township_only(browser: Browser, live_server: str):
    page, errors = scoped_page(browser, live_server, "township")
    open_map(page, live_server)
    assert page.get_attribute("body", "data-gm-units-2") == "1"
    expect(page.locator("#gm-township")).to_have_count(0)  # nothing to choose from
    expect(page.locator(".gm-label-2")).to_have_text(["第1镇"])
    wait_for_tiles(page)
    assert set(drawn_households(page)) == {"H1", "H2", "H3"}
    page.context.close()
    assert errors == []


def test_a_grid_worker_sees_their_groups(browser: Browser, live_server: str):
    page, errors = scoped_page(browser, live_server, "worker")
    open_map(page, live_server)
    assert page.get_attribute("body", "data-gm-units-4") == "1"
    assert page.get_attribute("body", "data-gm-level") == "4"
    expect(page.locator(".gm-label-4")).to_have_text(["1组"])
    overlay(page, "网格员住址").check()
    expect(page.locator(".gm-worker")).to_have_count(1)
    wait_for_tiles(page)
    assert set(drawn_households(page)) == {"H1", "H2"}
    page.context.close()
    assert errors == []


def test_administrators_reach_the_editor_from_the_unit_panel(browser: Browser, live_server: str):
    page, errors = scoped_page(browser, live_server, "admin")
    open_map(page, live_server, f"?unit={TOWNSHIP_1}")
    panel = page.locator(f"#gm-panel[data-code='{TOWNSHIP_1}'][data-loaded]")
    expect(panel.locator("#gm-panel-edit")).to_have_text("编辑边界")
    expect(panel.locator("#gm-panel-history")).to_have_attribute(
        "href", f"/units/{TOWNSHIP_1}/history"
    )
    panel.locator("#gm-panel-edit").click()
    page.wait_for_url(f"**/units/{TOWNSHIP_1}/edit")
    page.context.close()
    assert errors == []
