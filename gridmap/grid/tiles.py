"""Vector tiles of households and units: zoom rules, aggregation and cache keys."""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from datetime import date
from typing import Any

import numpy as np
import psycopg

from gridmap.access.accounts import Scope
from gridmap.core import vocab
from gridmap.core.config import Config
from gridmap.core.errors import BadInput, NotFound
from gridmap.core.vocab import GROUP_COUNTS_MIN_ZOOM, POINT_MIN_ZOOM
from gridmap.coverage import report as coverage
from gridmap.store import tiles as tile_store

MAX_ZOOM = 22
COUNT_COLUMNS = (
    "households", "outside_grid", "no_worker", "no_contact", "overdue", "covered",
    "visit_never", "visit_due_soon", "visit_overdue", "doubtful_visit",
)  # fmt: skip


def check_tile(z: int, x: int, y: int) -> None:
    """Refuse tile coordinates that do not exist (BadInput, so HTTP 400)."""
    if not 0 <= z <= MAX_ZOOM:
        raise BadInput(f"zoom {z} is outside 0..{MAX_ZOOM}")
    side = 2**z
    if not (0 <= x < side and 0 <= y < side):
        raise BadInput(f"tile {x}/{y} does not exist at zoom {z} (0..{side - 1})")


def unit_levels_for_zoom(z: int) -> list[int]:
    """Which grid levels the units tile shows at zoom `z`."""
    return vocab.levels_drawn_at(z)


def household_aggregate_level(z: int) -> int | None:
    """The unit level households are counted per at zoom `z`, or None for single points."""
    if z >= POINT_MIN_ZOOM:
        return None
    return vocab.GROUP if z >= GROUP_COUNTS_MIN_ZOOM else vocab.VILLAGE


class CountsCache:
    """Per-unit status counts for aggregated tiles, kept while the data do not change."""

    def __init__(self, size: int = 8):
        self._size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
        self._computing: dict[tuple, threading.Lock] = {}

    def get(self, key: tuple, compute) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        """Return the cached value for `key`, computing it once even under parallel requests."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
            # One lock per key: the first request computes, the others wait for its result.
            key_lock = self._computing.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._entries:
                    return self._entries[key]
            value = compute()
            with self._lock:
                self._entries[key] = value
                self._computing.pop(key, None)
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
        return value


def _level_counts(
    conn: psycopg.Connection, config: Config, as_of: date, level: int, prefixes: list[str] | None
) -> dict[str, Any]:
    """Counts per unit of `level`, with each unit's label point for picking a tile's units."""
    totals = coverage.unit_status_totals(conn, config, as_of, prefixes)
    labels = tile_store.label_points(conn, level)
    codes = sorted(c for c in totals if vocab.level_of(c) == level and c in labels)
    counts: dict[str, Any] = {"code": np.array(codes, dtype=object)}
    for column in COUNT_COLUMNS:
        counts[column] = np.array([totals[c][column] for c in codes], dtype=np.int64)
    counts["lon"] = np.array([labels[c][0] for c in codes])
    counts["lat"] = np.array([labels[c][1] for c in codes])
    return counts


def tile_bounds_4326(z: int, x: int, y: int, margin: float = 0.0) -> tuple[float, ...]:
    """(west, south, east, north) of a tile in degrees, widened by `margin` tile widths."""
    n = 2.0**z

    def lat(row: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return (
        (x - margin) / n * 360 - 180, lat(y + 1 + margin),
        (x + 1 + margin) / n * 360 - 180, lat(y - margin),
    )  # fmt: skip


def _in_tile(counts: dict[str, Any], tile: tuple[int, int, int]) -> dict[str, list]:
    """The counts of the units whose label point falls in (or just around) the tile."""
    west, south, east, north = tile_bounds_4326(*tile, margin=tile_store.BUFFER / tile_store.EXTENT)
    inside = (
        (counts["lon"] >= west) & (counts["lon"] <= east)
        & (counts["lat"] >= south) & (counts["lat"] <= north)
    )  # fmt: skip
    return {k: counts[k][inside].tolist() for k in ("code", *COUNT_COLUMNS)}


def etag(
    layer: str, stamp: str, as_of: date, prefixes: list[str] | None, tile: tuple[int, int, int],
    config: Config,
) -> str:  # fmt: skip
    """A strong ETag that changes whenever the data, date, scope or status settings change."""
    scope_key = ",".join(prefixes) if prefixes is not None else "*"
    # Statuses follow from the visit windows and the check-in distance: a restart with other
    # settings must not leave browsers holding tiles coloured by the old ones.
    settings = f"{sorted(config.visit_windows_days().items())}/{config.checkin_max_m}"
    raw = f"{layer}/{stamp}/{as_of.isoformat()}/{scope_key}/{'/'.join(map(str, tile))}/{settings}"
    return hashlib.sha1(raw.encode()).hexdigest()[:24]


def household_tile(
    conn: psycopg.Connection,
    config: Config,
    cache: CountsCache,
    tile: tuple[int, int, int],
    *,
    as_of: date,
    prefixes: list[str] | None,
    stamp: str,
) -> bytes:
    """The households tile under `prefixes`: single points at high zoom, counts per unit below."""
    z, x, y = tile
    check_tile(z, x, y)
    level = household_aggregate_level(z)
    if level is None:
        params = coverage.status_params(conn, config, as_of, prefixes)
        return tile_store.household_points_tile(conn, z, x, y, params, prefixes)
    key = (stamp, as_of, level, tuple(prefixes) if prefixes is not None else None)
    counts = cache.get(key, lambda: _level_counts(conn, config, as_of, level, prefixes))
    in_tile = _in_tile(counts, tile)
    if not in_tile["code"]:
        return b""
    return tile_store.household_aggregate_tile(conn, z, x, y, level, in_tile)


def units_tile(
    conn: psycopg.Connection, tile: tuple[int, int, int], prefixes: list[str] | None
) -> bytes:
    """The units tile: boundaries of units under `prefixes` at the levels of this zoom."""
    z, x, y = tile
    check_tile(z, x, y)
    return tile_store.units_tile(conn, z, x, y, unit_levels_for_zoom(z), prefixes)


def tile_prefixes(scope: Scope, unit: str | None) -> list[str] | None:
    """The prefixes a tile request covers; outside the scope, none (an empty tile, no error)."""
    try:
        return scope.narrow(unit)
    except NotFound:
        return []


def change_stamp(conn: psycopg.Connection, prefixes: list[str] | None) -> str:
    """The change stamp of the counties under `prefixes` (part of every tile's ETag and of the
    counts' cache key): edits in other counties leave it alone."""
    return tile_store.change_stamp(conn, prefixes)
