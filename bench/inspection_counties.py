"""Inspection plans on two generated counties, several seeds each, against a long PyVRP search.

Each county's candidates are made from the sample generators without a database: monitored
households (weight 1 to 4 by risk, overdue visit and missing contact), villager groups that no
active worker covers (weight 2) and the villages with the fewest visits (weight 2 to 4). Every
seed then draws its own 60 stops for two teams on four 8-hour days under the straight-line
travel model, and plans them as `gridmap inspect plan` does once the candidates are read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import numpy as np
import shapely

from gridmap import PROJECT_ROOT
from gridmap.core import vocab
from gridmap.inspections import compose, sampling
from gridmap.inspections.compose import PlanRequest, Settings
from gridmap.inspections.sampling import Candidate, Weights
from gridmap.sample.county import CountySpec, build_county, read_county
from gridmap.sample.population import generate_households, generate_workers

HOUSEHOLDS = 130_000
SEEDS = (1, 2, 3, 7, 2023)
STOPS, TEAMS, DAYS, HOURS = 60, 2, 4, 8.0
GOAL_GAP_PCT, GOAL_ROUTE_S = 1.0, 2.0
#: Villages with the lowest visit rate among the candidates (the plan setting's default).
LOW_VISIT_VILLAGES = 20
#: Shares of monitored households overdue for a visit and without a contact person.
OVERDUE, NO_CONTACT = 0.3, 0.2


@dataclass(frozen=True)
class County:
    """A generated county's name, shape, candidates and seat (the seat village's label)."""

    name: str
    shape: str
    candidates: list[Candidate]
    townships: list[str]
    seat: tuple[float, float]


def counties() -> list[County]:
    """The committed sample county and an elongated one with a narrow waist."""
    sample = read_county(PROJECT_ROOT / "geodata" / "sample-county.gpkg")
    waisted = build_county(2023, CountySpec(area_km2=(5600.0, 6000.0), shape="waisted"))
    return [county("sample", "round", sample), county("waisted", "waisted", waisted)]


def county(name: str, shape: str, units: gpd.GeoDataFrame) -> County:
    """A county's candidates and seat from its units, the same on every run."""
    rng = np.random.default_rng(2023)
    homes = generate_households(units, HOUSEHOLDS, 2023)
    workers = generate_workers(units, homes, 2023)
    w = Weights()
    found = households(homes, rng, w) + unstaffed(units, workers, w) + low_visit(units, rng, w)
    towns = sorted(units.code[units.level == vocab.TOWNSHIP])
    villages = units[units.level == vocab.VILLAGE].sort_values("code")
    label = shapely.point_on_surface(villages.geometry.iloc[0])
    return County(name, shape, found, towns, (label.x, label.y))


def households(homes, rng: np.random.Generator, w: Weights) -> list[Candidate]:  # type: ignore[no-untyped-def]
    """The monitored households, each flagged at risk, overdue or without contact."""
    found = []
    # Only located households are candidates, as in the database.
    monitored = homes[(homes.category == "监测对象") & homes.lon.notna() & homes.lat.notna()]
    for row in monitored.itertuples():
        flags = {"at_risk": not row.risk_eliminated, "overdue": bool(rng.random() < OVERDUE),
                 "no_contact": bool(rng.random() < NO_CONTACT)}  # fmt: skip
        found.append(Candidate(
            code=row.code, kind="household", township=row.group[:9], lon=row.lon, lat=row.lat,
            weight=sampling.household_weight(w, **flags), check=sampling.household_check(**flags),
            name=row.head_name, source="households",
        ))  # fmt: skip
    return found


def unstaffed(units: gpd.GeoDataFrame, workers, w: Weights) -> list[Candidate]:  # type: ignore[no-untyped-def]
    """The villager groups no active worker covers."""
    active = workers[workers.status == "active"]
    covered = {g for groups in active.groups for g in str(groups).split(";")}
    groups = units[(units.level == vocab.GROUP) & ~units.code.isin(covered)]
    return [unit(row, w.no_worker, "no_worker", "groups") for row in groups.itertuples()]


def low_visit(units: gpd.GeoDataFrame, rng: np.random.Generator, w: Weights) -> list[Candidate]:
    """The villages with the lowest visit rate, their rates drawn."""
    villages = units[units.level == vocab.VILLAGE].sort_values("code")
    rates = rng.uniform(0.2, 0.9, len(villages))
    lowest = np.argsort(rates, kind="stable")[:LOW_VISIT_VILLAGES]
    return [unit(villages.iloc[i], round(sampling.village_weight(w, rates[i]), 3), "low_visit",
                 "villages") for i in lowest]  # fmt: skip


def unit(row, weight: float, reason: str, source: str) -> Candidate:  # type: ignore[no-untyped-def]
    """A group or village to inspect, at its label point."""
    label = shapely.point_on_surface(row.geometry)
    return Candidate(code=row.code, kind="unit", township=row.code[:9], lon=label.x, lat=label.y,
                     weight=weight, check=sampling.CHECKS[reason], name=row.name,
                     source=source)  # fmt: skip


def request(seed: int) -> PlanRequest:
    """Two teams for four 8-hour days, 60 stops with one per township."""
    return PlanRequest(f"bench {seed}", date(2023, 6, 23), DAYS, TEAMS, HOURS, stops=STOPS,
                       seed=seed)  # fmt: skip


def run_seed(place: County, seed: int, reference) -> dict:  # type: ignore[no-untyped-def]
    """Plan one seed end to end, time its routing alone, and solve it again for the reference."""
    settings, ask = Settings(), request(seed)
    args = (place.candidates, place.townships, ask, settings, place.seat, seed)
    started = time.perf_counter()
    plan = compose.compose(*args)
    plan_s = time.perf_counter() - started
    ready = compose.prepare(*args)
    started = time.perf_counter()
    solved = compose.solve(ready, seed, settings)
    route_s = time.perf_counter() - started
    ref_objective, ref_s = reference(ready.problem, seed)
    return {
        "seed": seed, "gap_pct": round(100 * (solved.cost - ref_objective) / ref_objective, 3),
        "route_s": round(route_s, 2), "plan_s": round(plan_s, 2),
        "objective": solved.cost, "reference_objective": ref_objective,
        "reference_s": round(ref_s, 1), "iterations": solved.iterations,
        "visited": plan["totals"]["visited"], "dropped": plan["totals"]["dropped"],
        "weight_dropped": round(sum(ready.stops[i].weight for i in solved.dropped), 2),
        "same_plan_as_composed": plan["objective"] == solved.cost,
    }  # fmt: skip


def run_county(place: County, reference) -> dict:  # type: ignore[no-untyped-def]
    """Every seed on one county, with the worst gap and routing time against the goals."""
    runs = [run_seed(place, seed, reference) for seed in SEEDS]
    return {
        "county": place.name, "shape": place.shape, "candidates": len(place.candidates),
        "stops": STOPS, "teams": TEAMS, "days": DAYS, "hours_per_day": HOURS,
        "travel_model": "straight", "runs": runs,
        "worst_gap_pct": max(r["gap_pct"] for r in runs),
        "worst_route_s": max(r["route_s"] for r in runs),
        "goals": {"gap_pct": GOAL_GAP_PCT, "route_s": GOAL_ROUTE_S},
    }  # fmt: skip
