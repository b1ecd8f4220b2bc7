"""Team-day routing: hard rules, mandatory stops, empty days, and brute-force optimality."""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridmap.inspections import routing, travel
from gridmap.inspections.routing import Problem

SEAT = (117.0, 30.0)
HOUR = 3600


def problem(
    offsets: list[tuple[float, float]], *, vehicles: int, hours: float, service: int = 1800,
    weights: list[float] | None = None, required: list[bool] | None = None,
) -> Problem:  # fmt: skip
    """Stops at (dlon, dlat) degrees from the seat; 40 km/h, detour 1.4, prize 10 h per weight."""
    points = [SEAT, *((SEAT[0] + dx, SEAT[1] + dy) for dx, dy in offsets)]
    t = travel.travel(points, points, detour=1.4, speed_kmh=40)
    n = len(offsets)
    return Problem(
        seconds=t.seconds, xy=travel.planar_xy(points), service=[service] * n,
        prize=[round((weights or [1.0] * n)[i] * 36000) for i in range(n)],
        required=required or [False] * n, vehicles=vehicles, shift=round(hours * HOUR),
    )  # fmt: skip


def assert_hard_rules(p: Problem, solved: routing.Solved) -> None:
    """Each vehicle within its hours, no stop twice, mandatory ones visited, the rest dropped."""
    assert len(solved.routes) == p.vehicles
    visited = [i for r in solved.routes for i in r]
    assert len(visited) == len(set(visited))
    assert set(visited) | set(solved.dropped) == set(range(p.size))
    assert not set(visited) & set(solved.dropped)
    assert all(routing.route_seconds(p, r) <= p.shift for r in solved.routes)
    assert all(i in visited for i in range(p.size) if p.required[i])
    if solved.dropped:
        fits_alone = [i for i in solved.dropped if routing.alone_seconds(p, i) <= p.shift]
        assert not (fits_alone and any(not r for r in solved.routes)), "empty day while dropping"


def brute_force(p: Problem) -> int:
    """The least objective over every split of the stops into routes (or dropped), exactly."""

    @cache
    def best_tour(stops: frozenset[int]) -> int | None:
        lengths = [routing.route_seconds(p, list(order)) for order in itertools.permutations(stops)]
        best = min(lengths)
        return best - sum(p.service[i] for i in stops) if best <= p.shift else None

    best = None
    for labels in itertools.product(range(p.vehicles + 1), repeat=p.size):
        if any(p.required[i] and labels[i] == p.vehicles for i in range(p.size)):
            continue
        cost = sum(p.prize[i] for i in range(p.size) if labels[i] == p.vehicles)
        for v in range(p.vehicles):
            tour = best_tour(frozenset(i for i in range(p.size) if labels[i] == v))
            cost = None if tour is None or cost is None else cost + tour
        if cost is not None and (best is None or cost < best):
            best = cost
    assert best is not None
    return best


def test_ample_time_visits_every_stop_and_returns_to_the_seat():
    p = problem([(0.1, 0), (0.1, 0.05), (-0.1, 0), (0, -0.1)], vehicles=2, hours=8)
    solved = routing.solve(p, seed=1)
    assert solved.dropped == []
    assert_hard_rules(p, solved)


def test_tight_time_drops_the_least_worth_per_hour_and_leaves_no_day_empty():
    # Two far stops east, one near west of low weight: one 2-hour day can only do one side.
    p = problem([(0.15, 0), (0.16, 0.01), (-0.05, 0)], vehicles=2, hours=2.5, weights=[3, 3, 1])
    solved = routing.solve(p, seed=1)
    assert_hard_rules(p, solved)
    assert all(solved.routes)


def test_mandatory_stop_out_of_reach_is_named():
    p = problem([(0.05, 0), (1.5, 0)], vehicles=3, hours=8, required=[False, True])
    with pytest.raises(routing.Unreachable) as caught:
        routing.solve(p, seed=1)
    assert caught.value.stop == 1


def test_mandatory_stops_that_do_not_fit_together_fail():
    p = problem([(0.2, 0), (-0.2, 0), (0, 0.2)], vehicles=1, hours=3, required=[True] * 3)
    with pytest.raises(routing.DoesNotFit):
        routing.solve(p, seed=1)


def test_unreachable_optional_stop_is_dropped_not_routed():
    p = problem([(0.05, 0), (1.5, 0)], vehicles=2, hours=4)
    solved = routing.solve(p, seed=1)
    assert solved.dropped == [1]
    assert_hard_rules(p, solved)


def test_no_stops_gives_every_vehicle_an_empty_route():
    p = problem([], vehicles=3, hours=8)
    assert routing.solve(p, seed=1).routes == [[], [], []]


def test_fill_empty_days_uses_idle_vehicles_for_dropped_stops():
    p = problem([(0.05, 0), (-0.05, 0), (0, 0.05)], vehicles=2, hours=8)
    filled = routing.fill_empty_days(p, [[0], []])
    assert filled[0] == [0] and sorted(filled[1]) == [1, 2]
    assert routing.route_seconds(p, filled[1]) <= p.shift


def test_same_seed_same_routes():
    rng = np.random.default_rng(4)
    offsets = [tuple(x) for x in rng.uniform(-0.2, 0.2, (25, 2))]
    p = problem(offsets, vehicles=3, hours=6)
    assert routing.solve(p, seed=9).routes == routing.solve(p, seed=9).routes


@settings(max_examples=12, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-0.12, 0.12), st.floats(-0.12, 0.12)), min_size=1, max_size=5),
    st.lists(st.sampled_from([1.0, 2.0, 3.0]), min_size=5, max_size=5),
    st.integers(1, 2),
    st.sampled_from([1.5, 2.5, 4.0]),
    st.booleans(),
)
def test_small_problems_are_solved_to_optimality(offsets, weights, vehicles, hours, first_required):
    required = [first_required] + [False] * (len(offsets) - 1)
    p = problem(offsets, vehicles=vehicles, hours=hours, service=900,
                weights=weights[: len(offsets)], required=required)  # fmt: skip
    try:
        solved = routing.solve(p, seed=3)
    except (routing.Unreachable, routing.DoesNotFit):
        assert routing.alone_seconds(p, 0) > p.shift and first_required
        return
    assert_hard_rules(p, solved)
    assert solved.cost == brute_force(p)


def test_the_search_penalty_is_at_the_prize_scale_not_pyvrps_default():
    p = problem([(0.05, 0), (-0.05, 0)], vehicles=1, hours=8, weights=[2.0, 1.0])
    assert routing.duration_penalty(p, [0, 1]) == 10.0  # 36 000 per weight / 3600 s
