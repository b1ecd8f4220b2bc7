"""Helpers for the map tests: open the map, reach its layers, find screen points, check fits."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page

from tests.household_fixtures import lonlat_m

OVERLAY_LABELS = ".leaflet-control-layers-overlays label"
#: The layer control's names, in order, per language: the grid's layers, then the projects.
LAYERS_ZH = [
    "网格边界",
    "网格名称",
    "农户",
    "网格空白区",
    "网格外农户",
    "网格员住址",
    "衔接资金项目",
]
LAYERS_EN = [
    "Grid boundaries",
    "Unit names",
    "Households",
    "Gaps in the grid",
    "Households outside the grid",
    "Grid workers' homes",
    "Funded projects",
]
#: The kind (gridmap.layers.registry key) of each layer, in the same order.
KINDS = ["units", "labels", "households", "gaps", "outside", "workers", "projects"]


def open_map(page: Page, base_url: str, query: str = "") -> None:
    """Open /map and wait until the county is in view and the layers have started."""
    response = page.goto(f"{base_url}/map{query}")
    assert response is not None and response.ok, response and response.status
    page.wait_for_selector("body[data-gm-ready='1']", state="attached")


def wait_for_tiles(page: Page) -> None:
    """Wait until both tile layers have drawn every tile in view."""
    page.wait_for_function(
        """() => ["units", "households"].every((kind) => {
            const grid = gridmap.layers.registry[kind].grid;
            return grid._map && !grid.isLoading() && Object.keys(grid._vectorTiles).length > 0;
        })"""
    )


def overlay(page: Page, name: str) -> Locator:
    """The layer control's checkbox for the layer called exactly `name`."""
    exact = re.compile(rf"^\s*{re.escape(name)}\s*$")
    return page.locator(OVERLAY_LABELS).filter(has_text=exact).locator("input")


def on_map(page: Page, kind: str) -> bool:
    """Whether the layer of `kind` is on the map."""
    return bool(page.evaluate("(k) => gridmap.app.map.hasLayer(gridmap.layers.registry[k])", kind))


def drawn_households(page: Page) -> dict[str, dict]:
    """Households drawn by the households tile layer: code -> their style and properties.

    `ring` and `dash` are the outline's colour and dash pattern (null when solid);
    `doubtful` is the tile's flag of a last visit resting on a doubtful check-in.
    """
    return page.evaluate(
        """() => {
            const grid = gridmap.layers.registry.households.grid;
            const out = {};
            Object.values(grid._vectorTiles || {}).forEach((tile) => {
                Object.values(tile._features).forEach((entry) => {
                    const f = entry.feature;
                    if (f.properties.households == null) {
                        out[f.properties.code] = {fill: f.options.fillColor,
                            ring: f.options.color, dash: f.options.dashArray || null,
                            coverage: f.properties.coverage_status,
                            visit: f.properties.visit_status,
                            doubtful: f.properties.doubtful_visit};
                    }
                });
            });
            return out;
        }"""
    )


#: Where each page keeps its Leaflet map: the grid map and the boundary editor.
GRID_MAP, EDITOR_MAP = "app", "editor"


def screen_point(page: Page, x_m: float, y_m: float, which: str = GRID_MAP) -> dict[str, float]:
    """Viewport pixel of a point given in metres from the test grid's origin, on the page's
    grid map or (which=EDITOR_MAP) its editor map."""
    lon, lat = lonlat_m(x_m, y_m)
    return page.evaluate(
        """([lat, lon, which]) => {
            const map = gridmap[which].map;
            const p = map.latLngToContainerPoint([lat, lon]);
            const r = map.getContainer().getBoundingClientRect();
            return {x: r.left + p.x, y: r.top + p.y};
        }""",
        [lat, lon, which],
    )


def click_at_m(page: Page, x_m: float, y_m: float, which: str = GRID_MAP) -> None:
    """Click the map at a point given in metres from the test grid's origin."""
    point = screen_point(page, x_m, y_m, which)
    page.mouse.click(point["x"], point["y"])


def map_centre_m(page: Page) -> dict[str, float]:
    """The map's centre as lat/lon."""
    return page.evaluate(
        "() => { const c = gridmap.app.map.getCenter(); return {lat: c.lat, lon: c.lng}; }"
    )


def panel_values(page: Page) -> dict[str, str]:
    """The side panel's figures: key -> raw value (data-value)."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll("#gm-panel .gm-row")]
            .map((row) => [row.dataset.key, row.dataset.value]))"""
    )


#: Where a unit ([w, s, e, n]), the map and what covers the map lie on screen.
ON_SCREEN = """([w, s, e, n]) => {
    const map = gridmap.app.map;
    const box = map.getContainer().getBoundingClientRect();
    const nw = map.latLngToContainerPoint([n, w]);
    const se = map.latLngToContainerPoint([s, e]);
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
        map: rect(box),
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


def inside(a: dict, b: dict) -> bool:
    """Whether rectangle a lies within rectangle b (to a pixel)."""
    return (
        a["left"] >= b["left"] - 1
        and a["top"] >= b["top"] - 1
        and a["right"] <= b["right"] + 1
        and a["bottom"] <= b["bottom"] + 1
    )


def bbox_of(page: Page, base_url: str, code: str) -> list[float]:
    """[w, s, e, n] of a unit, from the search API."""
    units = page.request.get(f"{base_url}/api/v1/search?q={code}").json()["units"]
    return next(u["bbox"] for u in units if u["code"] == code)


def not_free(page: Page, base_url: str, code: str) -> list[str]:
    """Why the unit `code` does not lie in the free part of the map: what covers part of it
    (panel, legend, layer list), or "outside" when it reaches past the map."""
    found = page.evaluate(ON_SCREEN, bbox_of(page, base_url, code))
    covered = [name for name, rect in found["covers"].items() if overlaps(found["unit"], rect)]
    return covered + ([] if inside(found["unit"], found["map"]) else ["outside"])


def fitted(page: Page, code: str) -> None:
    """Wait until the map has been fitted to the unit `code`."""
    page.wait_for_selector(f"body[data-gm-fitted='{code}']", state="attached")
