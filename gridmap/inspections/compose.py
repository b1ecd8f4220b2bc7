"""One inspection plan from candidates: sample, route, and lay the routes out as team-days."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from gridmap.core.errors import GridmapError
from gridmap.inspections import left_out, routing, sampling, travel, travel_models
from gridmap.inspections.inputs import PlanRequest, Settings
from gridmap.inspections.layout import dropped, layout, team_days, totals
from gridmap.inspections.sampling import Candidate

# PlanRequest and Settings live in inputs; callers keep importing them from here.
__all__ = ["PlanFails", "PlanRequest", "Prepared", "Settings", "compose", "prepare", "prize_unit",
           "solve", "weighed"]  # fmt: skip


class PlanFails(GridmapError):
    """The plan cannot keep its rules (a mandatory stop out of reach, too little time)."""

    status = 422


def seat_legs(
    candidates: list[Candidate], seat: tuple[float, float], model: travel_models.Model
) -> tuple[travel.Travel, travel.Travel]:
    """Travel from the seat to every candidate (one row) and from each back (one column)."""
    points = [(c.lon, c.lat) for c in candidates]
    return model.travel([seat], points), model.travel(points, [seat])


def reachable_alone(
    candidates: list[Candidate], legs: tuple[travel.Travel, travel.Travel],
    request: PlanRequest, s: Settings,
) -> list[bool]:  # fmt: skip
    """Whether a day from the seat to each candidate and back fits in the working hours."""
    out, back = legs[0].seconds[0], legs[1].seconds[:, 0]
    shift = round(request.hours * 3600)
    return [
        int(out[i]) + int(back[i]) + s.service_seconds(c.kind) <= shift
        for i, c in enumerate(candidates)
    ]


def off_road(candidates: list[Candidate], legs: tuple[travel.Travel, travel.Travel]) -> list[dict]:
    """The candidates no road leads to from the seat, or back (none under the straight model)."""
    out = travel_models.unreachable(legs[0])[0]
    back = travel_models.unreachable(legs[1])[:, 0]
    return [{"kind": c.kind, "code": c.code, "name": c.name}
            for c, o, b in zip(candidates, out, back, strict=True) if o or b]  # fmt: skip


def weighed(candidates: Sequence[Candidate], request: PlanRequest) -> list[Candidate]:
    """The candidates with this plan's weight multiplier of their source applied."""
    factor = request.weight
    return [
        replace(c, weight=round(c.weight * factor[c.source], 4)) if c.source in factor else c
        for c in candidates
    ]


def prize_unit(stops: Sequence[Candidate], shift: int, setting: int) -> int:
    """Seconds of travel an optional stop is worth per unit of weight: the setting, or more."""
    # A stop's prize is weight × this. No detour within a day exceeds the day, so a prize of at
    # least one shift makes every stop that fits worth its visit: a setting too small for the
    # lightest stop is raised to that, and the plan stores and shows the value used.
    lightest = min((c.weight for c in stops), default=1.0)
    return max(setting, math.ceil(shift / lightest))


@dataclass(frozen=True)
class Prepared:
    """The sampled stops and the routing problem built from them (index i is problem stop i)."""

    stops: list[Candidate]
    mandatory: frozenset[tuple[str, str]]
    problem: routing.Problem
    matrix: travel.Travel
    townships_without_candidates: list[str]
    unreachable_candidates: int
    #: Candidates no road reaches from the seat (kind, code, name): never sampled.
    unreachable_by_road: list[dict]
    #: The prize per unit of weight the problem uses (see prize_unit).
    prize_seconds: int


def prepare(
    candidates: list[Candidate],
    townships: list[str],
    request: PlanRequest,
    settings: Settings,
    seat: tuple[float, float],
    seed: int,
    model: travel_models.Model | None = None,
) -> Prepared:
    """Draw the sample and compute its travel matrix (once) as a routing problem."""
    request.check()
    model = model or travel_models.Straight(settings.detour, settings.speed_kmh)
    candidates = weighed(candidates, request)
    legs = seat_legs(candidates, seat, model)
    ok = reachable_alone(candidates, legs, request, settings)
    fits = {c.key for c, good in zip(candidates, ok, strict=True) if good}
    sample = sampling.draw(
        candidates, seed=seed, townships=townships, total=request.stops,
        per_township=request.per_township, mandatory=request.mandatory, quotas=request.quota,
        reachable=lambda c: c.key in fits,
    )  # fmt: skip
    stops = sample.stops
    points = [seat, *((c.lon, c.lat) for c in stops)]
    matrix = model.travel(points, points)
    shift = round(request.hours * 3600)
    unit = prize_unit(stops, shift, settings.prize_seconds)
    problem = routing.Problem(
        seconds=matrix.seconds,
        xy=travel.planar_xy(points),
        service=[settings.service_seconds(c.kind) for c in stops],
        prize=[round(c.weight * unit) for c in stops],
        required=[c.key in sample.mandatory for c in stops],
        vehicles=request.teams * request.days,
        shift=shift,
    )
    return Prepared(stops, sample.mandatory, problem, matrix, sample.townships_without_candidates,
                    len({c.key for c in candidates} - fits),
                    off_road(candidates, legs), unit)  # fmt: skip


def compose(
    candidates: list[Candidate],
    townships: list[str],
    request: PlanRequest,
    settings: Settings,
    seat: tuple[float, float],
    seed: int,
    model: travel_models.Model | None = None,
) -> dict:
    """The plan as a dict: routes for every team-day, dropped stops, totals (no id yet)."""
    ready = prepare(candidates, townships, request, settings, seat, seed, model)
    stops = ready.stops
    solved = solve(ready, seed, settings)
    days = team_days(solved.routes, ready.problem.xy, request.teams, request.days)
    plan = layout(days, stops, ready.mandatory, ready.matrix, request, settings)
    plan["dropped"] = [{**dropped(stops[i]), "reason": why}
                       for i, why in left_out_reasons(ready.problem, solved).items()]  # fmt: skip
    plan.update(
        name=request.name.strip(), seed=seed, first_day=request.first_day.isoformat(),
        days=request.days, teams=request.teams, hours_per_day=request.hours,
        seat={"lon": seat[0], "lat": seat[1]}, mandatory_per_township=request.mandatory,
        townships_without_candidates=ready.townships_without_candidates,
        unreachable_candidates=ready.unreachable_candidates, objective=solved.cost,
        prize_seconds=ready.prize_seconds, travel_model=ready.matrix.model,
        unreachable_by_road=ready.unreachable_by_road,
    )  # fmt: skip
    plan["totals"] = totals(plan)
    return plan


def left_out_reasons(problem: routing.Problem, solved: routing.Solved) -> dict[int, str]:
    """Why each stop the routes leave out is left out, in the order they were left out."""
    return left_out.reasons(problem.seconds, problem.service, problem.prize, problem.required,
                            solved.routes, problem.shift, solved.dropped)  # fmt: skip


def solve(ready: Prepared, seed: int, s: Settings) -> routing.Solved:
    """Routes, or PlanFails naming the mandatory stop that cannot be kept."""
    problem, stops = ready.problem, ready.stops
    budget = routing.Budget.for_size(problem.size, s.solve_seconds)
    try:
        return routing.solve(problem, seed=seed, budget=budget)
    except routing.Unreachable as exc:
        c = stops[exc.stop]
        raise PlanFails(
            f"mandatory stop {c.kind} {c.code} ({c.name}) cannot be reached and left within "
            "a working day from the start point; lengthen the day or turn the stop per "
            "township off"
        ) from exc
    except routing.DoesNotFit as exc:
        named = ", ".join(f"{stops[i].kind} {stops[i].code}" for i in exc.stops[:20])
        raise PlanFails(
            "the mandatory stops do not fit into the team-days; add teams or days, or lengthen "
            f"the day (mandatory stops: {named})"
        ) from exc
