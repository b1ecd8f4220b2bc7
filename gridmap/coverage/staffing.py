"""Propose grid workers for villager groups that have none, solved exactly as an integer program.

A group without an active worker is offered to a nearby worker who still has room for its
households. Among all proposals the module picks one that first staffs as many groups as
possible and then, among those, needs the least total walk from workers' homes to the groups.

Two-stage (lexicographic) solve per independent problem, both with `scipy.optimize.milp`:

1. maximise the number of staffed groups;
2. fix that number as a constraint and minimise the total home-to-group distance.

Two solves instead of one weighted objective keep the distances out of a big-M weight, so no
scaling or rounding can trade a staffed group for a shorter walk. With `same_township` each
township is its own program; pairs that provably cannot matter are pruned before solving (see
`_pairs`), and each solve stops after `SOLVE_SECONDS`, keeping the best proposal found.
Distances are geodesic metres on the WGS84 ellipsoid, rounded to 0.1 m (CGCS2000 coordinates
are taken as WGS84 at this precision).

Who may take groups: active workers with a home location who are not themselves due for
replacement (a worker over the age limit gets no new groups; one without a birth year counts as
under the limit). A group without usable coordinates, or larger than every worker's remaining
room, stays unstaffed.

Workers due for replacement are active workers older than the age limit; the only reason is
therefore ``"age"`` (an inactive worker is simply not active and is never listed). Their
candidates are the nearest eligible workers who still have room after the proposals.
"""

from __future__ import annotations

import logging
import math
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pyproj import Geod
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, csr_array

from gridmap.core.errors import BadInput

#: Values of ``due_for_replacement[i]["reason"]``.
REASONS = ("age",)

#: Seconds per solve. Township-sized programs finish in milliseconds; a huge, tight one stops
#: here and keeps the best proposal found so far (logged as a warning).
SOLVE_SECONDS = 20.0

_GEOD = Geod(ellps="WGS84")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Group:
    """A villager group with no active worker; (lon, lat) is a representative point in EPSG:4326."""

    code: str
    township: str
    lon: float | None
    lat: float | None
    households: int


@dataclass(frozen=True)
class Worker:
    """A grid worker; load is the households already in their groups, capacity None/0 = default."""

    code: str
    township: str | None
    lon: float | None
    lat: float | None
    load: int
    capacity: int | None
    birth_year: int | None
    active: bool


def suggest_workers(
    groups: Sequence[Group],
    workers: Sequence[Worker],
    *,
    same_township: bool = True,
    default_capacity: int = 150,
    age_limit: int = 65,
    current_year: int,
    candidates_per_worker: int = 3,
) -> dict:
    """Propose workers staffing the most groups at least total distance; list over-age workers."""
    _check_input(groups, workers)
    pool = [w for w in workers if _eligible(w, age_limit, current_year)]
    room = {w.code: _capacity(w, default_capacity) - w.load for w in pool}
    chosen: dict[str, tuple[Worker, float]] = {}
    for township_groups, township_pool in _problems(groups, pool, same_township):
        chosen.update(_solve(township_groups, township_pool, room))
    load_after = {w.code: w.load for w in pool}
    households = {g.code: g.households for g in groups}
    for group_code, (worker, _) in chosen.items():
        load_after[worker.code] += households[group_code]
    suggestions = [
        {"group": code, "worker": w.code, "distance_m": dist, "load_after": load_after[w.code]}
        for code, (w, dist) in sorted(chosen.items())
    ]
    helpers = [w for w in pool if load_after[w.code] < _capacity(w, default_capacity)]
    due = sorted(
        (w for w in workers if w.active and _over_age(w, age_limit, current_year)),
        key=lambda w: w.code,
    )
    candidates = _candidates(due, helpers, same_township, candidates_per_worker)
    return {
        "suggestions": suggestions,
        "unstaffed_after": len(groups) - len(chosen),
        "due_for_replacement": [
            {"worker": w.code, "reason": "age", "candidates": candidates[w.code]} for w in due
        ],
    }


def _check_input(groups: Sequence[Group], workers: Sequence[Worker]) -> None:
    for kind, codes in (("group", [g.code for g in groups]), ("worker", [w.code for w in workers])):
        doubled = sorted(code for code, n in Counter(codes).items() if n > 1)
        if doubled:
            raise BadInput(f"each {kind} code may appear once; repeated: {', '.join(doubled)}")
    negative = sorted(g.code for g in groups if g.households < 0)
    if negative:
        raise BadInput(f"household counts cannot be negative; fix groups: {', '.join(negative)}")


def _located(lon: float | None, lat: float | None) -> bool:
    return (
        lon is not None
        and lat is not None
        and math.isfinite(lon)
        and math.isfinite(lat)
        and -180.0 <= lon <= 180.0
        and -90.0 <= lat <= 90.0
    )


def _over_age(worker: Worker, age_limit: int, current_year: int) -> bool:
    return worker.birth_year is not None and current_year - worker.birth_year > age_limit


def _eligible(worker: Worker, age_limit: int, current_year: int) -> bool:
    return (
        worker.active
        and _located(worker.lon, worker.lat)
        and not _over_age(worker, age_limit, current_year)
    )


def _capacity(worker: Worker, default_capacity: int) -> int:
    # The worker table stores NULL for "use the county default"; 0 from spreadsheets means the same.
    return worker.capacity if worker.capacity and worker.capacity > 0 else default_capacity


def _problems(
    groups: Sequence[Group], pool: list[Worker], same_township: bool
) -> Iterator[tuple[list[Group], list[Worker]]]:
    located = [g for g in groups if _located(g.lon, g.lat)]
    if not same_township:
        yield located, pool
        return
    # Townships share no workers, so each is an independent and much smaller program.
    by_township: dict[str, list[Worker]] = defaultdict(list)
    for w in pool:
        if w.township is not None:
            by_township[w.township].append(w)
    township_groups: dict[str, list[Group]] = defaultdict(list)
    for g in located:
        township_groups[g.township].append(g)
    for township in sorted(township_groups):
        yield township_groups[township], by_township.get(township, [])


def _distances(
    lons1: NDArray[np.float64],
    lats1: NDArray[np.float64],
    lons2: NDArray[np.float64],
    lats2: NDArray[np.float64],
) -> NDArray[np.float64]:
    _, _, dist = _GEOD.inv(lons1, lats1, lons2, lats2)
    return np.round(np.asarray(dist, dtype=float), 1)


def _pairs(
    groups: list[Group], workers: list[Worker], room: dict[str, int]
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """Return (group index, worker index, metres) of the pairs worth offering to the solver."""
    households = np.array([g.households for g in groups])
    spare = np.array([room[w.code] for w in workers])
    # A group that alone overflows a worker's room can never go to them.
    gi, wi = np.nonzero(households[:, None] <= spare[None, :])
    glon, glat = np.array([[g.lon, g.lat] for g in groups], dtype=float).reshape(-1, 2)[gi].T
    wlon, wlat = np.array([[w.lon, w.lat] for w in workers], dtype=float).reshape(-1, 2)[wi].T
    dist = _distances(wlon, wlat, glon, glat)
    # Exact pruning. If at most k - 1 other groups can reach a group's k nearest fitting workers,
    # one of those k is free in any optimum, takes the group alone and is no farther, so moving
    # the group there loses nothing: the farther pairs can go. Repeat while lists shrink.
    order = np.lexsort((wi, dist, gi))
    gi, wi, dist = gi[order], wi[order], dist[order]
    rank = np.arange(gi.size) - np.searchsorted(gi, gi)
    while True:
        reach = csr_array((np.ones(gi.size), (gi, wi)), shape=(len(groups), len(workers)))
        rivals = np.diff((reach @ reach.T).indptr)  # groups sharing a worker, itself included
        keep = rank < rivals[gi]
        if keep.all():
            return gi, wi, dist
        gi, wi, dist, rank = gi[keep], wi[keep], dist[keep], rank[keep]


def _solve(
    groups: list[Group], workers: list[Worker], room: dict[str, int]
) -> dict[str, tuple[Worker, float]]:
    if not groups or not workers:
        return {}
    gi, wi, dist = _pairs(groups, workers, room)
    if gi.size == 0:
        return {}
    # Only groups and workers in some pair get a row, so the program stays as small as the pairs.
    rows_g, gi = np.unique(gi, return_inverse=True)
    rows_w, wi = np.unique(wi, return_inverse=True)
    n = gi.size
    sizes = np.array([groups[i].households for i in rows_g[gi]], dtype=float)
    # Rows 0..G-1: a group gets at most one worker; the next rows: households within room.
    matrix = coo_array(
        (
            np.concatenate([np.ones(n), sizes]),
            (np.concatenate([gi, rows_g.size + wi]), [*range(n)] * 2),
        ),
        shape=(rows_g.size + rows_w.size, n),
    ).tocsr()
    spare = [room[workers[j].code] for j in rows_w]
    limits = [LinearConstraint(matrix, -np.inf, np.concatenate([np.ones(rows_g.size), spare]))]
    found = [_milp(-np.ones(n), limits)]
    staffed = found[0].sum() if found[0] is not None else 0.0
    limits.append(LinearConstraint(np.ones((1, n)), staffed, np.inf))
    found.append(_milp(dist, limits))
    # Stage two normally wins; if it timed out, stage one's proposal is still a valid answer.
    x = max((f for f in found if f is not None), key=lambda f: (f.sum(), -(f @ dist)), default=None)
    if x is None:
        return {}
    return {
        groups[rows_g[gi[p]]].code: (workers[rows_w[wi[p]]], float(dist[p]))
        for p in np.flatnonzero(x)
    }


def _milp(cost: NDArray[np.float64], limits: list[LinearConstraint]) -> NDArray[np.float64] | None:
    """Return the best 0/1 vector found (proven optimal unless the time limit struck), or None."""
    # A zero gap makes HiGHS prove optimality instead of stopping within 0.01 % of it.
    result = milp(
        cost,
        constraints=limits,
        integrality=np.ones(cost.size),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0, "time_limit": SOLVE_SECONDS},
    )
    if result.status not in (0, 1):  # 1: time limit; anything else is a modelling error
        raise RuntimeError(f"worker suggestion solve failed: {result.message}")
    if result.status == 1:
        log.warning("worker suggestions not proven optimal within %s s", SOLVE_SECONDS)
    return None if result.x is None else np.round(result.x)


def _candidates(
    due: list[Worker], helpers: list[Worker], same_township: bool, limit: int
) -> dict[str, list[str]]:
    """Map each due worker's code to the codes of its `limit` nearest helpers, nearest first."""
    found: dict[str, list[str]] = {w.code: [] for w in due}
    # Without a home location "nearest" means nothing; without a township nobody is local.
    located = [w for w in due if _located(w.lon, w.lat) and (w.township or not same_township)]
    area = {w.code: w.township if same_township else None for w in [*located, *helpers]}
    for township in {area[w.code] for w in located} if limit > 0 else ():
        mine = [w for w in located if area[w.code] == township]
        # Sorted by code so that the stable sort below breaks distance ties by code.
        near = sorted((h for h in helpers if area[h.code] == township), key=lambda h: h.code)
        if not near:
            continue
        home = np.array([[w.lon, w.lat] for w in mine], dtype=float)
        spot = np.array([[h.lon, h.lat] for h in near], dtype=float)
        dist = _distances(
            np.repeat(home[:, 0], len(near)),
            np.repeat(home[:, 1], len(near)),
            np.tile(spot[:, 0], len(mine)),
            np.tile(spot[:, 1], len(mine)),
        ).reshape(len(mine), len(near))
        for w, row in zip(mine, np.argsort(dist, axis=1, kind="stable")[:, :limit], strict=True):
            found[w.code] = [near[i].code for i in row]
    return found
