"""The base map drawn from the OpenStreetMap ground: /tiles/basemap/<z>/<x>/<y>.pbf holds the
open rows by zoom, clipped to the tile, /tiles/basemap/labels/... the place names, both with
ETags and within the account's counties."""

from __future__ import annotations

import math
from pathlib import Path

import mapbox_vector_tile
import psycopg
import pytest
from pyproj import Transformer

from gridmap.core.config import Config
from gridmap.ground import basemap_tiles
from gridmap.ground.importer import import_osm_file
from gridmap.store.tiles import EXTENT
from gridmap.web import create_app
from tests.conftest import _copy_database
from tests.grid_fixtures import METRIC_CRS, ORIGIN_X, ORIGIN_Y, tiny_county, tiny_county_as
from tests.household_fixtures import add_grid, lonlat_m
from tests.osm_fixtures import OsmDraft
from tests.test_tiles import tile_of
from tests.web_fixtures import add_account, logged_in

COUNTY_A, COUNTY_B = "341890", "341891"
#: County B is the tiny county again, 20 km east; only county A has OSM ground.
SHIFT_M = 20_000.0
#: The z15 tile every feature below is drawn around: the one holding this point of county A.
ANCHOR_Z = 15
_TO_METRES = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


def tile_centre_m(lon: float, lat: float, z: int) -> tuple[float, float]:
    """The centre, in metres from the test grid's origin, of the zoom-z tile holding lon/lat."""
    _z, x, y = tile_of(lon, lat, z)
    centre = tile_lonlat(z, x, y, EXTENT / 2, EXTENT / 2)
    east, north = _TO_METRES.transform(*centre)
    return east - ORIGIN_X, north - ORIGIN_Y


def tile_lonlat(z: int, x: int, y: int, px: float, py: float) -> tuple[float, float]:
    """lon/lat of the point px, py (from the tile's top left, in tile units) of tile z/x/y."""
    n = 2**z
    lon = (x + px / EXTENT) / n * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + py / EXTENT) / n))))
    return lon, lat


AX, AY = tile_centre_m(*lonlat_m(2000, 1500), ANCHOR_Z)


def at(dx: float, dy: float) -> tuple[float, float]:
    """A point `dx`, `dy` metres from the anchor."""
    return AX + dx, AY + dy


#: A 200 m road of each class within 150 m of the anchor (always in its tile), by name.
ROADS = {
    "一号路": ({"highway": "primary"}, -150),
    "二号路": ({"highway": "secondary", "bridge": "yes", "oneway": "yes"}, -100),
    "县道": ({"highway": "tertiary"}, -50),
    "渡口": ({"route": "ferry"}, 0),
    "乡道": ({"highway": "unclassified"}, 50),
    "村道": ({"highway": "residential"}, 100),
    "机耕路": ({"highway": "track"}, 150),
}
#: Places by name: kind and where (metres from the anchor).
PLACES = {
    "城关镇": ("town", (200, 200)),
    "一村": ("village", (-200, 200)),
    "小庄": ("hamlet", (0, 250)),
}


def ground_draft() -> OsmDraft:
    """Roads, water, places and a building around the anchor, and a road 900 m north of it."""
    d = OsmDraft()
    for way_id, (name, (tags, dy)) in enumerate(ROADS.items(), start=1):
        d.way(way_id, [at(-100, dy), at(100, dy)], {**tags, "name:zh": name})
    d.way(20, [at(-100, 900), at(100, 900)], {"highway": "residential", "name:zh": "远路"})
    # The river crosses the whole county (and is cut at the margin), 300 m north of the anchor.
    d.way(30, [(-3000, AY + 300), (11000, AY + 300)], {"waterway": "river", "name:zh": "清河"})
    d.way(31, [at(-300, -300), at(-100, -300)], {"waterway": "stream"})
    lake = [at(200, -350), at(350, -350), at(350, -250), at(200, -250), at(200, -350)]
    d.way(32, lake, {})
    d.multipolygon(1, 32, {"type": "multipolygon", "natural": "water", "name:zh": "镜湖"})
    house = [at(40, 40), at(60, 40), at(60, 60), at(40, 60), at(40, 40)]
    d.way(40, house, {"building": "house"})
    for name, (kind, where) in PLACES.items():
        d.node(at(*where), {"place": kind, "name:zh": name})
    d.node(at(100, -250), {"place": "village"})  # no name: no label
    return d


@pytest.fixture(scope="module")
def grid_template(seeded_template, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Counties A and B and accounts of each; the template's name (no OSM ground yet)."""
    folder = tmp_path_factory.mktemp("basemap-grid")

    def seed(conn: psycopg.Connection) -> None:
        tiny_county().to_file(folder / "a.geojson")
        tiny_county_as(COUNTY_B, SHIFT_M, lambda _c, name: name).to_file(folder / "b.geojson")
        add_grid(conn, folder / "a.geojson")
        add_grid(conn, folder / "b.geojson")
        for county in (COUNTY_A, COUNTY_B):
            add_account(conn, f"rev{county}", "reviewer", counties=[county])
            add_account(conn, f"town{county}", "township", township=f"{county}100")
        conn.commit()

    return seeded_template(seed)


@pytest.fixture(scope="module")
def ground_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ground_draft().write(tmp_path_factory.mktemp("basemap-osm") / "ground.osm.pbf")


@pytest.fixture(scope="module")
def ground_url(pg_cluster, grid_template, ground_file) -> str:  # type: ignore[no-untyped-def]
    """The ground imported for county A, with buildings; the database's URL."""
    url = _copy_database(pg_cluster, "basemap_ground", grid_template)
    with psycopg.connect(url) as conn:
        import_osm_file(conn, ground_file, clip=COUNTY_A, buildings=True)
        conn.commit()
    return url


@pytest.fixture(scope="module")
def app(ground_url, tmp_path_factory):  # type: ignore[no-untyped-def]
    config = Config(
        database_url=ground_url, var_dir=tmp_path_factory.mktemp("var"), secret_key="t",
        login_rate_limit="1000 per minute",
    )  # fmt: skip
    app = create_app(config)
    yield app
    app.extensions["gridmap_pool"].close()


@pytest.fixture(scope="module")
def client(app):  # type: ignore[no-untyped-def]
    """County A's reviewer."""
    return logged_in(app, f"rev{COUNTY_A}")


def anchor_tile(z: int, near: tuple[float, float] = (0, 0)) -> tuple[int, int, int]:
    """The zoom-z tile holding the point `near` metres from the anchor."""
    return tile_of(*lonlat_m(*at(*near)), z)


def get_tile(client, z: int, near: tuple[float, float] = (0, 0)) -> dict:  # type: ignore[no-untyped-def]
    """The base-map tile at zoom `z` around `near` (metres from the anchor), decoded (y down,
    as in the tile)."""
    response = client.get("/tiles/basemap/{}/{}/{}.pbf".format(*anchor_tile(z, near)))
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.data, default_options={"y_coord_down": True})


def by_name(layer: dict) -> dict[str, dict]:
    return {f["properties"]["name"]: f for f in layer["features"] if "name" in f["properties"]}


def test_tile_holds_each_layer_with_its_attributes(client):
    tile = get_tile(client, ANCHOR_Z)
    assert set(tile) == {"water", "roads", "buildings", "places"}
    roads = by_name(tile["roads"])
    assert roads["二号路"]["properties"] == {
        "class": "secondary", "name": "二号路", "bridge": True, "oneway": 1,
    }  # fmt: skip
    assert roads["渡口"]["properties"]["class"] == "ferry"
    water = by_name(tile["water"])
    assert {n: (f["properties"]["kind"], f["geometry"]["type"]) for n, f in water.items()} == {
        "清河": ("river", "LineString"),
        "镜湖": ("water", "Polygon"),
    }
    [building] = tile["buildings"]["features"]
    assert building["properties"] == {"kind": "house"}
    assert building["geometry"]["type"] == "Polygon"
    places = {n: f["properties"]["kind"] for n, f in by_name(tile["places"]).items()}
    assert places == {name: kind for name, (kind, _where) in PLACES.items()}


def test_features_lie_where_the_ground_is(client):
    z, x, y = anchor_tile(ANCHOR_Z)
    tile = get_tile(client, z)
    line = by_name(tile["roads"])["一号路"]["geometry"]["coordinates"]
    assert [tile_lonlat(z, x, y, *p) for p in (line[0], line[-1])] == [
        pytest.approx(lonlat_m(*at(-100, -150)), abs=1e-5),
        pytest.approx(lonlat_m(*at(100, -150)), abs=1e-5),
    ]
    town = by_name(tile["places"])["城关镇"]["geometry"]["coordinates"]
    assert tile_lonlat(z, x, y, *town) == pytest.approx(lonlat_m(*at(200, 200)), abs=1e-5)


def _points(geometry: dict) -> list[list[float]]:
    """Every vertex of a decoded geometry."""
    found, stack = [], [geometry["coordinates"]]
    while stack:
        item = stack.pop()
        if item and isinstance(item[0], (int, float)):
            found.append(item)
        else:
            stack.extend(item)
    return found


def test_nothing_lies_outside_the_tile(client):
    tile = get_tile(client, ANCHOR_Z)
    # The river crosses the county: in the tile only up to its buffer of 64 units.
    features = [f for layer in tile.values() for f in layer["features"]]
    vertices = [p for f in features for p in _points(f["geometry"])]
    assert vertices and all(-64 <= v <= EXTENT + 64 for p in vertices for v in p)
    river = _points(by_name(tile["water"])["清河"]["geometry"])
    assert {p[0] for p in river} == {-64, EXTENT + 64}
    assert "远路" not in by_name(tile["roads"])  # 900 m north, beyond the tile


#: Road classes drawn at each zoom: major classes first, every class from zoom 14.
ALL_CLASSES = {"primary", "secondary", "tertiary", "ferry", "unclassified", "residential", "track"}


@pytest.mark.parametrize(
    ("z", "classes"),
    [
        (7, {"primary"}),
        (9, {"primary", "secondary"}),
        (10, {"primary", "secondary", "tertiary", "ferry"}),
        (11, {"primary", "secondary", "tertiary", "ferry", "unclassified"}),
        (13, ALL_CLASSES - {"track"}),
        (14, ALL_CLASSES),
        (15, ALL_CLASSES),
    ],
)
def test_road_classes_are_thinned_by_zoom(client, z, classes):
    roads = get_tile(client, z)["roads"]["features"]
    assert {f["properties"]["class"] for f in roads} == classes


def test_major_roads_come_last_so_they_are_drawn_on_top(client):
    roads = get_tile(client, 14)["roads"]["features"]
    order = [f["properties"]["name"] for f in roads]
    assert order.index("一号路") > order.index("县道") > order.index("机耕路")


@pytest.mark.parametrize(
    ("z", "water"),
    [(7, set()), (11, {"清河", "镜湖"}), (12, {"清河", "镜湖", None})],
)
def test_water_is_thinned_by_zoom(client, z, water):
    tile = get_tile(client, z)
    found = {f["properties"].get("name") for f in tile.get("water", {"features": []})["features"]}
    assert found == water


@pytest.mark.parametrize(("z", "buildings"), [(13, False), (14, False), (15, True), (17, True)])
def test_buildings_only_from_zoom_15(client, z, buildings):
    assert ("buildings" in get_tile(client, z, near=(50, 50))) is buildings


def test_a_tile_without_ground_is_empty(client):
    response = client.get("/tiles/basemap/{}/{}/{}.pbf".format(*anchor_tile(6)))
    assert (response.status_code, response.data) == (200, b"")
    far = client.get("/tiles/basemap/15/0/0.pbf")
    assert (far.status_code, far.data) == (200, b"")


def get_labels(client, z: int) -> list[dict]:  # type: ignore[no-untyped-def]
    response = client.get("/tiles/basemap/labels/{}/{}/{}.json".format(*anchor_tile(z)))
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.json["labels"]


@pytest.mark.parametrize(
    ("z", "names"),
    [(7, []), (8, ["城关镇"]), (11, ["城关镇", "一村"]), (13, ["城关镇", "一村", "小庄"])],
)
def test_labels_follow_the_zoom_most_important_first(client, z, names):
    assert [label["name"] for label in get_labels(client, z)] == names


def test_labels_carry_kind_and_position(client):
    labels = {label["name"]: label for label in get_labels(client, ANCHOR_Z)}
    assert set(labels) == set(PLACES)  # the unnamed village has no label
    for name, (kind, where) in PLACES.items():
        assert labels[name]["kind"] == kind
        lon_lat = (labels[name]["lon"], labels[name]["lat"])
        assert lon_lat == pytest.approx(lonlat_m(*at(*where)), abs=2e-7)


def test_the_labels_of_a_tiles_four_children_are_its_own_each_once(client):
    z, x, y = anchor_tile(ANCHOR_Z)
    children = [(z + 1, 2 * x + dx, 2 * y + dy) for dx in (0, 1) for dy in (0, 1)]
    found = [
        label["name"]
        for child in children
        for label in client.get("/tiles/basemap/labels/{}/{}/{}.json".format(*child)).json["labels"]
    ]
    assert sorted(found) == sorted(PLACES)


@pytest.mark.parametrize(
    "path", ["/tiles/basemap/{}/{}/{}.pbf", "/tiles/basemap/labels/{}/{}/{}.json"]
)
def test_etag_revalidates(client, path):
    url = path.format(*anchor_tile(ANCHOR_Z))
    first = client.get(url)
    tag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, max-age=3600"
    again = client.get(url, headers={"If-None-Match": tag})
    assert (again.status_code, again.data) == (304, b"")
    other = client.get(path.format(*anchor_tile(ANCHOR_Z - 1)))
    assert other.headers["ETag"] != tag


@pytest.mark.parametrize(
    ("username", "sees"),
    [(f"rev{COUNTY_A}", True), (f"town{COUNTY_A}", True),
     (f"rev{COUNTY_B}", False), (f"town{COUNTY_B}", False)],
)  # fmt: skip
def test_only_accounts_of_the_county_see_its_ground(app, username, sees):
    client = logged_in(app, username)
    tile = client.get("/tiles/basemap/{}/{}/{}.pbf".format(*anchor_tile(ANCHOR_Z)))
    labels = client.get("/tiles/basemap/labels/{}/{}/{}.json".format(*anchor_tile(ANCHOR_Z)))
    assert tile.status_code == 200 and labels.status_code == 200
    assert bool(tile.data) is sees
    assert bool(labels.json["labels"]) is sees


def test_tiles_need_a_login(app):
    anonymous = app.test_client()
    assert anonymous.get("/tiles/basemap/{}/{}/{}.pbf".format(*anchor_tile(15))).status_code == 401
    assert anonymous.get("/tiles/basemap/labels/1/0/0.json").status_code == 401


@pytest.mark.parametrize(
    "path",
    ["/tiles/basemap/23/0/0.pbf", "/tiles/basemap/3/8/0.pbf", "/tiles/basemap/labels/2/0/4.json"],
)
def test_bad_tile_coordinates_get_400(client, path):
    assert client.get(path).status_code == 400


def test_the_stamp_names_the_current_import(grid_template, copy_of, ground_file):
    with psycopg.connect(copy_of(grid_template), autocommit=True) as conn:
        assert basemap_tiles.osm_ground_stamp(conn) is None
        first = import_osm_file(conn, ground_file, clip=COUNTY_A)["import"]
        assert basemap_tiles.osm_ground_stamp(conn) == f"{COUNTY_A}:{first}"
        second = import_osm_file(conn, ground_file, clip=COUNTY_A)["import"]
        assert basemap_tiles.osm_ground_stamp(conn) == f"{COUNTY_A}:{second}"
        assert basemap_tiles.etag("tile", f"{COUNTY_A}:{first}", (15, 1, 1)) != (
            basemap_tiles.etag("tile", f"{COUNTY_A}:{second}", (15, 1, 1))
        )
