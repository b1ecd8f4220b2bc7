"""The grid map over the county's OpenStreetMap ground: vector base tiles and place names from
this host, and a switch between the base layers and none."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from gridmap.core.config import Config
from gridmap.grid import assign
from gridmap.ground.importer import import_osm_file
from tests.basemap_fixtures import write_ground
from tests.browser.conftest import is_local, logged_in_page
from tests.browser.helpers import screen_point, wait_for_tiles
from tests.conftest import _copy_database
from tests.household_fixtures import Household, add_grid, add_households, add_worker, lonlat_m
from tests.servers import serving
from tests.web_fixtures import add_role_accounts

BASE_TILES = ".leaflet-gm-base-pane canvas"
LABELS = ".leaflet-gm-base-labels-pane .gm-base-label"
SWITCH = ".gm-base-switch"


@pytest.fixture(scope="module")
def ground_server(pg_cluster, template_url, tiny_county_file, tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app on the tiny county with its roads, river and two named places imported."""
    from gridmap.web import create_app

    url = _copy_database(pg_cluster, "t_basemap_browser")
    with psycopg.connect(url) as conn:
        add_grid(conn, tiny_county_file)
        add_households(conn, [Household("H1", (500, 500))])
        add_worker(conn, "W1", ["341890100200001"])
        assign.assign_households(conn)
        add_role_accounts(conn)
        import_osm_file(conn, write_ground(tmp_path_factory.mktemp("ground")), margin_m=1000.0)
        conn.commit()
    config = Config(database_url=url, var_dir=tmp_path_factory.mktemp("var"), secret_key="b",
                    login_rate_limit="1000 per minute")  # fmt: skip
    with serving(create_app(config)) as base:
        yield base


@pytest.fixture
def seen(browser: Browser, ground_server: str) -> Iterator[tuple[Page, dict[str, list[str]]]]:
    """A reviewer's page on the server, and the URLs it requested (off-host ones blocked)."""
    page = logged_in_page(browser, ground_server, "reviewer")
    urls: dict[str, list[str]] = {"all": [], "off_host": [], "errors": []}

    def on_route(route: Route) -> None:
        urls["all"].append(route.request.url)
        if is_local(route.request.url):
            route.continue_()
        else:
            urls["off_host"].append(route.request.url)
            route.abort()

    page.route("**/*", on_route)
    page.on("pageerror", lambda exc: urls["errors"].append(str(exc)))
    yield page, urls
    page.context.close()


def open_village_view(page: Page, base: str) -> None:
    """Open the grid map and show the village's place at zoom 14 (villages are named from 11)."""
    page.goto(f"{base}/map")
    page.wait_for_selector("body[data-gm-ready='1']", state="attached")
    lon, lat = lonlat_m(2500, 1500)
    page.evaluate("([lat, lon]) => gridmap.app.map.setView([lat, lon], 14, {animate: false})",
                  [lat, lon])  # fmt: skip


def test_the_map_draws_the_osm_ground_and_its_chinese_place_names(seen, ground_server: str):  # type: ignore[no-untyped-def]
    page, urls = seen
    open_village_view(page, ground_server)
    expect(page.locator(LABELS).filter(has_text="清河村")).to_have_count(1)
    expect(page.locator(BASE_TILES).first).to_be_attached()
    assert any("/tiles/basemap/14/" in u and u.endswith(".pbf") for u in urls["all"])
    assert any("/tiles/basemap/labels/14/" in u for u in urls["all"])
    label = page.locator(LABELS).filter(has_text="清河村")
    assert "gm-base-label-village" in (label.get_attribute("class") or "")
    box, place = label.bounding_box(), screen_point(page, 2500, 1500)
    assert box is not None  # the name is centred on its place, to a pixel or two
    assert abs(box["x"] + box["width"] / 2 - place["x"]) <= 2
    assert abs(box["y"] + box["height"] / 2 - place["y"]) <= 2
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap")
    assert urls["off_host"] == [] and urls["errors"] == []


def test_the_switch_lists_the_layers_and_none_removes_the_base(seen, ground_server: str):  # type: ignore[no-untyped-def]
    page, urls = seen
    open_village_view(page, ground_server)
    expect(page.locator(LABELS).filter(has_text="清河村")).to_have_count(1)
    switch = page.locator(SWITCH)
    expect(switch).to_have_count(1)
    switch.hover()
    names = switch.locator(".leaflet-control-layers-base label")
    expect(names).to_have_text(["OpenStreetMap 道路与地名", "无底图"])
    switch.locator("label", has_text="无底图").locator("input").check()
    expect(page.locator(BASE_TILES)).to_have_count(0)
    expect(page.locator(LABELS)).to_have_count(0)
    before = len(urls["all"])
    page.evaluate("() => gridmap.app.map.setZoom(15, {animate: false})")
    wait_for_tiles(page)  # the grid's tiles of zoom 15 are in: the base would have been asked
    expect(page.locator(BASE_TILES)).to_have_count(0)
    assert not any("/tiles/basemap/" in u for u in urls["all"][before:])
    switch.hover()
    switch.locator("label", has_text="OpenStreetMap").locator("input").check()
    expect(page.locator(LABELS).filter(has_text="清河村")).to_have_count(1)
    assert urls["off_host"] == [] and urls["errors"] == []
