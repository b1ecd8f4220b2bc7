"""Topology report of a four-level grid: validity, nesting, sibling overlaps, gaps and codes."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from gridmap.core import vocab
from gridmap.core.errors import BadInput
from gridmap.geo.areas import area_center, areas_m2
from gridmap.geo.crs import to_wgs84

RULES = ("invalid_geometry", "outside_parent", "overlap", "gap", "bad_code", "empty")
CODE_LENGTHS = vocab.CODE_LENGTH
LEVEL_NAMES = vocab.LEVEL_NAMES

_LEVELS_PHRASE = ", ".join(map(str, vocab.LEVELS[:-1])) + f" or {vocab.LEVELS[-1]}"
_POLYGON_TYPES = (3, 6)  # shapely type ids of Polygon and MultiPolygon
# Gap pieces are computed geometries whose edges only nearly meet the children: ~1 cm slack.
_TOUCH_DEG = 1e-7
_REASON_POINT = re.compile(r"\[(\S+) (\S+)\]")
_DIGITS = re.compile(r"[0-9]+")

Violation = dict[str, Any]


@dataclass
class _Grid:
    codes: NDArray[np.object_]
    levels: NDArray[np.int64]  # 0 where the level is not 1..4
    geoms: NDArray[np.object_]  # polygonal, repaired if invalid, empty if unusable
    placed: NDArray[np.bool_]  # code agrees with level and the shape is usable: checked units
    parent: NDArray[np.int64]  # index of the parent unit, -1 if absent
    flagged: NDArray[np.bool_]  # some edge breaks the polygonal coverage of its level
    center: tuple[float, float]
    tolerance_m2: float


def empty_report() -> dict:
    """Return a report with no violations: ok, all six rule counts zero."""
    return {"ok": True, "counts": {rule: 0 for rule in RULES}, "violations": []}


def validate_units(units: gpd.GeoDataFrame, tolerance_m2: float = 1.0) -> dict:
    """Check units (code, name, level, geometry in EPSG:4326) and return the topology report."""
    missing = {"code", "level"} - set(units.columns)
    if missing:
        raise BadInput(f"grid units need the columns code and level; missing: {sorted(missing)}")
    if units.crs is not None and units.crs.to_epsg() not in (4326, 4490):
        units = to_wgs84(units, None)
    codes = units["code"].astype("string").fillna("").str.strip().to_numpy(dtype=object)
    raw_levels = pd.to_numeric(units["level"], errors="coerce").to_numpy(dtype=float)
    levels = np.where(np.isin(raw_levels, list(CODE_LENGTHS)), raw_levels, 0).astype(np.int64)
    raw = np.asarray(units.geometry.to_numpy(), dtype=object)
    violations = _empty_and_invalid(codes, levels, raw)
    violations += _bad_codes(codes, levels, units["level"].tolist())
    grid = _build(codes, levels, _repair(raw), tolerance_m2)
    fam = _families(grid)
    violations += _overlaps(grid) + _outside_parent(grid, fam) + _gaps(grid, fam)
    return _report(violations)


def _violation(rule: str, level: int, codes: list[str], area_m2: float | None, detail: str,
               geom: shapely.Geometry | None = None) -> Violation:  # fmt: skip
    return {
        "rule": rule,
        "level": int(level) if level else None,
        "codes": [str(c) for c in codes],
        "area_m2": None if area_m2 is None else round(float(area_m2), 2),
        "detail": detail,
        "geometry": None if geom is None else json.loads(shapely.to_geojson(geom)),
    }


def _report(violations: list[Violation]) -> dict:
    violations.sort(key=lambda v: (RULES.index(v["rule"]), v["level"] or 0, v["codes"]))
    counts = Counter(v["rule"] for v in violations)
    return {
        "ok": not violations,
        "counts": {rule: counts.get(rule, 0) for rule in RULES},
        "violations": violations,
    }


def _empty_and_invalid(codes: NDArray, levels: NDArray, raw: NDArray) -> list[Violation]:
    out = []
    blank = shapely.is_missing(raw) | shapely.is_empty(raw)
    polygonal = np.isin(shapely.get_type_id(raw), _POLYGON_TYPES)
    for i in np.flatnonzero(blank):
        out.append(_violation("empty", levels[i], [codes[i]], None, f"{codes[i]} has no geometry"))
    for i in np.flatnonzero(~blank & ~polygonal):
        detail = f"not a polygon but a {raw[i].geom_type}"
        out.append(_violation("invalid_geometry", levels[i], [codes[i]], None, detail))
    for i in np.flatnonzero(~blank & polygonal & ~shapely.is_valid(raw)):
        reason = shapely.is_valid_reason(raw[i])
        out.append(
            _violation("invalid_geometry", levels[i], [codes[i]], None, reason, _where(reason))
        )
    return out


def _where(reason: str) -> shapely.Point | None:
    match = _REASON_POINT.search(reason)
    try:
        return shapely.Point(float(match[1]), float(match[2])) if match else None
    except ValueError:
        return None


def _repair(raw: NDArray) -> NDArray[np.object_]:
    geoms = raw.copy()
    usable = ~shapely.is_missing(raw) & np.isin(shapely.get_type_id(raw), _POLYGON_TYPES)
    geoms[~usable] = shapely.Polygon()
    broken = np.flatnonzero(usable & ~shapely.is_valid(raw))
    # Later rules still need an area to work with, so check the repaired shape.
    fixed = shapely.make_valid(raw[broken], method="structure", keep_collapsed=False)
    pieces, owner = _pieces(fixed)
    for k, i in enumerate(broken):
        geoms[i] = shapely.union_all(pieces[owner == k])
    return geoms


def _pieces(geoms: NDArray) -> tuple[NDArray[np.object_], NDArray[np.int64]]:
    """Split geometries into their polygons, with the index of the geometry each came from."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    # A collection may hold multipolygons, so split a second time.
    parts, sub = shapely.get_parts(parts, return_index=True)
    keep = shapely.get_type_id(parts) == 3
    return parts[keep], owner[sub][keep]


def _bad_codes(codes: NDArray, levels: NDArray, raw_levels: list) -> list[Violation]:
    out = []
    seen: Counter[str] = Counter()
    present = set(levels[levels > 0].tolist())
    at_level = {lv: set(codes[levels == lv].tolist()) for lv in present}
    for code, level, raw_level in zip(codes, levels, raw_levels, strict=True):
        seen[code] += 1
        problem = _code_problem(code, int(level), raw_level)
        if problem is None and seen[code] > 1:
            problem = f"code {code} is used by more than one unit"
        if problem is None and level > vocab.COUNTY and level - 1 in present:
            if vocab.parent_of(code) not in at_level[level - 1]:
                name = LEVEL_NAMES[level - 1]
                problem = f"parent {name} {vocab.parent_of(code)} of {code} is not in the grid"
        if problem:
            out.append(_violation("bad_code", level, [code], None, problem))
    return out


def _code_problem(code: str, level: int, raw_level: object) -> str | None:
    if not level:
        return f"level of {code or 'a unit'} is {raw_level!r}; it must be {_LEVELS_PHRASE}"
    if not code:
        return f"a {LEVEL_NAMES[level]} has no code"
    if not _DIGITS.fullmatch(code):
        return f"code {code!r} must consist of digits only"
    if len(code) != CODE_LENGTHS[level]:
        want = CODE_LENGTHS[level]
        return f"a {LEVEL_NAMES[level]} code has {want} digits, but {code} has {len(code)}"
    return None


def _build(codes: NDArray, levels: NDArray, geoms: NDArray, tolerance_m2: float) -> _Grid:
    placed = np.array(
        [lv > 0 and bool(_DIGITS.fullmatch(c)) and len(c) == CODE_LENGTHS[lv]
         for c, lv in zip(codes, levels, strict=True)], dtype=bool,
    )  # fmt: skip
    index: dict[tuple[int, str], int] = {}
    for i in np.flatnonzero(placed):
        index.setdefault((int(levels[i]), codes[i]), int(i))
    parent = np.array(
        [index.get((int(lv) - 1, vocab.parent_of(c) or ""), -1) if ok else -1
         for c, lv, ok in zip(codes, levels, placed, strict=True)], dtype=np.int64,
    )  # fmt: skip
    flagged = np.zeros(len(codes), dtype=bool)
    solid = placed & ~shapely.is_empty(geoms)
    for level in CODE_LENGTHS:
        idx = np.flatnonzero(solid & (levels == level))
        if idx.size > 1:
            flagged[idx] = ~shapely.is_empty(shapely.coverage_invalid_edges(geoms[idx]))
    return _Grid(codes, levels, geoms, solid, parent, flagged, area_center(geoms), tolerance_m2)


def _overlaps(grid: _Grid) -> list[Violation]:
    out = []
    siblings = np.array(
        [
            vocab.parent_of(c) or "" if lv > vocab.COUNTY else ""
            for c, lv in zip(grid.codes, grid.levels, strict=True)
        ]
    )
    for level in CODE_LENGTHS:
        idx = np.flatnonzero(grid.placed & (grid.levels == level))
        if not grid.flagged[idx].any():
            continue  # a valid coverage has no overlaps: skip the pairwise intersections
        a, b = shapely.STRtree(grid.geoms[idx]).query(grid.geoms[idx], predicate="intersects")
        i, j = idx[a], idx[b]
        keep = (a < b) & (siblings[i] == siblings[j]) & (grid.flagged[i] | grid.flagged[j])
        i, j = i[keep], j[keep]
        pieces, owner = _pieces(shapely.intersection(grid.geoms[i], grid.geoms[j]))
        area = _piece_areas_m2(pieces, grid)
        for k in np.flatnonzero(area > grid.tolerance_m2):
            pair = sorted([grid.codes[i[owner[k]]], grid.codes[j[owner[k]]]])
            name = LEVEL_NAMES[level]
            detail = f"{name}s {pair[0]} and {pair[1]} overlap by {area[k]:,.1f} m²"
            out.append(_violation("overlap", level, pair, area[k], detail, pieces[k]))
    return out


@dataclass
class _Families:
    parents: NDArray[np.int64]  # parent unit of each family
    members: list[NDArray[np.int64]]  # its children, in input order
    unions: NDArray[np.object_]  # union of the children
    matched: NDArray[np.bool_]  # the union is exactly the parent: no gap, no child outside


def _families(grid: _Grid) -> _Families:
    child = np.flatnonzero(grid.placed & (grid.parent >= 0))
    child = child[grid.placed[grid.parent[child]]]
    child = child[np.argsort(grid.parent[child], kind="stable")]
    parents, starts = np.unique(grid.parent[child], return_index=True)
    members = np.split(child, starts[1:]) if child.size else []
    unions = np.array([_union(grid, kids) for kids in members], dtype=object)
    # Parents are usually dissolved from their children, so an exact match is common and
    # cheap to prove, and it spares the costly differences below.
    matched = shapely.equals_exact(_normal(grid.geoms[parents]), _normal(unions), tolerance=0.0)
    return _Families(parents, members, unions, np.asarray(matched, dtype=bool))


def _normal(geoms: NDArray) -> NDArray[np.object_]:
    # Stores often keep every unit as a MultiPolygon while a union of one part is a Polygon.
    out = np.array(geoms, dtype=object)
    single = np.flatnonzero(shapely.get_type_id(out) == 3)
    out[single] = shapely.multipolygons(out[single], indices=np.arange(single.size))
    return shapely.normalize(out)


def _union(grid: _Grid, kids: NDArray) -> shapely.Geometry:
    if grid.flagged[kids].any():
        return shapely.union_all(grid.geoms[kids])
    # Siblings that form a valid coverage can be merged edge by edge, much faster.
    return shapely.coverage_union_all(grid.geoms[kids])


def _outside_parent(grid: _Grid, fam: _Families) -> list[Violation]:
    out = []
    unmatched = np.flatnonzero(~fam.matched)
    child = np.concatenate([fam.members[f] for f in unmatched] or [np.zeros(0, np.int64)])
    parent = grid.parent[child]
    shapely.prepare(grid.geoms[parent])
    outside = ~shapely.covered_by(grid.geoms[child], grid.geoms[parent])
    child, parent = child[outside], parent[outside]
    pieces, owner = _pieces(shapely.difference(grid.geoms[child], grid.geoms[parent]))
    area = _piece_areas_m2(pieces, grid)
    big = area > grid.tolerance_m2
    for k in np.unique(owner[big]):
        sel = big & (owner == k)
        total = float(area[sel].sum())
        c, p = grid.codes[child[k]], grid.codes[parent[k]]
        detail = f"{total:,.1f} m² of {c} lies outside its parent {p}"
        geom = shapely.union_all(pieces[sel])
        out.append(_violation("outside_parent", grid.levels[child[k]], [c, p], total, detail, geom))
    return out


#: Square metres in a square degree at the equator (scaled by cos(latitude) below).
_M2_PER_DEG2 = 111_320.0**2


def _piece_areas_m2(pieces: NDArray, grid: _Grid) -> NDArray[np.float64]:
    """Areas of overlap or gap pieces; zero for slivers that have no area in lon/lat.

    A sliver along a long edge that is straight in lon/lat has no area, but the edge curves
    once projected, which would give it a phantom area of its own.
    """
    area = areas_m2(pieces, grid.center)
    planar_m2 = shapely.area(pieces) * _M2_PER_DEG2 * np.cos(np.radians(grid.center[1]))
    area[planar_m2 < grid.tolerance_m2] = 0.0
    return area


def _gaps(grid: _Grid, fam: _Families) -> list[Violation]:
    todo = np.flatnonzero(~fam.matched)
    diff = shapely.difference(grid.geoms[fam.parents[todo]], fam.unions[todo])
    pieces, owner = _pieces(diff)
    area = _piece_areas_m2(pieces, grid)
    out = []
    for k in np.flatnonzero(area > grid.tolerance_m2):
        p, kids = fam.parents[todo[owner[k]]], fam.members[todo[owner[k]]]
        near = kids[shapely.dwithin(grid.geoms[kids], pieces[k], _TOUCH_DEG)]
        codes = [grid.codes[p], *sorted(grid.codes[near])]
        name = LEVEL_NAMES[int(grid.levels[p]) + 1]
        detail = f"{area[k]:,.1f} m² of {grid.codes[p]} is in none of its {name}s"
        out.append(_violation("gap", grid.levels[p] + 1, codes, area[k], detail, pieces[k]))
    return out
