"""Dashboard, unit and coverage pages in real headless Chromium: right numbers, no errors."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageWatch
from tests.grid_fixtures import XSS_NAME

COUNTY = "341890"
TOWNSHIP_1 = "341890100"
COUNTS = ("households", "monitored", "workers_active", "outside_grid", "no_worker", "no_contact")


def open_page(page: Page, base_url: str, path: str) -> None:
    """Open a page and check that it answered 200."""
    response = page.goto(f"{base_url}{path}")
    assert response is not None and response.status == 200, response and response.status


def clean(watch: PageWatch) -> None:
    """Nothing left the host, nothing failed, nothing was logged as an error."""
    assert watch.off_host == []
    assert watch.failed == []
    assert watch.errors == []  # CSP violations would show here too
    assert watch.dialogs == []


def card(page: Page, key: str):  # type: ignore[no-untyped-def]
    """The figure card of `key`."""
    return page.locator(f".gm-card[data-key='{key}']")


def test_dashboard_shows_the_county_totals(page: Page, live_server: str, watch: PageWatch):
    open_page(page, live_server, "/")
    county = page.request.get(f"{live_server}/api/v1/units/{COUNTY}").json()
    for key in (*COUNTS, "overdue"):
        expect(card(page, key)).to_have_attribute("data-value", str(county[key]))
        expect(card(page, key).locator(".gm-card-value")).to_have_text(str(county[key]))
    expect(card(page, "households").locator(".gm-card-value")).to_have_text("4")
    expect(card(page, "uncovered_share").locator(".gm-card-value")).to_have_text("100.0%")
    expect(card(page, "visit_rate").locator(".gm-card-value")).to_have_text("0.0%")
    rows = page.locator("table.gm-table tbody tr")
    expect(rows).to_have_count(2)
    first = page.locator(f"tr[data-code='{TOWNSHIP_1}']")
    expect(first.locator("td[data-key='households']")).to_have_text("3")
    expect(first.locator("a")).to_have_attribute("href", f"/units/{TOWNSHIP_1}")
    expect(page.locator(".gm-nav a[aria-current='page']")).to_have_text("总览")
    clean(watch)


def test_unit_page_shows_figures_children_map_and_downloads(page: Page, live_server, watch):
    open_page(page, live_server, f"/units/{TOWNSHIP_1}")
    page.wait_for_selector("body[data-gm-ready='1']", state="attached")
    unit = page.request.get(f"{live_server}/api/v1/units/{TOWNSHIP_1}").json()
    for key in (*COUNTS, "overdue", "covered"):
        expect(card(page, key)).to_have_attribute("data-value", str(unit[key]))
    expect(page.locator("h1")).to_have_text(unit["name"])
    assert page.get_attribute("body", "data-gm-children") == "2"
    children = page.request.get(f"{live_server}/api/v1/coverage?level=3&parent={TOWNSHIP_1}")
    for child in children.json()["units"]:
        row = page.locator(f"tr[data-code='{child['code']}']")
        expect(row.locator("td[data-key='households']")).to_have_text(str(child["households"]))
    expect(page.locator(".gm-breadcrumb a")).to_have_attribute("href", f"/units/{COUNTY}")
    xlsx = page.locator("a", has_text="XLSX")
    assert f"parent={TOWNSHIP_1}" in (xlsx.get_attribute("href") or "")
    geojson = page.locator("a", has_text="GeoJSON")
    href = geojson.get_attribute("href") or ""
    assert "level=3" in href and f"parent={TOWNSHIP_1}" in href
    download = page.request.get(f"{live_server}{href}")
    assert len(download.json()["features"]) == 2
    clean(watch)


def test_clicking_a_child_on_the_unit_map_opens_its_page(page: Page, live_server, watch):
    open_page(page, live_server, f"/units/{TOWNSHIP_1}")
    page.wait_for_selector("body[data-gm-ready='1']", state="attached")
    village = page.locator(".gm-unit-map path.leaflet-interactive").first
    village.click()
    page.wait_for_url(re.compile(r"/units/341890100\d{3}$"))
    expect(page.locator("h1")).to_have_text(re.compile(r"\d\d村"))
    clean(watch)


def test_unknown_unit_is_a_404_page(page: Page, live_server: str, watch: PageWatch):
    response = page.goto(f"{live_server}/units/341890999")
    assert response is not None and response.status == 404
    expect(page.locator(".gm-message")).to_contain_text("341890999")
    expect(page.locator("h1")).to_have_text("未找到")


def test_coverage_page_per_level(page: Page, live_server: str, watch: PageWatch):
    open_page(page, live_server, "/coverage")
    expect(page.locator("table.gm-table tbody tr")).to_have_count(2)
    expect(page.locator("tfoot td[data-key='households']")).to_have_text("3")
    expect(page.locator("#gm-left-out")).to_contain_text("1")  # H4 lies outside both
    page.select_option("#level", "3")
    page.locator("form.gm-toolbar button[type=submit]").click()
    page.wait_for_url(re.compile(r"level=3"))
    expect(page.locator("table.gm-table tbody tr")).to_have_count(4)
    expect(page.locator("table.gm-table")).to_contain_text(XSS_NAME)
    assert page.locator("img[src='x']").count() == 0
    xlsx = page.locator("a", has_text="XLSX").get_attribute("href") or ""
    download = page.request.get(f"{live_server}{xlsx}")
    assert download.ok and download.headers["content-type"].startswith(
        "application/vnd.openxmlformats"
    )
    watch.settle(page)  # an injected image's request has its answer and its onerror has run
    clean(watch)


def test_pages_switch_to_english_and_back(page: Page, live_server: str, watch: PageWatch):
    open_page(page, live_server, "/?lang=en")
    assert page.get_attribute("html", "lang") == "en"
    expect(page.locator(".gm-nav")).to_contain_text("Coverage report")
    expect(card(page, "households").locator(".gm-card-label")).to_have_text("Number of households")
    page.locator(".gm-lang a", has_text="中文").click()
    expect(card(page, "households").locator(".gm-card-label")).to_have_text("户数")
    assert page.get_attribute("html", "lang") == "zh-Hans-CN"
    clean(watch)


@pytest.mark.parametrize(
    ("path", "selector", "prop", "own_value"),
    [
        # Each value comes from one of the page's own (nonced) style elements.
        ("/map", ".leaflet-container", "font-size", "16px"),
        (f"/units/{TOWNSHIP_1}", ".leaflet-container", "font-size", "16px"),
        ("/monitoring", "#gm-uncontacted-map", "height", "380px"),
    ],
)
def test_an_injected_style_element_is_refused_while_the_page_keeps_its_own(
    page: Page, live_server: str, watch: PageWatch, path: str, selector: str, prop: str,
    own_value: str,
):  # fmt: skip
    open_page(page, live_server, path)
    page.wait_for_selector(selector, state="attached")
    injected = page.evaluate(
        """() => {
          document.head.insertAdjacentHTML(
            "beforeend", "<style>body { --gm-injected: yes; }</style>");
          return getComputedStyle(document.body).getPropertyValue("--gm-injected");
        }"""
    )
    assert injected == ""
    own = page.evaluate(
        "([s, p]) => getComputedStyle(document.querySelector(s)).getPropertyValue(p)",
        [selector, prop],
    )
    assert own == own_value
    assert any("style-src-elem" in e for e in watch.errors)  # the refusal, reported
