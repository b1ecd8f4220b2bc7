"""Weighted sampling: proportional to weight, per township, mandatory first, reproducible."""

from __future__ import annotations

from collections import Counter

import pytest

from gridmap.core.errors import BadInput
from gridmap.inspections import sampling
from gridmap.inspections.sampling import Candidate, Weights

T1, T2 = "341890100", "341890101"


def cand(code: str, township: str = T1, weight: float = 1.0, kind: str = "household"):  # type: ignore[no-untyped-def]
    return Candidate(code=code, kind=kind, township=township, lon=117.0, lat=30.0,
                     weight=weight, check="")  # fmt: skip


def draw(candidates, seed=1, **kw):  # type: ignore[no-untyped-def]
    args = dict(townships=[T1, T2], total=None, per_township=None, mandatory=False)
    args.update(kw)
    return sampling.draw(candidates, seed=seed, **args)


def test_heavier_candidates_are_drawn_more_often_in_proportion():
    pool = [cand("light", weight=1.0), cand("heavy", weight=3.0)]
    firsts = Counter(draw(pool, seed=s, total=1).stops[0].code for s in range(4000))
    assert firsts["heavy"] / 4000 == pytest.approx(0.75, abs=0.03)


def test_same_seed_same_sample_new_seeds_differ():
    pool = [cand(f"H{i}", weight=1 + i % 4) for i in range(50)]
    assert draw(pool, seed=7, total=10) == draw(pool, seed=7, total=10)
    assert draw(list(reversed(pool)), seed=7, total=10) == draw(pool, seed=7, total=10)
    seeds = {sampling.new_seed() for _ in range(5)}
    assert len(seeds) == 5 and all(0 <= s < 2**sampling.SEED_BITS for s in seeds)
    samples = {tuple(c.code for c in draw(pool, seed=s, total=10).stops) for s in seeds}
    assert len(samples) > 1


def test_mandatory_gives_each_township_its_first_draw():
    pool = [cand(f"A{i}", T1) for i in range(5)] + [cand(f"B{i}", T2) for i in range(5)]
    sample = draw(pool, total=4, mandatory=True)
    assert len(sample.stops) == 4
    assert {k[1][0] for k in sample.mandatory} == {"A", "B"} and len(sample.mandatory) == 2
    assert [c.key for c in sample.stops[:2]] == sorted(sample.mandatory, key=lambda k: k[1])


def test_per_township_and_total_combine():
    pool = [cand(f"A{i}", T1) for i in range(5)] + [cand(f"B{i}", T2) for i in range(5)]
    sample = draw(pool, per_township=2, total=6)
    assert Counter(c.township for c in sample.stops[:4]) == {T1: 2, T2: 2}
    assert len(sample.stops) == 6 and len({c.key for c in sample.stops}) == 6
    with pytest.raises(BadInput):
        draw(pool, per_township=3, total=5)


def test_unreachable_candidates_are_only_drawn_as_mandatory():
    pool = [cand("far", T1, weight=100.0), cand("near", T1)]
    sample = draw(pool, total=2, reachable=lambda c: c.code != "far", townships=[T1])
    assert [c.code for c in sample.stops] == ["near"]
    forced = draw(pool, total=2, mandatory=True, reachable=lambda c: c.code != "far",
                  townships=[T1])  # fmt: skip
    assert [c.code for c in forced.stops] == ["far", "near"]


def test_townships_without_candidates_are_reported():
    sample = draw([cand("A", T1)], total=1, mandatory=True)
    assert sample.townships_without_candidates == [T2]


def test_a_place_counts_once_with_its_heaviest_reason_and_zero_weight_never():
    pool = [cand("G1", weight=2.0, kind="unit"), cand("G1", weight=3.0, kind="unit"),
            cand("Z", weight=0.0)]  # fmt: skip
    sample = draw(pool, total=5)
    assert [(c.code, c.weight) for c in sample.stops] == [("G1", 3.0)]


def test_household_weight_and_check_grow_with_each_problem():
    w = Weights()
    calm = sampling.household_weight(w, at_risk=False, overdue=False, no_contact=False)
    worst = sampling.household_weight(w, at_risk=True, overdue=True, no_contact=True)
    assert calm == 1.0 and worst == 4.0
    text = sampling.household_check(at_risk=True, overdue=True, no_contact=True)
    assert sampling.CHECKS["overdue"] in text and sampling.CHECKS["no_contact"] in text
    assert sampling.village_weight(w, 0.0) == 4.0 and sampling.village_weight(w, 1.0) == 2.0
