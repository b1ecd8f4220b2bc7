"""The demo county's road network, written as an OpenStreetMap extract (.osm.pbf) that the
demo loads through `gridmap import osm`, as a user loads a real one.

A river meanders across the county from west to east. A county road (tertiary, ref X001)
joins the township seats, township roads (unclassified) join each township's villages to its
seat and village roads (residential) each villager group to its village; each is the
shortest tree over its places. Roads cross the river only on bridges: the county road on a
few, while a township's or village's places across the river join the nearest road on their
own bank. One ferry links two villages on opposite banks. Place nodes name the county seat,
the township seats and the villages. Deterministic: the same units and seed give the same file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import shapely
from osmium.osm.mutable import Node, Way
from scipy.cluster.hierarchy import DisjointSet
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from gridmap.core import vocab
from gridmap.geo.areas import area_center, from_equal_area, to_equal_area

#: Bridges of the county road besides the one its tree needs, and their least spacing.
EXTRA_BRIDGES = 2
BRIDGE_SPACING_M = 5000.0
#: Half the length of a bridge, either side of the river's line.
BRIDGE_HALF_M = 40.0
#: Weight that keeps a tree off the river wherever it can go round.
_ACROSS = 1e9
COUNTY_ROAD = {"highway": "tertiary", "ref": "X001", "maxspeed": "60"}
VILLAGE_ROAD = {"highway": "residential"}
Xy = tuple[float, float]


@dataclass
class Plan:
    """Ways (vertices in metres, tags) and named places of the network, in metres."""

    ways: list[tuple[list[Xy], dict[str, str]]] = field(default_factory=list)
    places: list[tuple[Xy, dict[str, str]]] = field(default_factory=list)
    #: Nodes already on a road, for places across the river to join.
    on_road: list[Xy] = field(default_factory=list)
    #: The river's name, and how many bridges cross it (each is named after it).
    river_name: str = ""
    bridges: int = 0


def write_roads(units: gpd.GeoDataFrame, path: Path, seed: int) -> Path:
    """Write the network of the county `units` (EPSG:4326) to `path` (.osm.pbf)."""
    center = area_center(units.geometry.to_numpy())
    metric = units.assign(geometry=to_equal_area(units.geometry.to_numpy(), center))
    plan = plan_roads(metric, np.random.default_rng(seed))
    _write(plan, center, path)
    return path


def plan_roads(units: gpd.GeoDataFrame, rng: np.random.Generator) -> Plan:
    """The network of the county `units` (geometries in metres)."""
    seats = {
        code: _xy(g.representative_point())
        for code, g in zip(units.code, units.geometry, strict=True)
    }
    by_level = {lvl: units[units.level == lvl] for lvl in (vocab.TOWNSHIP, vocab.VILLAGE)}
    county = units[units.level == vocab.COUNTY].iloc[0]
    river, river_name = _river(county.geometry, rng), f"{county['name'][:-1]}河"
    plan = Plan(river_name=river_name)
    plan.ways.append(([_xy(c) for c in river.coords], {"waterway": "river", "name": river_name}))
    townships = list(by_level[vocab.TOWNSHIP].code)
    children = _children(units)
    _county_road(plan, [seats[c] for c in townships], river)
    for code, name in zip(
        by_level[vocab.TOWNSHIP].code, by_level[vocab.TOWNSHIP].name, strict=True
    ):
        villages = children.get(code, [])
        tags = {"highway": "unclassified", "ref": f"Y{code[-3:]}", "maxspeed": "40"}
        _tree(plan, [seats[code]] + [seats[v] for v in villages], river, tags)
        # A 镇 is a town; a 乡 a township, as OpenStreetMap tags them in China.
        kind = "town" if str(name).endswith("镇") else "township"
        plan.places.append((seats[code], _named(kind, name)))
    for code, name in zip(by_level[vocab.VILLAGE].code, by_level[vocab.VILLAGE].name, strict=True):
        members = [seats[g] for g in children.get(code, [])]
        _tree(plan, [seats[code]] + members, river, VILLAGE_ROAD)
        plan.places.append((seats[code], _named("village", name)))
    _county_seat(plan, units, seats, str(county["name"]))
    _ferry(plan, [seats[v] for v in by_level[vocab.VILLAGE].code], river, river_name)
    return plan


def _children(units: gpd.GeoDataFrame) -> dict[str, list[str]]:
    """The codes of each unit's children, by code."""
    children: dict[str, list[str]] = {}
    for code in units.code:
        parent = vocab.parent_of(code)
        if parent is not None:
            children.setdefault(parent, []).append(code)
    return children


def _river(outline: BaseGeometry, rng: np.random.Generator) -> shapely.LineString:
    """A gently meandering line from beyond the west edge to beyond the east edge, through
    the middle of the county."""
    minx, miny, maxx, maxy = outline.bounds
    _, middle_y = _xy(outline.representative_point())
    x = np.linspace(minx - 3000, maxx + 3000, 240)
    phase, wave = rng.uniform(0, 2 * np.pi), (maxx - minx) / rng.uniform(1.2, 1.8)
    y = middle_y + 0.06 * (maxy - miny) * np.sin(2 * np.pi * (x - minx) / wave + phase)
    return shapely.LineString(np.column_stack([x, y]))


def _county_road(plan: Plan, seats: list[Xy], river: shapely.LineString) -> None:
    """The county road's tree over the township seats, with a few more bridges spaced apart."""
    edges, across = _spanning_edges(seats, river)
    bridges = [e for e in edges if across[e]]
    pairs = sorted(
        (_length(seats[i], seats[j]), (i, j)) for (i, j), a in across.items() if a and i < j
    )
    for _, edge in pairs:
        if len(bridges) > EXTRA_BRIDGES:
            break
        if edge in edges:
            continue
        if _single_crossing(seats, edge, river) and _apart(seats, edge, bridges, river):
            bridges.append(edge)
            edges.append(edge)
    for i, j in edges:
        _road(plan, seats[i], seats[j], river, COUNTY_ROAD)


def _tree(plan: Plan, points: list[Xy], river: shapely.LineString, tags: dict) -> None:
    """The shortest tree over `points` (the first is its seat, already on the network); where
    it would cross the river, the places on the far bank join the nearest road on their own
    bank instead (or, with none there, the nearest road on a bridge)."""
    edges, across = _spanning_edges(points, river)
    kept = [e for e in edges if not across[e]]
    parts = DisjointSet(range(len(points)))
    for i, j in kept:
        parts.merge(i, j)
    # The seat's part first: a far part may join only nodes already joined to the network.
    for subset in sorted(parts.subsets(), key=lambda s: 0 not in s):
        members = [points[k] for k in sorted(subset)]
        if 0 not in subset and not _join(plan, members, river, tags, across_river=False):
            _join(plan, members, river, tags, across_river=True)
        for i, j in kept:
            if i in subset:
                _road(plan, points[i], points[j], river, tags)


def _join(
    plan: Plan, points: list[Xy], river: shapely.LineString, tags: dict, across_river: bool
) -> bool:
    """Join one of `points` to the nearest road node, without crossing the river unless
    `across_river`; False when no node is near enough."""
    network = np.asarray(plan.on_road)
    k = min(64, len(network))
    distances, nearest = cKDTree(network).query(np.asarray(points), k=k)
    distances, nearest = distances.reshape(len(points), k), nearest.reshape(len(points), k)
    for flat in np.argsort(distances, axis=None):
        p, n = divmod(int(flat), k)
        start, end = points[p], _xy(network[nearest[p, n]])
        if across_river or not shapely.LineString([start, end]).intersects(river):
            _road(plan, start, end, river, tags)
            return True
    return False


def _spanning_edges(
    points: list[Xy], river: shapely.LineString
) -> tuple[list[tuple[int, int]], dict[tuple[int, int], bool]]:
    """Edges (i < j) of the shortest tree over `points` that crosses the river least, and
    whether each pair of points lies across the river."""
    xy = np.asarray(points)
    n = len(xy)
    i, j = np.triu_indices(n, 1)
    segments = shapely.linestrings(np.stack([xy[i], xy[j]], axis=1))
    across_pairs = np.atleast_1d(shapely.intersects(segments, river))
    weights = np.zeros((n, n))
    # Zero means "no edge" to scipy: coincident points are a hair apart.
    weights[i, j] = np.hypot(*(xy[i] - xy[j]).T) + 1e-6 + across_pairs * _ACROSS
    tree = minimum_spanning_tree(weights).tocoo()
    across = {(int(a), int(b)): bool(c) for a, b, c in zip(i, j, across_pairs, strict=True)}
    edges = sorted(
        (int(min(a, b)), int(max(a, b))) for a, b in zip(tree.row, tree.col, strict=True)
    )
    return edges, across


def _road(plan: Plan, start: Xy, end: Xy, river: shapely.LineString, tags: dict) -> None:
    """A straight road from `start` to `end`, on a bridge where it crosses the river."""
    line = shapely.LineString([start, end])
    meets = shapely.get_coordinates(line.intersection(river))
    crossings = sorted(line.project(shapely.Point(xy)) for xy in meets)
    stops = [0.0]
    for at in crossings:
        stops += [max(at - BRIDGE_HALF_M, stops[-1]), min(at + BRIDGE_HALF_M, line.length)]
    stops.append(line.length)
    for k in range(len(stops) - 1):
        a, b = _xy(line.interpolate(stops[k])), _xy(line.interpolate(stops[k + 1]))
        if a == b:
            continue
        extra = {}
        if k % 2 == 1:  # on a bridge
            plan.bridges += 1
            extra = {"bridge": "yes", "layer": "1", "name": f"{plan.river_name}{plan.bridges}号桥"}
        plan.ways.append(([a, b], {**tags, **extra}))
        plan.on_road += [a, b]


def _county_seat(plan: Plan, units: gpd.GeoDataFrame, seats: dict[str, Xy], name: str) -> None:
    """The county seat, a short street from the township seat nearest the county's middle."""
    township_codes = list(units.code[units.level == vocab.TOWNSHIP])
    middle = _xy(units.geometry[units.level == vocab.COUNTY].iloc[0].representative_point())
    nearest = min(township_codes, key=lambda c: _length(seats[c], middle))
    x, y = seats[nearest]
    seat = (x + 300.0, y)
    river = shapely.LineString(plan.ways[0][0])
    _road(plan, seats[nearest], seat, river, {**COUNTY_ROAD, "name": f"{name[:-1]}大道"})
    plan.places.append((seat, {**_named("county", name), "capital": "6"}))


def _ferry(plan: Plan, villages: list[Xy], river: shapely.LineString, river_name: str) -> None:
    """A ferry between the two closest villages on opposite banks."""
    _, across = _spanning_edges(villages, river)
    pairs = sorted((_length(villages[i], villages[j]), (i, j)) for (i, j), a in across.items() if a)
    for _, (i, j) in pairs:
        if _single_crossing(villages, (i, j), river):
            tags = {"route": "ferry", "name": f"{river_name}渡口"}
            plan.ways.append(([villages[i], villages[j]], tags))
            return


def _single_crossing(points: list[Xy], edge: tuple[int, int], river: shapely.LineString) -> bool:
    line = shapely.LineString([points[edge[0]], points[edge[1]]])
    return line.intersection(river).geom_type == "Point"


def _apart(
    points: list[Xy], edge: tuple[int, int], bridges: list[tuple[int, int]],
    river: shapely.LineString,
) -> bool:  # fmt: skip
    """True when the edge crosses the river BRIDGE_SPACING_M or more from every bridge."""
    at = shapely.LineString([points[edge[0]], points[edge[1]]]).intersection(river)
    return all(
        at.distance(shapely.LineString([points[a], points[b]]).intersection(river))
        >= BRIDGE_SPACING_M
        for a, b in bridges
    )


def _named(place: str, name: str) -> dict[str, str]:
    return {"place": place, "name": name, "name:zh": name}


def _xy(point: shapely.Point | Iterable) -> Xy:
    x, y = (point.x, point.y) if isinstance(point, shapely.Point) else point
    return (float(x), float(y))


def _length(a: Xy, b: Xy) -> float:
    return float(np.hypot(a[0] - b[0], a[1] - b[1]))


def _write(plan: Plan, center: tuple[float, float], path: Path) -> None:
    """Write the plan's nodes (shared where ways meet), places and ways as .osm.pbf."""
    ids: dict[Xy, int] = {}
    for vertices, _ in plan.ways:
        for xy in vertices:
            ids.setdefault(_key(xy), len(ids) + 1)
    for xy, _ in plan.places:
        ids.setdefault(_key(xy), len(ids) + 1)
    metric = shapely.points(np.asarray(list(ids), dtype=float).reshape(-1, 2))
    lonlat = shapely.get_coordinates(from_equal_area(metric, center))  # type: ignore[arg-type]
    place_tags = {_key(xy): tags for xy, tags in plan.places}
    path.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(path))
    try:
        for (key, node_id), (lon, lat) in zip(ids.items(), lonlat, strict=True):
            location = (round(float(lon), 7), round(float(lat), 7))
            writer.add_node(Node(id=node_id, location=location, tags=place_tags.get(key, {})))
        for way_id, (vertices, tags) in enumerate(plan.ways, start=1):
            writer.add_way(Way(id=way_id, nodes=[ids[_key(xy)] for xy in vertices], tags=tags))
    finally:
        writer.close()


def _key(xy: Xy) -> Xy:
    """Vertices within a centimetre are one node."""
    return (round(xy[0], 2), round(xy[1], 2))
