"""`gridmap export basemap`: the OSM base-map tiles over the counties' ground, written as one
PMTiles archive that an office without Internet serves as GRIDMAP_BASEMAP_FILE."""

from __future__ import annotations

import gzip
import math
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import shapely
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from gridmap.core.errors import BadInput
from gridmap.ground import basemap_tiles
from gridmap.ground.tile_package import (
    BASEMAP_LAYERS,
    MAX_LAT,
    OSM_ATTRIBUTION,
    SCHEMA_KEY,
    SCHEMA_VERSION,
)
from gridmap.store import osm_clips

#: Zooms a package may span: below 0 nothing exists, past 18 the tiles of a county run to
#: millions while OSM ground holds nothing finer to show.
MIN_ZOOM, MAX_ZOOM = 0, 18
#: The first zoom each layer appears at (the others from the package's lowest zoom).
LAYER_MIN_ZOOM = {"buildings": 15}

Tile = tuple[int, int, int]
Renderer = Callable[[int, int, int], bytes]


def lonlat_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile column and row holding a point (degrees) at zoom z."""
    n = 2**z
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """West, south, east, north (degrees) of an XYZ tile."""
    n = 2**z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def tiles_covering(area: BaseGeometry, min_zoom: int, max_zoom: int) -> Iterator[Tile]:
    """Every tile from min_zoom to max_zoom that meets `area` (lon/lat), zoom by zoom."""
    shapely.prepare(area)
    west, south, east, north = area.bounds
    for z in range(min_zoom, max_zoom + 1):
        x0, y0 = lonlat_tile(west, north, z)
        x1, y1 = lonlat_tile(east, south, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                if area.intersects(box(*tile_bounds(z, x, y))):
                    yield z, x, y


def package_metadata(counties: list[str], min_zoom: int, max_zoom: int) -> dict:
    """The archive's metadata: gridmap's schema marker, its layers, the OSM attribution."""
    layers = [
        {"id": name, "fields": fields, "minzoom": max(min_zoom, LAYER_MIN_ZOOM.get(name, 0)),
         "maxzoom": max_zoom}
        for name, fields in BASEMAP_LAYERS.items()
        if LAYER_MIN_ZOOM.get(name, 0) <= max_zoom
    ]  # fmt: skip
    return {
        "name": "gridmap base map " + " ".join(counties),
        "description": "OpenStreetMap ground of counties " + ", ".join(counties),
        "format": "pbf",
        "type": "baselayer",
        SCHEMA_KEY: SCHEMA_VERSION,
        "attribution": OSM_ATTRIBUTION,
        "vector_layers": layers,
    }


def export_county_basemap(
    conn: psycopg.Connection, output: Path, counties: list[str], *, min_zoom: int, max_zoom: int
) -> dict:
    """Write the OSM base map over the current clip areas of `counties` to `output` (as
    export_basemap, which gives the result)."""
    clips = osm_clips.current_clips(conn, counties)
    return export_basemap(
        output, clips, lambda z, x, y: basemap_tiles.osm_basemap_tile(conn, z, x, y),
        min_zoom=min_zoom, max_zoom=max_zoom,
    )  # fmt: skip


def export_basemap(
    output: Path, clips: list[tuple[str, bytes]], render: Renderer, *, min_zoom: int,
    max_zoom: int,
) -> dict:  # fmt: skip
    """Render every tile over the clip areas (county, WKB) and write them to `output` as
    PMTiles; return {"tiles", "bytes", "counties", "min_zoom", "max_zoom"}."""
    _check_request(output, clips, min_zoom, max_zoom)
    counties = [county for county, _ in clips]
    area = shapely.union_all([shapely.from_wkb(wkb) for _, wkb in clips])
    # Tile ids in ascending order make a clustered archive, which readers fetch fastest.
    tiles = sorted(tiles_covering(area, min_zoom, max_zoom), key=lambda t: zxy_to_tileid(*t))
    partial = output.with_name(output.name + ".part")
    try:
        with partial.open("wb") as f:
            written = _write_archive(
                Writer(f), tiles, render, _header(area.bounds, min_zoom, max_zoom),
                package_metadata(counties, min_zoom, max_zoom),
            )  # fmt: skip
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return {"tiles": written, "bytes": output.stat().st_size, "counties": counties,
            "min_zoom": min_zoom, "max_zoom": max_zoom}  # fmt: skip


def _check_request(
    output: Path, clips: list[tuple[str, bytes]], min_zoom: int, max_zoom: int
) -> None:
    """Refuse an export that could not make a useful package, before any tile is drawn."""
    if output.suffix.lower() != ".pmtiles":
        raise BadInput(f"{output}: a base map is written as PMTiles; name the file *.pmtiles")
    if not MIN_ZOOM <= min_zoom <= max_zoom <= MAX_ZOOM:
        raise BadInput(
            f"zooms {min_zoom}..{max_zoom}: give {MIN_ZOOM} <= --min-zoom <= --max-zoom "
            f"<= {MAX_ZOOM}"
        )
    if not clips:
        raise BadInput("no OSM ground is loaded for these counties; run `gridmap import osm`")


def _write_archive(
    writer: Writer, tiles: list[Tile], render: Renderer, header: dict, metadata: dict
) -> int:
    """Render and add each tile (gzipped; empty ones left out), then finish; tiles written."""
    written = 0
    try:
        for z, x, y in tiles:
            body = render(z, x, y)
            if body:
                writer.write_tile(zxy_to_tileid(z, x, y), gzip.compress(body, mtime=0))
                written += 1
        if written == 0:
            raise BadInput(
                "no OSM ground to draw in the counties' tiles at zooms "
                f"{header['min_zoom']}..{header['max_zoom']}"
            )
    except BaseException:
        writer.tile_f.close()
        raise
    # The writer sets the zooms from the tiles it holds: those where there was ground to draw.
    writer.finalize(header, metadata)
    return written


def _header(bounds: tuple[float, float, float, float], min_zoom: int, max_zoom: int) -> dict:
    """The archive header's fixed fields: vector tiles, gzipped, the area's bounds."""
    west, south, east, north = (round(v * 1e7) for v in bounds)
    return {
        "tile_type": TileType.MVT,
        "tile_compression": Compression.GZIP,
        "min_zoom": min_zoom,
        "max_zoom": max_zoom,
        "min_lon_e7": west,
        "min_lat_e7": south,
        "max_lon_e7": east,
        "max_lat_e7": north,
        "center_zoom": min(max_zoom, max(min_zoom, 12)),
        "center_lon_e7": (west + east) // 2,
        "center_lat_e7": (south + north) // 2,
    }
