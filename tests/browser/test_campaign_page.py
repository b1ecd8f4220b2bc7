"""A campaign's page in headless Chromium: Chinese, progress as the API gives it, the map.

The server holds the campaign of tests/test_campaigns.py (冬季集中走访 over township
341890100, monitored and lifted households): A and E were visited in its window; B (visited
only outside it), D (its visit rejected) and H (never visited) are still waiting.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect

from gridmap.core.config import Config
from tests.browser.conftest import PageWatch, logged_in_page
from tests.conftest import _copy_database
from tests.household_fixtures import lonlat_m
from tests.servers import serving
from tests.test_campaigns import EXPECTED, HOUSEHOLDS, make, seed
from tests.test_visits import field_app

WAITING = ["B", "D", "H"]
VISITED = ["A", "E"]


@pytest.fixture(scope="module")
def server(pg_cluster, template_url, tiny_county_file, tmp_path_factory) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    """(base URL, campaign id) of the seeded campaign, served in a thread."""
    url = _copy_database(pg_cluster, "gridmap_campaign_browser")
    with psycopg.connect(url) as conn:
        seed(conn, tiny_county_file)
        made = make(conn)
    config = Config(database_url=url, var_dir=tmp_path_factory.mktemp("var"), secret_key="t")
    with serving(field_app(config)) as base_url:
        yield base_url, made["id"]


@pytest.fixture
def page(browser: Browser, server: tuple) -> Iterator[Page]:
    """A Chinese-speaking reviewer's page (the `watch` fixture records what it does)."""
    reviewer = logged_in_page(browser, server[0], "reviewer", locale="zh-CN")
    yield reviewer
    reviewer.context.close()


def open_campaign(page: Page, base_url: str, campaign_id: int) -> None:
    """Open the campaign's page and wait for its map's data."""
    response = page.goto(f"{base_url}/campaigns/{campaign_id}")
    assert response is not None and response.status == 200
    page.wait_for_selector("body[data-gm-ready='1']", state="attached")


def drawn(page: Page, kind: str) -> dict[str, dict]:
    """Markers of a layer of the campaign map: code -> position and fill colour."""
    return page.evaluate(
        """(kind) => Object.fromEntries(gridmap.campaignMap.layers[kind].getLayers().map((m) =>
            [m.feature.properties.code,
             {lat: m.getLatLng().lat, lon: m.getLatLng().lng, fill: m.options.fillColor}]))""",
        kind,
    )


def table_progress(page: Page) -> dict[str, tuple[int, int, int]]:
    """{unit: (target, visited, unvisited)} as the progress table shows them."""
    rows = page.eval_on_selector_all(
        "#gm-progress tbody tr[data-code]",
        """rows => rows.map(r => [r.dataset.code, ['target', 'visited', 'unvisited'].map(
            k => r.querySelector(`td[data-key='${k}']`).textContent.trim())])""",
    )
    return {code: tuple(int(v.replace(",", "")) for v in values) for code, values in rows}


def assert_clean(page: Page, watch: PageWatch) -> None:
    """Nothing left the host, nothing failed, nothing was logged as an error."""
    page.wait_for_load_state("networkidle")
    assert watch.off_host == []
    assert watch.failed == []
    assert watch.errors == []  # CSP violations would show here too
    assert watch.dialogs == []


def test_campaign_page_shows_progress_as_the_api_gives_it(page, server, watch):
    base_url, campaign_id = server
    open_campaign(page, base_url, campaign_id)
    assert page.get_attribute("html", "lang") == "zh-Hans-CN"
    assert page.inner_text("h1") == "冬季集中走访"
    assert page.locator("nav a[aria-current=page]").inner_text().strip() == "集中走访"
    cards = page.locator("#gm-campaign-total")
    assert [
        cards.locator(f"[data-key='{k}']").get_attribute("data-value")
        for k in ("target", "visited", "unvisited")
    ] == ["5", "2", "3"]
    expect(cards.locator("[data-key='target'] .gm-card-label")).to_have_text("目标农户")
    api = page.request.get(f"{base_url}/api/v1/campaigns/{campaign_id}/progress").json()
    expected = {
        u["code"]: (u["target"], u["visited"], u["unvisited"])
        for u in api["units"]
        if u["level"] in (2, 3)
    }
    assert table_progress(page) == expected
    assert {code: shown[:2] for code, shown in expected.items()} == {
        code: EXPECTED[code] for code in expected
    }
    assert list(expected) == ["341890100", "341890100200", "341890100201"]
    assert_clean(page, watch)


def test_campaign_map_shows_who_is_waiting_and_who_was_visited(page, server, watch):
    base_url, campaign_id = server
    open_campaign(page, base_url, campaign_id)
    api = page.request.get(f"{base_url}/api/v1/campaigns/{campaign_id}/unvisited").json()
    assert sorted(f["properties"]["code"] for f in api["features"]) == WAITING
    waiting = drawn(page, "unvisited")
    assert sorted(waiting) == WAITING
    for code, marker in waiting.items():
        lon, lat = lonlat_m(*HOUSEHOLDS[code][0])
        assert abs(marker["lon"] - lon) < 1e-6 and abs(marker["lat"] - lat) < 1e-6, code
    visited = drawn(page, "visited")
    assert sorted(visited) == VISITED
    # The visited ones are muted: none shares the colour of those still waiting.
    assert {m["fill"] for m in visited.values()}.isdisjoint({m["fill"] for m in waiting.values()})
    assert page.evaluate("document.body.dataset.gmMapCount") == "3"
    legend = page.locator("#gm-campaign-legend")
    waiting_item = legend.locator("[data-kind='unvisited']")
    visited_item = legend.locator("[data-kind='visited']")
    expect(waiting_item).to_contain_text("尚未走访")
    expect(waiting_item.locator(".gm-campaign-count")).to_have_text("3")
    expect(visited_item).to_contain_text("活动期间已走访")
    expect(visited_item.locator(".gm-campaign-count")).to_have_text("2")
    expect(page.locator("h2").first).to_have_text("已走访和尚未走访的农户")
    on_map = "(kind) => gridmap.campaignMap.map.hasLayer(gridmap.campaignMap.layers[kind])"
    visited_item.locator("input").uncheck()
    assert page.evaluate(on_map, "visited") is False
    assert page.evaluate(on_map, "unvisited") is True
    visited_item.locator("input").check()
    assert page.evaluate(on_map, "visited") is True
    assert page.inner_text("#gm-map-note") == ""  # everyone has a location, nothing is cut
    assert_clean(page, watch)


def test_tapping_a_waiting_household_names_it(page, server, watch):
    base_url, campaign_id = server
    open_campaign(page, base_url, campaign_id)
    point = page.evaluate(
        """(code) => {
            const map = gridmap.campaignMap.map;
            const marker = gridmap.campaignMap.layers.unvisited.getLayers()
                .find((m) => m.feature.properties.code === code);
            const p = map.latLngToContainerPoint(marker.getLatLng());
            const r = map.getContainer().getBoundingClientRect();
            return {x: r.left + p.x, y: r.top + p.y};
        }""",
        "H",
    )
    page.mouse.click(point["x"], point["y"])
    popup = page.locator("#gm-campaign-map .leaflet-popup-content")
    expect(popup).to_be_visible()
    assert popup.inner_text().splitlines()[0] == "H"
    assert "监测对象" in popup.inner_text()
    assert_clean(page, watch)
