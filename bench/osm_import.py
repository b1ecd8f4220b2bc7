"""Benchmark: `gridmap import osm` of a 50 MB OpenStreetMap extract around the demo county.

Prints one JSON object: the import's wall seconds, the peak memory of its process, the size
of the file and the rows it loaded. The extract is synthetic and deterministic: a regional
road lattice, a street grid and buildings in every settlement (the county's villager groups,
its township seats as towns, and settlements as dense in the country around it),
rivers, ponds and a place node for each settlement, over the county and 30 km around. It is
written once with pyosmium and kept under var/bench/. The import runs as a user runs it,
`gridmap import osm FILE --clip CODE --buildings`, in its own process, on a database that
holds the county's grid only.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import shapely
from osmium.osm.mutable import Node, Way

from bench.common import database_url, fresh_database
from bench.startup import gridmap_script
from gridmap.core import vocab
from gridmap.core.config import Config
from gridmap.grid import grids
from gridmap.sample.demo import SAMPLE_FILE

SEED = 2023
DB_NAME = "gridmap_bench_osm_import"
#: Bump whenever the generator changes, so that a cached extract is written anew.
EXTRACT_VERSION = 1
#: The extract covers the county's bounding box and this much around it.
REGION_MARGIN_M = 30_000.0
#: Spacing of the regional road lattice, and shape nodes on each road between junctions.
ROAD_SPACING_M = 1_500.0
SHAPE_NODES = 6
#: Per kind of settlement: mean buildings, their spread (standard deviation) around the
#: middle, streets each way and the streets' spacing.
HOUSES = {"hamlet": 230, "town": 3_000}
SPREAD_M = {"hamlet": 140.0, "town": 600.0}
STREETS = {"hamlet": 4, "town": 14}
STREET_SPACING_M = {"hamlet": 90.0, "town": 100.0}
BUILDING_KINDS = ("house", "residential", "yes", "farm_auxiliary", "school", "commercial")
BUILDING_WEIGHTS = (0.45, 0.25, 0.2, 0.07, 0.01, 0.02)
#: Rivers across the region, and the share of hamlets with a pond.
RIVERS = 6
POND_SHARE = 0.4
#: Objects per edit (consecutive ids sharing a changeset and time), and when edits were made.
EDIT_SIZE = 64
FIRST_EDIT_S = 1_262_304_000  # 2010-01-01
LAST_EDIT_S = 1_735_689_600  # 2025-01-01
#: Metres per degree of latitude (and of longitude at the equator).
M_PER_DEG = 111_320.0
Tags = dict[str, str]


@dataclass(frozen=True)
class Region:
    """The extract's box in metres (west, south, east, north) from `middle` (lon, lat)."""

    box_m: np.ndarray
    middle: np.ndarray

    def to_metres(self, lonlat: np.ndarray) -> np.ndarray:
        """Lon/lat (n, 2) as metres east and north of the middle (a local plane will do)."""
        return (lonlat - self.middle) * self._scale()

    def to_lonlat(self, xy_m: np.ndarray) -> np.ndarray:
        """Metres east and north of the middle (n, 2) as lon/lat."""
        return xy_m / self._scale() + self.middle

    def _scale(self) -> np.ndarray:
        return np.array([M_PER_DEG * np.cos(np.radians(self.middle[1])), M_PER_DEG])


@dataclass
class Extract:
    """Nodes (metres, ids from 1 in order), the tags of a few, and ways over them."""

    chunks: list[np.ndarray] = field(default_factory=list)
    nodes: int = 0
    node_tags: dict[int, Tags] = field(default_factory=dict)
    ways: list[tuple[list[int], Tags]] = field(default_factory=list)

    def add_nodes(self, xy_m: np.ndarray) -> np.ndarray:
        """Add nodes at `xy_m` (..., 2) in metres; their ids, shaped as the points."""
        flat = xy_m.reshape(-1, 2)
        ids = np.arange(self.nodes + 1, self.nodes + 1 + len(flat))
        self.chunks.append(flat)
        self.nodes += len(flat)
        return ids.reshape(xy_m.shape[:-1])

    def add_way(self, refs: np.ndarray | list[int], tags: Tags) -> None:
        """Add a way through the nodes `refs`."""
        self.ways.append(([int(r) for r in refs], tags))


def region_of(units: gpd.GeoDataFrame) -> Region:
    """The county's bounding box and REGION_MARGIN_M around it."""
    west, south, east, north = units.total_bounds
    middle = np.array([(west + east) / 2, (south + north) / 2])
    corners = Region(np.zeros(4), middle).to_metres(np.array([[west, south], [east, north]]))
    margin = np.array([-1, -1, 1, 1]) * REGION_MARGIN_M
    return Region(corners.ravel() + margin, middle)


def settlements(
    units: gpd.GeoDataFrame, region: Region, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Settlement middles (metres) by kind: the township seats are towns; the villager
    groups, and settlements as dense in the country around the county, hamlets."""
    groups = _points_m(units[units.level == vocab.GROUP], region)
    towns = _points_m(units[units.level == vocab.TOWNSHIP], region)
    low, high = groups.min(axis=0), groups.max(axis=0)
    inner_area = float(np.prod(high - low))
    outer_area = float(np.prod(region.box_m[2:] - region.box_m[:2]))
    wanted = int(len(groups) * (outer_area - inner_area) / inner_area)
    candidates = rng.uniform(region.box_m[:2], region.box_m[2:], size=(wanted * 3, 2))
    outside = np.any((candidates < low) | (candidates > high), axis=1)
    return {"hamlet": np.vstack([groups, candidates[outside][:wanted]]), "town": towns}


def _points_m(units: gpd.GeoDataFrame, region: Region) -> np.ndarray:
    """A point inside each unit, in metres."""
    return region.to_metres(shapely.get_coordinates(units.geometry.representative_point()))


def add_road_lattice(extract: Extract, region: Region, rng: np.random.Generator) -> None:
    """Regional roads along a jittered lattice, sharing their junctions."""
    west, south, east, north = region.box_m
    xs, ys = np.arange(west, east, ROAD_SPACING_M), np.arange(south, north, ROAD_SPACING_M)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1) + rng.normal(0, 150, (len(ys), len(xs), 2))
    junctions = extract.add_nodes(grid)
    for k in range(len(ys)):
        _road_line(extract, grid[k], junctions[k], _lattice_tags(k), rng)
    for k in range(len(xs)):
        _road_line(extract, grid[:, k], junctions[:, k], _lattice_tags(k + 1), rng)


def _lattice_tags(k: int) -> Tags:
    """Every fourth lattice line a secondary road, every other a tertiary one, the rest
    unclassified roads and tracks."""
    if k % 4 == 0:
        return {"highway": "secondary", "ref": f"S{200 + k}", "maxspeed": "80"}
    if k % 2 == 0:
        return {"highway": "tertiary", "ref": f"X{100 + k:03d}", "maxspeed": "60"}
    return {"highway": "unclassified" if k % 3 else "track"}


def _road_line(
    extract: Extract, points: np.ndarray, ids: np.ndarray, tags: Tags, rng: np.random.Generator
) -> None:
    """One lattice line: its junctions joined through wobbling shape nodes."""
    steps = np.linspace(0, 1, SHAPE_NODES + 2)[1:-1, None]
    starts, ends = points[:-1, None, :], points[1:, None, :]
    wobble = rng.normal(0, 40, (len(points) - 1, SHAPE_NODES, 2))
    shape_ids = extract.add_nodes(starts + (ends - starts) * steps + wobble)
    refs = np.column_stack([ids[:-1], shape_ids]).ravel().tolist() + [int(ids[-1])]
    extract.add_way(refs, tags)


def add_streets(extract: Extract, middles: np.ndarray, kind: str, rng: np.random.Generator) -> None:
    """Each settlement's street grid, turned at random, its streets sharing their crossings;
    a town's middle streets are its main streets."""
    n, spacing = STREETS[kind], STREET_SPACING_M[kind]
    offsets = (np.arange(n) - (n - 1) / 2) * spacing
    local = np.stack(np.meshgrid(offsets, offsets), axis=-1)
    place = "镇" if kind == "town" else "村"
    for i, middle in enumerate(middles):
        ids = extract.add_nodes(local @ _rotation(rng.uniform(0, np.pi)).T + middle)
        for k in range(n):
            road = "primary" if kind == "town" and k == n // 2 else "residential"
            extract.add_way(ids[k], {"highway": road, "name": f"{i}{place}{k}路"})
            extract.add_way(ids[:, k], {"highway": road, "name": f"{i}{place}{k}街"})


def _rotation(angle: float) -> np.ndarray:
    return np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])


def add_buildings(
    extract: Extract, middles: np.ndarray, kind: str, rng: np.random.Generator
) -> None:
    """Rectangular buildings, turned at random, scattered around each settlement's middle."""
    centres = np.repeat(middles, rng.poisson(HOUSES[kind], len(middles)), axis=0)
    centres += rng.normal(0, SPREAD_M[kind], centres.shape)
    unit_square = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    corners = unit_square * rng.uniform(3.5, 8.0, (len(centres), 1, 2))
    turn = rng.uniform(0, np.pi, len(centres))[:, None]
    x, y = corners[..., 0], corners[..., 1]
    turned = np.stack(
        [x * np.cos(turn) - y * np.sin(turn), x * np.sin(turn) + y * np.cos(turn)], -1
    )
    ids = extract.add_nodes(turned + centres[:, None, :])
    kinds = [{"building": kind} for kind in BUILDING_KINDS]
    chosen = rng.choice(len(kinds), len(ids), p=BUILDING_WEIGHTS).tolist()
    for ring, k in zip(ids.tolist(), chosen, strict=True):
        extract.add_way([*ring, ring[0]], kinds[k])


def add_ponds(extract: Extract, middles: np.ndarray, rng: np.random.Generator) -> None:
    """A round pond (natural=water) near a share of the settlements."""
    chosen = middles[rng.random(len(middles)) < POND_SHARE]
    angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    ring = np.column_stack([np.cos(angles), np.sin(angles)])
    radius = rng.uniform(15, 60, (len(chosen), 1, 1))
    centres = chosen + rng.normal(0, 250, chosen.shape)
    ids = extract.add_nodes(ring * radius + centres[:, None, :])
    for pond in ids.tolist():
        extract.add_way([*pond, pond[0]], {"natural": "water"})


def add_rivers(extract: Extract, region: Region, rng: np.random.Generator) -> None:
    """Rivers meandering across the region from west to east."""
    west, south, east, north = region.box_m
    x = np.linspace(west, east, 600)
    for k in range(RIVERS):
        middle, phase = rng.uniform(south, north), rng.uniform(0, 2 * np.pi)
        y = middle + 2_000 * np.sin(x / rng.uniform(4_000, 12_000) + phase)
        ids = extract.add_nodes(np.column_stack([x, np.clip(y, south, north)]))
        extract.add_way(ids, {"waterway": "river", "name": f"{k + 1}号河"})


def add_places(extract: Extract, middles: np.ndarray, kind: str) -> None:
    """A named place node at each settlement's middle."""
    for i, node_id in enumerate(extract.add_nodes(middles).tolist()):
        name = f"{i}镇" if kind == "town" else f"{i}村"
        extract.node_tags[node_id] = {"place": kind, "name": name, "name:zh": name}


def plan_extract(units: gpd.GeoDataFrame, seed: int) -> tuple[Extract, Region]:
    """The whole synthetic extract around the county `units` (EPSG:4326)."""
    rng = np.random.default_rng(seed)
    region = region_of(units)
    extract = Extract()
    add_road_lattice(extract, region, rng)
    add_rivers(extract, region, rng)
    for kind, middles in settlements(units, region, rng).items():
        add_places(extract, middles, kind)
        add_streets(extract, middles, kind, rng)
        add_buildings(extract, middles, kind, rng)
        add_ponds(extract, middles, rng)
    return extract, region


def edits(count: int, rng: np.random.Generator) -> tuple[list[int], list[int], list[datetime]]:
    """Versions of `count` objects, and the changeset and time of each run of EDIT_SIZE
    objects in id order (one mapper's edit), later changesets at later times."""
    versions = rng.geometric(0.6, count).tolist()
    runs = -(-count // EDIT_SIZE)
    changesets = np.sort(rng.integers(1_000_000, 150_000_000, runs))
    seconds = np.sort(rng.integers(FIRST_EDIT_S, LAST_EDIT_S, runs))
    times = [datetime.fromtimestamp(s, UTC) for s in seconds.tolist()]
    return versions, changesets.tolist(), times


def write_extract(extract: Extract, region: Region, path: Path, seed: int) -> None:
    """Write the extract as .osm.pbf with each object's version, changeset and time, as a
    downloaded extract has them: every node in id order, then every way."""
    rng = np.random.default_rng(seed)
    lonlat = region.to_lonlat(np.vstack(extract.chunks)).round(7)
    path.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(path))
    try:
        versions, changesets, times = edits(extract.nodes, rng)
        for k, location in enumerate(lonlat.tolist()):
            run = k // EDIT_SIZE
            writer.add_node(Node(
                id=k + 1, location=location, tags=extract.node_tags.get(k + 1),
                version=versions[k], changeset=changesets[run], timestamp=times[run],
            ))  # fmt: skip
        versions, changesets, times = edits(len(extract.ways), rng)
        for k, (refs, tags) in enumerate(extract.ways):
            run = k // EDIT_SIZE
            writer.add_way(Way(
                id=k + 1, nodes=refs, tags=tags,
                version=versions[k], changeset=changesets[run], timestamp=times[run],
            ))  # fmt: skip
    finally:
        writer.close()


def cached_extract(units: gpd.GeoDataFrame, folder: Path) -> tuple[Path, float | None]:
    """The extract for `units` under `folder`, written first when missing; with the seconds
    writing it took (None when it was there already)."""
    path = folder / f"synthetic-county-{SEED}-v{EXTRACT_VERSION}.osm.pbf"
    if path.is_file():
        return path, None
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # Written under another name first, so that an interrupted run leaves no half a file.
    partial = path.with_name(f"partial-{path.name}")
    write_extract(*plan_extract(units, SEED), partial, SEED)
    partial.rename(path)
    return path, time.perf_counter() - started


def timed_import(path: Path, county: str, url: str) -> dict:
    """Run `gridmap import osm` with buildings in its own process; its report, wall seconds
    and peak resident memory."""
    env = {**os.environ, "GRIDMAP_DATABASE_URL": url}
    command = [str(gridmap_script()), "import", "osm", str(path), "--clip", county]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "--buildings", "--json"], env=env, capture_output=True, text=True
    )
    wall_s = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"gridmap import osm failed ({done.returncode}): {done.stderr}")
    # The largest of the processes waited for: the import dwarfs the database start.
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return {"report": report, "wall_s": wall_s, "peak_rss_mb": peak_kib / 1024}


def result(path: Path, written_s: float | None, county: str, run: dict) -> dict:
    """The JSON object the benchmark prints."""
    counts = run["report"]["counts"]
    rows = sum(counts.values())
    return {
        "bench": "osm_import",
        "file": path.name,
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "file_written_s": None if written_s is None else round(written_s, 1),
        "county": county,
        "buildings": True,
        "wall_s": round(run["wall_s"], 2),
        "peak_rss_mb": round(run["peak_rss_mb"]),
        "rows": rows,
        "rows_by_layer": counts,
        "rows_per_s": round(rows / run["wall_s"]),
        "skipped": run["report"]["skipped"],
    }


def main() -> None:
    """Write (or reuse) the extract, load the county's grid, then time the import."""
    config = Config.from_env()
    grid = config.geodata_dir / SAMPLE_FILE
    units = gpd.read_file(grid)
    county = str(units.code[units.level == vocab.COUNTY].iloc[0])
    path, written_s = cached_extract(units, config.var_dir / "bench")
    with fresh_database(config, DB_NAME) as conn:
        conn.autocommit = True
        grids.import_grid_file(conn, grid)
        run = timed_import(path, county, database_url(config, DB_NAME))
    print(json.dumps(result(path, written_s, county, run), ensure_ascii=False))


if __name__ == "__main__":
    main()
