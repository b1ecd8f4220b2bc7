"""Vector tile endpoints: valid MVT, aggregation by zoom, empty tiles, ETags, bad coordinates."""

from __future__ import annotations

import math

import mapbox_vector_tile
import psycopg
import pytest

from gridmap.access.accounts import EVERYTHING, Actor
from gridmap.core.config import Config
from gridmap.fieldwork import visits
from gridmap.grid import assign
from gridmap.grid.tiles import GROUP_COUNTS_MIN_ZOOM, POINT_MIN_ZOOM
from gridmap.web import create_app
from tests.household_fixtures import (
    Household,
    add_grid,
    add_household,
    add_households,
    add_worker,
    lonlat_m,
)
from tests.web_fixtures import add_role_accounts, login


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """The XYZ tile containing a WGS84 point."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def seed_tiles(url: str, county_file) -> None:  # type: ignore[no-untyped-def]
    """The tiny county, three households, W1 and one account per role."""
    with psycopg.connect(url) as conn:
        add_grid(conn, county_file)
        add_households(conn, [Household("T1", (500, 500)),
                              Household("T2", (700, 500), category="monitored"),
                              Household("T3", (1500, 3000))])  # fmt: skip
        add_worker(conn, "W1", ["341890100200001"])
        assign.assign_households(conn)
        add_role_accounts(conn)
        conn.commit()


@pytest.fixture(scope="module")
def client(pg_cluster, template_url, tiny_county_file, tmp_path_factory):  # type: ignore[no-untyped-def]
    """An administrator's test client on this module's database (the tests only read)."""
    from tests.conftest import _copy_database

    url = _copy_database(pg_cluster, "gridmap_tiles")
    seed_tiles(url, tiny_county_file)
    app = create_app(
        Config(database_url=url, var_dir=tmp_path_factory.mktemp("var"), secret_key="t")
    )
    client = app.test_client()
    login(client, "admin")
    yield client
    app.extensions["gridmap_pool"].close()


@pytest.fixture
def fresh_client(config, tiny_county_file):  # type: ignore[no-untyped-def]
    """An administrator's test client on a fresh database with the same data, for tests that
    change it."""
    seed_tiles(config.database_url, tiny_county_file)
    app = create_app(config)
    client = app.test_client()
    login(client, "admin")
    yield client
    app.extensions["gridmap_pool"].close()


def _decode(body: bytes) -> dict:
    return mapbox_vector_tile.decode(body)


def test_point_tile_has_each_household_with_statuses(client):
    z, x, y = tile_of(*lonlat_m(600, 500), POINT_MIN_ZOOM + 1)
    response = client.get(f"/tiles/households/{z}/{x}/{y}.pbf?as_of=2026-06-30")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    features = _decode(response.data)["households"]["features"]
    props = {f["properties"]["code"]: f["properties"] for f in features}
    assert {"T1", "T2"} <= set(props)
    assert props["T1"]["coverage_status"] == "overdue" and props["T1"]["visit_status"] == "never"
    assert props["T2"]["coverage_status"] == "no_contact"
    assert all(f["geometry"]["type"] == "Point" for f in features)
    assert not ({"head_name", "id_number", "phone"} & set(props["T1"]))


@pytest.mark.parametrize(
    ("zoom", "level"),
    [(GROUP_COUNTS_MIN_ZOOM, 4), (POINT_MIN_ZOOM - 1, 4), (GROUP_COUNTS_MIN_ZOOM - 1, 3), (9, 3)],
)
def test_low_zoom_tiles_count_households_per_unit(client, zoom, level):
    z, x, y = tile_of(*lonlat_m(600, 500), zoom)
    features = _decode(client.get(f"/tiles/households/{z}/{x}/{y}.pbf").data)["households"][
        "features"
    ]
    by_code = {f["properties"]["code"]: f["properties"] for f in features}
    assert all(len(code) == 3 * (level + 1) for code in by_code)
    first = "341890100200001" if level == 4 else "341890100200"
    assert by_code[first]["households"] == (2 if level == 4 else 3)
    total = sum(p["households"] for p in by_code.values())
    assert total == 3
    # Nobody has been visited: the visit colouring of the circles comes from these counts.
    assert sum(p["visit_never"] for p in by_code.values()) == 3
    assert sum(p["visit_overdue"] + p["visit_due_soon"] for p in by_code.values()) == 0


def test_units_tile_layers_follow_zoom(client):
    low = _decode(client.get("/tiles/units/{}/{}/{}.pbf".format(*tile_of(117, 30, 8))).data)
    high = _decode(
        client.get("/tiles/units/{}/{}/{}.pbf".format(*tile_of(*lonlat_m(500, 500), 14))).data
    )
    assert set(low) == {"county", "township"}
    assert set(high) == {"county", "township", "village", "group"}
    names = {f["properties"]["name"] for f in high["village"]["features"]}
    assert "11村" in names


def test_empty_tile_is_valid_and_tiny(client):
    response = client.get("/tiles/households/14/0/0.pbf")
    assert response.status_code == 200
    assert len(response.data) < 100
    assert _decode(response.data) == {}


@pytest.mark.parametrize(
    "path",
    [
        "/tiles/households/23/0/0.pbf",
        "/tiles/households/3/8/0.pbf",
        "/tiles/units/2/0/4.pbf",
        "/tiles/households/14/1/1.pbf?as_of=yesterday",
        "/tiles/households/14/1/1.pbf?unit=1%27%20OR%201=1",
    ],
)
def test_bad_tile_requests_get_400(client, path):
    assert client.get(path).status_code == 400


def test_unknown_layer_is_404(client):
    assert client.get("/tiles/secrets/1/0/0.pbf").status_code == 404


def test_etag_revalidates_and_changes_with_the_data(fresh_client, config):
    client = fresh_client
    path = "/tiles/households/{}/{}/{}.pbf".format(*tile_of(*lonlat_m(600, 500), 14))
    first = client.get(path)
    tag = first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]
    assert client.get(path, headers={"If-None-Match": tag}).status_code == 304
    with psycopg.connect(config.database_url) as conn:
        add_household(conn, "T4", (650, 520))
        conn.commit()
    second = client.get(path, headers={"If-None-Match": tag})
    assert second.status_code == 200 and second.headers["ETag"] != tag
    codes = {f["properties"]["code"] for f in _decode(second.data)["households"]["features"]}
    assert "T4" in codes


#: Nothing doubtful: T1 and T2 in their point tile, groups 1 (T1, T2) and 2 (T3) counted.
NONE_DOUBTFUL = ({"T1": False, "T2": False}, {"341890100200001": 0, "341890100200002": 0})


def doubtful_in_tiles(client) -> tuple[dict, dict]:
    """Each household's doubtful flag in T1's point tile, each group's count in its count tile."""
    z, x, y = tile_of(*lonlat_m(600, 500), POINT_MIN_ZOOM + 1)
    points = _decode(client.get(f"/tiles/households/{z}/{x}/{y}.pbf").data)["households"]
    z, x, y = tile_of(*lonlat_m(600, 500), GROUP_COUNTS_MIN_ZOOM)
    counts = _decode(client.get(f"/tiles/households/{z}/{x}/{y}.pbf").data)["households"]
    return (
        {f["properties"]["code"]: f["properties"]["doubtful_visit"] for f in points["features"]},
        {f["properties"]["code"]: f["properties"]["doubtful_visit"] for f in counts["features"]},
    )


def test_far_check_in_is_flagged_in_point_and_count_tiles_until_rejected(fresh_client, config):
    client = fresh_client
    assert doubtful_in_tiles(client) == NONE_DOUBTFUL
    admin = Actor(username="admin", role="admin", scope=EVERYTHING)
    far = lonlat_m(1500, 1500)  # 1.4 km from T1
    visit = {"household": "T1", "visitor": "W1", "lon": far[0], "lat": far[1]}
    with psycopg.connect(config.database_url) as conn:
        made = visits.record_visit(conn, config, admin, visit)
    assert made["doubtful"] is True
    points, counts = doubtful_in_tiles(client)
    assert points == {"T1": True, "T2": False}
    assert counts == {"341890100200001": 1, "341890100200002": 0}
    with psycopg.connect(config.database_url) as conn:
        visits.reject_visit(conn, config, admin, made["id"], "签到位置不符")
    assert doubtful_in_tiles(client) == NONE_DOUBTFUL
