"""A city reviewer's map: pick one of its counties, or see them all together."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
import shapely.geometry
from playwright.sync_api import Browser, expect

from gridmap.core.config import Config
from tests.browser.conftest import logged_in_page
from tests.browser.helpers import fitted
from tests.conftest import _copy_database
from tests.servers import serving
from tests.test_counties import A, B, C, seed_counties


@pytest.fixture(scope="module")
def counties_server(pg_cluster, template_url, tiny_county_file, tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app on a database of three tiny counties; the `city` account sees A and B."""
    from gridmap.web import create_app

    url = _copy_database(pg_cluster, "t_counties_browser")
    with psycopg.connect(url) as conn:
        seed_counties(conn, tiny_county_file, tmp_path_factory.mktemp("counties"))
    config = Config(database_url=url, var_dir=tmp_path_factory.mktemp("var"), secret_key="c",
                    login_rate_limit="1000 per minute")  # fmt: skip
    with serving(create_app(config)) as base:
        yield base


@pytest.fixture
def city_page(browser: Browser, counties_server: str):  # type: ignore[no-untyped-def]
    page = logged_in_page(browser, counties_server, "city")
    yield page
    page.context.close()


def test_the_city_reviewer_picks_a_county_and_the_map_fits_it(city_page, counties_server):
    city_page.goto(f"{counties_server}/map")
    picker = city_page.locator("#gm-county")
    expect(picker).to_be_visible()
    offered = picker.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert offered == ["", A, B, "all"]  # its two counties and the roll-up, never C
    picker.select_option(B)
    city_page.locator("#gm-county-picker button[type=submit]").click()
    city_page.wait_for_url(f"**/map?county={B}*")
    fitted(city_page, B)


def test_the_roll_up_shows_every_county_of_the_reviewer_together(city_page, counties_server):
    city_page.goto(f"{counties_server}/map?county=all")
    fitted(city_page, f"{A},{B}")
    west, south, east, north = city_page.evaluate(
        "() => { const b = gridmap.app.map.getBounds(); "
        "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
    )
    units = city_page.request.get(f"{counties_server}/api/v1/units?level=1&county=all").json()
    bounds = shapely.geometry.shape(
        {"type": "GeometryCollection", "geometries": [f["geometry"] for f in units["features"]]}
    ).bounds
    assert sorted(f["properties"]["code"] for f in units["features"]) == [A, B]
    # Both counties in view: B lies 20 km east of A (C, 40 km east, is not the reviewer's).
    assert west <= bounds[0] and south <= bounds[1] and east >= bounds[2] and north >= bounds[3]
    assert C not in city_page.content()
