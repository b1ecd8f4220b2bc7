"""Deterministic fictional sample county 青岚县: a gap-free four-level grid built bottom-up.

Villager groups are Voronoi cells of settlement points, clipped to an irregular county
outline in a metric CRS; villages are contiguous clusters of groups and townships contiguous
clusters of villages. Groups are reprojected to EPSG:4326 first and every parent is the
coverage union of its children there, so each level tiles the county exactly and neighbours
share identical edge coordinates.

Run ``python -m gridmap.sample.county [-o geodata/sample-county.gpkg] [--seed 2023]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import Geod, Transformer
from scipy.cluster.vq import kmeans2
from scipy.spatial import cKDTree

from gridmap.core import vocab
from gridmap.sample import cells, names

COUNTY_CODE = "341890"
COUNTY_NAME = "青岚县"
METRIC_CRS = "EPSG:32650"  # UTM 50N; its central meridian 117°E crosses the county
CENTRE_LONLAT = (117.30, 30.05)  # southern Anhui hills
UNITS_LAYER = "units"
MIN_GROUPS_PER_VILLAGE = 4
MIN_VILLAGES_PER_TOWNSHIP = 7
LEVEL_NAMES = vocab.LEVEL_NAMES


@dataclass(frozen=True)
class CountySpec:
    """How big a county to generate; the defaults match the county of the 2023 work report."""

    townships: int = 15
    towns: int = 10  # townships that are 镇 (codes 1xx); the others are 乡 (codes 2xx)
    villages: int = 237
    groups: tuple[int, int] = (2150, 2450)
    area_km2: tuple[float, float] = (2750.0, 3050.0)
    #: "round": an irregular, slightly oblong outline; "waisted": an elongated one whose two
    #: lobes meet at a narrow waist, as many real counties along a valley or a coast.
    shape: str = "round"


def build_county(seed: int = 2023, spec: CountySpec | None = None) -> gpd.GeoDataFrame:
    """Return the county's units (code, name, level, parent, geometry) in EPSG:4326, the county's
    parent missing; same seed and spec, same result."""
    spec = spec or CountySpec()
    rng = np.random.default_rng(seed)
    to_m = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    outline = _outline(rng, spec, to_m.transform(*CENTRE_LONLAT))
    rivers = cells.rivers_m(rng, outline)
    # The county seat sits in the valley nearest the middle of the county.
    seat_xy = shapely.get_coordinates(shapely.shortest_line(outline.centroid, rivers))[1]
    dens_fn = partial(cells.density, rivers=rivers, seat_xy=seat_xy)
    hubs = cells.hubs_m(rng, outline, dens_fn, spec.villages)
    n_groups = int(rng.integers(spec.groups[0], spec.groups[1], endpoint=True))
    seeds, hub_of = cells.group_seeds_m(rng, outline, hubs, dens_fn(hubs), n_groups)
    groups_m = cells.voronoi_cells_m(seeds, outline)
    pairs = cells.adjacent_pairs(groups_m)
    # Each hub is the first seed of its run, so villages grow from the hubs.
    village_of = cells.partition(seeds, pairs, np.searchsorted(hub_of, np.arange(len(hubs))))
    village_of = cells.grow_small(village_of, pairs, seeds, MIN_GROUPS_PER_VILLAGE)
    township_of = _cluster_villages(rng, spec.townships, hubs, village_of, pairs)
    seat_village = village_of[np.argmin(np.hypot(*(seeds - seat_xy).T))]
    order = _Order(rng, spec, hubs, seeds, village_of, township_of, seat_village)
    return _assemble(order, groups_m, village_of, township_of)


def _outline(rng: np.random.Generator, spec: CountySpec, centre_xy) -> shapely.Polygon:
    """The county's outline in metres, of the spec's shape and an area within its range."""
    area_m2 = rng.uniform(*spec.area_km2) * 1e6
    if spec.shape == "round":
        return cells.outline_m(rng, area_m2, centre_xy)
    if spec.shape == "waisted":
        return cells.waisted_outline_m(rng, area_m2, centre_xy)
    raise ValueError(f"a county's shape is round or waisted, not {spec.shape!r}")


def _cluster_villages(
    rng: np.random.Generator, k: int, hubs: np.ndarray, village_of: np.ndarray, pairs
) -> np.ndarray:
    """Return the township index of each village: k contiguous clusters of similar size."""
    vi, vj = village_of[pairs[0]], village_of[pairs[1]]
    cross = vi != vj
    links = np.unique(np.sort(np.column_stack([vi[cross], vj[cross]]), axis=1), axis=0)
    centroids, _ = kmeans2(hubs, k, minit="++", seed=rng)
    # The village nearest each k-means centre seeds a township; no village seeds two.
    _, near = cKDTree(hubs).query(centroids, k=min(len(hubs), 12))
    seeds: list[int] = []
    for row in near:
        seeds.append(next(int(v) for v in row if v not in seeds))
    v_pairs = (links[:, 0], links[:, 1])
    township_of = cells.partition(hubs, v_pairs, np.array(seeds))
    return cells.grow_small(township_of, v_pairs, hubs, MIN_VILLAGES_PER_TOWNSHIP)


class _Order:
    """Codes and names: townships, villages and groups numbered outward from their centres."""

    def __init__(self, rng, spec, hubs, seeds, village_of, township_of, seat_village):
        self.rng, self.taken = rng, set[str]()
        group_count = np.bincount(village_of, minlength=len(hubs))
        t_groups = np.bincount(township_of, weights=group_count, minlength=spec.townships)
        seat_t = township_of[seat_village]
        # The seat township is 100; then towns by population, then the smaller 乡.
        t_rank = sorted(range(spec.townships), key=lambda t: (t != seat_t, -t_groups[t], t))
        self._number_townships(t_rank, spec.towns)
        self.village_code: dict[int, str] = {}
        self.village_name: dict[int, str] = {}
        for t in t_rank:
            members = np.flatnonzero(township_of == t)
            centre = seat_village if t == seat_t else members[np.argmax(group_count[members])]
            self._number_villages(self.township_code[t], members, hubs, hubs[centre])
        self.group_code = np.empty(len(seeds), dtype=object)
        self.group_name = np.empty(len(seeds), dtype=object)
        for v in sorted(self.village_code, key=lambda v: self.village_code[v]):
            self._number_groups(
                self.village_code[v], np.flatnonzero(village_of == v), seeds, hubs[v]
            )

    def _number_townships(self, t_rank: list[int], towns: int) -> None:
        """Code the first `towns` townships as 镇 100, 101, … and the rest as 乡 200, 201, …"""
        self.township_code: dict[int, str] = {}
        self.township_name: dict[int, str] = {}
        stems = names.place_names(self.rng, len(t_rank), self.taken)
        for r, (t, stem) in enumerate(zip(t_rank, stems, strict=True)):
            self.township_code[t] = f"{COUNTY_CODE}{100 + r if r < towns else 200 + r - towns}"
            self.township_name[t] = stem + ("镇" if r < towns else "乡")

    def _number_villages(self, prefix: str, members, hubs, centre_xy) -> None:
        """Code a township's villages 200, 201, … (村委会 series) from its centre outward."""
        members = members[np.argsort(np.hypot(*(hubs[members] - centre_xy).T), kind="stable")]
        stems = names.place_names(self.rng, len(members), self.taken)
        for k, (v, stem) in enumerate(zip(members, stems, strict=True)):
            self.village_code[v] = f"{prefix}{200 + k}"
            self.village_name[v] = stem + "村"

    def _number_groups(self, prefix: str, members, seeds, centre_xy) -> None:
        """Code a village's groups 001, 002, … from the village centre outward."""
        members = members[np.argsort(np.hypot(*(seeds[members] - centre_xy).T), kind="stable")]
        self.group_name[members] = names.group_names(self.rng, len(members))
        self.group_code[members] = [f"{prefix}{k:03d}" for k in range(1, 1 + len(members))]


def _to_4326(geoms_m: np.ndarray) -> np.ndarray:
    """Reproject metric geometries to EPSG:4326 point by point (equal input, equal output)."""
    tr = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    return shapely.transform(geoms_m, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def _as_multi(geom: shapely.Geometry) -> shapely.MultiPolygon:
    """Return geom as a MultiPolygon (single polygons become one-part multipolygons)."""
    return shapely.MultiPolygon(list(shapely.get_parts(geom)))


def _assemble(order: _Order, groups_m, village_of, township_of) -> gpd.GeoDataFrame:
    """Return the GeoDataFrame of all four levels, parents unioned from children in EPSG:4326."""
    groups = _to_4326(groups_m)
    v_ids = sorted(order.village_code, key=lambda v: order.village_code[v])
    villages = {v: shapely.coverage_union_all(groups[village_of == v]) for v in v_ids}
    t_ids = sorted(order.township_code, key=lambda t: order.township_code[t])
    townships = {
        t: shapely.coverage_union_all([villages[v] for v in v_ids if township_of[v] == t])
        for t in t_ids
    }
    county = shapely.coverage_union_all(list(townships.values()))
    rows: list[tuple[str, str, int, str | None, shapely.Geometry]]
    rows = [(COUNTY_CODE, COUNTY_NAME, vocab.COUNTY, None, county)]
    rows += [
        (order.township_code[t], order.township_name[t], vocab.TOWNSHIP, COUNTY_CODE, townships[t])
        for t in t_ids
    ]
    rows += [
        (
            order.village_code[v],
            order.village_name[v],
            vocab.VILLAGE,
            order.township_code[township_of[v]],
            villages[v],
        )
        for v in v_ids
    ]
    rows += [
        (code, name, vocab.GROUP, vocab.unit_at(code, vocab.VILLAGE), geom)
        for code, name, geom in zip(order.group_code, order.group_name, groups, strict=True)
    ]
    units = gpd.GeoDataFrame(
        [r[:4] for r in rows],
        columns=["code", "name", "level", "parent"],
        geometry=[_as_multi(r[4]) for r in rows],
        crs="EPSG:4326",
    )
    return units.sort_values(["level", "code"], ignore_index=True)


def geodesic_area_km2(geom_4326: shapely.Geometry) -> float:
    """Return the area of an EPSG:4326 (multi)polygon on the WGS84 ellipsoid, in km²."""
    area_m2, _ = Geod(ellps="WGS84").geometry_area_perimeter(geom_4326)
    return abs(area_m2) / 1e6


def check_county(units: gpd.GeoDataFrame) -> list[str]:
    """Return the grid's topology problems; empty when each level is a valid, gap-free coverage
    exactly nested in its parents."""
    problems: list[str] = []
    for level, name in LEVEL_NAMES.items():
        geoms = units.geometry[units.level == level].to_numpy()
        if not shapely.is_valid(geoms).all():
            problems.append(f"{name} level: invalid polygons")
        if not shapely.coverage_is_valid(geoms):
            problems.append(f"{name} level: overlaps or mismatched shared edges")
    county = units.geometry[units.level == vocab.COUNTY]
    if len(county) != 1 or shapely.get_num_interior_rings(county.iloc[0].geoms[0]) != 0:
        problems.append("the county must be one unit without holes")
    by_code = dict(zip(units.code, units.level, strict=True))
    for code, level, parent in zip(units.code, units.level, units.parent, strict=True):
        if level > vocab.COUNTY and (
            by_code.get(parent) != level - 1 or not code.startswith(parent)
        ):
            problems.append(f"{code}: parent {parent} missing or not its prefix")
    metric = units.to_crs(METRIC_CRS).set_index("code")
    children = metric.dropna(subset=["parent"]).groupby("parent").geometry
    for parent, geoms in children:
        union = shapely.union_all(geoms.to_numpy())
        diff_m2 = shapely.symmetric_difference(union, metric.geometry[parent]).area
        if diff_m2 >= 1.0:
            problems.append(f"{parent}: children differ from it by {diff_m2:.1f} m²")
    return problems


def write_county(units: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write units (code, name, level, geometry) as the only layer 'units' of a new GeoPackage."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    # A fixed timestamp in the GeoPackage metadata keeps the file byte-identical across runs.
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2023-07-01T00:00:00.000Z"})
    try:
        pyogrio.write_dataframe(
            units[["code", "name", "level", "geometry"]].astype({"level": "int32"}),
            path,
            layer=UNITS_LAYER,
            driver="GPKG",
        )
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    return path


def read_county(path: str | Path) -> gpd.GeoDataFrame:
    """Read a GeoPackage written by write_county, with the parent column restored from codes."""
    units = pyogrio.read_dataframe(path, layer=UNITS_LAYER)
    units["level"] = units.level.astype("int64")  # as build_county makes it
    units["parent"] = [vocab.parent_of(code) for code in units.code]
    return units[["code", "name", "level", "parent", "geometry"]]


def main(argv: list[str] | None = None) -> int:
    """Build, check and write the sample county; print a JSON summary; return an exit code."""
    parser = argparse.ArgumentParser(prog="python -m gridmap.sample.county", description=__doc__)
    parser.add_argument("-o", "--output", default="geodata/sample-county.gpkg")
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    units = build_county(args.seed)
    build_s = time.perf_counter() - started
    problems = check_county(units)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    path = write_county(units, args.output)
    summary = {
        "path": str(path),
        "seed": args.seed,
        "build_s": round(build_s, 1),
        "counts": {
            LEVEL_NAMES[k]: int(v) for k, v in units.level.value_counts().sort_index().items()
        },
        "area_km2": round(
            geodesic_area_km2(units.geometry[units.level == vocab.COUNTY].iloc[0]), 1
        ),
        "bytes": path.stat().st_size,
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
