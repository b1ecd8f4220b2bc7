"""Coordinate systems of imported files, including China's GCJ-02 and BD-09 offsets.

CGCS2000 (EPSG:4490) differs from WGS84 (EPSG:4326) by centimetres, well below the
precision of grid boundaries, so it is treated as WGS84 without a transformation.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray

from gridmap.core.errors import BadInput

GCJ02 = "gcj02"
BD09 = "bd09"
ACCEPTED = "wgs84, cgcs2000, gcj02, bd09, EPSG:<code> or a bare EPSG code such as 4326"

_OFFSET_ALIASES = {"gcj02": GCJ02, "gcj-02": GCJ02, "gcj": GCJ02, "bd09": BD09, "bd-09": BD09}
_EPSG_ALIASES = {"wgs84": 4326, "wgs-84": 4326, "wgs 84": 4326, "cgcs2000": 4490}
_EPSG = re.compile(r"(?:epsg\s*:\s*)?(\d{4,6})")
_SAME_AS_WGS84 = {4326, 4490}
# An edge that is straight in one system bends in another: over 8 km at 30°N by 0.7 m from
# UTM, by 3 m from GCJ-02 and 10 m from BD-09. Vertices this close keep the bend under a
# millimetre, so a vertex lying on a neighbour's long edge stays on it after the transformation.
_DENSIFY_M = 100.0
_DENSIFY_DEG = 0.001

# Krasovsky 1940 ellipsoid, which the GCJ-02 obfuscation is defined on.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0
_INVERSE_TOL_DEG = 1e-9
_MAX_ITERATIONS = 30

Coords = NDArray[np.float64]
Forward = Callable[[ArrayLike, ArrayLike], tuple[Coords, Coords]]


def parse_crs(name: str) -> str | pyproj.CRS:
    """Return "gcj02", "bd09" or a pyproj CRS for a user's CRS name; raise BadInput if unknown."""
    key = str(name).strip().lower()
    if key in _OFFSET_ALIASES:
        return _OFFSET_ALIASES[key]
    match = _EPSG.fullmatch(key)
    code = _EPSG_ALIASES.get(key) or (int(match[1]) if match else None)
    if code is None:
        raise BadInput(f"unknown coordinate system {name!r}; use one of: {ACCEPTED}")
    if code in _SAME_AS_WGS84:
        return pyproj.CRS.from_epsg(4326)
    try:
        return pyproj.CRS.from_epsg(code)
    except pyproj.exceptions.CRSError:
        msg = f"EPSG:{code} is not a known coordinate system; use one of: {ACCEPTED}"
        raise BadInput(msg) from None


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Return True where a point is outside the box in which GCJ-02 applies its offset."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return ~((lon > 73.66) & (lon < 135.05) & (lat > 3.86) & (lat < 53.55))


def _offset_lat(x: Coords, y: Coords) -> Coords:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lon(x: Coords, y: Coords) -> Coords:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Coords, Coords]:
    """Shift WGS84 lon/lat to GCJ-02 (the published forward formula); identity outside China."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlat = _offset_lat(lon - 105.0, lat - 35.0)
    dlon = _offset_lon(lon - 105.0, lat - 35.0)
    radlat = np.radians(lat)
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, lon + dlon), np.where(outside, lat, lat + dlat)


def _invert(
    forward: Forward, lon: ArrayLike, lat: ArrayLike, guess: tuple[ArrayLike, ArrayLike]
) -> tuple[Coords, Coords]:
    """Solve forward(x, y) == (lon, lat) by fixed-point iteration from `guess`."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x, y = np.array(guess[0], dtype=float), np.array(guess[1], dtype=float)
    for _ in range(_MAX_ITERATIONS):
        fx, fy = forward(x, y)
        ex, ey = fx - lon, fy - lat
        # The offsets change slowly with position, so subtracting the error converges fast.
        x, y = x - ex, y - ey
        if max(np.max(np.abs(ex), initial=0.0), np.max(np.abs(ey), initial=0.0)) < _INVERSE_TOL_DEG:
            break
    return x, y


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Coords, Coords]:
    """Exact inverse of wgs84_to_gcj02 (forward transform matches to < 1e-9 degrees)."""
    return _invert(wgs84_to_gcj02, lon, lat, (lon, lat))


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Coords, Coords]:
    """Shift GCJ-02 lon/lat to Baidu's BD-09 (the published forward formula)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02_approx(lon: ArrayLike, lat: ArrayLike) -> tuple[Coords, Coords]:
    x, y = np.asarray(lon, dtype=float) - 0.0065, np.asarray(lat, dtype=float) - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Coords, Coords]:
    """Exact inverse of gcj02_to_bd09 (the usual closed form refined by iteration)."""
    return _invert(gcj02_to_bd09, lon, lat, _bd09_to_gcj02_approx(lon, lat))


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Coords, Coords]:
    """Shift WGS84 lon/lat to BD-09 via GCJ-02."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Coords, Coords]:
    """Exact inverse of wgs84_to_bd09."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(gdf: gpd.GeoDataFrame, crs_name: str | None) -> gpd.GeoDataFrame:
    """Return a copy of gdf in EPSG:4326; crs_name overrides the file's CRS (default 4326)."""
    source = parse_crs(crs_name) if crs_name else gdf.crs or pyproj.CRS.from_epsg(4326)
    if isinstance(source, str):
        return _from_offset(gdf, source)
    source = pyproj.CRS.from_user_input(source)
    if source.to_epsg() in _SAME_AS_WGS84:
        return gdf.set_crs(4326, allow_override=True)
    factor = source.axis_info[0].unit_conversion_factor if source.axis_info else 1.0
    step = _DENSIFY_DEG if source.is_geographic else _DENSIFY_M / factor
    located = gdf.set_crs(source, allow_override=True)
    return _mapped(located, lambda g: shapely.segmentize(g, step), located.crs).to_crs(4326)


def _from_offset(gdf: gpd.GeoDataFrame, system: str) -> gpd.GeoDataFrame:
    if gdf.crs is not None and not gdf.crs.is_geographic:
        raise BadInput(
            f"{system} coordinates are longitude/latitude degrees, "
            f"but the file is in the projected system {gdf.crs.name}"
        )
    inverse = gcj02_to_wgs84 if system == GCJ02 else bd09_to_wgs84

    def shift(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
        dense = shapely.segmentize(geoms, _DENSIFY_DEG)
        # The shapely stubs do not know the (x, y) -> (x, y) form that interleaved=False takes.
        return shapely.transform(dense, inverse, interleaved=False)  # type: ignore[arg-type]

    return _mapped(gdf, shift, pyproj.CRS.from_epsg(4326))


def _mapped(
    gdf: gpd.GeoDataFrame,
    func: Callable[[NDArray[np.object_]], NDArray[np.object_]],
    crs: pyproj.CRS,
) -> gpd.GeoDataFrame:
    """Copy gdf with func applied to its geometry array, declared in crs."""
    out = gdf.copy()
    out[gdf.geometry.name] = gpd.GeoSeries(func(gdf.geometry.to_numpy()), index=gdf.index, crs=crs)
    return out.set_crs(crs, allow_override=True)
