"""A county's roads as a network of links between junctions, built from the stored rows.

Nodes are the ends of every line and the vertices lines share (OSM ways meet at shared nodes,
and the import cuts ways into parts at the clip edge): coordinates are rounded to about 5 cm so
that such vertices become one node. A link is the piece of one line between two nodes, with its
length (each row's stored ellipsoidal length, spread over its vertices), the time to drive it
and its direction of travel. Only drivable classes are kept: the teams travel by car.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

#: Mean earth radius (IUGG), as the straight-line model uses.
EARTH_RADIUS_M = 6_371_008.8
#: Vertices closer than this (degrees, about 5 cm) are one node.
KEY_DEGREES = 5e-7
#: Classes a car cannot use: no path runs along them and no stop is snapped to them.
NOT_DRIVABLE = frozenset({"footway", "path", "steps", "cycleway", "bridleway", "pedestrian"})
#: The speed key of a class that ROAD_SPEED_DEFAULTS_KMH does not name.
OTHER = "other"


@dataclass(frozen=True)
class Frame:
    """Local east/north metres around a centre (equirectangular), exact both ways."""

    lon0: float
    lat0: float

    def to_xy(self, lonlat: ArrayLike) -> NDArray[np.float64]:
        """Metres east and north of the centre of lon/lat points."""
        p = np.asarray(lonlat, dtype=float).reshape(-1, 2)
        k = np.radians(1.0) * EARTH_RADIUS_M
        return np.column_stack([(p[:, 0] - self.lon0) * k * np.cos(np.radians(self.lat0)),
                                (p[:, 1] - self.lat0) * k])  # fmt: skip

    def to_lonlat(self, xy: ArrayLike) -> NDArray[np.float64]:
        """Lon/lat of points given in metres east and north of the centre."""
        p = np.asarray(xy, dtype=float).reshape(-1, 2)
        k = np.radians(1.0) * EARTH_RADIUS_M
        return np.column_stack([p[:, 0] / (k * np.cos(np.radians(self.lat0))) + self.lon0,
                                p[:, 1] / k + self.lat0])  # fmt: skip


@dataclass(frozen=True)
class Network:
    """Links between numbered nodes; each link has a planar line (for snapping and drawing)."""

    frame: Frame
    nodes: int
    #: Node at the start and at the end of each link's line.
    start: NDArray[np.int64]
    end: NDArray[np.int64]
    metres: NDArray[np.float64]
    seconds: NDArray[np.float64]
    #: 1 along the line only, -1 against it only, 0 both ways.
    oneway: NDArray[np.int64]
    lines: NDArray[np.object_]
    #: Metres on the ground per planar metre of each link.
    scale: NDArray[np.float64]

    @property
    def links(self) -> int:
        """Number of links."""
        return len(self.start)


def speeds_kmh(
    classes: Sequence[str], maxspeed_kmh: Sequence[float | None], class_kmh: Mapping[str, float]
) -> NDArray[np.float64]:
    """Speed of each row: the lower of its posted limit and its class's speed."""
    fallback = class_kmh[OTHER]
    by_class = np.array([class_kmh.get(c, fallback) for c in classes], dtype=float)
    posted = np.array([np.inf if m is None else m for m in maxspeed_kmh], dtype=float)
    return np.minimum(by_class, posted)


def build(rows: Sequence[tuple], class_kmh: Mapping[str, float]) -> Network | None:
    """The network of stored rows (store.roads.ROAD_COLUMNS); None when none is drivable."""
    rows = [r for r in rows if r[2] not in NOT_DRIVABLE]
    if not rows:
        return None
    geoms = shapely.from_wkb([bytes(r[8]) for r in rows])
    lonlat, line_of = shapely.get_coordinates(geoms, return_index=True)
    frame = Frame(float(lonlat[:, 0].mean()), float(lonlat[:, 1].mean()))
    xy = frame.to_xy(lonlat)
    along = _along_metres(xy, line_of, np.array([r[7] for r in rows], dtype=float))
    is_node, node_of = _nodes(lonlat, line_of)
    at = np.flatnonzero(is_node)
    same_line = line_of[at[1:]] == line_of[at[:-1]]
    first, last = at[:-1][same_line], at[1:][same_line]
    line = line_of[first]
    metres = along[last] - along[first]
    speed = speeds_kmh([r[2] for r in rows], [r[5] for r in rows], class_kmh)[line]
    lines = _link_lines(xy, first, last)
    planar = shapely.length(lines)
    return Network(
        frame=frame, nodes=int(node_of.max()) + 1, start=node_of[first], end=node_of[last],
        metres=metres, seconds=metres / (speed / 3.6),
        oneway=np.array([r[4] for r in rows], dtype=np.int64)[line], lines=lines,
        scale=np.divide(metres, planar, out=np.ones_like(metres), where=planar > 0),
    )  # fmt: skip


def _along_metres(
    xy: NDArray[np.float64], line_of: NDArray[np.int64], length_m: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Metres from the first vertex of all lines to each vertex, each line scaled to its
    stored length (the planar frame errs by a few per mille far from its centre)."""
    same = line_of[1:] == line_of[:-1]
    seg = np.where(same, np.hypot(*(xy[1:] - xy[:-1]).T), 0.0)
    planar = np.bincount(line_of[1:], weights=seg, minlength=len(length_m))
    ratio = np.divide(length_m, planar, out=np.ones_like(length_m), where=planar > 0)
    return np.concatenate([[0.0], np.cumsum(seg * ratio[line_of[1:]])])


def _nodes(
    lonlat: NDArray[np.float64], line_of: NDArray[np.int64]
) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """Which vertices are nodes (line ends, shared vertices) and each vertex's node number
    (-1 for the others)."""
    kx = np.rint((lonlat[:, 0] + 180.0) / KEY_DEGREES).astype(np.int64)
    ky = np.rint((lonlat[:, 1] + 90.0) / KEY_DEGREES).astype(np.int64)
    _keys, key_of, counts = np.unique(kx * (1 << 30) + ky, return_inverse=True,
                                      return_counts=True)  # fmt: skip
    key_of = key_of.reshape(-1)
    ends = np.r_[True, line_of[1:] != line_of[:-1]] | np.r_[line_of[1:] != line_of[:-1], True]
    is_node = ends | (counts[key_of] > 1)
    node_of = np.full(len(lonlat), -1, dtype=np.int64)
    _used, node_of[is_node] = np.unique(key_of[is_node], return_inverse=True)
    return is_node, node_of


def _link_lines(
    xy: NDArray[np.float64], first: NDArray[np.int64], last: NDArray[np.int64]
) -> NDArray[np.object_]:
    """A planar LineString per link over its vertices first..last."""
    counts = last - first + 1
    link = np.repeat(np.arange(len(first)), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return shapely.linestrings(xy[np.repeat(first, counts) + offset], indices=link)
