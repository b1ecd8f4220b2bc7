"""Per-source quotas: exactly that many stops from a source, or an error naming the source."""

from __future__ import annotations

from collections import Counter

import pytest

from gridmap.core.errors import BadInput
from gridmap.inspections import sampling
from gridmap.inspections.sampling import Candidate
from tests.inspect_fixtures import request

T1, T2 = "341890100", "341890101"
KIND_OF = {"households": "household", "projects": "project", "groups": "unit", "villages": "unit"}


def cand(code: str, source: str, township: str = T1, weight: float = 1.0) -> Candidate:
    return Candidate(code=code, kind=KIND_OF[source], township=township, lon=117.0, lat=30.0,
                     weight=weight, check="", source=source)  # fmt: skip


def pool() -> list[Candidate]:
    """Five households, three projects and two groups in township T1."""
    return (
        [cand(f"H{i}", "households") for i in range(5)]
        + [cand(f"P{i}", "projects") for i in range(3)]
        + [cand(f"G{i}", "groups") for i in range(2)]
    )


def by_source(sample: sampling.Sample) -> Counter:
    return Counter(c.source for c in sample.stops)


def draw(candidates, **kw):  # type: ignore[no-untyped-def]
    args = dict(seed=5, townships=[T1], total=None, per_township=None, mandatory=False)
    args.update(kw)
    return sampling.draw(candidates, **args)


@pytest.mark.parametrize("seed", range(20))
def test_quotas_are_met_exactly_and_the_rest_comes_from_other_sources(seed):
    # 6 stops: 2 households and 3 projects by quota; the sixth can only be one of the 2 groups.
    sample = draw(pool(), seed=seed, total=6, quotas={"households": 2, "projects": 3})
    assert by_source(sample) == {"households": 2, "projects": 3, "groups": 1}
    assert len({c.key for c in sample.stops}) == 6


def test_quotas_alone_make_the_sample():
    sample = draw(pool(), quotas={"projects": 3, "groups": 2})
    assert sorted(c.code for c in sample.stops) == ["G0", "G1", "P0", "P1", "P2"]


def test_an_unmet_quota_names_its_source():
    with pytest.raises(BadInput) as raised:
        draw(pool(), total=8, quotas={"households": 2, "projects": 4})
    assert "projects under construction (projects)" in raised.value.message
    assert "only 3 can be drawn" in raised.value.message
    assert "households" not in raised.value.details[0]


def test_unreachable_candidates_do_not_fill_a_quota():
    with pytest.raises(BadInput, match=r"quota of 2 stops from groups without a worker"):
        draw(pool(), quotas={"groups": 2}, reachable=lambda c: c.code != "G1")


def test_mandatory_and_per_township_draws_count_towards_quotas():
    both = pool() + [cand(f"Q{i}", "households", T2) for i in range(4)]
    for seed in range(20):
        sample = draw(both, seed=seed, townships=[T1, T2], per_township=3, mandatory=True,
                      quotas={"households": 1, "projects": 0})  # fmt: skip
        # One household in all (T1's or T2's mandatory stop), no project, and both groups:
        # T1's draws skip the sources whose quota is full.
        assert by_source(sample) == {"households": 1, "groups": 2}


def test_a_total_below_what_the_quotas_draw_is_refused():
    with pytest.raises(BadInput, match="drawn per township and by quota"):
        draw(pool(), total=3, mandatory=True, quotas={"projects": 3})


def test_quota_inputs_are_checked():
    def problems(**changes):  # type: ignore[no-untyped-def]
        with pytest.raises(BadInput) as raised:
            request(**changes).check()
        return raised.value.details

    assert problems(quotas=(("wells", 2),)) == [
        "a quota is for one of households, projects, groups, villages, not 'wells'"
    ]
    assert problems(quotas=(("projects", 2),), sources=("households",)) == [
        "the quota for projects needs projects among the sources sampled from"
    ]
    assert problems(stops=5, quotas=(("households", 4), ("groups", 2))) == [
        "the quotas add up to 6 stops, more than the 5 stops in all"
    ]
    assert problems(quotas=(("households", 1), ("households", 2))) == ["give each source one quota"]
    request(stops=None, quotas=(("households", 3),)).check()  # quotas alone are enough
