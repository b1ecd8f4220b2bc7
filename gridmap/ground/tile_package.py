"""Offline tile packages (MBTiles or PMTiles) served in place of an online base map: raster
tiles of any source, or vector tiles in gridmap's own base-map schema."""

from __future__ import annotations

import gzip
import json
import math
import mmap
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import mapbox_vector_tile
from pmtiles.reader import Reader
from pmtiles.tile import Compression, HeaderDict, TileType, deserialize_directory

from gridmap.core.errors import BadInput

#: The metadata key (and its value) that marks a vector package written by
#: `gridmap export basemap`; the browser's style knows only that schema's layers.
SCHEMA_KEY = "gridmap_basemap"
SCHEMA_VERSION = 1
#: The layers of gridmap's base-map schema and their attributes (MBTiles/TileJSON field types).
BASEMAP_LAYERS: dict[str, dict[str, str]] = {
    "water": {"kind": "String", "name": "String"},
    "roads": {"class": "String", "name": "String", "bridge": "Boolean", "oneway": "Number"},
    "places": {"kind": "String", "name": "String"},
    "buildings": {"kind": "String"},
}
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
#: Content type of each tile format a package may hold.
CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "pbf": "application/vnd.mapbox-vector-tile",
}
#: Web Mercator's latitude limit: the whole world when a package states no bounds.
MAX_LAT = 85.05112878
WORLD = (-180.0, -MAX_LAT, 180.0, MAX_LAT)
_FORMAT_NAMES = {"jpeg": "jpg", "mvt": "pbf"}
_PMTILES_TYPES = {TileType.PNG: "png", TileType.JPEG: "jpg", TileType.WEBP: "webp",
                  TileType.MVT: "pbf"}  # fmt: skip
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class TilePackage:
    """An open package: its format, zooms, bounds (lon/lat, west south east north) and tiles."""

    path: Path
    format: str
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float]
    attribution: str
    _fetch: Callable[[int, int, int], bytes | None] = field(repr=False)
    _close: Callable[[], None] = field(repr=False)

    @property
    def vector(self) -> bool:
        """True for vector tiles (gridmap's schema), False for images."""
        return self.format == "pbf"

    @property
    def content_type(self) -> str:
        """The HTTP content type of this package's tiles."""
        return CONTENT_TYPES[self.format]

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile's uncompressed bytes (XYZ numbering); None outside the package."""
        if not (self.min_zoom <= z <= self.max_zoom and 0 <= x < 2**z and 0 <= y < 2**z):
            return None
        data = self._fetch(z, x, y)
        if data is None:
            return None
        # Vector tiles are stored gzipped by convention (MBTiles) or by the header (PMTiles).
        return gzip.decompress(data) if data[:2] == _GZIP_MAGIC else data

    def labels(self, z: int, x: int, y: int) -> list[dict]:
        """The named places inside a vector tile as {"name", "kind", "lon", "lat"}."""
        if not self.vector:
            return []
        data = self.tile(z, x, y)
        return [] if not data else tile_labels(data, z, x, y)

    def close(self) -> None:
        """Release the file."""
        self._close()


def tile_labels(data: bytes, z: int, x: int, y: int) -> list[dict]:
    """The named points of a vector tile's `places` layer within the tile, in lon/lat."""
    layer = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True}).get("places")
    if not layer:
        return []
    extent = layer.get("extent", 4096)
    labels = []
    for feature in layer["features"]:
        props, geom = feature["properties"], feature["geometry"]
        if not props.get("name") or geom["type"] != "Point":
            continue
        px, py = geom["coordinates"]
        # The tile's buffer repeats its neighbours' places: each is labelled by its own tile.
        if not (0 <= px < extent and 0 <= py < extent):
            continue
        lon, lat = tile_point_lonlat(z, x + px / extent, y + py / extent)
        labels.append({"name": props["name"], "kind": props.get("kind"), "lon": lon, "lat": lat})
    return labels


def tile_point_lonlat(z: int, x: float, y: float) -> tuple[float, float]:
    """Longitude and latitude (degrees) of fractional tile coordinates at zoom z."""
    n = 2**z
    lon = x / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return round(lon, 7), round(lat, 7)


def open_package(path: str | Path) -> TilePackage:
    """Open an MBTiles or PMTiles file; BadInput naming the file when it cannot be served."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"tile package {path} does not exist (GRIDMAP_BASEMAP_FILE)")
    try:
        with path.open("rb") as f:
            magic = f.read(16)
    except OSError as exc:
        raise BadInput(f"tile package {path} cannot be read: {exc.strerror}") from exc
    if magic.startswith(b"PMTiles"):
        package = _open_pmtiles(path)
    elif magic.startswith(b"SQLite format 3\x00"):
        package = _open_mbtiles(path)
    else:
        raise BadInput(f"tile package {path} is neither an MBTiles nor a PMTiles file")
    return package


def _checked(path: Path, fmt: str, metadata: dict, zooms: tuple[int, int]) -> str:
    """The package's format name once its tiles are known to be servable, else BadInput."""
    fmt = _FORMAT_NAMES.get(fmt.lower(), fmt.lower())
    if fmt not in CONTENT_TYPES:
        raise BadInput(
            f"tile package {path} holds tiles of format '{fmt or 'unknown'}'; gridmap serves "
            "png, jpg, webp, or vector tiles written by `gridmap export basemap`"
        )
    if fmt == "pbf":
        _check_schema(path, metadata)
    if zooms[0] > zooms[1]:
        raise BadInput(f"tile package {path} holds no tiles")
    return fmt


def _check_schema(path: Path, metadata: dict) -> None:
    """Refuse vector tiles in any schema but gridmap's: the map could not draw them."""
    layers = {layer.get("id") for layer in metadata.get("vector_layers") or []}
    marker = str(metadata.get(SCHEMA_KEY, ""))
    if marker != str(SCHEMA_VERSION) or not layers or not layers <= set(BASEMAP_LAYERS):
        found = ", ".join(sorted(str(name) for name in layers)) or "none listed"
        raise BadInput(
            f"tile package {path} holds vector tiles that are not gridmap's base map "
            f"(layers: {found}); write one with `gridmap export basemap`, or use raster tiles"
        )


def _open_pmtiles(path: Path) -> TilePackage:
    with path.open("rb") as f:
        # The mapping keeps its own handle: the file can be closed at once.
        mapping = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        fmt, header, metadata = _pmtiles_contents(path, mapping)
    except BadInput:
        mapping.close()
        raise
    bounds = (header["min_lon_e7"] / 1e7, header["min_lat_e7"] / 1e7,
              header["max_lon_e7"] / 1e7, header["max_lat_e7"] / 1e7)  # fmt: skip
    reader = Reader(lambda offset, length: mapping[offset : offset + length])
    return TilePackage(
        path=path, format=fmt, min_zoom=header["min_zoom"], max_zoom=header["max_zoom"],
        bounds=bounds, attribution=str(metadata.get("attribution") or ""),
        _fetch=reader.get, _close=mapping.close,
    )  # fmt: skip


def _pmtiles_contents(path: Path, mapping: mmap.mmap) -> tuple[str, HeaderDict, dict]:
    """The archive's tile format, header and metadata, once it is known to be servable."""
    reader = Reader(lambda offset, length: mapping[offset : offset + length])
    try:
        header = reader.header()
        metadata = reader.metadata()
        # Reading the root directory now finds a truncated or damaged file at start-up.
        deserialize_directory(reader.get_bytes(header["root_offset"], header["root_length"]))
    except Exception as exc:
        raise BadInput(f"tile package {path} is not a readable PMTiles v3 archive") from exc
    if header["tile_compression"] not in (Compression.NONE, Compression.GZIP, Compression.UNKNOWN):
        raise BadInput(
            f"tile package {path} compresses its tiles with "
            f"{header['tile_compression'].name.lower()}; gridmap reads gzip or none"
        )
    zooms = (header["min_zoom"], header["max_zoom"])
    if header["tile_entries_count"] == 0:
        zooms = (1, 0)
    metadata = metadata if isinstance(metadata, dict) else {}
    fmt = _checked(
        path, _PMTILES_TYPES.get(header["tile_type"], header["tile_type"].name), metadata, zooms
    )
    return fmt, header, metadata


def _open_mbtiles(path: Path) -> TilePackage:
    # Read-only, shared by the server's threads; the lock keeps one query at a time.
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, check_same_thread=False)
    try:
        metadata = _mbtiles_metadata(conn)
        zooms = _mbtiles_zooms(conn, metadata)
        fmt = _checked(path, str(metadata.get("format", "")), metadata, zooms)
        bounds = _parse_bounds(path, metadata.get("bounds"))
    except sqlite3.Error as exc:
        conn.close()
        raise BadInput(f"tile package {path} is not a readable MBTiles file ({exc})") from exc
    except BadInput:
        conn.close()
        raise
    lock = threading.Lock()

    def fetch(z: int, x: int, y: int) -> bytes | None:
        # MBTiles numbers rows from the south (TMS); the map asks from the north (XYZ).
        with lock:
            row = conn.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
                "AND tile_row = ?",
                (z, x, 2**z - 1 - y),
            ).fetchone()
        return None if row is None else bytes(row[0])

    return TilePackage(
        path=path, format=fmt, min_zoom=zooms[0], max_zoom=zooms[1], bounds=bounds,
        attribution=str(metadata.get("attribution") or ""), _fetch=fetch, _close=conn.close,
    )  # fmt: skip


def _mbtiles_metadata(conn: sqlite3.Connection) -> dict:
    """The metadata table's rows, with the keys of its `json` row (vector_layers) merged in."""
    metadata: dict = dict(conn.execute("SELECT name, value FROM metadata").fetchall())
    try:
        extra = json.loads(metadata.get("json") or "{}")
    except ValueError:
        extra = {}
    if isinstance(extra, dict):
        metadata = {**extra, **metadata}
    return metadata


def _mbtiles_zooms(conn: sqlite3.Connection, metadata: dict) -> tuple[int, int]:
    """Zooms the package states, else those of its tiles; (1, 0) when it has none."""
    low, high = conn.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
    if low is None:
        return (1, 0)
    try:
        return int(metadata.get("minzoom", low)), int(metadata.get("maxzoom", high))
    except ValueError:
        return int(low), int(high)


def _parse_bounds(path: Path, raw: object) -> tuple[float, float, float, float]:
    """MBTiles bounds "west,south,east,north"; the world when absent."""
    if not raw:
        return WORLD
    try:
        west, south, east, north = (float(v) for v in str(raw).split(","))
    except ValueError as exc:
        raise BadInput(
            f"tile package {path} has bounds '{raw}', not west,south,east,north"
        ) from exc
    return west, south, east, north
