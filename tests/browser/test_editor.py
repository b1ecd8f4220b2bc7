"""The boundary editor in Chromium: draw, preview, save with a reason, conflicts, undo."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import shapely
from playwright.sync_api import Browser, Page, expect

from gridmap.core import localdb
from gridmap.core.config import Config
from gridmap.grid import assign
from tests.browser.conftest import log_in
from tests.browser.helpers import EDITOR_MAP, screen_point
from tests.browser.helpers import click_at_m as click_on_map
from tests.conftest import _copy_database
from tests.household_fixtures import add_grid, add_household, add_worker, lonlat_m
from tests.servers import serving
from tests.test_editor_pages import with_editor
from tests.web_fixtures import add_account, add_role_accounts

G1, G2, G3 = "341890100200001", "341890100200002", "341890100200003"


@pytest.fixture(scope="module")
def editor_db_url(pg_cluster: localdb.Cluster, template_url: str, tiny_county_file: Path) -> str:
    """A database of this module's own: the tiny county, H5 just north of the G1/G2 border."""
    url = _copy_database(pg_cluster, "gridmap_editor")
    with psycopg.connect(url) as connection:
        add_grid(connection, tiny_county_file, reason="test fixture")
        add_household(connection, "H1", (500, 500))
        add_household(connection, "H5", (500, 2200))
        add_worker(connection, "W1", [G1], home_m=(550, 550))
        assign.assign_households(connection)
        add_role_accounts(connection)
        add_account(connection, "admin2", "admin")
        connection.commit()
    return url


@contextmanager
def serve_editor(db_url: str, var_dir: Path) -> Iterator[str]:
    """Serve the app with the editor's pages on `db_url`; yields its base URL."""
    from gridmap.web import create_app

    config = Config(database_url=db_url, var_dir=var_dir, secret_key="editor")
    app = with_editor(create_app(config))
    with serving(app) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def editor_server(editor_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of an app with the editor's pages, served on this module's database."""
    with serve_editor(editor_db_url, tmp_path_factory.mktemp("var")) as base:
        yield base


@pytest.fixture(scope="module")
def admin_state(browser: Browser, editor_server: str, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """Cookies of the administrator's session: one login keeps clear of the login rate limit."""
    context = browser.new_context()
    log_in(context.new_page(), editor_server, "admin")
    path = tmp_path_factory.mktemp("auth") / "admin.json"
    context.storage_state(path=path)
    context.close()
    return path


@pytest.fixture
def page(browser: Browser, editor_server: str, admin_state: Path) -> Iterator[Page]:
    """A page of a fresh browser context logged in as the administrator on this server."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 720}, storage_state=str(admin_state)
    )
    tab = context.new_page()
    yield tab
    context.close()


def open_editor(page: Page, base: str, code: str = G1, query: str = "") -> None:
    """Open a unit's editor and wait until its units are drawn."""
    response = page.goto(f"{base}/units/{code}/edit{query}")
    assert response is not None and response.ok
    page.wait_for_selector("body[data-gm-ready='1']", state="attached")


def map_point(page: Page, x_m: float, y_m: float) -> dict[str, float]:
    """Viewport pixel of the editor's map at a point given in test metres."""
    return screen_point(page, x_m, y_m, EDITOR_MAP)


def click_at_m(page: Page, x_m: float, y_m: float) -> None:
    """Click the editor's map at a point given in test metres."""
    click_on_map(page, x_m, y_m, EDITOR_MAP)


def draw_line(page: Page, *points_m: tuple[float, float]) -> dict:
    """Draw a line with the editor's line tool; returns the GeoJSON it will send."""
    page.click("#gm-draw")
    for x, y in points_m:
        click_at_m(page, x, y)
    page.click("#gm-finish")
    page.wait_for_selector("body[data-gm-line]", state="attached")
    return page.evaluate("() => gridmap.editor.line")


def preview(page: Page) -> int:
    """Press Preview and return the moved-household count the page shows."""
    page.evaluate("() => document.body.removeAttribute('data-gm-preview')")
    page.click("#gm-preview")
    page.wait_for_selector("body[data-gm-preview]", state="attached")
    return int(page.get_attribute("#gm-moved-count", "data-count") or "-1")


def save(page: Page, reason: str) -> int:
    """Give a reason and save; returns the new edit's id."""
    page.fill("#gm-reason", reason)
    page.click("#gm-save")
    page.wait_for_selector("body[data-gm-saved]", state="attached")
    return int(page.get_attribute("body", "data-gm-saved") or "0")


def api(page: Page, method: str, path: str, body: dict | None = None, **headers: str) -> dict:
    """Call the API with the page's session and CSRF token."""
    token = page.get_attribute("meta[name='csrf-token']", "content") or ""
    response = page.request.fetch(
        page.url.split("/units/")[0] + path,
        method=method,
        data=body,
        headers={"X-CSRFToken": token, "Content-Type": "application/json", **headers},
    )
    return {"status": response.status, **response.json()}


def restore_border(page: Page) -> None:
    """Put the G1/G2 border back at 2000 m (undoing an undone edit's predecessor is refused)."""
    line = {"type": "LineString", "coordinates": [list(lonlat_m(x, 2000)) for x in (-10, 2010)]}
    body = {"operation": "move_border", "other": G2, "line": line}
    token = api(page, "POST", f"/api/v1/units/{G1}/preview", body)["token"]
    saved = api(
        page, "PUT", f"/api/v1/units/{G1}", {**body, "reason": "restore"}, **{"If-Match": token}
    )
    assert saved["status"] == 200, saved


def current_codes(page: Page) -> set[str]:
    """Codes of the current groups of village 341890100200."""
    found = api(page, "GET", "/api/v1/units?level=4&parent=341890100200")
    return {f["properties"]["code"] for f in found["features"]}


def test_admin_moves_a_border_then_undoes_it_from_the_history(page, watch, editor_server):
    open_editor(page, editor_server)
    assert page.input_value("#gm-other") == G2
    line = draw_line(page, (-300, 2500), (2300, 2500))
    shown = preview(page)
    body = {"operation": "move_border", "other": G2, "line": line}
    assert shown == api(page, "POST", f"/api/v1/units/{G1}/preview", body)["moved_count"] == 1
    assert page.locator("#gm-moved tbody tr").count() == 1
    expect(page.locator("#gm-moved tbody")).to_contain_text("H5")
    expect(page.locator("#gm-areas tbody")).to_contain_text(G2)
    page.click("#gm-save")  # no reason yet: nothing is sent
    expect(page.locator("#gm-status")).to_have_attribute("data-kind", "error")
    edit = save(page, "new road is the border")

    page.goto(f"{editor_server}/units/{G1}/history")
    page.wait_for_selector("body[data-gm-ready='1']", state="attached")
    row = page.locator(f"#gm-versions tbody tr[data-edit='{edit}']")
    expect(row).to_contain_text("new road is the border")
    expect(row).to_contain_text("admin")
    page.wait_for_selector("body[data-gm-compare]", state="attached")
    page.fill("#gm-undo-reason", "drawn by mistake")
    row.locator("button.gm-undo").click()
    page.wait_for_function("() => /^[0-9]+$/.test(document.body.dataset.gmUndo || '')")
    versions = api(page, "GET", f"/api/v1/units/{G1}/history")["versions"]
    assert versions[-1]["kind"] == "undo"
    assert watch.off_host == [] and watch.errors == []


def test_split_by_a_drawn_line_makes_the_next_code(page, watch, editor_server):
    open_editor(page, editor_server)
    page.check("#gm-op-split")
    draw_line(page, (1000, -300), (1000, 2300))
    preview(page)
    expect(page.locator("#gm-new-codes")).to_have_attribute("data-codes", G3)
    edit = save(page, "two groups now")
    assert G3 in current_codes(page)
    undone = api(page, "POST", f"/api/v1/edits/{edit}/undo", {"reason": "test done"})
    assert undone["status"] == 200 and G3 not in current_codes(page)
    assert watch.off_host == [] and watch.errors == []


def test_a_stale_save_shows_who_changed_the_units(page, watch, editor_server):
    open_editor(page, editor_server)
    draw_line(page, (-300, 2400), (2300, 2400))
    preview(page)
    edit = save(page, "first save")
    page.click("#gm-save")  # the same token again: the units changed since the preview
    expect(page.locator("#gm-conflict")).to_be_visible()
    # Worded in the page's language (Chinese by default): who saved which edit, and why.
    message = page.locator("#gm-conflict-message")
    expect(message).to_contain_text("admin 于")
    expect(message).to_contain_text(f"的修改 {edit}（first save）")
    expect(page.locator("#gm-reload")).to_be_visible()
    undone = api(page, "POST", f"/api/v1/edits/{edit}/undo", {"reason": "test done"})
    assert undone["status"] == 200
    assert watch.off_host == []
    assert all("409" in e for e in watch.errors), watch.errors


def test_refused_undo_names_the_later_edit(page, watch, editor_server):
    open_editor(page, editor_server)
    draw_line(page, (-300, 2500), (2300, 2500))
    preview(page)
    first = save(page, "first")
    open_editor(page, editor_server)
    draw_line(page, (-300, 2600), (2300, 2600))
    preview(page)
    second = save(page, "second")
    page.goto(f"{editor_server}/units/{G1}/history")
    page.wait_for_selector("body[data-gm-ready='1']", state="attached")
    page.fill("#gm-undo-reason", "try")
    page.locator(f"#gm-versions tbody tr[data-edit='{first}'] button.gm-undo").click()
    page.wait_for_selector("body[data-gm-undo='refused']", state="attached")
    expect(page.locator("#gm-status")).to_contain_text(f"{second} (admin: second)")
    assert api(page, "POST", f"/api/v1/edits/{second}/undo", {"reason": "done"})["status"] == 200
    restore_border(page)
    assert watch.off_host == []
    assert all("409" in e for e in watch.errors), watch.errors


def test_non_admins_get_no_editor(browser, editor_server):
    context = browser.new_context()
    tab = context.new_page()
    log_in(tab, editor_server, "reviewer")
    response = tab.goto(f"{editor_server}/units/{G1}/edit")
    assert response is not None and response.status == 404
    context.close()


def test_vertex_editing_keeps_multipolygons_and_holes(page, watch, editor_server):
    open_editor(page, editor_server)
    shape = page.evaluate(
        """() => {
            const ring = (x, y, s) => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];
            const multi = {type: "MultiPolygon", coordinates: [
                [ring(0, 0, 1), ring(0.2, 0.2, 0.2)], [ring(2, 2, 1)]]};
            const one = {type: "MultiPolygon", coordinates: [[ring(0, 0, 1)]]};
            const layerOf = (g) => L.geoJSON(g).getLayers()[0];
            const e = gridmap.editor;
            return [e.layerGeometry(layerOf(multi), "MultiPolygon"),
                    e.layerGeometry(layerOf(one), "MultiPolygon")];
        }"""
    )
    assert shape[0]["type"] == "MultiPolygon"
    assert [len(p) for p in shape[0]["coordinates"]] == [2, 1]
    assert shape[0]["coordinates"][0][1][0] == shape[0]["coordinates"][0][1][-1]
    assert shape[1]["type"] == "MultiPolygon" and len(shape[1]["coordinates"]) == 1
    page.check("#gm-op-edit")
    page.click("#gm-vertices")
    assert page.evaluate("() => gridmap.editor.unit.getLayers()[0].pm.enabled()")
    assert preview(page) == 0
    assert watch.off_host == [] and watch.errors == []


def move_g1_border(page: Page, y_m: float, reason: str) -> int:
    """Move the G1/G2 border to `y_m` through the API, as a script would; the edit's id."""
    line = {"type": "LineString", "coordinates": [list(lonlat_m(x, y_m)) for x in (-10, 2010)]}
    body = {"operation": "move_border", "other": G2, "line": line}
    token = api(page, "POST", f"/api/v1/units/{G1}/preview", body)["token"]
    saved = api(page, "PUT", f"/api/v1/units/{G1}", {**body, "reason": reason},
                **{"If-Match": token})  # fmt: skip
    assert saved["status"] == 200, saved
    return int(saved["edit"])


def test_a_change_since_the_page_loaded_is_a_conflict_until_reloaded(
    page, watch, browser, editor_server
):
    open_editor(page, editor_server)
    other_context = browser.new_context()
    other = other_context.new_page()
    log_in(other, editor_server, "admin2")
    open_editor(other, editor_server)
    other_edit = move_g1_border(other, 2600, "survey fixed")
    other_context.close()

    # This page still shows the old border: its line must not land on the new shapes.
    draw_line(page, (-300, 2400), (2300, 2400))
    page.click("#gm-preview")
    page.wait_for_selector("body[data-gm-conflict]", state="attached")
    message = page.locator("#gm-conflict-message")
    expect(message).to_contain_text("admin2 于")
    expect(message).to_contain_text(f"的修改 {other_edit}（survey fixed）")
    expect(page.locator("#gm-result")).to_be_hidden()
    expect(page.locator("#gm-reload")).to_be_visible()
    assert api(page, "GET", f"/api/v1/units/{G1}/history")["versions"][-1]["edit"] == other_edit

    page.click("#gm-reload")
    page.wait_for_selector("body[data-gm-ready='1']:not([data-gm-conflict])", state="attached")
    draw_line(page, (-300, 2400), (2300, 2400))
    preview(page)
    edit = save(page, "drawn on the latest border")
    versions = api(page, "GET", f"/api/v1/units/{G1}/history")["versions"]
    assert [v["edit"] for v in versions[-2:]] == [other_edit, edit]
    restore_border(page)
    assert watch.off_host == []
    assert all("409" in e for e in watch.errors), watch.errors


def test_households_that_would_move_are_drawn_with_the_gains_and_losses(page, watch, editor_server):
    open_editor(page, editor_server)
    draw_line(page, (-300, 2500), (2300, 2500))
    shown = preview(page)
    markers = page.locator("path.gm-moved-household")
    assert shown == 1 and markers.count() == shown
    markers.first.hover()
    expect(page.get_by_role("tooltip", name=f"H5: {G2} → {G1}", exact=True)).to_be_visible()
    # G1 gains the strip up to the line, G2 loses it: one green and one red part.
    assert page.locator("path.gm-area-gained").count() == 1
    assert page.locator("path.gm-area-lost").count() == 1
    rows = page.locator("#gm-areas tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#gm-areas thead")).to_contain_text("增加面积")
    expect(page.locator("#gm-areas thead")).to_contain_text("减少面积")
    g1_cells = rows.filter(has_text=G1).locator("td")
    gained = float(g1_cells.nth(1).inner_text().replace(",", ""))
    lost = float(g1_cells.nth(2).inner_text().replace(",", ""))
    parts = page.evaluate("() => gridmap.editor.preview.area_parts")
    assert gained == parts[G1]["gained"]["area_m2"] and lost == parts[G1]["lost"]["area_m2"] == 0
    assert gained == pytest.approx(1_000_000, rel=0.05)  # a strip of 2000 m × ~500 m (clicked)
    assert (
        float(rows.filter(has_text=G2).locator("td").nth(2).inner_text().replace(",", ""))
        == (parts[G2]["lost"]["area_m2"])
    )

    # A new preview replaces the old drawing: a line below H5 moves nobody.
    page.evaluate("() => document.body.removeAttribute('data-gm-line')")
    draw_line(page, (-300, 2100), (2300, 2100))
    assert preview(page) == 0
    assert markers.count() == 0
    assert page.locator("path.gm-area-gained").count() == 1
    assert watch.off_host == [] and watch.errors == []


def test_the_history_offers_no_undo_for_an_import(page, watch, editor_server):
    untouched = "341890100201001"
    page.goto(f"{editor_server}/units/{untouched}/history")
    page.wait_for_selector("body[data-gm-ready='1']", state="attached")
    rows = page.locator("#gm-versions tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("import")
    expect(rows.locator("button.gm-undo")).to_have_count(0)
    imported = rows.first.get_attribute("data-edit")
    refused = api(page, "POST", f"/api/v1/edits/{imported}/undo", {"reason": "try"})
    assert refused["status"] == 400 and refused["code"] == "undo_import"
    assert watch.off_host == [] and watch.errors == []


def test_a_line_ending_a_few_pixels_from_a_neighbours_vertex_ends_on_it(page, watch, editor_server):
    open_editor(page, editor_server)
    groups = api(page, "GET", "/api/v1/units?level=4&parent=341890100200")["features"]
    g2 = next(f for f in groups if f["properties"]["code"] == G2)
    corner = shapely.Point(lonlat_m(2000, 4000))
    vertex = min(
        shapely.get_coordinates(shapely.geometry.shape(g2["geometry"])).tolist(),
        key=lambda c: corner.distance(shapely.Point(c)),
    )
    page.evaluate(
        """() => new Promise((done) => {
            const e = gridmap.editor;
            e.map.once("moveend", done);
            e.map.fitBounds(e.siblings.getBounds().extend(e.unit.getBounds()), {animate: false});
        })"""
    )
    page.click("#gm-draw")
    click_at_m(page, -300, 2500)
    click_at_m(page, 1000, 3000)
    at = page.evaluate(
        """([lon, lat]) => {
            const map = gridmap.editor.map;
            const p = map.latLngToContainerPoint([lat, lon]);
            const r = map.getContainer().getBoundingClientRect();
            return {x: r.left + p.x, y: r.top + p.y};
        }""",
        vertex,
    )
    # A few pixels off the vertex, approached as a hand would: the snap pulls it in.
    end = {"x": at["x"] + 4, "y": at["y"] - 3}
    page.mouse.move(end["x"] - 30, end["y"] + 30)
    page.mouse.move(end["x"], end["y"], steps=5)
    page.mouse.click(end["x"], end["y"])
    page.click("#gm-finish")
    page.wait_for_selector("body[data-gm-line]", state="attached")
    page.evaluate("() => document.body.removeAttribute('data-gm-preview')")
    with page.expect_request(lambda r: r.url.endswith("/preview")) as sent:
        page.click("#gm-preview")
    page.wait_for_selector("body[data-gm-preview]", state="attached")
    line = sent.value.post_data_json["line"]["coordinates"]
    assert len(line) == 3 and line[-1] == vertex
    # Unsnapped, the end would lie about 4 px (tens of metres here) off the corner.
    unsnapped = page.evaluate(
        """([x, y]) => {
            const map = gridmap.editor.map;
            const r = map.getContainer().getBoundingClientRect();
            const ll = map.containerPointToLatLng([x - r.left, y - r.top]);
            return [ll.lng, ll.lat];
        }""",
        [end["x"], end["y"]],
    )
    assert corner.distance(shapely.Point(unsnapped)) > 1e-5
    # The server takes the snapped end as the corner it is: the line cuts across.
    expect(page.locator("#gm-verdict")).to_have_attribute("data-ok", "1")
    assert watch.off_host == [] and watch.errors == []
