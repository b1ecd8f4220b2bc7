"""Travel on a county's road network: fastest paths as an independent Dijkstra finds them,
bridges, one-ways, posted limits, the walk to the road, islands, and `gridmap route`."""

from __future__ import annotations

import json
import math

import networkx as nx
import numpy as np
import psycopg
import pytest
import shapely
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from pyproj import Transformer

from gridmap.cli import main
from gridmap.core.config import ROAD_SPEED_DEFAULTS_KMH, Config
from gridmap.core.errors import BadInput
from gridmap.ground.importer import import_osm_file
from gridmap.ground.roads import NOT_DRIVABLE
from gridmap.inspections import travel, travel_models
from gridmap.store import roads as road_store
from tests.conftest import _copy_database
from tests.grid_fixtures import METRIC_CRS, ORIGIN_X, ORIGIN_Y
from tests.household_fixtures import add_grid, lonlat_m
from tests.road_fixtures import ISLAND_AT, write_roads

CONFIG = Config()
SNAP_MPS = CONFIG.road_snap_kmh / 3.6
#: Road vertices (metres) where stops stand on the road itself.
ON_ROAD = [(1000, 1000), (3000, 1000), (7000, 1000), (1000, 3000), (7000, 3000), (1000, 500),
           (3000, 500), (6000, 3000), (6000, 1000)]  # fmt: skip


@pytest.fixture(scope="module")
def road_template(seeded_template, tiny_county_file, tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    """The tiny county with the test road network imported; the template's name."""
    roads = write_roads(tmp_path_factory.mktemp("roads"))

    def seed(conn: psycopg.Connection) -> None:
        add_grid(conn, tiny_county_file)
        import_osm_file(conn, roads, margin_m=1000.0)
        conn.commit()

    return seeded_template(seed)


@pytest.fixture(scope="module")
def road_url(pg_cluster, road_template) -> str:  # type: ignore[no-untyped-def]
    """A database with the roads loaded that the tests here only read."""
    return _copy_database(pg_cluster, "roads_read", road_template)


@pytest.fixture(scope="module")
def model(road_url: str) -> travel_models.Model:
    with psycopg.connect(road_url) as conn:
        return travel_models.for_county(conn, CONFIG, "341890")


def at(*points_m: tuple[float, float]) -> list[tuple[float, float]]:
    return [lonlat_m(x, y) for x, y in points_m]


def between(model: travel_models.Model, a: tuple, b: tuple) -> dict:
    return travel_models.between(model, lonlat_m(*a), lonlat_m(*b))


def independent_graph(road_url: str) -> tuple[nx.DiGraph, Transformer]:
    """Every stored drivable row as edges between its vertices (UTM metres), weighed in seconds."""
    to_utm = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    g = nx.DiGraph()
    with psycopg.connect(road_url) as conn:
        rows = road_store.road_rows(conn, "341890")
    for _id, _part, cls, _name, oneway, maxspeed, _bridge, _len, wkb in rows:
        if cls in NOT_DRIVABLE:
            continue
        mps = min(ROAD_SPEED_DEFAULTS_KMH.get(cls, 20.0), maxspeed or math.inf) / 3.6
        xy = [to_utm.transform(x, y) for x, y in shapely.from_wkb(bytes(wkb)).coords]
        keys = [(round(x, 1), round(y, 1)) for x, y in xy]
        for a, b in zip(keys, keys[1:], strict=False):
            seconds = math.dist(a, b) / mps
            if oneway >= 0:
                g.add_edge(a, b, weight=seconds)
            if oneway <= 0:
                g.add_edge(b, a, weight=seconds)
    return g, to_utm


def test_times_equal_an_independent_dijkstra(model, road_url):
    g, _to_utm = independent_graph(road_url)
    found = model.travel(at(*ON_ROAD), at(*ON_ROAD))
    assert found.model == "roads"
    keys = [(round(ORIGIN_X + x, 1), round(ORIGIN_Y + y, 1)) for x, y in ON_ROAD]
    for i, a in enumerate(keys):
        lengths = nx.single_source_dijkstra_path_length(g, a)
        for j, b in enumerate(keys):
            assert found.seconds[i, j] == pytest.approx(lengths[b], rel=0.01, abs=1.0), (i, j)


def test_a_river_is_crossed_at_its_bridge(model):
    a, b = (2000, 1000), (2000, 3000)
    road = between(model, a, b)
    straight = travel_models.between(travel_models.straight(CONFIG), lonlat_m(*a), lonlat_m(*b))
    # Along the south road to the bridge at x = 6000, over it, back along the north road.
    assert road["meters"] == pytest.approx(4000 + 2000 + 4000, rel=0.005)
    assert road["seconds"] > straight["seconds"]
    path = model.travel(at(a), at(b)).path
    assert path is not None
    line = shapely.LineString(path(0, 0))
    bridge = shapely.Point(lonlat_m(6000, 2000))
    assert line.distance(bridge) < 1e-6


@pytest.mark.parametrize(
    ("a", "b", "metres"),
    [
        ((1500, 500), (2500, 500), 1000),  # with the one-way road
        ((2500, 500), (1500, 500), 500 + 500 + 2000 + 500 + 500),  # round by the south road
    ],
)
def test_one_way_roads_are_driven_one_way(model, a, b, metres):
    assert between(model, a, b)["meters"] == pytest.approx(metres, rel=0.005)


@pytest.mark.parametrize(
    ("a", "b", "kmh"),
    [
        ((2000, 3000), (4000, 3000), 10.0),  # residential posted 10: below the class's 25
        ((2000, 1000), (4000, 1000), ROAD_SPEED_DEFAULTS_KMH["residential"]),
    ],
)
def test_the_lower_of_posted_limit_and_class_speed_is_used(model, a, b, kmh):
    found = between(model, a, b)
    assert found["seconds"] == pytest.approx(2000 / (kmh / 3.6), rel=0.01)


@pytest.mark.parametrize(
    ("a", "b", "walk_m"),
    [
        ((2000, 1100), (4000, 1000), 100),
        ((2000, 1100), (4000, 850), 250),
        ((2000, 3600), (3000, 3000), 600),  # the footway beside it is no road for a car
    ],
)
def test_the_walk_to_the_road_is_included(model, a, b, walk_m):
    found = between(model, a, b)
    drive_m = abs(b[0] - a[0])
    assert found["snap_meters"] == pytest.approx(walk_m, rel=0.005)
    assert found["meters"] == pytest.approx(drive_m + walk_m, rel=0.005)
    kmh = 10.0 if a[1] > 2000 else ROAD_SPEED_DEFAULTS_KMH["residential"]
    expected = drive_m / (kmh / 3.6) + walk_m / SNAP_MPS
    assert found["seconds"] == pytest.approx(expected, rel=0.01)


def test_an_island_is_unreachable(model):
    found = model.travel(at((2000, 1000), ISLAND_AT), at((2000, 1000), ISLAND_AT))
    assert travel_models.unreachable(found).tolist() == [[False, True], [True, False]]
    with pytest.raises(BadInput, match="no road leads"):
        between(model, (2000, 1000), ISLAND_AT)


def test_without_roads_the_straight_model_is_used(db_url):
    with psycopg.connect(db_url) as conn:
        model = travel_models.for_county(conn, CONFIG, "341890")
    assert model.name == "straight"
    a, b = (117.0, 30.0), (117.1, 30.0)
    found = travel_models.between(model, a, b)
    expected = travel.travel([a], [b], detour=CONFIG.inspection_detour_factor, speed_kmh=40.0)
    assert found == {"model": "straight", "seconds": int(expected.seconds[0, 0]),
                     "meters": int(expected.metres[0, 0]), "snap_meters": 0.0}  # fmt: skip


def test_route_command_prints_the_promised_json(road_url, tmp_path):
    env = {"GRIDMAP_DATABASE_URL": road_url, "GRIDMAP_VAR_DIR": str(tmp_path / "var")}
    a, b = (f"{x:.7f},{y:.7f}" for x, y in at((2000, 1100), (4000, 1000)))
    result = CliRunner().invoke(main, ["route", a, b, "--json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    assert set(found) == {"model", "seconds", "meters", "snap_meters"}
    assert found["model"] == "roads" and found["snap_meters"] == pytest.approx(100, abs=0.5)
    assert found["meters"] == pytest.approx(2100, rel=0.005)


def test_route_command_refuses_an_unreachable_point(road_url, tmp_path):
    env = {"GRIDMAP_DATABASE_URL": road_url, "GRIDMAP_VAR_DIR": str(tmp_path / "var")}
    a, b = (f"{x:.7f},{y:.7f}" for x, y in at((2000, 1000), ISLAND_AT))
    result = CliRunner().invoke(main, ["route", a, b, "--json"], env=env)
    assert result.exit_code != 0 and "no road leads" in result.output + result.stderr


_METRES = st.tuples(st.floats(500, 7500), st.floats(300, 3400))


@given(st.lists(_METRES, min_size=3, max_size=3))
def test_travel_times_keep_the_triangle_inequality(model, points):
    found = model.travel(at(*points), at(*points))
    s = found.seconds.astype(float)
    reachable = ~travel_models.unreachable(found)
    for i, j, k in [(0, 1, 2), (1, 2, 0), (2, 0, 1), (0, 2, 1)]:
        if reachable[i, j] and reachable[j, k]:
            assert s[i, k] <= s[i, j] + s[j, k] + 1
    assert np.all(np.diag(s) == 0)
