"""Travel between points on a road network: each point walks to the nearest drivable road,
then drives the fastest way.

Shortest paths run in process with scipy's csgraph rather than in the database with pgRouting:
pgRouting is not installed with PostGIS here, and a plan's matrix of even 500 stops is a few
hundred Dijkstra runs over a graph of a county's roads held in memory, well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely import ops

from gridmap.ground.roads import Network

#: The Dijkstra weight packs whole milliseconds above decimetres (MS_SHIFT bits), so one run
#: gives both the fastest time and that path's length, exactly, as float64 sums of integers:
#: paths up to 1,677 km and 149 hours fit in its 53 bits.
MS_SHIFT = 1 << 24
#: Seconds given for a pair with no road path between them (and the metres too).
UNREACHABLE = 10**12
#: A piece of road shorter than this (as the node rounding, 5 cm) is standing still, not a drive.
STANDING_M = 0.05


@dataclass(frozen=True)
class Snapped:
    """Points projected onto their nearest links: link, metres along it, metres walked."""

    link: NDArray[np.int64]
    along_m: NDArray[np.float64]
    walk_m: NDArray[np.float64]
    xy: NDArray[np.float64]


def snap(net: Network, lonlat: ArrayLike) -> Snapped:
    """Each point's projection onto the nearest link of `net` (by metres)."""
    xy = net.frame.to_xy(lonlat)
    points = shapely.points(xy)
    tree = shapely.STRtree(net.lines)
    (_where, link), walk = tree.query_nearest(points, return_distance=True, all_matches=False)
    planar = shapely.line_locate_point(net.lines[link], points)
    return Snapped(link.astype(np.int64), planar * net.scale[link], walk, xy)


@dataclass(frozen=True)
class Graph:
    """The directed graph of a network with snapped points added as nodes (first new one at
    `net.nodes`), its edges sorted by (from, to) with the piece of link each one drives."""

    net: Network
    matrix: csr_matrix
    src: NDArray[np.int64]
    dst: NDArray[np.int64]
    link: NDArray[np.int64]
    from_m: NDArray[np.float64]
    to_m: NDArray[np.float64]


def graph(net: Network, snapped: Snapped) -> Graph:
    """Links cut at every snapped point, both ways or one, as a sparse matrix of packed weights."""
    pieces = [_whole_links(net), *_cut_links(net, snapped)]
    link, a, b, from_m, to_m = (np.concatenate(p) for p in zip(*pieces, strict=True))
    metres = np.abs(to_m - from_m)
    speed = net.metres[link] / np.maximum(net.seconds[link], 1e-9)
    weight = _pack(metres / np.maximum(speed, 1e-9), metres)
    # A point snapped onto a link's end stands at its node: leaving it is no drive either way.
    way = np.where(metres > STANDING_M, net.oneway[link], 0)
    fwd, back = way >= 0, way <= 0
    src = np.concatenate([a[fwd], b[back]])
    dst = np.concatenate([b[fwd], a[back]])
    keep = np.concatenate([np.flatnonzero(fwd), np.flatnonzero(back)])
    reverse = np.r_[np.zeros(fwd.sum(), bool), np.ones(back.sum(), bool)]
    w = weight[keep]
    # Parallel edges (two roads between the same nodes): the fastest wins, not their sum.
    order = np.lexsort((w, dst, src))
    src, dst, keep, reverse, w = src[order], dst[order], keep[order], reverse[order], w[order]
    first = np.r_[True, (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])]
    src, dst, keep, reverse, w = src[first], dst[first], keep[first], reverse[first], w[first]
    n = net.nodes + len(snapped.link)
    matrix = csr_matrix((w, (src, dst)), shape=(n, n))
    f, t = from_m[keep], to_m[keep]
    return Graph(
        net, matrix, src, dst, link[keep], np.where(reverse, t, f), np.where(reverse, f, t)
    )


def _pack(seconds: NDArray[np.float64], metres: NDArray[np.float64]) -> NDArray[np.float64]:
    """Packed weights (see MS_SHIFT), at least 1 so that csgraph sees every edge."""
    packed = np.rint(seconds * 1000) * MS_SHIFT + np.rint(metres * 10)
    return np.maximum(packed, 1.0)


def _whole_links(net: Network) -> tuple[NDArray, ...]:
    """Every link from its start node to its end node: (link, a, b, from_m, to_m)."""
    ids = np.arange(net.links)
    return ids, net.start, net.end, np.zeros(net.links), net.metres.copy()


def _cut_links(net: Network, s: Snapped) -> list[tuple[NDArray, ...]]:
    """The pieces of each link between its ends and the points snapped onto it, in order."""
    order = np.lexsort((s.along_m, s.link))
    pieces: list[tuple[NDArray, ...]] = []
    for link in np.unique(s.link):
        mine = order[s.link[order] == link]
        nodes = np.r_[net.start[link], net.nodes + mine, net.end[link]]
        at = np.r_[0.0, np.clip(s.along_m[mine], 0.0, net.metres[link]), net.metres[link]]
        ids = np.full(len(nodes) - 1, link)
        pieces.append((ids, nodes[:-1], nodes[1:], at[:-1], at[1:]))
    return pieces


@dataclass(frozen=True)
class Result:
    """Fastest travel from origins (rows) to destinations (columns), snap walks included."""

    seconds: NDArray[np.float64]
    metres: NDArray[np.float64]
    #: Metres walked from each origin to its road and from each destination's road to it.
    walk_from_m: NDArray[np.float64]
    walk_to_m: NDArray[np.float64]
    reachable: NDArray[np.bool_]


def travel(net: Network, origins: ArrayLike, destinations: ArrayLike, snap_kmh: float) -> Paths:
    """Fastest road travel between every origin and destination (lon/lat), with its paths."""
    a = np.asarray(origins, dtype=float).reshape(-1, 2)
    b = np.asarray(destinations, dtype=float).reshape(-1, 2)
    snapped = snap(net, np.vstack([a, b]))
    g = graph(net, snapped)
    na = len(a)
    from_nodes = net.nodes + np.arange(na)
    to_nodes = net.nodes + na + np.arange(len(b))
    backward = na > len(b)
    # Fewer runs: from the destinations over the reversed edges when they are fewer.
    runs = to_nodes if backward else from_nodes
    dist, pred = dijkstra(g.matrix.T.tocsr() if backward else g.matrix, directed=True,
                          indices=runs, return_predecessors=True)  # fmt: skip
    packed = dist[:, from_nodes].T if backward else dist[:, to_nodes]
    result = _unpack(packed, snapped.walk_m[:na], snapped.walk_m[na:], snap_kmh)
    same = np.all(a[:, None, :] == b[None, :, :], axis=2)
    for field in (result.seconds, result.metres):
        field[same] = 0.0
    result.reachable[same] = True
    return Paths(g, snapped, result, pred, backward, from_nodes, to_nodes)


def _unpack(
    packed: NDArray[np.float64], walk_from: NDArray[np.float64], walk_to: NDArray[np.float64],
    snap_kmh: float,
) -> Result:  # fmt: skip
    """Seconds and metres of packed path weights plus the walks at each end."""
    reachable = np.isfinite(packed)
    p = np.where(reachable, packed, 0.0)
    drive_s = np.floor(p / MS_SHIFT) / 1000
    drive_m = (p - np.floor(p / MS_SHIFT) * MS_SHIFT) / 10
    walk = walk_from[:, None] + walk_to[None, :]
    seconds = np.where(reachable, drive_s + walk / (snap_kmh / 3.6), UNREACHABLE)
    metres = np.where(reachable, drive_m + walk, UNREACHABLE)
    return Result(seconds, metres, walk_from, walk_to, reachable)


@dataclass(frozen=True)
class Paths:
    """A travel result with the Dijkstra trees it came from, to draw any pair's path."""

    g: Graph
    snapped: Snapped
    result: Result
    pred: NDArray[np.int32]
    backward: bool
    from_nodes: NDArray[np.int64]
    to_nodes: NDArray[np.int64]

    def nodes(self, i: int, j: int) -> list[int]:
        """The graph nodes from origin i's road to destination j's, in order ([] if none)."""
        if not self.result.reachable[i, j]:
            return []
        a, b = int(self.from_nodes[i]), int(self.to_nodes[j])
        tree, walk, stop = (self.pred[j], a, b) if self.backward else (self.pred[i], b, a)
        found = [walk]
        while walk != stop and walk >= 0:
            walk = int(tree[walk])
            found.append(walk)
        return found if self.backward else found[::-1]

    def lonlat(self, i: int, j: int) -> list[tuple[float, float]]:
        """The path from origin i to destination j as lon/lat points, walks included."""
        if not self.result.reachable[i, j]:
            return []
        xy = [self.snapped.xy[i]]
        net, g = self.g.net, self.g
        nodes = self.nodes(i, j)
        keys = g.src * g.matrix.shape[0] + g.dst
        for u, v in zip(nodes, nodes[1:], strict=False):
            e = int(np.searchsorted(keys, u * g.matrix.shape[0] + v))
            line = net.lines[g.link[e]]
            scale = net.scale[g.link[e]]
            piece = ops.substring(line, g.from_m[e] / scale, g.to_m[e] / scale)
            xy.extend(shapely.get_coordinates(piece))
        xy.append(self.snapped.xy[len(self.from_nodes) + j])
        return _dedupe(net.frame.to_lonlat(np.array(xy)))


def _dedupe(points: NDArray[np.float64]) -> list[tuple[float, float]]:
    """Points without consecutive repeats."""
    keep = np.r_[True, np.any(np.abs(np.diff(points, axis=0)) > 1e-9, axis=1)]
    return [(float(x), float(y)) for x, y in points[keep]]
