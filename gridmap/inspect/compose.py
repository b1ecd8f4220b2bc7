"""One inspection plan from candidates: sample, route, and lay the routes out as team-days."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np

from gridmap.errors import BadInput, GridmapError
from gridmap.inspect import routing, sampling, travel
from gridmap.inspect.sampling import Candidate, Weights

MAX_DAYS, MAX_TEAMS, MAX_STOPS = 31, 50, 1000


class PlanFails(GridmapError):
    """The plan cannot keep its rules (a mandatory stop out of reach, too little time)."""

    status = 422


@dataclass(frozen=True)
class PlanRequest:
    """What the inspectors ask for."""

    name: str
    first_day: date
    days: int
    teams: int
    hours: float
    stops: int | None = None
    per_township: int | None = None
    mandatory: bool = True
    seed: int | None = None
    sources: tuple[str, ...] = sampling.SOURCES
    seat: tuple[float, float] | None = None
    #: (source, stops) pairs: exactly that many stops from each of these sources.
    quotas: tuple[tuple[str, int], ...] = ()

    @property
    def quota(self) -> dict[str, int]:
        """The quotas by source."""
        return dict(self.quotas)

    def check(self) -> None:
        """Refuse inputs that make no plan, saying which and how to fix them."""
        problems = self._quota_problems() + [
            (not self.name.strip() or len(self.name) > 200, "give the plan a name (≤ 200 chars)"),
            (not 1 <= self.days <= MAX_DAYS, f"days must be 1 to {MAX_DAYS}"),
            (not 1 <= self.teams <= MAX_TEAMS, f"teams must be 1 to {MAX_TEAMS}"),
            (not 0.5 <= self.hours <= 16, "working hours per day must be 0.5 to 16"),
            (self.stops is None and self.per_township is None and not self.quotas,
             "say how many stops to sample"),
            (self.stops is not None and not 1 <= self.stops <= MAX_STOPS,
             f"stops must be 1 to {MAX_STOPS}"),
            (self.per_township is not None and not 1 <= self.per_township <= 100,
             "stops per township must be 1 to 100"),
            (not set(self.sources) <= set(sampling.SOURCES) or not self.sources,
             f"sample from some of: {', '.join(sampling.SOURCES)}"),
            (self.seed is not None and not 0 <= self.seed < 2**63, "the seed must be ≥ 0"),
        ]  # fmt: skip
        found = [message for bad, message in problems if bad]
        if found:
            raise BadInput("the plan input is not usable: " + "; ".join(found), details=found)

    def _quota_problems(self) -> list[tuple[bool, str]]:
        sources, quota = set(self.sources), self.quota
        asked = sum(quota.values())
        return [
            (len(quota) < len(self.quotas), "give each source one quota"),
            *((s not in sampling.SOURCES,
               f"a quota is for one of {', '.join(sampling.SOURCES)}, not '{s}'") for s in quota),
            *((s in sampling.SOURCES and s not in sources,
               f"the quota for {s} needs {s} among the sources sampled from") for s in quota),
            *((not 0 <= n <= MAX_STOPS, f"the quota for {s} must be 0 to {MAX_STOPS}")
              for s, n in quota.items()),
            (self.stops is not None and asked > self.stops,
             f"the quotas add up to {asked} stops, more than the {self.stops} stops in all"),
        ]  # fmt: skip


@dataclass(frozen=True)
class Settings:
    """The bureau's standing choices: travel model, time at stops, prizes and weights."""

    detour: float = 1.4
    speed_kmh: float = 40.0
    day_start: time = time(8, 30)
    stop_minutes: dict[str, int] = field(
        default_factory=lambda: {"household": 30, "project": 45, "unit": 40}
    )
    prize_seconds: int = 36_000
    weights: Weights = Weights()
    low_visit_villages: int = 20
    project_statuses: tuple[str, ...] = ("under_construction",)
    solve_seconds: float = 30.0

    def service_seconds(self, kind: str) -> int:
        """Time spent at a stop of `kind`."""
        return int(self.stop_minutes[kind]) * 60

    def as_dict(self) -> dict:
        """The settings as stored with a plan."""
        return {
            "detour": self.detour, "speed_kmh": self.speed_kmh,
            "day_start": self.day_start.strftime("%H:%M"), "stop_minutes": dict(self.stop_minutes),
            "prize_seconds": self.prize_seconds, "weights": vars(self.weights),
        }  # fmt: skip


def reachable_alone(
    candidates: list[Candidate], seat: tuple[float, float], request: PlanRequest, s: Settings
) -> list[bool]:
    """Whether a day from the seat to each candidate and back fits in the working hours."""
    if not candidates:
        return []
    t = travel.travel([seat], [(c.lon, c.lat) for c in candidates], detour=s.detour,
                      speed_kmh=s.speed_kmh)  # fmt: skip
    shift = round(request.hours * 3600)
    return [
        2 * int(t.seconds[0, i]) + s.service_seconds(c.kind) <= shift
        for i, c in enumerate(candidates)
    ]


@dataclass(frozen=True)
class Prepared:
    """The sampled stops and the routing problem built from them (index i is problem stop i)."""

    stops: list[Candidate]
    mandatory: frozenset[tuple[str, str]]
    problem: routing.Problem
    matrix: travel.Travel
    townships_without_candidates: list[str]
    unreachable_candidates: int


def prepare(
    candidates: list[Candidate],
    townships: list[str],
    request: PlanRequest,
    settings: Settings,
    seat: tuple[float, float],
    seed: int,
) -> Prepared:
    """Draw the sample and compute its travel matrix (once) as a routing problem."""
    request.check()
    ok = reachable_alone(candidates, seat, request, settings)
    fits = {c.key for c, good in zip(candidates, ok, strict=True) if good}
    sample = sampling.draw(
        candidates, seed=seed, townships=townships, total=request.stops,
        per_township=request.per_township, mandatory=request.mandatory, quotas=request.quota,
        reachable=lambda c: c.key in fits,
    )  # fmt: skip
    stops = sample.stops
    points = [seat, *((c.lon, c.lat) for c in stops)]
    matrix = travel.travel(points, points, detour=settings.detour, speed_kmh=settings.speed_kmh)
    shift = round(request.hours * 3600)
    # No detour within a day exceeds the day, so even the lightest stop must be worth more.
    unit = max(settings.prize_seconds, math.ceil(shift / min((c.weight for c in stops), default=1)))
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
                    len({c.key for c in candidates} - fits))  # fmt: skip


def compose(
    candidates: list[Candidate],
    townships: list[str],
    request: PlanRequest,
    settings: Settings,
    seat: tuple[float, float],
    seed: int,
) -> dict:
    """The plan as a dict: routes for every team-day, dropped stops, totals (no id yet)."""
    ready = prepare(candidates, townships, request, settings, seat, seed)
    stops = ready.stops
    solved = solve(ready, seed, settings)
    days = _team_days(solved.routes, ready.problem.xy, request.teams, request.days)
    plan = _layout(days, stops, ready.mandatory, ready.matrix, request, settings)
    plan["dropped"] = [_dropped(stops[i]) for i in solved.dropped]
    plan.update(
        name=request.name.strip(), seed=seed, first_day=request.first_day.isoformat(),
        days=request.days, teams=request.teams, hours_per_day=request.hours,
        seat={"lon": seat[0], "lat": seat[1]}, mandatory_per_township=request.mandatory,
        townships_without_candidates=ready.townships_without_candidates,
        unreachable_candidates=ready.unreachable_candidates, objective=solved.cost,
    )  # fmt: skip
    plan["totals"] = totals(plan)
    return plan


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


def _team_days(
    routes: list[list[int]], xy: np.ndarray, teams: int, days: int
) -> list[list[list[int]]]:
    """Routes per team and day: routes in compass order, split evenly over the teams.

    Neighbouring routes go to the same team on consecutive days; a team's unused days come last.
    """
    used = [r for r in routes if r]

    def bearing(route: list[int]) -> float:
        centre = xy[[i + 1 for i in route]].mean(axis=0) - xy[0]
        return math.atan2(float(centre[0]), float(centre[1])) % (2 * math.pi)

    used.sort(key=lambda r: (bearing(r), r))
    chunks = np.array_split(np.arange(len(used)), teams)
    return [[used[k] for k in chunk] + [[]] * (days - len(chunk)) for chunk in chunks]


def _layout(
    team_days: list[list[list[int]]],
    stops: list[Candidate],
    mandatory: frozenset[tuple[str, str]],
    matrix: travel.Travel,
    request: PlanRequest,
    s: Settings,
) -> dict:
    """Every team-day with its stops, arrival times and distances."""
    routes = []
    for team, team_routes in enumerate(team_days, start=1):
        for day, route in enumerate(team_routes):
            on = request.first_day + timedelta(days=day)
            routes.append(_route_entry(team, on, route, stops, mandatory, matrix, s))
    return {"routes": routes}


def _route_entry(
    team: int, on: date, route: list[int], stops: list[Candidate],
    mandatory: frozenset[tuple[str, str]], matrix: travel.Travel, s: Settings,
) -> dict:  # fmt: skip
    """One team-day: its stops in order with ETA and leg length, hours and km."""
    clock = datetime.combine(on, s.day_start)
    start = clock
    entries, metres, here = [], 0, 0
    for i in route:
        clock += timedelta(seconds=int(matrix.seconds[here, i + 1]))
        leg = int(matrix.metres[here, i + 1])
        metres += leg
        c = stops[i]
        entries.append({
            "code": c.code, "kind": c.kind, "township": c.township,
            "eta": clock.strftime("%H:%M"), "weight": c.weight, "check": c.check,
            "name": c.name, "place": c.place, "address": c.address, "lon": c.lon, "lat": c.lat,
            "km": round(leg / 1000, 1), "minutes": s.stop_minutes[c.kind],
            "mandatory": c.key in mandatory,
        })  # fmt: skip
        clock += timedelta(seconds=s.service_seconds(c.kind))
        here = i + 1
    if route:
        clock += timedelta(seconds=int(matrix.seconds[here, 0]))
        metres += int(matrix.metres[here, 0])
    hours = round((clock - start).total_seconds() / 3600, 2)
    return {
        "team": team, "day": on.isoformat(), "hours": hours,
        "km": round(metres / 1000, 1), "back": clock.strftime("%H:%M") if route else None,
        "stops": entries,
    }  # fmt: skip


def _dropped(c: Candidate) -> dict:
    """A sampled stop no team-day visits."""
    return {"code": c.code, "kind": c.kind, "weight": c.weight, "township": c.township,
            "name": c.name, "place": c.place, "address": c.address, "check": c.check,
            "lon": c.lon, "lat": c.lat}  # fmt: skip


def totals(plan: dict) -> dict:
    """Sums over the plan: stops visited and dropped, hours, km, weight visited."""
    visited = [s for r in plan["routes"] for s in r["stops"]]
    return {
        "stops": len(visited) + len(plan["dropped"]),
        "visited": len(visited),
        "dropped": len(plan["dropped"]),
        "team_days_used": sum(1 for r in plan["routes"] if r["stops"]),
        "hours": round(sum(r["hours"] for r in plan["routes"]), 2),
        "km": round(sum(r["km"] for r in plan["routes"]), 1),
        "weight_visited": round(sum(s["weight"] for s in visited), 2),
        "weight_dropped": round(sum(d["weight"] for d in plan["dropped"]), 2),
    }
