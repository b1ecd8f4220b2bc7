"""Reading an OpenStreetMap extract (.osm.pbf) into layers of features, and clipping them to
a county's surroundings. pyosmium assembles the geometries (ways from their nodes' locations,
areas from closed ways and multipolygon relations); shapely clips whole arrays at once. An
import clips while it reads, a batch of objects at a time, so that it holds what lies near the
county and one batch rather than the whole extract."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import osmium.filter
import osmium.geom
import pandas as pd
import shapely

from gridmap.core.errors import BadInput
from gridmap.ground import tags

#: The layers an import writes, one table each.
LAYERS = ("road", "water", "place", "building")
_LINE, _AREA, _POINT = "line", "area", "point"
#: The objects features come from: places are nodes, lines ways, areas closed ways or relations.
Feature = osmium.osm.Node | osmium.osm.Way | osmium.osm.Area
_RAW = ("layer", "shape", "kind", "osm_type", "osm_id", "wkb", *tags.KEYS)
#: Objects read before they are turned into features and clipped: an import holds one batch
#: besides what it keeps.
BATCH = 50_000
#: Raw rows of a batch, and the objects skipped while reading them.
Batch = tuple[list[tuple], int]
#: Node locations for building ways: a sorted list of (id, location), 16 bytes a node. An
#: extract's node ids are scattered over the whole id range, so a dense index (8 bytes for
#: every id up to the largest, some 100 GB today) is no choice; pyosmium's default 'flex_mem'
#: is this same list and only turns dense past 16.7 million nodes numbered densely (a third of
#: all ids up to the largest), which no extract is.
LOCATIONS = "sparse_mem_array"
#: Text columns, typed as text even when a batch holds no value (pandas would make them
#: objects there), so that batches join into the columns one read of the whole file gives.
_TEXT = dict.fromkeys(("shape", "osm_type", "kind", "name"), "str")
#: Columns of each layer after clipping, besides the geometry.
COLUMNS = {
    "road": ("osm_id", "part", "class", "name", "oneway", "maxspeed_kmh", "bridge"),
    "water": ("osm_type", "osm_id", "part", "kind", "name"),
    "place": ("osm_id", "kind", "name"),
    "building": ("osm_type", "osm_id", "kind", "name"),
}


@dataclass(frozen=True)
class Ground:
    """The features of each layer (EPSG:4326), and the objects skipped as incomplete."""

    layers: dict[str, gpd.GeoDataFrame]
    skipped: int

    def count(self) -> dict[str, int]:
        """Features per layer."""
        return {layer: len(frame) for layer, frame in self.layers.items()}

    def bounds(self) -> tuple[float, float, float, float] | None:
        """(west, south, east, north) of every feature, None when there are none."""
        return _bounds(self.layers)


@dataclass(frozen=True)
class Tally:
    """What a file held before clipping: features per layer and the bounds of them all."""

    counts: dict[str, int]
    bounds: tuple[float, float, float, float] | None

    def plus(self, layers: dict[str, gpd.GeoDataFrame]) -> Tally:
        """This tally with the features of `layers` added."""
        counts = self.counts | {
            layer: self.counts.get(layer, 0) + len(f) for layer, f in layers.items()
        }
        more = _bounds(layers)
        if self.bounds is None or more is None:
            return Tally(counts, self.bounds or more)
        low = np.fmin(self.bounds[:2], more[:2])
        high = np.fmax(self.bounds[2:], more[2:])
        return Tally(counts, tuple(float(v) for v in (*low, *high)))  # type: ignore[arg-type]


def _bounds(layers: dict[str, gpd.GeoDataFrame]) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of every feature of `layers`, None when there are none."""
    geoms = [frame.geometry.to_numpy() for frame in layers.values()]
    if not sum(len(g) for g in geoms):
        return None
    return tuple(shapely.total_bounds(np.concatenate(geoms)))  # type: ignore[return-value]


def read_osm(path: Path, *, buildings: bool = False) -> Ground:
    """The roads, water, places (and buildings when asked) of an .osm.pbf file, unclipped.

    Holds the whole file at once: read_clipped is the one for large extracts. Raises BadInput
    when the file is missing, not an .osm.pbf or cannot be read.
    """
    batches = list(_collect(path, buildings, BATCH))
    raw = pd.DataFrame.from_records(
        [row for rows, _ in batches for row in rows], columns=list(_RAW)
    )
    skipped = sum(skips for _, skips in batches)
    return Ground(_layers(raw, LAYERS), skipped)


def read_clipped(
    path: Path, area: shapely.Geometry, *, buildings: bool = False, batch: int = BATCH
) -> tuple[Ground, Tally]:
    """The features of an .osm.pbf file cut to `area` (lon/lat), as clip(read_osm(…)) gives
    them, read `batch` objects at a time; with the tally of everything the file held.

    Raises BadInput when the file is missing, not an .osm.pbf or cannot be read.
    """
    shapely.prepare(area)
    # Each layer starts from its empty pieces, which keep its columns when the file has none.
    nothing = _layers(pd.DataFrame.from_records([], columns=list(_RAW)), LAYERS)
    pieces = {layer: [_clip_pieces(frame, area, layer)] for layer, frame in nothing.items()}
    tally, skipped = Tally({layer: 0 for layer in LAYERS}, None), 0
    for rows, skips in _collect(path, buildings, batch):
        raw = pd.DataFrame.from_records(rows, columns=list(_RAW))
        # Only the layers a batch holds: each costs pandas' fixed overhead, rows or none.
        held = set(raw["layer"].unique())
        layers = _layers(raw, [layer for layer in LAYERS if layer in held])
        tally, skipped = tally.plus(layers), skipped + skips
        for layer, frame in layers.items():
            pieces[layer].append(_clip_pieces(frame, area, layer))
    # Lines, areas and points each in reading order, as one clip of the whole file has them.
    clipped = {
        layer: _joined([_concat([p[k] for p in pieces[layer]]) for k in range(3)], layer)
        for layer in LAYERS
    }
    return Ground(clipped, skipped), tally


def _layers(raw: pd.DataFrame, layers: Iterable[str]) -> dict[str, gpd.GeoDataFrame]:
    """The raw rows as features, a frame for each of `layers`."""
    return {layer: _layer(raw[raw["layer"] == layer], layer) for layer in layers}


def _concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """The frames one after another; empty ones are left out, since pandas may change a
    column's type for them."""
    filled = [frame for frame in frames if len(frame)] or frames[:1]
    return pd.concat(filled, ignore_index=True) if len(filled) > 1 else filled[0]


def _collect(path: Path, buildings: bool, size: int) -> Iterator[Batch]:
    """Raw rows of the kept objects, `size` at a time; BadInput when the file is missing, not
    an .osm.pbf or cannot be read."""
    if not path.name.lower().endswith(".pbf"):
        raise BadInput(
            f"{path.name}: not an OpenStreetMap .osm.pbf file; download a PBF extract "
            "(a file named like county.osm.pbf) and import that."
        )
    if not path.is_file():
        raise BadInput(f"{path}: no such file.")
    try:
        yield from _rows(path, buildings, size)
    except RuntimeError as exc:  # pyosmium's error for a file that is no (or a broken) PBF
        raise BadInput(
            f"{path.name}: cannot be read as an OpenStreetMap PBF file ({exc}); it may be "
            "truncated or another format: download the extract again."
        ) from None


def _rows(path: Path, buildings: bool, size: int) -> Iterator[Batch]:
    """One raw row per kept object (layer, shape, kind, type, id, WKB and the tags of KEYS),
    `size` rows at a time; the last batch may be empty but for skipped objects."""
    wanted: tuple[str, ...] = ("highway", "route", "waterway", "natural", "landuse", "place")
    wanted += ("building",) if buildings else ()
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations(LOCATIONS)
        .with_areas()
        .with_filter(osmium.filter.KeyFilter(*wanted))
    )
    factory = osmium.geom.WKBFactory()
    rows: list[tuple] = []
    skipped = 0
    for obj in processor:
        if not isinstance(obj, Feature):
            continue
        kept = _classify(obj, buildings)
        if kept is None:
            continue
        try:
            shape, osm_type, osm_id, wkb = _geometry(factory, obj)
        except (osmium.InvalidLocationError, RuntimeError):
            # A way whose nodes lie outside the extract, or a broken multipolygon.
            skipped += 1
            continue
        values = [obj.tags.get(key) for key in tags.KEYS]
        rows.append((kept[0], shape, kept[1], osm_type, osm_id, wkb, *values))
        if len(rows) >= size:
            yield rows, skipped
            rows, skipped = [], 0
    yield rows, skipped


def _classify(obj: Feature, buildings: bool) -> tuple[str, str] | None:
    """(layer, kind) of an object, None when gridmap keeps nothing of it."""
    t = obj.tags
    if isinstance(obj, osmium.osm.Node):
        return ("place", t["place"]) if "place" in t else None
    if isinstance(obj, osmium.osm.Way):
        road = tags.road_class(t.get("highway"), t.get("route"))
        line = tags.water_line(t.get("waterway"))
        return ("road", road) if road else ("water", line) if line else None
    water = tags.water_area({key: t.get(key) for key in ("natural", "waterway", "landuse")})
    if water is not None:
        return "water", water
    building = t.get("building")
    return ("building", building) if buildings and building not in (None, "no") else None


def _geometry(factory: osmium.geom.WKBFactory, obj: Feature) -> tuple[str, str, int, str]:
    """(shape, 'n'|'w'|'r', id, WKB as hex) of a feature; an area names the way or relation it
    was built from."""
    if isinstance(obj, osmium.osm.Node):
        return _POINT, "n", obj.id, factory.create_point(obj)
    if isinstance(obj, osmium.osm.Way):
        return _LINE, "w", obj.id, factory.create_linestring(obj)
    return _AREA, ("w" if obj.from_way() else "r"), obj.orig_id(), factory.create_multipolygon(obj)


def _layer(raw: pd.DataFrame, layer: str) -> gpd.GeoDataFrame:
    """One layer's columns, its attributes normalised a column at a time."""
    frame = pd.DataFrame(
        {
            "shape": raw["shape"].to_numpy(),
            "osm_type": raw["osm_type"].to_numpy(),
            "osm_id": raw["osm_id"].to_numpy(dtype="int64"),
            "kind": raw["kind"].to_numpy(),
            "name": tags.names(raw).to_numpy(),
        }
    ).astype(_TEXT)
    if layer == "road":
        frame["class"] = frame.pop("kind")
        frame["oneway"] = tags.oneway(raw).to_numpy()
        frame["maxspeed_kmh"] = tags.maxspeed_kmh(raw).to_numpy()
        frame["bridge"] = tags.bridge(raw).to_numpy()
    geoms = shapely.from_wkb(raw["wkb"].to_numpy(dtype=object))
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=4326), crs=4326)


def clip(ground: Ground, area: shapely.Geometry) -> Ground:
    """Every layer cut to `area` (lon/lat): lines one part a row, areas as multipolygons."""
    shapely.prepare(area)
    return Ground({layer: _clip_layer(ground.layers[layer], area, layer) for layer in LAYERS},
                  ground.skipped)  # fmt: skip


def _clip_layer(frame: gpd.GeoDataFrame, area: shapely.Geometry, layer: str) -> gpd.GeoDataFrame:
    """One layer cut to `area`, its rows unique."""
    return _joined(_clip_pieces(frame, area, layer), layer)


def _clip_pieces(
    frame: gpd.GeoDataFrame, area: shapely.Geometry, layer: str
) -> list[gpd.GeoDataFrame]:
    """The lines, areas and points of a layer cut to `area`, with the layer's columns."""
    geoms = frame.geometry.to_numpy()
    frame = frame[shapely.intersects(area, geoms)]
    geoms = frame.geometry.to_numpy()
    # Most features lie wholly inside: only those crossing the edge are cut.
    inside = shapely.contains_properly(area, geoms)
    cut = geoms.copy()
    cut[~inside] = shapely.intersection(geoms[~inside], area)
    shapes = frame["shape"].to_numpy()
    lines, areas, points = (shapes == _LINE), (shapes == _AREA), (shapes == _POINT)
    pieces = [
        _lines(frame[lines], cut[lines]),
        _areas(frame[areas], cut[areas]),
        frame[points].set_geometry(cut[points], crs=4326),
    ]
    # Only what the layer stores is kept until the batches are joined; a point has no `part`.
    columns = [*COLUMNS[layer], frame.geometry.name]
    return [piece[[c for c in columns if c in piece]] for piece in pieces]


def _joined(pieces: list[gpd.GeoDataFrame], layer: str) -> gpd.GeoDataFrame:
    """The pieces of a layer as one frame of its columns, each object (and part) once."""
    clipped = pd.concat(pieces, ignore_index=True)
    keys = [c for c in ("osm_type", "osm_id", "part") if c in COLUMNS[layer]]
    # One object can be read twice (merged extracts; a closed river that is also a lake).
    clipped = clipped.drop_duplicates(subset=keys)
    return gpd.GeoDataFrame(
        clipped[list(COLUMNS[layer])], geometry=clipped.geometry.values, crs=4326
    ).reset_index(drop=True)


def _lines(frame: gpd.GeoDataFrame, cut: np.ndarray) -> gpd.GeoDataFrame:
    """One row per line part (`part` 0, 1, … along each feature); points where a line only
    touched the edge are dropped."""
    parts, index = shapely.get_parts(cut, return_index=True)
    keep = shapely.get_type_id(parts) == shapely.GeometryType.LINESTRING
    rows = frame.iloc[index[keep]].copy()
    rows["part"] = rows.groupby(level=0).cumcount().to_numpy()
    return rows.set_geometry(parts[keep], crs=4326)


def _areas(frame: gpd.GeoDataFrame, cut: np.ndarray) -> gpd.GeoDataFrame:
    """One multipolygon per feature from its polygon parts (edges or corners left by the cut
    are dropped)."""
    parts, index = shapely.get_parts(cut, return_index=True)
    keep = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    kept, groups = np.unique(index[keep], return_inverse=True)
    rows = frame.iloc[kept].copy()
    rows["part"] = 0
    return rows.set_geometry(shapely.multipolygons(parts[keep], indices=groups), crs=4326)
