"""Boundary edits over HTTP and under concurrency: tokens, 409, 428, undo, history, as-of."""

from __future__ import annotations

import threading

import psycopg
import pytest
import shapely

from gridmap.access.accounts import cli_actor
from gridmap.core.config import Config
from gridmap.core.errors import Conflict
from gridmap.grid import assign, grids
from gridmap.grid.redraw import engine, plan
from gridmap.web import create_app
from tests.household_fixtures import add_grid, add_household, lonlat_m
from tests.web_fixtures import add_role_accounts, csrf_token, login

G1, G2 = "341890100200001", "341890100200002"


def line_json(*points_m):
    return {"type": "LineString", "coordinates": [list(lonlat_m(x, y)) for x, y in points_m]}


MOVE = {"operation": "move_border", "other": G2, "line": line_json((-10, 2500), (2010, 2500))}


@pytest.fixture
def app(config, tiny_county_file):
    """The app on a fresh database: the tiny county, households, worker W1, role accounts."""
    from tests.household_fixtures import add_worker

    with psycopg.connect(config.database_url) as conn:
        add_grid(conn, tiny_county_file)
        add_household(conn, "H1", (500, 2200))
        add_worker(conn, "W1", [G1])
        assign.assign_households(conn)
        add_role_accounts(conn)
        conn.commit()
    application = create_app(config)
    yield application
    application.extensions["gridmap_pool"].close()


@pytest.fixture(scope="module")
def read_app(pg_cluster, template_url, tiny_county_file, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The same app and data on this module's database, for requests that are refused."""
    from tests.test_editor_pages import read_only_config

    var_dir = tmp_path_factory.mktemp("var")
    application = create_app(
        read_only_config(pg_cluster, "gridmap_edits_api", tiny_county_file, var_dir)
    )
    yield application
    application.extensions["gridmap_pool"].close()


def _client(app, role):
    client = app.test_client()
    login(client, role)
    token = csrf_token(client.get("/login").text)
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    return client


def test_preview_then_save_with_if_match(app):
    admin = _client(app, "admin")
    preview = admin.post(f"/api/v1/units/{G1}/preview", json=MOVE)
    assert preview.status_code == 200
    body = preview.json
    lon, lat = lonlat_m(500, 2200)  # H1, drawn where it stands
    assert body["ok"] and body["moved"] == [
        {
            "household": "H1",
            "from": G2,
            "to": G1,
            "lon": pytest.approx(lon, abs=1e-6),
            "lat": pytest.approx(lat, abs=1e-6),
        }
    ]
    saved = admin.put(
        f"/api/v1/units/{G1}", json={**MOVE, "reason": "new road"},
        headers={"If-Match": f'"{body["token"]}"'},
    )  # fmt: skip
    assert saved.status_code == 200 and saved.json["moved_count"] == 1
    # The same token again is stale now: 409 naming the edit.
    again = admin.put(
        f"/api/v1/units/{G1}", json={**MOVE, "reason": "again"},
        headers={"If-Match": body["token"]},
    )  # fmt: skip
    assert again.status_code == 409 and "new road" in again.json["error"]
    history = admin.get(f"/api/v1/units/{G1}/history").json["versions"]
    assert [v["reason"] for v in history] == [history[0]["reason"], "new road"]
    assert history[1]["households_moved"] == 1
    edits = admin.get("/api/v1/edits").json["edits"]
    assert [e["kind"] for e in edits] == ["import", "move_border"]
    undone = admin.post(f"/api/v1/edits/{saved.json['edit']}/undo", json={"reason": "oops"})
    assert undone.status_code == 200 and undone.json["moved_count"] == 1


def test_save_needs_if_match_and_reason(app):
    admin = _client(app, "admin")
    assert admin.put(f"/api/v1/units/{G1}", json={**MOVE, "reason": "x"}).status_code == 428
    token = admin.post(f"/api/v1/units/{G1}/preview", json=MOVE).json["token"]
    response = admin.put(f"/api/v1/units/{G1}", json=MOVE, headers={"If-Match": token})
    assert response.status_code == 400 and "reason" in response.json["error"]


@pytest.mark.parametrize("role", ["reviewer", "inspector", "township", "worker"])
def test_only_admins_edit(read_app, role):
    client = _client(read_app, role)
    assert client.post(f"/api/v1/units/{G1}/preview", json=MOVE).status_code == 403
    assert (
        client.put(f"/api/v1/units/{G1}", json=MOVE, headers={"If-Match": "x"}).status_code == 403
    )


def test_edit_without_csrf_token_is_refused(read_app):
    client = read_app.test_client()
    login(client, "admin")
    assert client.post(f"/api/v1/units/{G1}/preview", json=MOVE).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"operation": "teleport"},
        {"operation": "move_border", "other": "1' OR 1=1", "line": line_json((0, 0), (1, 1))},
        {"operation": "split", "line": {"type": "Point", "coordinates": [117, 30]}},
        {"operation": "edit", "geometry": "not geojson"},
    ],
)
def test_bad_edit_requests_get_400(read_app, body):
    assert (
        _client(read_app, "admin").post(f"/api/v1/units/{G1}/preview", json=body).status_code == 400
    )


def test_units_as_of_a_date(app):
    admin = _client(app, "admin")
    today = admin.get("/api/v1/units?level=4").json
    past = admin.get("/api/v1/units?level=4&as_of=2000-01-01").json
    assert len(today["features"]) == 8 and past["features"] == []


def test_two_concurrent_saves_exactly_one_wins(config, tiny_county_file):
    with psycopg.connect(config.database_url) as conn:
        add_grid(conn, tiny_county_file)
        conn.commit()
    line = shapely.LineString([lonlat_m(-10, 2500), lonlat_m(2010, 2500)])
    other_line = shapely.LineString([lonlat_m(-10, 2600), lonlat_m(2010, 2600)])
    conns = [psycopg.connect(config.database_url, autocommit=True) for _ in range(2)]
    states = [
        plan.plan_move_border(c, G1, G2, ln)
        for c, ln in zip(conns, (line, other_line), strict=True)
    ]
    tokens = [engine.preview(s, 1.0)["token"] for s in states]
    assert tokens[0] == tokens[1]
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def run(state, token):
        barrier.wait()
        try:
            engine.save(state, token=token, reason="race", actor=cli_actor("t"), tolerance_m2=1.0)
            outcomes.append("saved")
        except Conflict:
            outcomes.append("409")

    threads = [
        threading.Thread(target=run, args=(s, t)) for s, t in zip(states, tokens, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["409", "saved"]
    with psycopg.connect(config.database_url) as conn:
        open_g1 = conn.execute(
            "SELECT count(*) FROM unit_version WHERE code = %s AND valid_to IS NULL", [G1]
        ).fetchone()
        assert open_g1 == (1,)
        assert grids.validate_current(conn, Config().gap_tolerance_m2)["ok"]
    for c in conns:
        c.close()


def _open_versions(admin, *codes):
    """The current version of each unit, as an editor page records them when it loads."""
    found = {}
    for code in codes:
        found[code] = admin.get(f"/api/v1/units/{code}/history").json["versions"][-1]["version"]
    return found


def _save_as(client, body, reason):
    token = client.post(f"/api/v1/units/{G1}/preview", json=body).json["token"]
    return client.put(
        f"/api/v1/units/{G1}", json={**body, "reason": reason}, headers={"If-Match": token}
    )


def test_a_change_since_the_page_loaded_gets_409_at_preview_and_save(app, config):
    with psycopg.connect(config.database_url) as conn:
        from tests.web_fixtures import add_account

        add_account(conn, "admin2", "admin")
        conn.commit()
    admin, other = _client(app, "admin"), _client(app, "admin2")
    drawn = _open_versions(admin, G1, G2)
    later = {**MOVE, "line": line_json((-10, 2600), (2010, 2600))}
    assert _save_as(other, later, "survey fixed").status_code == 200
    # This page drew the old border: its line must not land on the new shapes.
    body = {**MOVE, "versions": drawn}
    preview = admin.post(f"/api/v1/units/{G1}/preview?lang=en", json=body)
    assert preview.status_code == 409 and preview.json["code"] == "stale_page_by"
    assert preview.json["params"]["author"] == "admin2"
    assert "by admin2" in preview.json["text"] and "(survey fixed)" in preview.json["text"]
    token = admin.post(f"/api/v1/units/{G1}/preview", json=MOVE).json["token"]
    saved = admin.put(f"/api/v1/units/{G1}?lang=zh", json={**body, "reason": "road"},
                      headers={"If-Match": token})  # fmt: skip
    assert saved.status_code == 409 and saved.json["code"] == "stale_page_by"
    assert "admin2 于" in saved.json["text"] and "（survey fixed）" in saved.json["text"]
    assert len(admin.get(f"/api/v1/units/{G1}/history").json["versions"]) == 2
    # A reloaded page records the new versions and saves.
    fresh = {**MOVE, "versions": _open_versions(admin, G1, G2)}
    assert _save_as(admin, fresh, "road").status_code == 200


def test_a_unit_merged_away_since_the_page_loaded_gets_409(app):
    admin = _client(app, "admin")
    drawn = _open_versions(admin, G1, G2)
    merge = {"operation": "merge", "other": G2}
    merged = _save_as(admin, merge, "one group")
    assert merged.status_code == 200
    body = {**MOVE, "versions": drawn}
    preview = admin.post(f"/api/v1/units/{G1}/preview", json=body)
    assert preview.status_code == 409 and preview.json["params"]["edit"] == merged.json["edit"]


def test_versions_of_units_the_edit_does_not_touch_are_not_checked(app):
    admin = _client(app, "admin")
    drawn = _open_versions(admin, G1, G2)
    # A page that drew more units than this edit touches (the whole village, say).
    drawn["341890100200099"] = 1
    saved = _save_as(admin, {**MOVE, "versions": drawn}, "road")
    assert saved.status_code == 200


@pytest.mark.parametrize("versions", ["1", [1], {G1: "1"}, {G1: True}])
def test_malformed_versions_get_400(read_app, versions):
    body = {**MOVE, "versions": versions}
    response = _client(read_app, "admin").post(f"/api/v1/units/{G1}/preview", json=body)
    assert response.status_code == 400 and "versions" in response.json["error"]


def test_undoing_an_import_is_refused_with_a_reason(app):
    admin = _client(app, "admin")
    imported = admin.get("/api/v1/edits").json["edits"][0]
    assert imported["kind"] == "import"
    refused = admin.post(f"/api/v1/edits/{imported['id']}/undo", json={"reason": "wrong file"})
    assert refused.status_code == 400 and refused.json["code"] == "undo_import"
    assert "重新导入" in refused.json["text"]
    assert [e["kind"] for e in admin.get("/api/v1/edits").json["edits"]] == ["import"]
