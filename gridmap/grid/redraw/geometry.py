"""Boundary edits as pure geometry: moving a shared border, splitting, merging, cascading.

Every operation redistributes area that already belongs to the units involved, so the
union of the units is unchanged: no edit made here can open a gap or an overlap with
units that are not part of it.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import split as split_by_line

from gridmap.grid.redraw.problems import EditRefused

#: Pieces smaller than this (in square degrees, ~0.1 m² here) are numerical dust.
DUST_DEG2 = 1e-11


#: Map pages get coordinates rounded to 6 decimals (under 0.1 m); a vertex sent back this
#: close to a current vertex is that vertex, or every edit would leave slivers along borders.
SNAP_DEG = 1e-6


def snap_to_vertices(geom: BaseGeometry, references: list[BaseGeometry]) -> BaseGeometry:
    """`geom` with each vertex within SNAP_DEG of a vertex, else a border, of `references` on it."""
    points = shapely.MultiPoint(shapely.get_coordinates(references))
    snapped = shapely.snap(geom, points, SNAP_DEG)
    borders = shapely.union_all(shapely.boundary(references))

    def onto_borders(coords: np.ndarray) -> np.ndarray:
        vertices = np.asarray(shapely.points(coords), dtype=object)
        gap = shapely.distance(vertices, borders)
        near = (gap > 0) & (gap < SNAP_DEG)
        if near.any():
            nearest = shapely.get_point(shapely.shortest_line(vertices[near], borders), 1)
            coords = coords.copy()
            coords[near] = shapely.get_coordinates(nearest)
        return coords

    return shapely.transform(snapped, onto_borders)


def snap_line(line: shapely.LineString, references: list[BaseGeometry]) -> shapely.LineString:
    """`line` with its vertices snapped like snap_to_vertices (a page sends them rounded)."""
    return shapely.LineString(shapely.get_coordinates(snap_to_vertices(line, references)))


def polygonal(geom: BaseGeometry) -> shapely.MultiPolygon:
    """The polygonal part of `geom` as a MultiPolygon (dust removed)."""
    parts = [
        p
        for p in shapely.get_parts(shapely.get_parts(geom))
        if isinstance(p, shapely.Polygon) and p.area > DUST_DEG2
    ]
    return shapely.MultiPolygon(parts)


def pieces_along(area: BaseGeometry, line: shapely.LineString) -> list[shapely.Polygon]:
    """Cut `area` along `line` into polygons; the line must cross it from edge to edge."""
    # make_valid may hand back a collection (a polygon plus a stray line), which split
    # refuses; only the polygonal part is area to share out.
    whole = polygonal(shapely.make_valid(area))
    pieces = [p for p in shapely.get_parts(split_by_line(whole, line))]
    polygons = [p for p in pieces if isinstance(p, shapely.Polygon) and p.area > DUST_DEG2]
    if len(polygons) < 2:
        raise EditRefused("line_not_across")
    return polygons


def move_border(
    a: BaseGeometry, b: BaseGeometry, line: shapely.LineString
) -> tuple[shapely.MultiPolygon, shapely.MultiPolygon]:
    """Redraw the border between neighbours a and b along `line`; return their new shapes.

    The two shapes together are cut along the line; each piece goes to the unit that held
    most of it before, so whatever one gains the other gives up.
    """
    if shapely.length(shapely.intersection(a.boundary, b.boundary)) <= 0:
        raise EditRefused("not_neighbours")
    together = shapely.union(a, b)
    to_a: list[shapely.Polygon] = []
    to_b: list[shapely.Polygon] = []
    for piece in pieces_along(together, line):
        overlap_a = shapely.area(shapely.intersection(piece, a))
        overlap_b = shapely.area(shapely.intersection(piece, b))
        (to_a if overlap_a >= overlap_b else to_b).append(piece)
    if not to_a or not to_b:
        raise EditRefused("border_takes_all")
    return polygonal(shapely.union_all(to_a)), polygonal(shapely.union_all(to_b))


def split_in_two(
    geom: BaseGeometry, line: shapely.LineString
) -> tuple[shapely.MultiPolygon, shapely.MultiPolygon]:
    """Split a unit along `line`: (the larger part, which keeps the code; the other part)."""
    pieces = sorted(pieces_along(geom, line), key=lambda p: p.area, reverse=True)
    if len(pieces) != 2:
        raise EditRefused("split_parts", parts=len(pieces))
    return polygonal(pieces[0]), polygonal(pieces[1])


def merge(a: BaseGeometry, b: BaseGeometry) -> shapely.MultiPolygon:
    """The union of two neighbouring units (they must share a border, not just a corner)."""
    if shapely.length(shapely.intersection(a.boundary, b.boundary)) <= 0:
        raise EditRefused("merge_not_neighbours")
    return polygonal(shapely.union(a, b))


def shared_edge_length(a: BaseGeometry, b: BaseGeometry) -> float:
    """Length of the border two shapes share (in the shapes' units)."""
    return float(shapely.length(shapely.intersection(a.boundary, b.boundary)))
