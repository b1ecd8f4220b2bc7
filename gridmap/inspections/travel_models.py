"""Which travel model a county's plans use: its road network when one is loaded (`gridmap
import osm`), else the straight line times a detour factor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import psycopg
from numpy.typing import ArrayLike

from gridmap.core.config import Config
from gridmap.core.errors import BadInput
from gridmap.ground import road_travel, roads
from gridmap.inspections import travel
from gridmap.store import roads as road_store

STRAIGHT, ROADS = "straight", "roads"
#: Seconds of a pair with no road between them: more than any working day.
UNREACHABLE_SECONDS = road_travel.UNREACHABLE


class Model(Protocol):
    """Travel between lon/lat points under one model."""

    @property
    def name(self) -> str:
        """ "straight" or "roads"."""
        ...

    def travel(self, origins: ArrayLike, destinations: ArrayLike) -> travel.Travel:
        """Metres and seconds from every origin (rows) to every destination (columns)."""
        ...


@dataclass(frozen=True)
class Straight:
    """Straight line × detour factor at a set speed."""

    detour: float
    speed_kmh: float
    name: str = STRAIGHT

    def travel(self, origins: ArrayLike, destinations: ArrayLike) -> travel.Travel:
        """Geodesic distance × detour at the set speed."""
        return travel.travel(origins, destinations, detour=self.detour, speed_kmh=self.speed_kmh)


@dataclass(frozen=True)
class Roads:
    """Fastest paths on a road network, each point walking to its nearest road."""

    network: roads.Network
    snap_kmh: float
    name: str = ROADS

    def travel(self, origins: ArrayLike, destinations: ArrayLike) -> travel.Travel:
        """Road metres and seconds (walks included); UNREACHABLE_SECONDS where no road leads."""
        a = np.asarray(origins, dtype=float).reshape(-1, 2)
        b = np.asarray(destinations, dtype=float).reshape(-1, 2)
        if not len(a) or not len(b):
            empty = np.zeros((len(a), len(b)), dtype=np.int64)
            return travel.Travel(metres=empty, seconds=empty.copy(), model=ROADS)
        found = road_travel.travel(self.network, a, b, self.snap_kmh)
        r = found.result
        return travel.Travel(
            metres=np.rint(r.metres).astype(np.int64),
            seconds=np.rint(r.seconds).astype(np.int64),
            model=ROADS, snap_from_metres=r.walk_from_m, snap_to_metres=r.walk_to_m,
            path=found.lonlat,
        )  # fmt: skip


def unreachable(t: travel.Travel) -> np.ndarray:
    """Pairs with no road between them (none under the straight model)."""
    return t.seconds >= UNREACHABLE_SECONDS


def for_county(conn: psycopg.Connection, config: Config, county: str) -> Model:
    """The county's road network when it has one, else the straight model of `config`."""
    rows = road_store.road_rows(conn, county)
    network = roads.build(rows, config.road_speed_kmh) if rows else None
    if network is None:
        return straight(config)
    return Roads(network, config.road_snap_kmh)


def straight(config: Config) -> Straight:
    """The straight model of `config`."""
    return Straight(config.inspection_detour_factor, config.inspection_speed_kmh)


def between(model: Model, a: tuple[float, float], b: tuple[float, float]) -> dict:
    """Travel from a to b: model, seconds, meters (snap walks included) and snap_meters."""
    t = model.travel([a], [b])
    if unreachable(t)[0, 0]:
        raise BadInput(f"no road leads from {a[0]:.6f},{a[1]:.6f} to {b[0]:.6f},{b[1]:.6f}: "
                       "the nearest roads of the two points are not connected")  # fmt: skip
    snap = 0.0
    if t.snap_from_metres is not None and t.snap_to_metres is not None:
        snap = float(t.snap_from_metres[0] + t.snap_to_metres[0])
    return {"model": model.name, "seconds": int(t.seconds[0, 0]),
            "meters": int(t.metres[0, 0]), "snap_meters": round(snap, 1)}  # fmt: skip
