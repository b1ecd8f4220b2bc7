"""Below the point zoom the households layer fetches its count tiles from fewer, lower zooms."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import PageWatch
from tests.browser.helpers import open_map, wait_for_tiles

TILE = re.compile(r"/tiles/(\w+)/(\d+)/\d+/\d+\.pbf")


def tiles_after(page: Page, watch: PageWatch, zoom: int, counts: int) -> dict[str, list[int]]:
    """Zoom to `zoom`, wait for `counts` circles; the zooms of the tiles each layer fetched."""
    start = len(watch.requests)
    page.evaluate("(z) => gridmap.app.map.setZoom(z, {animate: false})", zoom)
    page.wait_for_selector(f"body[data-gm-counts='{counts}']", state="attached")
    wait_for_tiles(page)
    watch.settle(page)
    fetched: dict[str, list[int]] = {"units": [], "households": []}
    for url in watch.requests[start:]:
        match = TILE.search(url)
        if match:
            fetched[match.group(1)].append(int(match.group(2)))
    return fetched


def test_village_counts_come_from_tiles_three_zooms_below_the_group_counts(
    page: Page, live_server: str, watch: PageWatch
):
    open_map(page, live_server)
    wait_for_tiles(page)
    fetched = tiles_after(page, watch, 10, 2)  # villages 341890100200 and 341890100201
    assert fetched["units"] and set(fetched["units"]) == {10}
    assert fetched["households"] and set(fetched["households"]) == {8}
    assert len(fetched["households"]) < len(fetched["units"])
    circles = page.locator(".leaflet-gm-households-pane path.leaflet-interactive")
    expect(circles).to_have_count(2)
    assert watch.off_host == [] and watch.failed == [] and watch.errors == []


def test_group_counts_come_from_their_first_zoom(page: Page, live_server: str, watch: PageWatch):
    open_map(page, live_server)
    wait_for_tiles(page)
    assert set(tiles_after(page, watch, 11, 2)["households"]) == {11}
    fetched = tiles_after(page, watch, 12, 2)
    assert set(fetched["households"]) <= {11}  # the group counts' tiles serve zoom 12 too
    assert len(fetched["households"]) < len(fetched["units"])
    points = tiles_after(page, watch, 13, 0)["households"]
    assert points and set(points) == {13}  # single households: tiles of the zoom in view
    assert watch.off_host == [] and watch.failed == [] and watch.errors == []
