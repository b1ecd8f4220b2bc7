"""A solved plan laid out as team-days: stops in order with arrival times, hours and km."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import numpy as np

from gridmap.inspections import travel
from gridmap.inspections.inputs import PlanRequest, Settings
from gridmap.inspections.sampling import Candidate


def team_days(
    routes: list[list[int]], xy: np.ndarray, teams: int, days: int
) -> list[list[list[int]]]:
    """Routes per team and day: routes in compass order, split evenly over the teams."""
    # Neighbouring routes go to the same team on consecutive days; unused days come last.
    used = [r for r in routes if r]

    def bearing(route: list[int]) -> float:
        centre = xy[[i + 1 for i in route]].mean(axis=0) - xy[0]
        return math.atan2(float(centre[0]), float(centre[1])) % (2 * math.pi)

    used.sort(key=lambda r: (bearing(r), r))
    chunks = np.array_split(np.arange(len(used)), teams)
    return [[used[k] for k in chunk] + [[]] * (days - len(chunk)) for chunk in chunks]


def layout(
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
        "stops": entries, "path": road_path(route, matrix),
    }  # fmt: skip


def road_path(route: list[int], matrix: travel.Travel) -> list[list[float]] | None:
    """The day's path on the roads from the seat back to it as [lon, lat] points; None under
    the straight model (the map then draws straight lines between the stops)."""
    if matrix.path is None or not route:
        return None
    legs = [0, *(i + 1 for i in route), 0]
    points: list[list[float]] = []
    for a, b in zip(legs, legs[1:], strict=False):
        leg = [[round(x, 7), round(y, 7)] for x, y in matrix.path(a, b)]
        points.extend(leg[1:] if points and leg and leg[0] == points[-1] else leg)
    return points


def dropped(c: Candidate) -> dict:
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
