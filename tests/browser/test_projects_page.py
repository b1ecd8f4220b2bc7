"""The /projects page in headless Chromium: the map layer draws, filters and shows projects."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PageWatch, logged_in_page
from tests.conftest import _copy_database
from tests.grid_fixtures import XSS_NAME
from tests.servers import serving
from tests.test_projects import load_projects_county, projects_app

MAP = "#gm-projects-map"


@pytest.fixture(scope="module")
def projects_server(pg_cluster, template_url, tiny_county_file, tmp_path_factory) -> Iterator[str]:
    """The app with the five test projects, served in a thread."""
    url = _copy_database(pg_cluster, "gridmap_projects_browser")
    load_projects_county(url, tiny_county_file, tmp_path_factory.mktemp("projects"))
    app = projects_app(url, tmp_path_factory.mktemp("var"))
    with serving(app) as base_url:
        yield base_url


@pytest.fixture
def page(browser: Browser, projects_server: str) -> Iterator[Page]:
    """A reviewer's page on the projects server (the `watch` fixture records what it does)."""
    reviewer = logged_in_page(browser, projects_server, "reviewer")
    yield reviewer
    reviewer.context.close()


def open_projects(page: Page, base_url: str, query: str = "") -> None:
    """Open /projects and wait until the map has its townships and projects."""
    response = page.goto(f"{base_url}/projects{query}")
    assert response is not None and response.status == 200
    page.wait_for_selector("body[data-gm-ready='1']", state="attached")
    expect(page.locator(MAP)).to_have_attribute("data-gm-projects-ready", "1")


def shown(page: Page) -> int:
    """How many projects the layer draws now."""
    return int(page.get_attribute(MAP, "data-gm-projects-shown") or -1)


def choose(page: Page, key: str, value: str) -> None:
    """Pick a value in the map's filter control."""
    page.select_option(f"{MAP} select[data-gm-filter='{key}']", value)


def clean(watch: PageWatch) -> None:
    """Nothing left the host, nothing failed, nothing was logged as an error."""
    assert watch.off_host == []
    assert watch.failed == []
    assert watch.errors == []  # CSP violations would show here too
    assert watch.dialogs == []


def test_layer_draws_every_project_with_symbols_and_polygons(page, projects_server, watch):
    open_projects(page, projects_server)
    assert shown(page) == 5
    # One status symbol per project (a polygon's marks its centre), one filled polygon.
    expect(page.locator(f"{MAP} .gm-project-icon")).to_have_count(5)
    expect(page.locator(f"{MAP} path.leaflet-interactive")).to_have_count(1)
    colours = page.evaluate(
        """() => Object.fromEntries(Object.entries(gridmap.projectsPage.projects.layers)
            .map(([code, layer]) => [code, layer.getLayers()[0].options.fillColor
                || layer.getLayers()[0].getElement().firstChild.style.borderColor]))"""
    )
    assert colours["P2"] == "#2e7d32"  # industry polygon
    assert colours["P3"] in ("#1565c0", "rgb(21, 101, 192)")  # infrastructure point
    symbols = page.locator(f"{MAP} .gm-project-symbol")
    expect(symbols.and_(page.locator("[data-code='P3']"))).to_have_attribute(
        "data-status", "started"
    )
    expect(symbols.and_(page.locator("[data-code='P5']"))).to_have_attribute(
        "data-status", "approved"
    )
    expect(page.locator(".gm-card[data-key='projects']")).to_have_attribute("data-value", "5")
    clean(watch)


def test_filters_by_category_status_and_year(page, projects_server, watch):
    open_projects(page, projects_server)
    choose(page, "category", "industry")
    assert shown(page) == 2
    choose(page, "status", "started")
    assert shown(page) == 0
    choose(page, "category", "")
    assert shown(page) == 2  # P3 and P4
    choose(page, "status", "")
    choose(page, "year", "2024")
    assert shown(page) == 1
    expect(page.locator(f"{MAP} .gm-project-icon")).to_have_count(1)
    assert page.evaluate("() => gridmap.projectsPage.projects.visible()") == ["P5"]
    choose(page, "year", "")
    assert shown(page) == 5
    clean(watch)


def test_year_of_the_page_preselects_the_layer_filter(page, projects_server, watch):
    open_projects(page, projects_server, "?year=2023")
    assert shown(page) == 4
    expect(page.locator(f"{MAP} select[data-gm-filter='year']")).to_have_value("2023")
    expect(page.locator(".gm-card[data-key='industry_share'] .gm-card-value")).to_have_text(
        "58.1%"  # 555 of the 955 万元 of 2023
    )
    clean(watch)


def test_clicking_a_project_shows_it_as_text(page, projects_server, watch):
    open_projects(page, projects_server)
    page.locator(f"{MAP} .gm-project-symbol[data-code='P3']").click()
    popup = page.locator(".leaflet-popup .gm-project-popup")
    expect(popup).to_have_attribute("data-code", "P3")
    expect(popup.locator("strong")).to_have_text("2村道路")
    expect(popup).to_contain_text("300.00")
    expect(popup).to_contain_text("60%")
    page.evaluate(
        """() => { const p = gridmap.projectsPage;
            p.map.fitBounds(p.projects.layers.P2.getBounds(), {animate: false}); }"""
    )
    # The corner: the polygon's status symbol covers its centre.
    page.locator(f"{MAP} path.leaflet-interactive").click(position={"x": 6, "y": 6})
    second = page.locator(".leaflet-popup .gm-project-popup[data-code='P2']")
    expect(second.locator("strong")).to_have_text(XSS_NAME)  # text, not an element
    expect(page.locator(f"{MAP} .leaflet-popup img")).to_have_count(0)
    clean(watch)


def test_township_user_sees_only_the_township_projects(browser, projects_server):
    township = logged_in_page(browser, projects_server, "township")
    errors: list[str] = []
    township.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        open_projects(township, projects_server)
        assert shown(township) == 3
        codes = township.evaluate("() => gridmap.projectsPage.projects.visible()")
        assert codes == ["P1", "P3", "P5"]
        expect(township.locator("#gm-project-list tbody tr")).to_have_count(3)
        assert errors == []
    finally:
        township.context.close()
