"""Offline tile packages: raster MBTiles and PMTiles read back, `gridmap export basemap` writing
the county's OSM ground as PMTiles, the /tiles/package/ routes, and files that are refused."""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import mapbox_vector_tile
import psycopg
import pytest
from click.testing import CliRunner
from flask import Flask
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer

from gridmap.cli import main
from gridmap.core.config import Config
from gridmap.core.errors import BadInput
from gridmap.ground.basemap_export import lonlat_tile, tile_bounds
from gridmap.ground.tile_package import OSM_ATTRIBUTION, TilePackage, open_package
from gridmap.web import create_app
from tests.conftest import _copy_database
from tests.household_fixtures import add_grid, lonlat_m
from tests.osm_fixtures import OsmDraft
from tests.web_fixtures import add_account, logged_in

COUNTY = "341890"
#: The raster tile every raster package here holds, at XYZ 4/13/6 (TMS row 9).
RASTER_TILE = (4, 13, 6)
MVT_TYPE = "application/vnd.mapbox-vector-tile"
#: Where the ground's features lie, in metres from the test grid's origin.
ROAD_MID_M, VILLAGE_M, TOWN_M, HOUSE_M = (2000, 1000), (1000, 3000), (6000, 2000), (1510, 1510)


def tiny_png(rgb: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    """A valid 1×1 PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(rgb))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def write_mbtiles(
    path: Path, metadata: dict[str, str], tiles: dict[tuple[int, int, int], bytes]
) -> Path:
    """An MBTiles file with `metadata` and `tiles` keyed by XYZ (stored with TMS rows)."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name text, value text)")
        db.execute(
            "CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, "
            "tile_data blob)"
        )
        db.executemany("INSERT INTO metadata VALUES (?, ?)", metadata.items())
        db.executemany(
            "INSERT INTO tiles VALUES (?, ?, ?, ?)",
            [(z, x, 2**z - 1 - y, data) for (z, x, y), data in tiles.items()],
        )
    return path


def write_pmtiles(
    path: Path, tile_type: TileType, metadata: dict, tiles: dict[tuple[int, int, int], bytes]
) -> Path:
    """A PMTiles v3 archive of `tiles` (uncompressed) with `metadata`."""
    with path.open("wb") as f:
        writer = Writer(f)
        for z, x, y in sorted(tiles, key=lambda t: zxy_to_tileid(*t)):
            writer.write_tile(zxy_to_tileid(z, x, y), tiles[(z, x, y)])
        writer.finalize(
            {"tile_type": tile_type, "tile_compression": Compression.NONE, "min_zoom": 0,
             "max_zoom": 0, "min_lon_e7": 1_100_000_000, "min_lat_e7": 200_000_000,
             "max_lon_e7": 1_200_000_000, "max_lat_e7": 300_000_000},
            metadata,
        )  # fmt: skip
    return path


def raster_mbtiles(folder: Path) -> Path:
    """A raster MBTiles of zooms 3..5 holding RASTER_TILE."""
    metadata = {"name": "office", "format": "png", "minzoom": "3", "maxzoom": "5",
                "bounds": "110,20,120,30", "attribution": "© Office imagery"}  # fmt: skip
    return write_mbtiles(folder / "office.mbtiles", metadata, {RASTER_TILE: tiny_png()})


def raster_pmtiles(folder: Path) -> Path:
    """A raster PMTiles holding RASTER_TILE."""
    return write_pmtiles(
        folder / "office.pmtiles", TileType.PNG, {"attribution": "© Office imagery"},
        {RASTER_TILE: tiny_png()},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("write", "zooms", "bounds"),
    [
        (raster_mbtiles, (3, 5), (110.0, 20.0, 120.0, 30.0)),
        (raster_pmtiles, (4, 4), (110.0, 20.0, 120.0, 30.0)),
    ],
)
def test_a_raster_package_serves_its_tiles_by_xyz_numbering(tmp_path, write, zooms, bounds):
    package = open_package(write(tmp_path))
    try:
        assert (package.format, package.vector, package.content_type) == ("png", False, "image/png")
        assert ((package.min_zoom, package.max_zoom), package.bounds) == (zooms, bounds)
        assert package.attribution == "© Office imagery"
        z, x, y = RASTER_TILE
        assert package.tile(z, x, y) == tiny_png()
        # The row stored in TMS numbering is not the one asked from the north.
        assert package.tile(z, x, 2**z - 1 - y) is None
        assert package.tile(z + 2, x, y) is None  # beyond the package's zooms
        assert package.labels(z, x, y) == []
    finally:
        package.close()


def test_the_tms_row_is_flipped_in_mbtiles(tmp_path):
    path = raster_mbtiles(tmp_path)
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT zoom_level, tile_column, tile_row FROM tiles").fetchall()
    assert rows == [(4, 13, 9)]
    package = open_package(path)
    assert package.tile(4, 13, 6) == tiny_png()
    assert package.tile(4, 13, 9) is None
    package.close()


def ground_draft() -> OsmDraft:
    """A road, a river, a lake, a village, a town and a house in the tiny county."""
    d = OsmDraft()
    d.way(1, [(1000, 1000), (3000, 1000)], {"highway": "primary", "name:zh": "幸福路"})
    d.way(2, [(4000, 500), (4500, 500)], {"highway": "residential"})
    d.way(10, [(0, 2500), (8000, 2500)], {"waterway": "river", "name:zh": "清河"})
    d.way(11, [(5000, 3000), (6000, 3000), (6000, 3500), (5000, 3500), (5000, 3000)],
          {"natural": "water", "name:zh": "镜湖"})  # fmt: skip
    x, y = HOUSE_M
    d.way(12, [(x - 10, y - 10), (x + 10, y - 10), (x + 10, y + 10), (x - 10, y + 10),
               (x - 10, y - 10)], {"building": "house"})  # fmt: skip
    d.node(VILLAGE_M, {"place": "village", "name:zh": "一村"})
    d.node(TOWN_M, {"place": "town", "name:zh": "城关镇"})
    d.node((7000, 3500), {"place": "village"})  # unnamed: no label
    return d


@pytest.fixture(scope="module")
def ground_db(pg_cluster, template_url, tiny_county_file, tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    """The tiny county, an admin account, and the ground imported by `gridmap import osm`."""
    url = _copy_database(pg_cluster, "tile_package_ground")
    with psycopg.connect(url) as conn:
        add_grid(conn, tiny_county_file)
        add_account(conn, "admin", "admin")
        conn.commit()
    osm = ground_draft().write(tmp_path_factory.mktemp("osm") / "ground.osm.pbf")
    result = CliRunner().invoke(
        main, ["import", "osm", str(osm), "--buildings"], env=cli_env(url, tmp_path_factory)
    )
    assert result.exit_code == 0, result.output
    return url


def cli_env(url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {"GRIDMAP_DATABASE_URL": url, "GRIDMAP_VAR_DIR": str(tmp_path_factory.mktemp("var"))}


@pytest.fixture(scope="module")
def exported(ground_db, tmp_path_factory) -> tuple[Path, str]:  # type: ignore[no-untyped-def]
    """The base map written by `gridmap export basemap` (zooms 8..15); its path and output."""
    path = tmp_path_factory.mktemp("export") / "county.pmtiles"
    result = CliRunner().invoke(
        main, ["export", "basemap", "-o", str(path), "--county", COUNTY],
        env=cli_env(ground_db, tmp_path_factory),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return path, result.output


@pytest.fixture
def package(exported) -> Iterator[TilePackage]:  # type: ignore[no-untyped-def]
    opened = open_package(exported[0])
    yield opened
    opened.close()


def tile_at(point_m: tuple[float, float], z: int) -> tuple[int, int, int]:
    return (z, *lonlat_tile(*lonlat_m(*point_m), z))


def decoded(package: TilePackage, tile: tuple[int, int, int]) -> dict:
    data = package.tile(*tile)
    assert data, f"no tile {tile}"
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})


def test_the_export_reports_the_tiles_and_bytes_it_wrote(exported):
    path, output = exported
    match = re.search(r"wrote (\d+) tiles \((\d+) bytes\)", output)
    assert match, output
    assert int(match[1]) > 0
    assert int(match[2]) == path.stat().st_size
    assert not path.with_name(path.name + ".part").exists()


def test_the_exported_package_is_gridmaps_vector_base_map(package):
    assert (package.format, package.vector, package.content_type) == ("pbf", True, MVT_TYPE)
    assert package.attribution == OSM_ATTRIBUTION
    assert (package.min_zoom, package.max_zoom) == (8, 15)
    west, south, east, north = package.bounds
    for point in (VILLAGE_M, TOWN_M, (0, 0), (8000, 4000)):
        lon, lat = lonlat_m(*point)
        assert west <= lon <= east and south <= lat <= north


def test_the_archive_gzips_its_tiles_and_states_the_schema(exported):
    from pmtiles.reader import MmapSource, Reader

    with exported[0].open("rb") as f:
        reader = Reader(MmapSource(f))
        header, metadata = reader.header(), reader.metadata()
        raw = reader.get(*tile_at(ROAD_MID_M, 14))
    assert (header["tile_type"], header["tile_compression"]) == (TileType.MVT, Compression.GZIP)
    assert raw is not None and gzip.decompress(raw)
    assert metadata["gridmap_basemap"] == 1
    assert {layer["id"] for layer in metadata["vector_layers"]} == {
        "water", "roads", "places", "buildings",
    }  # fmt: skip
    assert metadata["attribution"] == OSM_ATTRIBUTION


def test_a_road_lies_where_the_ground_puts_it(package):
    z, x, y = tile_at(ROAD_MID_M, 14)
    roads = decoded(package, (z, x, y))["roads"]
    (road,) = [f for f in roads["features"] if f["properties"].get("class") == "primary"]
    assert road["properties"]["name"] == "幸福路"
    # The road runs east-west at y = 1000 m: every vertex on the pixel row of that latitude.
    _, lat = lonlat_m(*ROAD_MID_M)
    west, south, east, north = tile_bounds(z, x, y)
    coords = road["geometry"]["coordinates"]
    rows = [py for _, py in coords] if road["geometry"]["type"] == "LineString" else []
    expected = _pixel_row(lat, z, y, roads["extent"])
    assert rows and all(abs(row - expected) <= 2 for row in rows), (rows, expected)


def _pixel_row(lat: float, z: int, y: int, extent: int) -> float:
    """The tile pixel row (from the top) of a latitude."""
    import math

    n = 2**z
    y_frac = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return (y_frac - y) * extent


def test_the_package_converted_to_mbtiles_serves_the_same_tiles(exported, package, tmp_path):
    from pmtiles.convert import pmtiles_to_mbtiles

    copy = tmp_path / "county.pmtiles"
    copy.write_bytes(exported[0].read_bytes())
    pmtiles_to_mbtiles(str(copy), str(tmp_path / "county.mbtiles"))
    converted = open_package(tmp_path / "county.mbtiles")
    try:
        assert (converted.format, converted.min_zoom, converted.max_zoom) == ("pbf", 8, 15)
        for tile in (tile_at(ROAD_MID_M, 14), tile_at(HOUSE_M, 15), tile_at(VILLAGE_M, 12)):
            assert converted.tile(*tile) == package.tile(*tile)
            assert converted.labels(*tile) == package.labels(*tile)
    finally:
        converted.close()


@pytest.mark.parametrize(
    ("point", "z", "layer", "kind"),
    [
        (HOUSE_M, 15, "buildings", "house"),
        ((5500, 3200), 12, "water", "water"),
        ((1000, 2500), 10, "water", "river"),
    ],
)
def test_each_layer_holds_its_features(package, point, z, layer, kind):
    layers = decoded(package, tile_at(point, z))
    assert kind in {f["properties"].get("kind") for f in layers[layer]["features"]}


def test_buildings_are_left_out_below_zoom_15(package):
    assert "buildings" not in decoded(package, tile_at(HOUSE_M, 14))


@pytest.mark.parametrize(
    ("z", "names"),
    [(9, {"城关镇"}), (12, {"城关镇", "一村"})],
)
def test_labels_name_the_places_the_zoom_shows(package, z, names):
    found = {}
    for point in (VILLAGE_M, TOWN_M):
        for label in package.labels(*tile_at(point, z)):
            found[label["name"]] = label
    assert set(found) == names
    for name, point, kind in (("一村", VILLAGE_M, "village"), ("城关镇", TOWN_M, "town")):
        if name in found:
            lon, lat = lonlat_m(*point)
            assert found[name]["kind"] == kind
            assert found[name]["lon"] == pytest.approx(lon, abs=1e-4)
            assert found[name]["lat"] == pytest.approx(lat, abs=1e-4)


@pytest.fixture(scope="module")
def apps(ground_db, exported, tmp_path_factory) -> Iterator[dict[str, Flask]]:  # type: ignore[no-untyped-def]
    """The app with the exported vector package, with a raster one, and with none."""
    folder = tmp_path_factory.mktemp("raster")
    files = {"vector": str(exported[0]), "raster": str(raster_mbtiles(folder)), "none": ""}
    made = {
        kind: create_app(
            Config(
                database_url=ground_db,
                var_dir=tmp_path_factory.mktemp("var"),
                secret_key="t",
                login_rate_limit="1000 per minute",
                basemap_file=file,
            )
        )  # fmt: skip
        for kind, file in files.items()
    }
    yield made
    for app in made.values():
        app.extensions["gridmap_pool"].close()


def test_the_app_keeps_the_package_it_opened(apps):
    assert apps["vector"].extensions["gridmap_tile_package"].vector
    assert not apps["raster"].extensions["gridmap_tile_package"].vector
    assert apps["none"].extensions["gridmap_tile_package"] is None


def test_the_vector_package_is_served_with_its_labels(apps):
    client = logged_in(apps["vector"], "admin")
    z, x, y = tile_at(ROAD_MID_M, 14)
    response = client.get(f"/tiles/package/{z}/{x}/{y}")
    assert (response.status_code, response.mimetype) == (200, MVT_TYPE)
    assert "roads" in mapbox_vector_tile.decode(response.data)
    z, x, y = tile_at(VILLAGE_M, 12)
    labels = client.get(f"/tiles/package/labels/{z}/{x}/{y}.json")
    assert labels.status_code == 200
    assert "一村" in {label["name"] for label in labels.get_json()["labels"]}


def test_the_raster_package_is_served_as_png(apps):
    client = logged_in(apps["raster"], "admin")
    z, x, y = RASTER_TILE
    response = client.get(f"/tiles/package/{z}/{x}/{y}")
    assert (response.status_code, response.mimetype, response.data) == (
        200,
        "image/png",
        tiny_png(),
    )


@pytest.mark.parametrize(
    ("app", "path"),
    [
        ("vector", "/tiles/package/3/6/3"),  # below the package's zooms
        ("vector", "/tiles/package/16/0/0"),  # above them
        ("vector", "/tiles/package/labels/3/6/3.json"),
        ("raster", "/tiles/package/4/13/9"),  # the TMS row, not a tile from the north
        ("raster", "/tiles/package/labels/4/13/6.json"),  # images carry no labels
        ("none", "/tiles/package/4/13/6"),
        ("none", "/tiles/package/labels/12/0/0.json"),
    ],
)
def test_a_tile_the_package_lacks_is_not_found(apps, app, path):
    assert logged_in(apps[app], "admin").get(path).status_code == 404


def test_the_package_needs_a_login(apps):
    z, x, y = RASTER_TILE
    response = apps["raster"].test_client().get(f"/tiles/package/{z}/{x}/{y}")
    assert response.status_code != 200
    assert response.data != tiny_png()


def foreign_vector_pmtiles(folder: Path) -> Path:
    """An OpenMapTiles-style vector archive, not gridmap's schema."""
    tile = mapbox_vector_tile.encode(
        [{"name": "transportation", "features": [
            {"geometry": "LINESTRING(0 0, 100 100)", "properties": {"class": "primary"}}]}]
    )  # fmt: skip
    metadata = {"vector_layers": [{"id": "transportation"}, {"id": "water"}]}
    return write_pmtiles(folder / "planet.pmtiles", TileType.MVT, metadata, {(0, 0, 0): tile})


def foreign_vector_mbtiles(folder: Path) -> Path:
    """A vector MBTiles whose layers are gridmap's names but which lacks the schema marker."""
    metadata = {"format": "pbf", "json": json.dumps({"vector_layers": [{"id": "roads"}]})}
    return write_mbtiles(folder / "other.mbtiles", metadata, {(0, 0, 0): b""})


def tiff_mbtiles(folder: Path) -> Path:
    return write_mbtiles(folder / "scan.mbtiles", {"format": "tiff"}, {(0, 0, 0): b"II*\x00"})


def text_file(folder: Path) -> Path:
    path = folder / "tiles.mbtiles"
    path.write_text("not tiles at all\n")
    return path


def truncated_pmtiles(folder: Path) -> Path:
    path = raster_pmtiles(folder)
    path.write_bytes(path.read_bytes()[:60])
    return path


def not_mbtiles_schema(folder: Path) -> Path:
    path = folder / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE things (a integer)")
    return path


def missing(folder: Path) -> Path:
    return folder / "nowhere.pmtiles"


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (foreign_vector_pmtiles, "not gridmap's base map (layers: transportation, water)"),
        (foreign_vector_mbtiles, "not gridmap's base map (layers: roads)"),
        (tiff_mbtiles, "holds tiles of format 'tiff'"),
        (text_file, "is neither an MBTiles nor a PMTiles file"),
        (truncated_pmtiles, "is not a readable PMTiles v3 archive"),
        (not_mbtiles_schema, "is not a readable MBTiles file"),
        (missing, "does not exist"),
    ],
)
def test_a_package_gridmap_cannot_serve_is_refused_naming_the_file(tmp_path, make, says):
    path = make(tmp_path)
    with pytest.raises(BadInput) as refused:
        open_package(path)
    assert str(path) in refused.value.message
    assert says in refused.value.message


def test_a_bad_package_stops_the_app_at_start(tmp_path):
    path = text_file(tmp_path)
    with pytest.raises(BadInput, match="is neither an MBTiles nor a PMTiles file"):
        create_app(Config(database_url="postgresql://nowhere/none", basemap_file=str(path)))


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["-o", "{dir}/county.mbtiles"], "name the file *.pmtiles"),
        (["-o", "{dir}/county.pmtiles", "--min-zoom", "12", "--max-zoom", "10"], "zooms 12..10"),
        (["-o", "{dir}/county.pmtiles"], "no OSM ground is loaded"),
    ],
)
def test_the_export_refuses_what_it_cannot_write(live_db_url, tmp_path, args, says):
    # The shared tiny county has no OSM ground.
    result = CliRunner().invoke(
        main, ["export", "basemap", *[a.format(dir=tmp_path) for a in args]],
        env={"GRIDMAP_DATABASE_URL": live_db_url, "GRIDMAP_VAR_DIR": str(tmp_path / "var")},
    )  # fmt: skip
    assert result.exit_code == 1
    assert says in result.output
    assert list(tmp_path.glob("county.*")) == []
