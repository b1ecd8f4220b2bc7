"""Benchmark: inspection plans of 60, 200 and 500 sampled stops on the demo county.

Prints one JSON object. Each size is planned as a user would (sampling from the database,
travel matrix, routing, storing), then the same routing model is solved by PyVRP's default
search for a fixed time as the reference objective (travel seconds plus prizes left). The
demo county has roads, so plans travel on them; "road_matrix" times the road model alone:
building the graph from the stored rows, then the travel matrix of 60, 200 and 500 stops.
"""

from __future__ import annotations

import json
import os
import time
from datetime import date

import numpy as np

from bench import inspection_counties
from bench.common import fresh_database
from gridmap.access.accounts import cli_actor
from gridmap.core.clock import today
from gridmap.core.config import Config
from gridmap.inspections import candidates, compose, plan, routing, travel_models
from gridmap.inspections.compose import PlanRequest
from gridmap.sample import demo
from gridmap.store import inspections as store

HOUSEHOLDS = 130_000
#: The benchmark's reference runs PyVRP for 60 s per size; GRIDMAP_BENCH_REFERENCE_S shortens it
#: for a quick local run (the printed "reference" then says so).
REFERENCE_S = 60.0


def reference_seconds() -> float:
    """Seconds PyVRP runs per size: GRIDMAP_BENCH_REFERENCE_S if set, else REFERENCE_S."""
    raw = os.environ.get("GRIDMAP_BENCH_REFERENCE_S", "").strip()
    if not raw:
        return REFERENCE_S
    seconds = float(raw)
    if not seconds > 0:
        raise ValueError(f"GRIDMAP_BENCH_REFERENCE_S must be a positive number, not {raw}")
    return seconds


#: (stops, teams, days, goal seconds): the county's two teams for four days, then larger pushes
#: whose team-days are only just enough, so the prizes decide what is dropped.
SIZES = [(60, 2, 4, 2.0), (200, 4, 5, 10.0), (500, 8, 6, 10.0)]
#: Stops of the road travel matrices, and the goal for the largest (seconds).
ROAD_SIZES, ROAD_GOAL_S = (60, 200, 500), 1.0
HOURS = 8.0
SEED = 2023


def reference(problem: routing.Problem, seed: int) -> tuple[int, float]:
    """PyVRP's default search on the same model for reference_seconds(): objective, seconds."""
    from pyvrp import solve as pyvrp_solve
    from pyvrp.stop import MaxRuntime

    clients = [i for i in range(problem.size) if routing.alone_seconds(problem, i) <= problem.shift]
    data = routing.model(problem, clients)
    result = pyvrp_solve(data, MaxRuntime(reference_seconds()), seed=seed, display=False)
    routes = [[clients[a.idx] for a in r if a.is_client()] for r in result.best.routes()]
    assert result.best.is_feasible()
    return routing.objective(problem, routes), result.runtime


def run_size(conn, config: Config, stops: int, teams: int, days: int, goal_s: float) -> dict:  # type: ignore[no-untyped-def]
    """Plan one size end to end, then solve its routing model for the reference."""
    request = PlanRequest(f"bench {stops}", date(2023, 6, 23), days, teams, HOURS, stops=stops,
                          seed=SEED)  # fmt: skip
    as_of = today(config.timezone)
    started = time.perf_counter()
    made = plan.create_plan(conn, config, request, cli_actor("bench"), as_of)
    plan_s = time.perf_counter() - started
    settings = plan.settings_from(config)
    found = candidates.gather(
        conn, config, request.sources, weights=settings.weights, as_of=as_of,
        low_visit_villages=settings.low_visit_villages,
        project_statuses=list(settings.project_statuses),
    )  # fmt: skip
    towns = [code for code, _name in store.townships(conn)]
    seat = plan.seat_of(conn, config, request)
    model = travel_models.for_county(conn, config, towns[0][:6])
    ready = compose.prepare(found, towns, request, settings, seat, SEED, model)
    started = time.perf_counter()
    solved = compose.solve(ready, SEED, settings)
    route_s = time.perf_counter() - started
    ref_objective, ref_s = reference(ready.problem, SEED)
    prizes = sum(ready.problem.prize) - sum(ready.problem.prize[i] for i in solved.dropped)
    return {
        "stops": stops, "teams": teams, "days": days, "hours_per_day": HOURS,
        "plan_s": round(plan_s, 2), "route_s": round(route_s, 2), "goal_s": goal_s,
        "total_hours": made["totals"]["hours"], "km": made["totals"]["km"],
        "visited": made["totals"]["visited"], "dropped": made["totals"]["dropped"],
        "weight_visited": made["totals"]["weight_visited"], "prizes_collected": prizes,
        "objective": solved.cost, "reference_objective": ref_objective,
        "reference_s": round(ref_s, 1),
        "gap_pct": round(100 * (solved.cost - ref_objective) / ref_objective, 3),
        "same_plan_as_stored": made["objective"] == solved.cost,
        "travel_model": made["travel_model"],
    }  # fmt: skip


def road_matrix(conn, config: Config) -> dict:  # type: ignore[no-untyped-def]
    """Seconds to build the demo county's road graph, then each size's travel matrix."""
    county = store.townships(conn)[0][0][:6]
    started = time.perf_counter()
    model = travel_models.for_county(conn, config, county)
    build_s = time.perf_counter() - started
    assert isinstance(model, travel_models.Roads), "the demo county has no roads"
    settings = plan.settings_from(config)
    places = candidates.gather(
        conn, config, ("households", "groups", "villages"), weights=settings.weights,
        as_of=today(config.timezone), low_visit_villages=10_000,
        project_statuses=list(settings.project_statuses), county=county,
    )  # fmt: skip
    rng = np.random.default_rng(SEED)
    runs = []
    for n in ROAD_SIZES:
        chosen = rng.choice(len(places), size=n, replace=False)
        points = [(places[i].lon, places[i].lat) for i in chosen]
        started = time.perf_counter()
        found = model.travel(points, points)
        seconds = time.perf_counter() - started
        runs.append({"stops": n, "matrix_s": round(seconds, 3),
                     "unreachable_pairs": int(travel_models.unreachable(found).sum())})  # fmt: skip
    largest = runs[-1]["matrix_s"]
    return {
        "links": model.network.links, "nodes": model.network.nodes,
        "build_s": round(build_s, 3), "runs": runs, "goal_s": ROAD_GOAL_S,
        "ratio_to_goal": round(largest / ROAD_GOAL_S, 3),
    }  # fmt: skip


def reference_label() -> str:
    """How the reference was found, as printed with the results."""
    seconds = reference_seconds()
    shortened = "" if seconds == REFERENCE_S else f" (shortened from {REFERENCE_S:g} s)"
    return f"PyVRP default search, {seconds:g} s per size{shortened}"


def main() -> None:
    """Plan five seeds on two generated counties, then load the demo county and plan every size."""
    started = time.perf_counter()
    seeds = [inspection_counties.run_county(c, reference) for c in inspection_counties.counties()]
    print(json.dumps({"bench": "inspect_seeds", "reference": reference_label(), "counties": seeds,
                      "command_s": round(time.perf_counter() - started, 1),
                      "load_average_1m": round(os.getloadavg()[0], 2)}, ensure_ascii=False),
          flush=True)  # fmt: skip
    if os.environ.get("GRIDMAP_BENCH_SEEDS_ONLY"):
        return
    config = Config.from_env()
    with fresh_database(config, "gridmap_bench_inspect") as conn:
        conn.autocommit = True
        demo.load_demo(conn, config, households_n=HOUSEHOLDS, seed=SEED,
                       today=today(config.timezone))  # fmt: skip
        conn.execute("VACUUM ANALYZE")
        roads = road_matrix(conn, config)
        runs = [run_size(conn, config, *size) for size in SIZES]
    result = {
        "bench": "inspect",
        "households": HOUSEHOLDS,
        "reference": reference_label(),
        "runs": runs,
        "road_matrix": roads,
        # Timings are wall-clock on a shared 2-core machine: other work inflates them.
        "load_average_1m": round(os.getloadavg()[0], 2),
        "goals": {"gap_pct": 1.0, "route_s": {str(s): g for s, _t, _d, g in SIZES}},
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
