"""HTTP caching of /tiles: ETags from the data's change stamp, layer, tile, date and scope."""

from __future__ import annotations

import psycopg
import pytest

from gridmap.core.config import Config
from gridmap.grid import tiles
from gridmap.web import create_app
from tests.household_fixtures import add_household, add_worker, lonlat_m
from tests.test_tiles import seed_tiles, tile_of
from tests.web_fixtures import login

#: Group 341890100200001's households tile (T1, T2) at the point zoom and its count tile.
POINT_TILE = "/tiles/households/{}/{}/{}.pbf".format(*tile_of(*lonlat_m(600, 500), 14))
COUNT_TILE = "/tiles/households/{}/{}/{}.pbf".format(*tile_of(*lonlat_m(600, 500), 11))
UNITS_TILE = "/tiles/units/{}/{}/{}.pbf".format(*tile_of(*lonlat_m(600, 500), 12))
PATHS = [POINT_TILE, COUNT_TILE, UNITS_TILE]


@pytest.fixture
def app(config, tiny_county_file):  # type: ignore[no-untyped-def]
    """The app on a fresh tiny county with T1–T3 and W1 (group 341890100200001)."""
    seed_tiles(config.database_url, tiny_county_file)
    application = create_app(config)
    yield application
    application.extensions["gridmap_pool"].close()


def client_of(app, username: str = "admin"):  # type: ignore[no-untyped-def]
    """A test client logged in as `username`."""
    client = app.test_client()
    login(client, username)
    return client


@pytest.mark.parametrize("path", PATHS)
def test_revalidation_is_a_304_without_body_or_rendering(app, path, monkeypatch):
    client = client_of(app)
    first = client.get(path)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-cache"

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a current tile was rendered again")

    monkeypatch.setattr(tiles, "household_tile", refuse)
    monkeypatch.setattr(tiles, "units_tile", refuse)
    again = client.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == tag
    assert again.headers["Cache-Control"] == "private, no-cache"


def test_importing_a_household_changes_the_etag(app, config):
    client = client_of(app)
    before = {path: client.get(path).headers["ETag"] for path in PATHS}
    with psycopg.connect(config.database_url) as conn:
        add_household(conn, "T9", (650, 520))
        conn.commit()
    for path in PATHS:
        response = client.get(path, headers={"If-None-Match": before[path]})
        assert response.status_code == 200 and response.headers["ETag"] != before[path], path


def test_assigning_a_worker_changes_the_etag(app, config):
    client = client_of(app)
    before = client.get(COUNT_TILE).headers["ETag"]
    with psycopg.connect(config.database_url) as conn:
        add_worker(conn, "W2", ["341890100200002"])
        conn.commit()
    response = client.get(COUNT_TILE, headers={"If-None-Match": before})
    assert response.status_code == 200 and response.headers["ETag"] != before


@pytest.mark.parametrize("path", PATHS)
def test_another_scope_gets_another_etag(app, path):
    whole = client_of(app, "reviewer").get(path).headers["ETag"]
    township = client_of(app, "township")
    assert township.get(path).headers["ETag"] != whole
    assert township.get(path, headers={"If-None-Match": whole}).status_code == 200
    narrowed = client_of(app, "reviewer").get(f"{path}?unit=341890100")
    assert narrowed.headers["ETag"] != whole


def test_another_database_at_the_same_count_gets_another_etag(
    app, config, pg_cluster, template_url, tiny_county_file, tmp_path
):
    from tests.conftest import _copy_database

    url = _copy_database(pg_cluster, "gridmap_tiles_twin")
    seed_tiles(url, tiny_county_file)
    with psycopg.connect(url) as conn:
        add_household(conn, "T9", (650, 520))  # different data, one import like the other's
        conn.commit()
    with psycopg.connect(config.database_url) as conn:
        add_household(conn, "T8", (2650, 520))
        conn.commit()
    twin = create_app(Config(database_url=url, var_dir=tmp_path / "twin", secret_key="t"))
    try:
        for path in PATHS:
            tag = client_of(app).get(path).headers["ETag"]
            other = client_of(twin).get(path, headers={"If-None-Match": tag})
            assert other.status_code == 200 and other.headers["ETag"] != tag, path
    finally:
        twin.extensions["gridmap_pool"].close()


def test_other_visit_windows_after_a_restart_give_another_etag(app, config):
    from dataclasses import replace

    before = client_of(app).get(COUNT_TILE).headers["ETag"]
    restarted = create_app(replace(config, visit_window_monitored_days=7))
    try:
        after = client_of(restarted).get(COUNT_TILE, headers={"If-None-Match": before})
    finally:
        restarted.extensions["gridmap_pool"].close()
    assert after.status_code == 200 and after.headers["ETag"] != before


def test_a_change_in_one_county_leaves_the_stamps_of_the_others(conn, tiny_county_file, tmp_path):
    from tests.household_fixtures import Household, add_grid, add_households
    from tests.test_counties import SHIFT_M, A, B, write_county

    add_grid(conn, tiny_county_file)
    add_grid(conn, write_county(B, tmp_path))
    views = {"A": [A], "B": [B], "township of B": [f"{B}100"], "province": ["34"], "all": None}

    def stamps() -> dict[str, str]:
        return {name: tiles.change_stamp(conn, prefixes) for name, prefixes in views.items()}

    before = stamps()
    add_households(conn, [Household("HB9", (SHIFT_M[B] + 500, 500))])
    after = stamps()
    # County A's tiles stay cached; every view holding B gets a new stamp.
    assert {name for name in views if after[name] != before[name]} == set(views) - {"A"}
