"""The boundary editor and history pages: who may open them, what they load, comparisons."""

from __future__ import annotations

import json
import re

import psycopg
import pytest
import shapely
from shapely.geometry import mapping

from gridmap.core.config import Config
from gridmap.core.errors import BadInput
from gridmap.grid import assign
from gridmap.grid.redraw.compare import compare_versions
from gridmap.web import create_app, editor
from tests.household_fixtures import add_grid, add_household, add_worker, lonlat_m
from tests.web_fixtures import add_role_accounts, csrf_token, login

G1, G2 = "341890100200001", "341890100200002"
OTHER_TOWNSHIP_GROUP = "341890101200001"


def with_editor(app):  # type: ignore[no-untyped-def]
    """The app with the editor's pages (until the app factory registers them)."""
    if "editor" not in app.blueprints:
        app.register_blueprint(editor.bp)
    return app


def seed_county(url: str, county_file) -> None:  # type: ignore[no-untyped-def]
    """The tiny county, one household, W1 and one account per role."""
    with psycopg.connect(url) as conn:
        add_grid(conn, county_file)
        add_household(conn, "H1", (500, 2200))
        add_worker(conn, "W1", [G1])
        assign.assign_households(conn)
        add_role_accounts(conn)
        conn.commit()


@pytest.fixture
def app(config, tiny_county_file):  # type: ignore[no-untyped-def]
    """The app on a fresh database: the tiny county, one household, W1, role accounts."""
    seed_county(config.database_url, tiny_county_file)
    application = with_editor(create_app(config))
    yield application
    application.extensions["gridmap_pool"].close()


def read_only_config(pg_cluster, name: str, county_file, var_dir) -> Config:  # type: ignore[no-untyped-def]
    """Settings for a module's own seeded database that its tests only read; logins are not
    rate limited (every test logs in again)."""
    from tests.conftest import _copy_database

    url = _copy_database(pg_cluster, name)
    seed_county(url, county_file)
    return Config(database_url=url, var_dir=var_dir, secret_key="test",
                  login_rate_limit="1000 per minute")  # fmt: skip


@pytest.fixture(scope="module")
def read_app(pg_cluster, template_url, tiny_county_file, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The same app and data on this module's database, for tests that change nothing."""
    var_dir = tmp_path_factory.mktemp("var")
    config = read_only_config(pg_cluster, "gridmap_editor_pages", tiny_county_file, var_dir)
    application = with_editor(create_app(config))
    yield application
    application.extensions["gridmap_pool"].close()


def client_for(app, role):  # type: ignore[no-untyped-def]
    """A logged-in test client sending the CSRF header."""
    client = app.test_client()
    login(client, role)
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client.get("/login").text)
    return client


def page_settings(html: str) -> dict:
    """The JSON settings a page hands its scripts."""
    found = re.search(r'id="gridmap-config"[^>]*>(.*?)</script>', html)
    assert found, "no settings on the page"
    return json.loads(found.group(1))


def line_json(*points_m):  # type: ignore[no-untyped-def]
    """A GeoJSON LineString through points given in test metres."""
    return {"type": "LineString", "coordinates": [list(lonlat_m(x, y)) for x, y in points_m]}


def test_admin_gets_the_editor_with_local_assets(app):
    response = client_for(app, "admin").get(f"/units/{G1}/edit")
    assert response.status_code == 200
    html = response.text
    assert "vendor/leaflet-geoman-free/2.20.2/dist/leaflet-geoman.min.js" in html
    assert '<meta name="csrf-token" content="' in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "an asset from another host"
    nonce = re.search(
        r"script-src 'self' 'nonce-([^']+)'", response.headers["Content-Security-Policy"]
    )
    scripts = re.findall(r"<script(?![^>]*application/json)([^>]*)>", html)
    assert scripts and all(f'nonce="{nonce.group(1)}"' in s for s in scripts)
    settings = page_settings(html)
    assert settings["unit"]["code"] == G1 and settings["unit"]["parent"] == G1[:12]
    assert settings["urls"]["preview"] == f"/api/v1/units/{G1}/preview"
    assert settings["urls"]["undo"] == "/api/v1/edits/"


@pytest.mark.parametrize("role", ["reviewer", "inspector", "township", "worker"])
def test_only_admins_find_the_editor(read_app, role):
    assert client_for(read_app, role).get(f"/units/{G1}/edit").status_code == 404


def test_editor_of_an_unknown_unit_is_not_found(read_app):
    admin = client_for(read_app, "admin")
    assert admin.get("/units/341890100200009/edit").status_code == 404
    assert admin.get("/units/12ab/edit").status_code == 404


@pytest.mark.parametrize("role", ["admin", "reviewer", "township"])
def test_history_page_for_roles_that_see_the_unit(read_app, role):
    response = client_for(read_app, role).get(f"/units/{G1}/history")
    assert response.status_code == 200
    settings = page_settings(response.text)
    assert settings["isAdmin"] is (role == "admin")
    assert ("gm-undo-reason" in response.text) is (role == "admin")


def test_history_outside_the_scope_is_not_found(read_app):
    township = client_for(read_app, "township")
    assert township.get(f"/units/{OTHER_TOWNSHIP_GROUP}/history").status_code == 404
    assert township.get(f"/units/{OTHER_TOWNSHIP_GROUP}/history/compare?a=1&b=2").status_code == 404


def _move_border(admin) -> int:  # type: ignore[no-untyped-def]
    body = {"operation": "move_border", "other": G2, "line": line_json((-10, 2500), (2010, 2500))}
    token = admin.post(f"/api/v1/units/{G1}/preview", json=body).json["token"]
    saved = admin.put(f"/api/v1/units/{G1}", json={**body, "reason": "road"},
                      headers={"If-Match": token})  # fmt: skip
    assert saved.status_code == 200, saved.json
    return int(saved.json["edit"])


def test_compare_two_versions_after_a_border_move(app):
    admin = client_for(app, "admin")
    _move_border(admin)
    versions = admin.get(f"/api/v1/units/{G1}/history").json["versions"]
    old, new = versions[-2]["version"], versions[-1]["version"]
    diff = admin.get(f"/units/{G1}/history/compare?a={old}&b={new}").json
    assert diff["lost"]["geometry"] is None
    assert diff["gained"]["area_m2"] == pytest.approx(2000 * 500, rel=0.01)
    assert admin.get(f"/units/{G1}/history/compare?a={old}&b=999999").status_code == 400


def test_compare_versions_reports_both_sides():
    a = shapely.box(0, 0, 0.01, 0.01)
    b = shapely.box(0.005, 0, 0.015, 0.01)
    versions = [{"version": 1, "geometry": mapping(a)}, {"version": 2, "geometry": mapping(b)}]
    diff = compare_versions(versions, 1, 2)
    assert diff["lost"]["area_m2"] == pytest.approx(diff["gained"]["area_m2"], rel=1e-3)
    assert shapely.geometry.shape(diff["lost"]["geometry"]).bounds[2] == pytest.approx(0.005)
    with pytest.raises(BadInput):
        compare_versions(versions, 1, 3)


@pytest.mark.parametrize("role", ["admin", "reviewer", "inspector", "township", "worker"])
def test_only_admins_see_edit_and_history_links_on_the_unit_page(read_app, role):
    response = client_for(read_app, role).get(f"/units/{G1}")
    assert response.status_code == 200
    edit_link = f'id="gm-edit-boundary" href="/units/{G1}/edit"'
    history_link = f'id="gm-unit-history" href="/units/{G1}/history"'
    assert (edit_link in response.text) is (role == "admin")
    assert (history_link in response.text) is (role == "admin")


def test_unit_page_links_are_worded_in_the_chosen_language(read_app):
    admin = client_for(read_app, "admin")
    assert ">编辑边界</a>" in admin.get(f"/units/{G1[:12]}").text
    english = admin.get(f"/units/{G1[:12]}?lang=en").text
    assert f'href="/units/{G1[:12]}/edit">Edit boundary</a>' in english
    assert f'href="/units/{G1[:12]}/history">History</a>' in english


def test_the_editor_records_the_versions_of_the_units_it_draws(app):
    admin = client_for(app, "admin")
    village = G1[:12]
    settings = page_settings(admin.get(f"/units/{village}/edit").text)
    with psycopg.connect(app.config["GRIDMAP"].database_url) as conn:
        rows = conn.execute(
            "SELECT code, id FROM unit_version WHERE valid_to IS NULL "
            "AND (code = %s OR parent_code = ANY(%s))",
            [village, [village[:9], village]],
        ).fetchall()
    # The village, the other villages of its township and its own groups, at their versions.
    assert settings["versions"] == {code: version for code, version in rows}
    assert {village, "341890100201", G1, G2} <= set(settings["versions"])
    assert "341890100201001" not in settings["versions"]  # a neighbour's group is not drawn
