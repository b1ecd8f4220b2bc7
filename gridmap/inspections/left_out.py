"""Why a sampled stop is left out of a plan, judged from the routes it could have joined.

Every optional stop carries a prize above any detour within a day, so the routes leave a stop
out only when time runs short. Two cases are told apart:

- "no_time": no team-day has room for it, even at its cheapest place in the day, and no
  team-day could take it in place of a lighter stop it keeps;
- "heavier_preferred": some team-day could take it in place of a stop it keeps that weighs
  more (a larger prize), so the plan kept that one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

NO_TIME, HEAVIER_PREFERRED = "no_time", "heavier_preferred"
REASONS = (NO_TIME, HEAVIER_PREFERRED)


def day_seconds(seconds: NDArray[np.int64], service: Sequence[int], route: Sequence[int]) -> int:
    """Travel from the seat (index 0) through stops `route` (stop i is index i + 1) and back,
    plus the time at each stop."""
    path = [0, *(i + 1 for i in route), 0]
    travel = sum(int(seconds[a, b]) for a, b in zip(path, path[1:], strict=False))
    return travel + sum(service[i] for i in route)


def cheapest_insertion(
    seconds: NDArray[np.int64], service: Sequence[int], route: Sequence[int], stop: int
) -> int:
    """The fewest seconds `stop` adds to `route` (travel detour plus its time there)."""
    path = np.array([0, *(i + 1 for i in route), 0])
    a, b, s = path[:-1], path[1:], stop + 1
    detour = seconds[a, s] + seconds[s, b] - seconds[a, b]
    return int(detour.min()) + int(service[stop])


def fits_instead(
    seconds: NDArray[np.int64], service: Sequence[int], route: Sequence[int], stop: int,
    kept: int, shift: int,
) -> bool:  # fmt: skip
    """Whether `route` without `kept`, with `stop` at its cheapest place, ends within `shift`."""
    rest = [i for i in route if i != kept]
    added = cheapest_insertion(seconds, service, rest, stop)
    return day_seconds(seconds, service, rest) + added <= shift


def reason(
    seconds: NDArray[np.int64], service: Sequence[int], prize: Sequence[int],
    required: Sequence[bool], routes: Sequence[Sequence[int]], shift: int, stop: int,
) -> str:  # fmt: skip
    """NO_TIME or HEAVIER_PREFERRED for a stop no route visits (see the module's docstring)."""
    for route in routes:
        heavier = [k for k in route if not required[k] and prize[k] > prize[stop]]
        if any(fits_instead(seconds, service, route, stop, k, shift) for k in heavier):
            return HEAVIER_PREFERRED
    return NO_TIME


def reasons(
    seconds: NDArray[np.int64], service: Sequence[int], prize: Sequence[int],
    required: Sequence[bool], routes: Sequence[Sequence[int]], shift: int,
    left_out: Sequence[int],
) -> dict[int, str]:  # fmt: skip
    """The reason of each stop in `left_out`, by stop."""
    return {
        i: reason(seconds, service, prize, required, routes, shift, i) for i in left_out
    }  # fmt: skip
