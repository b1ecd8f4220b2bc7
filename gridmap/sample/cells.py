"""Geometry for the sample county, all in a projected metric CRS (metres).

Outline, valleys, settlement points, Voronoi cells that tile the outline with exactly
shared edges, and contiguous clustering of cells along their shared edges.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, Polygon


def outline_m(rng: np.random.Generator, area_m2: float, centre_xy: tuple[float, float]) -> Polygon:
    """Return an irregular, star-shaped (hence simple) county outline of area_m2 around centre."""
    theta = np.linspace(0.0, 2.0 * np.pi, 360, endpoint=False)
    k = np.arange(1, 25)[:, None]
    amp = rng.normal(0.0, 0.22, (k.size, 1)) / k**1.1
    phase = rng.uniform(0.0, 2.0 * np.pi, (k.size, 1))
    # Low harmonics shape the county; high ones and the jitter mimic borders along ridge lines.
    wiggle = rng.normal(0.0, 0.025, theta.size)
    window = np.hanning(9) / np.hanning(9).sum()
    wiggle = np.convolve(np.r_[wiggle[-4:], wiggle, wiggle[:4]], window, mode="valid")  # circular
    log_r = (amp * np.cos(k * theta + phase)).sum(axis=0) + wiggle
    r = np.exp(log_r)
    stretch = rng.uniform(1.15, 1.4)
    x, y = r * np.cos(theta) * stretch, r * np.sin(theta) / stretch
    rot = rng.uniform(0.0, np.pi)
    xy = np.column_stack([x * np.cos(rot) - y * np.sin(rot), x * np.sin(rot) + y * np.cos(rot)])
    scale = np.sqrt(area_m2 / Polygon(xy).area)
    return Polygon(xy * scale + np.asarray(centre_xy))


def waisted_outline_m(
    rng: np.random.Generator, area_m2: float, centre_xy: tuple[float, float], waist: float = 0.4
) -> Polygon:
    """Return an elongated county outline of area_m2: two lobes joined by a narrow waist."""
    theta = np.linspace(0.0, 2.0 * np.pi, 360, endpoint=False)
    # A Cassini oval r² = cos 2θ + sqrt(b⁴ - sin² 2θ) with b just above 1 is a peanut whose
    # waist, across the middle, is about `waist` times the width of its lobes.
    b4 = (1.0 + (waist / 2.0) ** 2) ** 2
    cassini = np.sqrt(np.cos(2 * theta) + np.sqrt(b4 - np.sin(2 * theta) ** 2))
    k = np.arange(2, 25)[:, None]
    # Milder borders than outline_m's: strong low harmonics would close the waist or bulge it.
    amp = rng.normal(0.0, 0.08, (k.size, 1)) / k**1.1
    phase = rng.uniform(0.0, 2.0 * np.pi, (k.size, 1))
    r = cassini * np.exp((amp * np.cos(k * theta + phase)).sum(axis=0))
    x, y = r * np.cos(theta), r * np.sin(theta)
    rot = rng.uniform(0.0, np.pi)
    xy = np.column_stack([x * np.cos(rot) - y * np.sin(rot), x * np.sin(rot) + y * np.cos(rot)])
    scale = np.sqrt(area_m2 / Polygon(xy).area)
    return Polygon(xy * scale + np.asarray(centre_xy))


def uniform_in(rng: np.random.Generator, poly: Polygon, n: int) -> np.ndarray:
    """Return n points (n x 2 array) uniformly distributed inside poly."""
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    out: list[np.ndarray] = []
    got = 0
    while got < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(2 * n, 2))
        xy = xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])]
        out.append(xy)
        got += len(xy)
    return np.concatenate(out)[:n]


def rivers_m(rng: np.random.Generator, outline: Polygon, n: int = 3) -> shapely.Geometry:
    """Return n meandering valley lines crossing the county, clipped to it."""
    # Start well inside; small test counties get a proportionally smaller margin.
    starts = uniform_in(rng, outline.buffer(-min(5000.0, 0.15 * np.sqrt(outline.area))), n)
    lines = []
    for start in starts:
        halves = []
        heading = rng.uniform(0.0, 2.0 * np.pi)
        for direction in (0.0, np.pi):
            steps = int(rng.integers(50, 90))
            # A random walk of the heading, smoothed, gives a valley's gentle meanders.
            drift = np.convolve(rng.normal(0.0, 0.25, steps), np.ones(5) / 5, mode="same")
            angle = heading + direction + np.cumsum(drift)
            step_xy = 500.0 * np.column_stack([np.cos(angle), np.sin(angle)])
            halves.append(start + np.cumsum(step_xy, axis=0))
        coords = np.concatenate([halves[1][::-1], [start], halves[0]])
        lines.append(LineString(coords).intersection(outline))
    return shapely.union_all(lines)


def density(xy: np.ndarray, rivers: shapely.Geometry, seat_xy: np.ndarray) -> np.ndarray:
    """Return the relative settlement density at points: high in valleys and near the seat."""
    d_river_m = shapely.distance(shapely.points(xy), rivers)
    d_seat_m = np.hypot(*(xy - seat_xy).T)
    return 0.15 + np.exp(-((d_river_m / 2500.0) ** 2)) + 1.5 * np.exp(-((d_seat_m / 6000.0) ** 2))


class _SpacingIndex:
    """Greedy minimum-spacing filter backed by a hash grid with cells of the spacing size."""

    def __init__(self, gap_m: float):
        self.gap_m = gap_m
        self.cells: dict[tuple[int, int], list[np.ndarray]] = {}

    def add_if_free(self, p: np.ndarray) -> bool:
        """Add p and return True unless an earlier point lies closer than the gap."""
        cx, cy = int(p[0] // self.gap_m), int(p[1] // self.gap_m)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for q in self.cells.get((cx + dx, cy + dy), ()):
                    if (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 < self.gap_m**2:
                        return False
        self.cells.setdefault((cx, cy), []).append(p)
        return True


def hubs_m(
    rng: np.random.Generator, outline: Polygon, dens_fn, n: int, gap_m: float = 1500.0
) -> np.ndarray:
    """Return n village-centre points, drawn by density, at least gap_m apart."""
    inner = outline.buffer(-800.0)
    index = _SpacingIndex(gap_m)
    hubs: list[np.ndarray] = []
    while len(hubs) < n:
        cand = uniform_in(rng, inner, 20 * n)
        dens = dens_fn(cand)
        cand = cand[rng.random(len(cand)) * 2.8 < dens]  # 2.8: about the peak density
        hubs.extend(p for p in cand if len(hubs) < n and index.add_if_free(p))
    return np.array(hubs)


def group_seeds_m(
    rng: np.random.Generator, outline: Polygon, hubs: np.ndarray, hub_dens: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return n group seed points clustered around hubs (tighter where dense) and their hub."""
    weights = rng.gamma(5.0, 1.0, len(hubs)) * hub_dens**0.3
    counts = 3 + rng.multinomial(n - 3 * len(hubs), weights / weights.sum())
    sigma_m = np.clip(900.0 / np.sqrt(hub_dens), 450.0, 2200.0)
    inner = outline.buffer(-60.0)
    shapely.prepare(inner)
    index = _SpacingIndex(150.0)
    for hub in hubs:  # hubs are far apart; each one is the first seed of its own cluster
        index.add_if_free(hub)
    seeds: list[np.ndarray] = []
    hub_of: list[int] = []
    for h, (hub, need, sigma) in enumerate(zip(hubs, counts, sigma_m, strict=True)):
        seeds.append(hub)
        got, spread = 1, sigma
        while got < need:
            cand = hub + rng.normal(0.0, spread, (4 * need, 2))
            cand = cand[shapely.contains_xy(inner, cand[:, 0], cand[:, 1])]
            for p in cand:
                if got < need and index.add_if_free(p):
                    seeds.append(p)
                    got += 1
            spread *= 1.2  # a hub near the border or in a crowd needs a wider search
        hub_of.extend([h] * need)
    return np.array(seeds), np.array(hub_of)


def voronoi_cells_m(seeds: np.ndarray, outline: Polygon) -> np.ndarray:
    """Return one polygon per seed: its Voronoi cell clipped to outline; edges shared exactly."""
    vor = shapely.get_parts(
        shapely.voronoi_polygons(
            shapely.multipoints(seeds), extend_to=outline.buffer(5000.0), ordered=True
        )
    )
    # Noding all cell edges together with the outline computes every crossing once, so both
    # sides of an edge get identical coordinates (clipping cell by cell would not guarantee it).
    edges = shapely.union_all([*shapely.boundary(vor), outline.exterior])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(edges)))
    faces = faces[shapely.contains(outline, shapely.point_on_surface(faces))]
    face_i, cell_i = shapely.STRtree(vor).query(shapely.point_on_surface(faces), "within")
    owner = np.empty(len(faces), dtype=int)
    owner[face_i] = cell_i
    owner = _absorb_fragments(faces, owner, seeds)
    cells = np.empty(len(seeds), dtype=object)
    for i in range(len(seeds)):
        parts = faces[owner == i]
        cells[i] = parts[0] if len(parts) == 1 else shapely.coverage_union_all(parts)
    return cells


def _absorb_fragments(faces: np.ndarray, owner: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Give each face cut off from its seed (by a bend of the outline) to its longest neighbour."""
    settled = shapely.contains_xy(faces, *seeds[owner].T)
    owner = owner.copy()
    tree = shapely.STRtree(faces)
    pending = list(np.flatnonzero(~settled))
    while pending:  # a fragment touching only other fragments waits for one of them to settle
        f = pending.pop(0)
        near = tree.query(faces[f], "intersects")
        near = near[settled[near]]
        shared_m = shapely.length(
            shapely.intersection(faces[f].boundary, shapely.boundary(faces[near]))
        )
        if len(near) == 0 or shared_m.max() <= 0.0:
            pending.append(f)
            continue
        owner[f] = owner[near[np.argmax(shared_m)]]
        settled[f] = True
    return owner


def adjacent_pairs(polys: np.ndarray, min_shared_m: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Return index pairs (i < j) of metric polygons sharing an edge at least min_shared_m long."""
    i, j = shapely.STRtree(polys).query(polys, "intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    shared_m = shapely.length(
        shapely.intersection(shapely.boundary(polys[i]), shapely.boundary(polys[j]))
    )
    keep = shared_m >= min_shared_m
    return i[keep], j[keep]


def partition(
    xy: np.ndarray, pairs: tuple[np.ndarray, np.ndarray], seeds: np.ndarray
) -> np.ndarray:
    """Label each node with the index of its nearest seed along the adjacency graph.

    Every region is connected: a node's predecessor on its shortest path has the same seed.
    """
    i, j = pairs
    n = len(xy)
    length_m = np.hypot(*(xy[i] - xy[j]).T)
    graph = coo_matrix((length_m, (i, j)), shape=(n, n)).tocsr()
    _, _, sources = dijkstra(
        graph, directed=False, indices=seeds, min_only=True, return_predecessors=True
    )
    lookup = np.full(n, -1)
    lookup[seeds] = np.arange(len(seeds))
    labels = lookup[sources]
    if (labels < 0).any():
        raise RuntimeError("the adjacency graph of the cells is not connected")
    return labels


def grow_small(
    labels: np.ndarray, pairs: tuple[np.ndarray, np.ndarray], xy: np.ndarray, min_size: int
) -> np.ndarray:
    """Move border nodes into regions smaller than min_size, keeping every region connected."""
    labels = labels.copy()
    neighbours: list[list[int]] = [[] for _ in range(len(labels))]
    for a, b in zip(*pairs, strict=True):
        neighbours[a].append(b)
        neighbours[b].append(a)
    for region in np.flatnonzero(np.bincount(labels) < min_size):
        centre = xy[labels == region].mean(axis=0)
        while (labels == region).sum() < min_size:
            border = {n for m in np.flatnonzero(labels == region) for n in neighbours[m]}
            movable = [
                n
                for n in border
                if labels[n] != region
                and (labels == labels[n]).sum() > min_size
                and _stays_connected(labels, neighbours, n)
            ]
            if not movable:
                break
            # Take the nearest node so the region stays compact.
            pick = min(movable, key=lambda n: np.hypot(*(xy[n] - centre)))
            labels[pick] = region
    return labels


def _stays_connected(labels: np.ndarray, neighbours: list[list[int]], node: int) -> bool:
    """Return True if node's region is still connected without node."""
    rest = set(np.flatnonzero(labels == labels[node]).tolist()) - {node}
    start = next(iter(rest))
    seen, todo = {start}, [start]
    while todo:
        for n in neighbours[todo.pop()]:
            if n in rest and n not in seen:
                seen.add(n)
                todo.append(n)
    return seen == rest
