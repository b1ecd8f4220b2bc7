"""Team-day routes as a prize-collecting vehicle routing problem, solved with PyVRP.

Every team-day is one vehicle that leaves the seat (location 0) and returns to it within the
working day (travel plus time at stops). Mandatory stops are required clients; the others carry
a prize, and the objective is travel seconds plus the prizes left uncollected. A prize above a
day's travel makes any stop that fits worth its detour, so stops are only dropped when time runs
short, and then those worth least per second of detour go first.

The search stops after a number of iterations without improvement, not after a wall-clock time,
so the same problem and seed give the same routes on any machine; `max_seconds` only guards
against a very slow one.

Going over a day's hours costs a penalty per second while searching. PyVRP starts it at 50 000
per second, fit for its own benchmarks, but here a second is worth a few units of prize: at that
price the search never passes through a day that is briefly too long, so it cannot swap a slow,
light stop for a heavier, quicker one that lies elsewhere, and keeps the light one. The penalty
starts at the prize of the lightest stop per hour and adapts quickly; several short searches
from seeds derived from the plan's seed keep one unlucky start from deciding what is dropped.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pyvrp import (
    Client,
    Depot,
    IteratedLocalSearch,
    IteratedLocalSearchParams,
    Location,
    PenaltyManager,
    PenaltyParams,
    ProblemData,
    RandomNumberGenerator,
    Solution,
    VehicleType,
)
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.search import (
    OPERATORS,
    LocalSearch,
    NeighbourhoodParams,
    PerturbationManager,
    PerturbationParams,
    compute_neighbours,
)
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement


@dataclass(frozen=True)
class Problem:
    """Index 0 of `seconds` and `xy` is the seat; client i (0-based) is index i + 1."""

    seconds: NDArray[np.int64]
    xy: NDArray[np.float64]
    service: list[int]
    prize: list[int]
    required: list[bool]
    vehicles: int
    shift: int

    @property
    def size(self) -> int:
        """Number of stops (clients)."""
        return len(self.service)


@dataclass(frozen=True)
class Budget:
    """When the search stops (iterations without improvement, iterations, seconds) and how."""

    no_improvement: int = 600
    max_iterations: int = 1200
    #: A guard for slow machines only: a search cut short by time is no longer reproducible.
    max_seconds: float = 30.0
    #: Granular neighbourhood size (PyVRP's default is 50, slower per iteration).
    neighbours: int = 30
    #: Go back to the best solution after this many iterations without improvement: on small,
    #: tight plans the search otherwise settles for dropping a stop that a better plan keeps.
    restart_after: int = 300
    #: Most stops moved by one perturbation (PyVRP's default of 25 makes iterations slower
    #: without finding more on plans of this size).
    perturbations: int = 10
    #: Independent searches, the best kept: which stops are dropped is a knapsack choice, and
    #: a search that starts badly rarely leaves it; three short ones beat one long one.
    runs: int = 3

    @classmethod
    def for_size(cls, stops: int, max_seconds: float = 30.0) -> Budget:
        """Iterations within about 1 % of a long search: ~1.5 s at 60 stops, ~10 s at 200 to 500."""
        if stops <= 100:
            return cls(max_seconds=max_seconds)
        # Larger problems improve slowly: a narrower neighbourhood and rarer restarts pay off.
        iterations = 6000 if stops <= 300 else 5000
        return cls(no_improvement=3000, max_iterations=iterations, max_seconds=max_seconds,
                   neighbours=20, restart_after=1000, perturbations=25, runs=1)  # fmt: skip


@dataclass(frozen=True)
class Solved:
    """One client list per vehicle (visiting order, maybe empty) and the stops left out."""

    routes: list[list[int]]
    dropped: list[int]
    cost: int
    iterations: int = 0
    runtime_s: float = 0.0


class Unreachable(Exception):
    """A mandatory stop that no team-day can reach and leave within its hours."""

    def __init__(self, stop: int):
        super().__init__(f"stop {stop} cannot be reached within a working day")
        self.stop = stop


class DoesNotFit(Exception):
    """The mandatory stops together need more team-days or longer days."""

    def __init__(self, stops: list[int]):
        super().__init__("the mandatory stops do not fit into the team-days")
        self.stops = stops


def alone_seconds(problem: Problem, i: int) -> int:
    """Length of a day that visits only stop i."""
    return int(problem.seconds[0, i + 1] + problem.service[i] + problem.seconds[i + 1, 0])


def route_seconds(problem: Problem, route: list[int]) -> int:
    """Driving plus time at stops of one route from the seat back to the seat."""
    path = [0, *(i + 1 for i in route), 0]
    travel = sum(int(problem.seconds[a, b]) for a, b in zip(path, path[1:], strict=False))
    return travel + sum(problem.service[i] for i in route)


def objective(problem: Problem, routes: list[list[int]]) -> int:
    """Travel seconds of all routes plus the prizes of the stops no route visits."""
    visited = {i for r in routes for i in r}
    travel = sum(route_seconds(problem, r) - sum(problem.service[i] for i in r) for r in routes)
    return travel + sum(p for i, p in enumerate(problem.prize) if i not in visited)


def solve(problem: Problem, *, seed: int, budget: Budget | None = None) -> Solved:
    """Routes for every vehicle; Unreachable or DoesNotFit when mandatory stops cannot be kept."""
    reachable = [i for i in range(problem.size) if alone_seconds(problem, i) <= problem.shift]
    for i in range(problem.size):
        if problem.required[i] and i not in set(reachable):
            raise Unreachable(i)
    budget = budget or Budget.for_size(len(reachable))
    routes, iterations, runtime = _search(problem, reachable, seed, budget)
    _check_hard_rules(problem, routes)
    routes = fill_empty_days(problem, routes)
    visited = {i for r in routes for i in r}
    dropped = [i for i in range(problem.size) if i not in visited]
    return Solved(routes, dropped, objective(problem, routes), iterations, runtime)


def _search(
    problem: Problem, clients: list[int], seed: int, budget: Budget
) -> tuple[list[list[int]], int, float]:
    """Run PyVRP on the stops in `clients`; routes use the problem's stop numbers."""
    if not clients:
        return [[] for _ in range(problem.vehicles)], 0, 0.0
    data = model(problem, clients)
    found: list[tuple[int, list[list[int]]]] = []
    iterations, runtime = 0, 0.0
    for run in range(budget.runs):
        best, n, seconds = _one_search(data, duration_penalty(problem, clients), budget,
                                       (seed * budget.runs + run) % 2**31)  # fmt: skip
        iterations, runtime = iterations + n, runtime + seconds
        if best.is_feasible() and not best.num_missing_clients() and not best.num_missing_groups():
            routes = [[clients[a.idx] for a in r if a.is_client()] for r in best.routes()]
            routes += [[] for _ in range(problem.vehicles - len(routes))]
            found.append((objective(problem, fill_empty_days(problem, routes)), routes))
    if not found:
        raise DoesNotFit([i for i in clients if problem.required[i]])
    # The first of equally good runs wins, so the choice does not depend on sorting ties.
    return min(found, key=lambda f: f[0])[1], iterations, runtime


def duration_penalty(problem: Problem, clients: list[int]) -> float:
    """Starting penalty per second over a day's hours: the lightest optional prize per hour."""
    prizes = [problem.prize[i] for i in clients if not problem.required[i] and problem.prize[i]]
    return max(min(prizes, default=3600) / 3600, 1.0)


def _one_search(
    data: ProblemData, penalty: float, budget: Budget, seed: int
) -> tuple[Solution, int, float]:
    """One iterated local search as PyVRP runs it, with penalties at this problem's scale."""
    rng = RandomNumberGenerator(seed=seed)
    neighbours = compute_neighbours(data, NeighbourhoodParams(num_neighbours=budget.neighbours))
    perturb = PerturbationManager(PerturbationParams(1, budget.perturbations))
    search = LocalSearch(data, rng, neighbours, perturb)
    for op in OPERATORS:
        if op.supports(data):
            search.add_operator(op(data))
    # Frequent updates let the penalty settle within a short search (PyVRP's 500 suit long ones).
    params = PenaltyParams(solutions_between_updates=50, min_penalty=penalty / 100,
                           max_penalty=penalty * 100)  # fmt: skip
    penalties = PenaltyManager(([penalty] * data.num_load_dimensions, penalty, penalty), params)
    stop = MultipleCriteria(
        [
            NoImprovement(budget.no_improvement),
            MaxIterations(budget.max_iterations),
            MaxRuntime(budget.max_seconds),
        ]
    )
    with warnings.catch_warnings():
        # Mandatory stops that cannot all fit make PyVRP warn; DoesNotFit says so plainly.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        start = search(Solution.make_random(data, rng), penalties.max_cost_evaluator(), True)
        ils = IteratedLocalSearchParams(num_iters_no_improvement=budget.restart_after)
        result = IteratedLocalSearch(data, penalties, search, start, ils).run(stop, False)
    return result.best, result.num_iterations, result.runtime


def model(problem: Problem, clients: list[int]) -> ProblemData:
    """PyVRP's data for the stops in `clients`: travel seconds are both distance and duration."""
    index = [0, *(i + 1 for i in clients)]
    matrix = np.ascontiguousarray(problem.seconds[np.ix_(index, index)], dtype=np.int64)
    locations = [Location(x=float(problem.xy[j, 0]), y=float(problem.xy[j, 1])) for j in index]
    stops = [
        Client(
            location=k + 1,
            service_duration=problem.service[i],
            prize=problem.prize[i],
            required=problem.required[i],
        )
        for k, i in enumerate(clients)
    ]
    vehicle = VehicleType(
        num_available=problem.vehicles,
        shift_duration=problem.shift,
        unit_distance_cost=1,
        unit_duration_cost=0,
    )
    matrices: list = [matrix]  # PyVRP's stubs type the matrices loosely
    return ProblemData(locations, stops, [Depot(location=0)], [vehicle], matrices, matrices)


def _check_hard_rules(problem: Problem, routes: list[list[int]]) -> None:
    """Refuse a solution that breaks a rule the plan promises (hours, no stop twice)."""
    seen = [i for r in routes for i in r]
    if len(seen) != len(set(seen)) or len(routes) != problem.vehicles:
        raise DoesNotFit([])
    if any(route_seconds(problem, r) > problem.shift for r in routes):
        raise DoesNotFit([i for r in routes for i in r if problem.required[i]])


def fill_empty_days(problem: Problem, routes: list[list[int]]) -> list[list[int]]:
    """Give each empty team-day the dropped stops that fit, best prize per added second first."""
    routes = [list(r) for r in routes]
    visited = {i for r in routes for i in r}
    left = [i for i in range(problem.size) if i not in visited]
    for route in routes:
        if route or not left:
            continue
        while (best := _best_insertion(problem, route, left)) is not None:
            stop, position = best
            route.insert(position, stop)
            left.remove(stop)
    return routes


def _best_insertion(
    problem: Problem, route: list[int], candidates: list[int]
) -> tuple[int, int] | None:
    """The candidate and position with the highest prize per added second that still fits."""
    base = route_seconds(problem, route)
    path = [0, *(i + 1 for i in route), 0]
    best: tuple[float, int, int] | None = None
    for i in candidates:
        for pos in range(len(path) - 1):
            a, b = path[pos], path[pos + 1]
            added = int(
                problem.seconds[a, i + 1] + problem.seconds[i + 1, b] - problem.seconds[a, b]
            )
            if base + added + problem.service[i] > problem.shift:
                continue
            ratio = problem.prize[i] / max(added + problem.service[i], 1)
            if best is None or ratio > best[0]:
                best = (ratio, i, pos)
    return None if best is None else (best[1], best[2])
