"""Metric areas of EPSG:4326 geometries, computed in a local equal-area projection."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray

_GEOD = pyproj.Geod(ellps="WGS84")


@lru_cache(maxsize=32)
def _to_laea(lon0: float, lat0: float) -> pyproj.Transformer:
    # Lambert azimuthal equal-area on the WGS84 ellipsoid keeps areas exact everywhere;
    # centring it on the data keeps the straight-edge approximation negligible.
    laea = pyproj.CRS.from_proj4(
        f"+proj=laea +lat_0={lat0} +lon_0={lon0} +ellps=WGS84 +units=m +no_defs"
    )
    return pyproj.Transformer.from_crs("EPSG:4326", laea, always_xy=True)


def area_center(geoms: ArrayLike) -> tuple[float, float]:
    """Return a (lon, lat) projection centre for the geometries, rounded so it caches well."""
    arr = np.asarray(geoms, dtype=object)
    arr = arr[~shapely.is_missing(arr) & ~shapely.is_empty(arr)]
    if arr.size == 0:
        return (0.0, 0.0)
    xmin, ymin, xmax, ymax = shapely.total_bounds(arr)
    return (round((xmin + xmax) / 2, 2), round((ymin + ymax) / 2, 2))


def to_equal_area(geoms: ArrayLike, center: tuple[float, float]) -> NDArray[np.object_]:
    """Project lon/lat geometries to metres in an equal-area projection centred on `center`."""
    arr, forward = np.asarray(geoms, dtype=object), _to_laea(*center).transform
    # The shapely stubs do not know the (x, y) -> (x, y) form that interleaved=False takes.
    return shapely.transform(arr, forward, interleaved=False)  # type: ignore[arg-type]


def areas_m2(geoms: ArrayLike, center: tuple[float, float] | None = None) -> NDArray[np.float64]:
    """Return the area in m² of each lon/lat geometry (0 for empty or missing ones)."""
    arr = np.asarray(geoms, dtype=object)
    if arr.size == 0:
        return np.zeros(0)
    projected = to_equal_area(arr, center if center is not None else area_center(arr))
    return np.nan_to_num(shapely.area(projected), nan=0.0)


def geodesic_area_m2(geom: shapely.Geometry) -> float:
    """Return the area in m² of one lon/lat geometry on the WGS84 ellipsoid (geodesic edges)."""
    # Counter-clockwise shells and clockwise holes give holes the opposite sign, as pyproj needs.
    area, _perimeter = _GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))
    return abs(float(area))


def from_equal_area(geoms: ArrayLike, center: tuple[float, float]) -> NDArray[np.object_]:
    """Project geometries in metres (from to_equal_area with the same centre) back to lon/lat."""
    arr, transformer = np.asarray(geoms, dtype=object), _to_laea(*center)

    def inverse(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple:
        return transformer.transform(x, y, direction=pyproj.enums.TransformDirection.INVERSE)

    return shapely.transform(arr, inverse, interleaved=False)  # type: ignore[arg-type]


def buffer_m(geom: shapely.Geometry, margin_m: float, step_m: float = 100.0) -> shapely.Geometry:
    """One lon/lat geometry grown by `margin_m` metres, its edges split every `step_m` metres."""
    one = np.array([geom], dtype=object)
    center = area_center(one)
    grown = shapely.buffer(to_equal_area(one, center), margin_m, quad_segs=16)
    # A straight edge in metres bends in degrees: close vertices keep it where it was.
    return from_equal_area(shapely.segmentize(grown, step_m), center)[0]
