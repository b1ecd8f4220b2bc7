"""Travel between points: straight-line distance times a detour factor, at a set speed (the
straight model; travel_models chooses it or the road network)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Mean earth radius (IUGG); at county scale the sphere errs by well under the detour factor.
EARTH_RADIUS_M = 6_371_008.8


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


def travel(
    origins: ArrayLike, destinations: ArrayLike, *, detour: float, speed_kmh: float
) -> Travel:
    """Estimated road distance and driving time from each origin to each destination (lon/lat)."""
    if detour < 1 or speed_kmh <= 0:
        raise ValueError("the detour factor must be at least 1 and the speed positive")
    a = np.radians(np.asarray(origins, dtype=float).reshape(-1, 2))
    b = np.radians(np.asarray(destinations, dtype=float).reshape(-1, 2))
    dlon = b[None, :, 0] - a[:, None, 0]
    dlat = b[None, :, 1] - a[:, None, 1]
    h = (
        np.sin(dlat / 2) ** 2
        + np.cos(a[:, None, 1]) * np.cos(b[None, :, 1]) * np.sin(dlon / 2) ** 2
    )
    straight = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    road = straight * detour
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
