"""Funded projects and pairings on the grid map in headless Chromium.

The server holds the tiny county with the five test projects of tests/test_projects.py
(P1-P5; P2 a polygon named like an XSS attempt) and its four pairings: an enterprise and a
county leader with village 341890100200, the leader and an enterprise with township 2's villages.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PageWatch, logged_in_page
from tests.browser.helpers import click_at_m, open_map, overlay
from tests.conftest import _copy_database
from tests.grid_fixtures import XSS_NAME
from tests.servers import serving
from tests.test_projects import load_projects_county, projects_app

MAP = ".folium-map"
TOWNSHIP_1, TOWNSHIP_2 = "341890100", "341890101"


@pytest.fixture(scope="module")
def map_server(pg_cluster, template_url, tiny_county_file, tmp_path_factory) -> Iterator[str]:
    """The app with the test projects and pairings, served in a thread."""
    url = _copy_database(pg_cluster, "gridmap_map_projects_browser")
    load_projects_county(url, tiny_county_file, tmp_path_factory.mktemp("projects"))
    app = projects_app(url, tmp_path_factory.mktemp("var"))
    with serving(app) as base_url:
        yield base_url


@pytest.fixture
def page(browser: Browser, map_server: str) -> Iterator[Page]:
    """A reviewer's page on the map server (the `watch` fixture records what it does)."""
    reviewer = logged_in_page(browser, map_server, "reviewer", height=800)
    yield reviewer
    reviewer.context.close()


def open_projects_map(page: Page, base_url: str, query: str = "") -> None:
    """Open /map and wait until the projects layer has its data."""
    open_map(page, base_url, query)
    page.wait_for_selector("body[data-gm-projects]", state="attached")
    expect(page.locator(MAP)).to_have_attribute("data-gm-projects-ready", "1")


def shown(page: Page) -> int:
    """How many projects the layer draws now."""
    return int(page.get_attribute(MAP, "data-gm-projects-shown") or -1)


def choose(page: Page, key: str, value: str) -> None:
    """Pick a value in the projects' filter control."""
    page.select_option(f"{MAP} select[data-gm-filter='{key}']", value)


def clean(page: Page, watch: PageWatch) -> None:
    """Nothing left the host, nothing failed, nothing was logged as an error."""
    page.wait_for_load_state("networkidle")
    assert watch.off_host == []
    assert watch.failed == []
    assert watch.errors == []  # CSP violations would show here too
    assert watch.dialogs == []


def test_projects_layer_is_on_with_a_marker_per_project(page, map_server, watch):
    open_projects_map(page, map_server)
    assert overlay(page, "衔接资金项目").is_checked()
    assert shown(page) == 5
    expect(page.locator(f"{MAP} .gm-project-icon")).to_have_count(5)  # P2's marks its polygon
    expect(page.locator(f"{MAP} .leaflet-overlay-pane path.leaflet-interactive")).to_have_count(1)
    codes = page.evaluate("() => gridmap.layers.registry.projects.gmHandle.visible()")
    assert codes == ["P1", "P2", "P3", "P4", "P5"]
    symbols = page.locator(f"{MAP} .gm-project-symbol")
    expect(symbols.and_(page.locator("[data-code='P3']"))).to_have_attribute(
        "data-status", "started"
    )
    expect(page.locator(f"{MAP} .gm-projects-control")).to_contain_text("显示的项目: 5")
    clean(page, watch)


def test_filtering_by_category_and_year_changes_the_markers(page, map_server, watch):
    open_projects_map(page, map_server)
    choose(page, "category", "industry")
    assert shown(page) == 2
    expect(page.locator(f"{MAP} .gm-project-icon")).to_have_count(2)
    choose(page, "category", "infrastructure")
    expect(page.locator(f"{MAP} .gm-project-icon")).to_have_count(1)
    assert page.evaluate("() => gridmap.layers.registry.projects.gmHandle.visible()") == ["P3"]
    choose(page, "category", "")
    choose(page, "year", "2024")
    expect(page.locator(f"{MAP} .gm-project-icon")).to_have_count(1)
    choose(page, "year", "")
    expect(page.locator(f"{MAP} .gm-project-icon")).to_have_count(5)
    clean(page, watch)


def test_clicking_a_project_shows_its_popup_not_the_unit(page, map_server, watch):
    open_projects_map(page, map_server)
    page.locator(f"{MAP} .gm-project-symbol[data-code='P3']").click()
    popup = page.locator(".leaflet-popup .gm-project-popup")
    expect(popup).to_have_attribute("data-code", "P3")
    expect(popup.locator("strong")).to_have_text("2村道路")
    expect(popup).to_contain_text("300.00")
    expect(popup).to_contain_text("60%")
    expect(page.locator("#gm-panel")).to_be_hidden()  # the click stayed with the project
    page.locator(f"{MAP} .gm-project-symbol[data-code='P2']").click()
    second = page.locator(".leaflet-popup .gm-project-popup[data-code='P2']")
    expect(second.locator("strong")).to_have_text(XSS_NAME)  # text, not an element
    expect(page.locator(f"{MAP} .leaflet-popup img")).to_have_count(0)
    clean(page, watch)


def test_layer_off_hides_projects_and_their_filter(page, map_server, watch):
    open_projects_map(page, map_server)
    overlay(page, "衔接资金项目").uncheck()
    expect(page.locator(f"{MAP} .gm-project-icon")).to_have_count(0)
    expect(page.locator(f"{MAP} .gm-projects-control")).to_have_count(0)
    overlay(page, "衔接资金项目").check()
    expect(page.locator(f"{MAP} .gm-project-icon")).to_have_count(5)
    expect(page.locator(f"{MAP} .gm-projects-control")).to_have_count(1)
    clean(page, watch)


def test_township_filter_narrows_the_projects(page, map_server, watch):
    open_projects_map(page, map_server)
    page.select_option("#gm-township", TOWNSHIP_2)
    page.wait_for_selector(f"body[data-gm-township='{TOWNSHIP_2}']", state="attached")
    expect(page.locator(f"{MAP} .gm-project-icon")).to_have_count(2)  # P2 and P4
    assert any(f"/api/v1/projects?unit={TOWNSHIP_2}" in url for url in watch.requests)
    clean(page, watch)


def test_township_user_sees_only_the_township_projects(browser, map_server):
    township = logged_in_page(browser, map_server, "township", height=800)
    errors: list[str] = []
    township.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        open_projects_map(township, map_server)
        expect(township.locator(f"{MAP} .gm-project-icon")).to_have_count(3)
        codes = township.evaluate("() => gridmap.layers.registry.projects.gmHandle.visible()")
        assert codes == ["P1", "P3", "P5"]
        assert errors == []
    finally:
        township.context.close()


def pairing_rows_shown(page: Page) -> list[dict[str, str]]:
    """The side panel's pairings: kind, village code and the text of each."""
    return page.evaluate(
        """() => [...document.querySelectorAll("#gm-panel-pairings .gm-pairing")]
            .map((li) => ({kind: li.dataset.kind, village: li.dataset.village,
                           text: li.textContent}))"""
    )


def test_unit_panel_lists_the_pairings_of_its_villages(page, map_server, watch):
    open_projects_map(page, map_server)
    click_at_m(page, 2500, 2000)  # township 1, away from every project and the controls
    page.wait_for_selector(f"#gm-panel[data-code='{TOWNSHIP_1}'] #gm-panel-pairings[data-loaded]")
    section = page.locator("#gm-panel-pairings")
    expect(section.locator("h3")).to_have_text("结对帮扶")
    expect(section.locator(".gm-row[data-key='pairings_enterprise']")).to_have_attribute(
        "data-value", "1"
    )
    expect(section.locator(".gm-row[data-key='pairings_leader']")).to_have_attribute(
        "data-value", "1"
    )
    rows = pairing_rows_shown(page)
    assert [(r["kind"], r["village"]) for r in rows] == [
        ("enterprise", "341890100200"),
        ("leader", "341890100200"),
    ]
    assert "青岚茶业有限公司 ↔ 11村" in rows[0]["text"] and "结对帮扶企业" in rows[0]["text"]
    expect(section.locator("a[download]")).to_have_attribute(
        "href", f"/api/v1/pairings.xlsx?unit={TOWNSHIP_1}"
    )
    clean(page, watch)


def test_panel_pairings_are_text_and_follow_the_clicked_unit(page, map_server, watch):
    open_projects_map(page, map_server)
    click_at_m(page, 5000, 3600)  # township 2
    page.wait_for_selector(f"#gm-panel[data-code='{TOWNSHIP_2}'] #gm-panel-pairings[data-loaded]")
    rows = pairing_rows_shown(page)
    assert [r["village"] for r in rows] == ["341890101200", "341890101201"]
    assert rows[1]["text"].startswith(f"<b>某某</b>建材公司 ↔ {XSS_NAME}")
    expect(page.locator("#gm-panel-pairings b, #gm-panel-pairings img")).to_have_count(0)
    clean(page, watch)


def test_unit_page_map_shows_the_units_projects(page, map_server, watch):
    response = page.goto(f"{map_server}/units/{TOWNSHIP_1}")
    assert response is not None and response.status == 200
    page.wait_for_selector("body[data-gm-ready='1']", state="attached")
    unit_map = page.locator(".gm-unit-map .folium-map")
    expect(unit_map).to_have_attribute("data-gm-projects-ready", "1")
    expect(unit_map.locator(".gm-project-icon")).to_have_count(3)  # P1, P3 and P5
    assert any(f"/api/v1/projects?unit={TOWNSHIP_1}" in url for url in watch.requests)
    unit_map.locator(".gm-project-symbol[data-code='P1']").click()
    expect(page.locator(".leaflet-popup .gm-project-popup")).to_have_attribute("data-code", "P1")
    expect(page.locator("#gm-unit-pairings tbody tr")).to_have_count(2)
    clean(page, watch)
