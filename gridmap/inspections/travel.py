"""Travel between points: the geodesic on the WGS84 ellipsoid times a detour factor, at a set
speed (the straight model; travel_models chooses it or the road network)."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Geod

#: Mean earth radius (IUGG), only for the local east/north frame of planar_xy.
EARTH_RADIUS_M = 6_371_008.8
#: Pairs per thread below which one thread is quicker than starting more.
PAIRS_PER_THREAD = 20_000


@dataclass(frozen=True)
class Travel:
    """Road metres and driving seconds between every origin (rows) and destination (columns)."""

    metres: NDArray[np.int64]
    seconds: NDArray[np.int64]
    #: "straight" or "roads": the model the figures come from.
    model: str = "straight"
    #: Roads only: metres walked between each origin (rows) or destination (columns) and its
    #: road, included in `metres`; and the path of a pair as lon/lat points.
    snap_from_metres: NDArray[np.float64] | None = None
    snap_to_metres: NDArray[np.float64] | None = None
    path: Callable[[int, int], list[tuple[float, float]]] | None = None


@cache
def wgs84() -> Geod:
    """The WGS84 ellipsoid's geodesics (CGCS2000's differ by well under a millimetre)."""
    return Geod(ellps="WGS84")


def geodesic_metres(origins: ArrayLike, destinations: ArrayLike) -> NDArray[np.float64]:
    """Metres along the WGS84 geodesic from every origin (rows) to every destination (columns)."""
    a = np.asarray(origins, dtype=float).reshape(-1, 2)
    b = np.asarray(destinations, dtype=float).reshape(-1, 2)
    out = np.zeros((len(a), len(b)))
    if not len(a) or not len(b):
        return out
    if a.shape == b.shape and np.array_equal(a, b):
        # A square matrix of one set of points: the geodesic is the same both ways, so each
        # unordered pair is solved once, which halves the work of the planner's matrix.
        i, j = np.triu_indices(len(a), k=1)
    else:
        i, j = (k.ravel() for k in np.indices((len(a), len(b))))
    if len(i):
        out[i, j] = _inverse(a[i], b[j])
    if a.shape == b.shape and np.array_equal(a, b):
        out[j, i] = out[i, j]
    return out


def _inverse(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Geodesic metres between the rows of a and b, pair by pair, in vectorised calls."""
    # Geod.inv leaves the interpreter lock while it solves, so large matrices are split over
    # the processors; each pair's result is the same however the pairs are split.
    parts = max(1, min(os.cpu_count() or 1, len(a) // PAIRS_PER_THREAD))
    if parts == 1:
        return _inverse_part(a, b)
    chunks = np.array_split(np.arange(len(a)), parts)
    with ThreadPoolExecutor(parts) as pool:
        found = pool.map(lambda k: _inverse_part(a[k], b[k]), chunks)
        return np.concatenate(list(found))


def _inverse_part(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Geodesic metres between the rows of a and b in one call of Geod.inv."""
    lon1, lat1 = np.ascontiguousarray(a[:, 0]), np.ascontiguousarray(a[:, 1])
    lon2, lat2 = np.ascontiguousarray(b[:, 0]), np.ascontiguousarray(b[:, 1])
    # The back azimuth comes with the distance anyway; it need not be turned round.
    return np.asarray(wgs84().inv(lon1, lat1, lon2, lat2, return_back_azimuth=False)[2])


def travel(
    origins: ArrayLike, destinations: ArrayLike, *, detour: float, speed_kmh: float
) -> Travel:
    """Estimated road distance and driving time from each origin to each destination (lon/lat):
    the geodesic times the detour factor at the set speed, each rounded once."""
    if detour < 1 or speed_kmh <= 0:
        raise ValueError("the detour factor must be at least 1 and the speed positive")
    road = geodesic_metres(origins, destinations) * detour
    return Travel(
        metres=np.rint(road).astype(np.int64),
        seconds=np.rint(road / (speed_kmh / 3.6)).astype(np.int64),
    )


def planar_xy(points: ArrayLike) -> NDArray[np.float64]:
    """Local east/north metres of lon/lat points around their mean, for angles and neighbours."""
    p = np.asarray(points, dtype=float).reshape(-1, 2)
    lat0 = np.radians(p[:, 1].mean()) if len(p) else 0.0
    x = np.radians(p[:, 0]) * EARTH_RADIUS_M * np.cos(lat0)
    y = np.radians(p[:, 1]) * EARTH_RADIUS_M
    return np.column_stack([x - x.mean(), y - y.mean()]) if len(p) else np.zeros((0, 2))
