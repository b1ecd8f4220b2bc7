"""The boundary editor in Chromium: dragged vertices, holes, confirmed gaps and merges."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import psycopg
import pytest
import shapely
from playwright.sync_api import Browser, Page, expect

from gridmap.core import localdb
from gridmap.geo.crs import to_wgs84
from gridmap.grid import assign
from gridmap.store import assignment as assignment_store
from gridmap.store import edits as edit_store
from tests.browser.conftest import logged_in_page
from tests.browser.test_editor import api, map_point, open_editor, serve_editor
from tests.conftest import _copy_database
from tests.grid_fixtures import METRIC_CRS, box_m, tiny_county_rows
from tests.household_fixtures import add_grid, add_household, add_worker, lonlat_m
from tests.web_fixtures import add_role_accounts

G1, G2 = "341890100200001", "341890100200002"
V1, V2 = "341890100200", "341890100201"
#: Group 001 of village 341890101200: a MultiPolygon whose main part has a hole, which is
#: group 003; its second part is an island cut out of group 002.
HOLEY, ISLANDED, ENCLAVE = "341890101200001", "341890101200002", "341890101200003"
HOLE = (4800, 800, 5200, 1200)
ISLAND = (5600, 3600, 5900, 3900)


def holey_county(path: Path) -> Path:
    """The tiny county with the holey group, its island and the enclave, as GeoJSON."""
    rows = {code: [name, geom] for code, name, geom in tiny_county_rows()}
    hole, island = box_m(*HOLE), box_m(*ISLAND)
    rows[HOLEY][1] = shapely.MultiPolygon([rows[HOLEY][1].difference(hole), island])
    rows[ISLANDED][1] = rows[ISLANDED][1].difference(island)
    rows[ENCLAVE] = ["3组", hole]
    frame = gpd.GeoDataFrame(
        {"code": list(rows), "name": [r[0] for r in rows.values()],
         "level": [len(c) // 3 - 1 for c in rows]},
        geometry=[r[1] for r in rows.values()], crs=METRIC_CRS,
    )  # fmt: skip
    to_wgs84(frame, None).to_file(path)
    return path


@pytest.fixture(scope="module")
def shapes_db_url(pg_cluster: localdb.Cluster, template_url: str, tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    """The holey county with H1 in G1, H5 in G2 and H6 in village V2's first group."""
    url = _copy_database(pg_cluster, "gridmap_editor_shapes")
    county = holey_county(tmp_path_factory.mktemp("holey") / "holey.geojson")
    with psycopg.connect(url) as connection:
        add_grid(connection, county, reason="test fixture")
        add_household(connection, "H1", (500, 500))
        add_household(connection, "H5", (500, 2200))
        add_household(connection, "H6", (2500, 500))
        add_worker(connection, "W1", [G1], home_m=(550, 550))
        assign.assign_households(connection)
        add_role_accounts(connection)
        connection.commit()
    return url


@pytest.fixture(scope="module")
def shapes_server(shapes_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the app on the holey county."""
    with serve_editor(shapes_db_url, tmp_path_factory.mktemp("var")) as base:
        yield base


@pytest.fixture
def page(browser: Browser, shapes_server: str) -> Iterator[Page]:
    """A page of a fresh browser context logged in as the administrator."""
    tab = logged_in_page(browser, shapes_server, "admin", height=720)
    yield tab
    tab.context.close()


def zoom_between(page: Page, a_m: tuple[float, float], b_m: tuple[float, float]) -> None:
    """Zoom in on the middle of two points, close enough to tell vertex handles apart."""
    lon, lat = lonlat_m((a_m[0] + b_m[0]) / 2, (a_m[1] + b_m[1]) / 2)
    page.evaluate(
        """([lat, lon]) => new Promise((done) => {
            const map = gridmap.editor.map;
            map.once("moveend", () => done(map.getZoom()));
            map.setView([lat, lon], 16, {animate: false});
        })""",
        [lat, lon],
    )


def drag_vertex(page: Page, from_m: tuple[float, float], to_m: tuple[float, float]) -> None:
    """Zoom in, then drag the vertex handle at `from_m` to `to_m` with the mouse."""
    zoom_between(page, from_m, to_m)
    start, end = map_point(page, *from_m), map_point(page, *to_m)
    handle = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).className", [start["x"], start["y"]]
    )
    assert "marker-icon" in handle and "marker-icon-middle" not in handle, handle
    page.mouse.move(start["x"], start["y"])
    page.mouse.down()
    page.mouse.move(end["x"], end["y"], steps=15)
    page.mouse.up()


def start_vertex_editing(page: Page) -> None:
    """Choose the vertex tool and switch the unit's handles on."""
    page.check("#gm-op-edit")
    page.click("#gm-vertices")
    page.wait_for_selector(".marker-icon", state="visible")


def preview_request(page: Page) -> dict:
    """Press Preview; return the JSON the page sent, once its answer is shown."""
    page.evaluate("() => document.body.removeAttribute('data-gm-preview')")
    with page.expect_request(lambda r: r.url.endswith("/preview")) as sent:
        page.click("#gm-preview")
    page.wait_for_selector("body[data-gm-preview]", state="attached")
    return sent.value.post_data_json


def confirm_gaps(page: Page) -> None:
    """Tick the gap confirmation and wait for the preview that accepts them."""
    page.check("#gm-confirm-gaps")
    expect(page.locator("#gm-verdict")).to_have_attribute("data-ok", "1")
    expect(page.locator("#gm-save")).to_be_enabled()


def save_with(page: Page, reason: str) -> int:
    """Save with a reason; the new edit's id."""
    page.fill("#gm-reason", reason)
    page.click("#gm-save")
    page.wait_for_selector("body[data-gm-saved]", state="attached")
    return int(page.get_attribute("body", "data-gm-saved") or "0")


def near(coord: list[float], x_m: float, y_m: float, tolerance_m: float = 20) -> bool:
    """Whether a lon/lat lies within `tolerance_m` (per axis) of a point in test metres."""
    low, high = (
        lonlat_m(x_m - tolerance_m, y_m - tolerance_m),
        lonlat_m(x_m + tolerance_m, y_m + tolerance_m),
    )
    return low[0] <= coord[0] <= high[0] and low[1] <= coord[1] <= high[1]


def latest_geometry(page: Page, code: str) -> shapely.Geometry:
    """The shape of the newest version of `code`, from the history API."""
    versions = api(page, "GET", f"/api/v1/units/{code}/history")["versions"]
    return shapely.geometry.shape(versions[-1]["geometry"])


def test_a_gap_needs_confirming_before_it_is_saved(page, watch, shapes_server):
    open_editor(page, shapes_server, G1)
    start_vertex_editing(page)
    drag_vertex(page, (0, 0), (400, 400))
    sent = preview_request(page)
    assert sent["geometry"]["type"] == "MultiPolygon"
    outline = sent["geometry"]["coordinates"][0][0]
    assert any(near(c, 400, 400) for c in outline)
    assert not any(near(c, 0, 0, 5) for c in outline)
    expect(page.locator("#gm-gaps-box")).to_be_visible()
    expect(page.locator("#gm-verdict")).to_have_attribute("data-ok", "0")
    expect(page.locator("#gm-save")).to_be_disabled()
    gap = page.locator("#gm-problems li[data-code='gap']")
    expect(gap).to_have_count(1)
    expect(gap).to_contain_text(f"{V1} 内将有")  # Chinese by default
    # The server refuses the same edit unconfirmed, whatever the page does.
    token = page.evaluate("() => gridmap.editor.preview.token")
    refused = api(page, "PUT", f"/api/v1/units/{G1}", {**sent, "reason": "x",
                  "confirm_gaps": False}, **{"If-Match": token})  # fmt: skip
    assert refused["status"] == 400 and refused["code"] == "breaks_grid"
    assert refused["text"] == "此次修改会破坏网格。"
    assert [p["code"] for p in refused["problems"]] == ["gap"]

    confirm_gaps(page)
    edit = save_with(page, "the corner is a pond now")
    shrunk = latest_geometry(page, G1)
    assert shrunk.covers(shapely.Point(lonlat_m(420, 420)))
    assert not shrunk.covers(shapely.Point(lonlat_m(40, 60)))
    undone = api(page, "POST", f"/api/v1/edits/{edit}/undo", {"reason": "test done"})
    assert undone["status"] == 200
    assert watch.off_host == [] and watch.errors == []


def test_dragging_a_hole_vertex_keeps_the_multipolygon_and_its_hole(page, watch, shapes_server):
    open_editor(page, shapes_server, HOLEY, "?lang=en")
    assert page.evaluate("() => gridmap.editor.unitType") == "MultiPolygon"
    start_vertex_editing(page)
    drag_vertex(page, (HOLE[0], HOLE[1]), (HOLE[0] - 100, HOLE[1] - 100))
    geometry = preview_request(page)["geometry"]
    assert geometry["type"] == "MultiPolygon"
    parts = geometry["coordinates"]
    assert [len(rings) for rings in parts] == [2, 1]  # the hole kept, the island kept
    hole = parts[0][1]
    assert hole[0] == hole[-1] and any(near(c, HOLE[0] - 100, HOLE[1] - 100) for c in hole)
    assert not any(near(c, HOLE[0], HOLE[1], 5) for c in hole)
    rules = page.eval_on_selector_all(
        "#gm-problems li", "(items) => items.map((i) => i.dataset.rule)"
    )
    assert rules == ["gap"]
    expect(page.locator("#gm-problems li")).to_contain_text("would belong to none of its units")

    confirm_gaps(page)
    edit = save_with(page, "the pond grew")
    saved = latest_geometry(page, HOLEY)
    assert saved.geom_type == "MultiPolygon" and len(saved.geoms) == 2
    assert sorted(len(p.interiors) for p in saved.geoms) == [0, 1]
    assert not saved.covers(shapely.Point(lonlat_m(HOLE[0] - 30, HOLE[1] - 20)))
    assert saved.covers(shapely.Point(lonlat_m(5750, 3750)))
    undone = api(page, "POST", f"/api/v1/edits/{edit}/undo", {"reason": "test done"})
    assert undone["status"] == 200
    assert watch.off_host == [] and watch.errors == []


def _next_codes(url: str, parent: str, count: int) -> list[str]:
    """The next `count` free codes under `parent` (codes once used are never reused)."""
    with psycopg.connect(url) as connection:
        used = edit_store.used_codes(connection, parent)
    top = max(int(c[-3:]) for c in used if len(c) == len(parent) + 3)
    return [f"{parent}{top + i:03d}" for i in range(1, count + 1)]


def _drawn_versions(url: str, code: str) -> dict[str, int]:
    """The current versions of the unit `code`, its siblings and its children."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT code, id FROM unit_version WHERE valid_to IS NULL "
            "AND (code = %s OR parent_code = ANY(%s))",
            [code, [code[:-3], code]],
        ).fetchall()
    return dict(rows)


def _households(url: str) -> dict[str, str | None]:
    with psycopg.connect(url) as connection:
        return assignment_store.household_units(connection)


def test_merging_two_villages_recodes_the_groups_and_moves_households(
    page, watch, shapes_server, shapes_db_url
):
    assert _households(shapes_db_url)["H6"] == f"{V2}001"
    recoded = _next_codes(shapes_db_url, V1, 2)
    open_editor(page, shapes_server, V1)
    page.check("#gm-op-merge")
    page.select_option("#gm-other", V2)
    sent = preview_request(page)
    drawn = _drawn_versions(shapes_db_url, V1)
    assert {V1, V2, G1, G2} <= set(drawn)
    assert sent == {"operation": "merge", "other": V2, "confirm_gaps": False, "versions": drawn}
    expect(page.locator("#gm-verdict")).to_have_attribute("data-ok", "1")
    expect(page.locator("#gm-new-codes")).to_have_attribute("data-codes", ",".join(recoded))
    expect(page.locator("#gm-areas tbody")).to_contain_text(V2)
    edit = save_with(page, "the villages merged")

    villages = api(page, "GET", "/api/v1/units?level=3&parent=341890100")["features"]
    assert [f["properties"]["code"] for f in villages] == [V1]
    groups = api(page, "GET", f"/api/v1/units?level=4&parent={V1}")["features"]
    assert sorted(f["properties"]["code"] for f in groups) == sorted([G1, G2, *recoded])
    assert latest_geometry(page, V1).area == pytest.approx(
        shapely.box(*lonlat_m(0, 0), *lonlat_m(4000, 4000)).area, rel=0.01
    )
    assert _households(shapes_db_url)["H6"] == recoded[0]
    assert _households(shapes_db_url)["H1"] == G1
    undone = api(page, "POST", f"/api/v1/edits/{edit}/undo", {"reason": "test done"})
    assert undone["status"] == 200 and _households(shapes_db_url)["H6"] == f"{V2}001"
    assert watch.off_host == [] and watch.errors == []
