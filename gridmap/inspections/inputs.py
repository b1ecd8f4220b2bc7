"""What a plan is made from: the inspectors' request and the bureau's standing settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from gridmap.core.errors import BadInput
from gridmap.inspections import sampling
from gridmap.inspections.sampling import Weights

MAX_DAYS, MAX_TEAMS, MAX_STOPS = 31, 50, 1000
#: Bounds of a per-plan weight multiplier: beyond them one source would swamp the others.
MIN_WEIGHT, MAX_WEIGHT = 0.01, 100.0


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
    #: (source, multiplier) pairs: this plan weighs that source's places so much more or less.
    weights: tuple[tuple[str, float], ...] = ()

    @property
    def quota(self) -> dict[str, int]:
        """The quotas by source."""
        return dict(self.quotas)

    @property
    def weight(self) -> dict[str, float]:
        """The weight multipliers by source (1 for a source not named)."""
        return dict(self.weights)

    def check(self) -> None:
        """Refuse inputs that make no plan, saying which and how to fix them."""
        problems = self._quota_problems() + self._weight_problems() + [
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

    def _weight_problems(self) -> list[tuple[bool, str]]:
        sources, weight = set(self.sources), self.weight
        return [
            (len(weight) < len(self.weights), "give each source one weight"),
            *((s not in sampling.SOURCES,
               f"a weight is for one of {', '.join(sampling.SOURCES)}, not '{s}'") for s in weight),
            *((s in sampling.SOURCES and s not in sources,
               f"the weight for {s} needs {s} among the sources sampled from") for s in weight),
            *((not w > 0, f"the weight for {s} must be above 0, not {w:g}: it multiplies the "
               "configured weights (leave it empty for 1, or leave the source out to sample "
               "nothing from it)") for s, w in weight.items()),
            *((w > 0 and not MIN_WEIGHT <= w <= MAX_WEIGHT,
               f"the weight for {s} must be {MIN_WEIGHT:g} to {MAX_WEIGHT:g}, not {w:g}")
              for s, w in weight.items()),
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
    #: The project table's status of a project under way (migration 0009).
    project_statuses: tuple[str, ...] = ("started",)
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
