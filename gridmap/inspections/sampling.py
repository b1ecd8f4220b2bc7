"""Weighted random sampling of places to inspect, reproducible from a stored seed.

Each candidate is drawn with probability in proportion to its weight, without replacement
(Efraimidis-Spirakis: every candidate gets the key u ** (1 / weight) from one random stream over
the candidates in a fixed order, and the largest keys win). Drawing the largest key within a
township is then a weighted draw within that township, so one stream serves every rule.

A quota asks for exactly that many stops from one source: draws for the stop per township and
per township skip a source whose quota is full, the quotas are then filled in key order, and
the remaining stops in all come from the sources without a quota.
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from gridmap.core import vocab
from gridmap.core.errors import BadInput

KINDS = vocab.STOP_KINDS
SOURCES = ("households", "projects", "groups", "villages")
#: How each source is named in messages.
SOURCE_NAMES = {
    "households": "monitored households", "projects": "projects under construction",
    "groups": "groups without a worker", "villages": "villages with the lowest visit rate",
}  # fmt: skip

#: What a team checks at each kind of place (printed on the itinerary).
CHECKS = {
    "at_risk": "入户核实返贫致贫风险、帮扶措施落实和收入变化",
    "monitored": "入户核实风险消除后的收入和“两不愁三保障”情况",
    "overdue": "核实网格员走访记录（走访逾期）",
    "no_contact": "核实帮扶联系人是否落实到户",
    "project": "查看项目建设进度、质量、资金拨付与公示",
    "no_worker": "核实网格员配备与村民小组监测情况（无在岗网格员）",
    "low_visit": "抽查走访台账，随机入户核实走访真实性（走访率低）",
}

#: Largest seed handed out: stays exact in JSON numbers and PostgreSQL bigint.
SEED_BITS = 52


@dataclass(frozen=True)
class Weights:
    """How much each reason to visit a place counts."""

    household: float = 1.0
    at_risk: float = 1.0
    overdue: float = 1.0
    no_contact: float = 1.0
    project: float = 3.0
    no_worker: float = 2.0
    low_visit: float = 2.0


@dataclass(frozen=True)
class Candidate:
    """A place that may be sampled: what, where, how much it counts and what to check."""

    code: str
    kind: str
    township: str
    lon: float
    lat: float
    weight: float
    check: str
    name: str = ""
    place: str = ""
    address: str = ""
    #: Which of SOURCES found the place (quotas count by source).
    source: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """Identity of the place across kinds."""
        return (self.kind, self.code)


@dataclass(frozen=True)
class Sample:
    """The drawn stops (mandatory ones first per township) and the townships left without one."""

    stops: list[Candidate]
    mandatory: frozenset[tuple[str, str]]
    townships_without_candidates: list[str]


def new_seed() -> int:
    """A fresh unpredictable seed, so nobody can foresee an unannounced plan."""
    return secrets.randbits(SEED_BITS)


def household_weight(w: Weights, *, at_risk: bool, overdue: bool, no_contact: bool) -> float:
    """A monitored household's weight: more when at risk, overdue for a visit or without contact."""
    return w.household + w.at_risk * at_risk + w.overdue * overdue + w.no_contact * no_contact


def household_check(*, at_risk: bool, overdue: bool, no_contact: bool) -> str:
    """What to check at a monitored household, most serious reason first."""
    parts = [CHECKS["at_risk" if at_risk else "monitored"]]
    parts += [CHECKS[k] for k, on in (("overdue", overdue), ("no_contact", no_contact)) if on]
    return "；".join(parts)


def village_weight(w: Weights, visit_rate: float) -> float:
    """A low-visit village's weight: from w.low_visit at full rate to twice that at none."""
    return w.low_visit * (2.0 - min(max(visit_rate, 0.0), 1.0))


def draw(
    candidates: Iterable[Candidate],
    *,
    seed: int,
    townships: Sequence[str],
    total: int | None,
    per_township: int | None,
    mandatory: bool,
    quotas: Mapping[str, int] | None = None,
    reachable: Callable[[Candidate], bool] = lambda c: True,
) -> Sample:
    """Draw `per_township` stops in each township, fill the `quotas`, then more up to `total`.

    With `mandatory`, each township's first draw, from all its candidates, is its mandatory
    stop (so one is drawn even without `per_township`); every other draw comes from the
    `reachable` candidates only, since a stop no team-day can reach would only be dropped.
    A source with a quota gives exactly that many stops; BadInput names any it cannot give.
    """
    keyed = _keyed(candidates, seed)
    room = _Room(quotas or {})
    by_township: dict[str, list[Candidate]] = defaultdict(list)
    for c in keyed:
        by_township[c.township].append(c)
    first = per_township if per_township is not None else (1 if mandatory else 0)
    must = _firsts(by_township, townships, room) if mandatory else []
    chosen = list(must)
    for t in townships:
        extra = [c for c in by_township[t] if reachable(c) and c not in must]
        chosen += room.take_up_to(extra, first - sum(1 for c in must if c.township == t))
    inside = set(townships)
    pool = [c for c in keyed if c.township in inside and reachable(c)]
    chosen += _fill_quotas(pool, {c.key for c in chosen}, room)
    if total is not None and total < len(chosen):
        raise BadInput(
            f"{total} stops are fewer than the {len(chosen)} drawn per township"
            + (" and by quota" if room.quota else "")
            + "; ask for more stops, fewer per township or smaller quotas, or turn the stop "
            "per township off"
        )
    if total is not None:
        taken = {c.key for c in chosen}
        rest = [c for c in pool if c.key not in taken and c.source not in room.quota]
        chosen += rest[: total - len(chosen)]
    return Sample(
        stops=chosen,
        mandatory=frozenset(c.key for c in must),
        townships_without_candidates=[t for t in townships if not by_township[t]],
    )


class _Room:
    """How many more stops each source with a quota may give."""

    def __init__(self, quota: Mapping[str, int]):
        self.quota = dict(quota)
        self.left = dict(quota)

    def fits(self, c: Candidate) -> bool:
        return self.left.get(c.source, 1) > 0

    def take(self, c: Candidate) -> Candidate:
        if c.source in self.left:
            self.left[c.source] -= 1
        return c

    def take_up_to(self, found: Iterable[Candidate], n: int) -> list[Candidate]:
        taken: list[Candidate] = []
        for c in found:
            if len(taken) >= n:
                break
            if self.fits(c):
                taken.append(self.take(c))
        return taken


def _firsts(
    by_township: Mapping[str, list[Candidate]], townships: Sequence[str], room: _Room
) -> list[Candidate]:
    """Take each township's first draw from a source with room left: its mandatory stop."""
    found = []
    for t in townships:
        pick = next((c for c in by_township.get(t, []) if room.fits(c)), None)
        if pick is not None:
            found.append(room.take(pick))
    return found


def _fill_quotas(pool: list[Candidate], taken: set, room: _Room) -> list[Candidate]:
    """Top every quota up from the pool in key order; BadInput names the sources it cannot."""
    added: list[Candidate] = []
    short = []
    for source in sorted(room.left, key=lambda s: (SOURCES.index(s) if s in SOURCES else 99, s)):
        found = [c for c in pool if c.source == source and c.key not in taken][: room.left[source]]
        if len(found) < room.left[source]:
            got = room.quota[source] - room.left[source] + len(found)
            short.append(f"the quota of {room.quota[source]} stops from "
                         f"{SOURCE_NAMES.get(source, source)} ({source}) cannot be met: only "
                         f"{got} can be drawn; lower the quota for {source}")  # fmt: skip
        added += [room.take(c) for c in found]
    if short:
        reach = " (only candidates in the plan's townships that a team can reach and leave "
        raise BadInput("; ".join(short) + reach + "within a day are drawn)", details=short)
    return added


def _keyed(candidates: Iterable[Candidate], seed: int) -> list[Candidate]:
    """Candidates by falling random key u ** (1 / weight), drawn in a fixed candidate order."""
    ordered = sorted(_usable(candidates), key=lambda c: c.key)
    rng = random.Random(seed)
    keys = [rng.random() ** (1.0 / c.weight) for c in ordered]
    return [c for _k, c in sorted(zip(keys, ordered, strict=True), key=lambda kc: -kc[0])]


def _usable(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Candidates with a positive weight, each place once (the heaviest reason wins)."""
    best: dict[tuple[str, str], Candidate] = {}
    for c in candidates:
        if c.weight > 0 and (c.key not in best or c.weight > best[c.key].weight):
            best[c.key] = c
    return list(best.values())
