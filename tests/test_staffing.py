"""Worker suggestions: hand-worked cases, capacity and township rules, brute-force optimality."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from gridmap.core.errors import BadInput
from gridmap.coverage.staffing import REASONS, Group, Worker, suggest_workers

T1, T2 = "341890101", "341890102"
YEAR = 2024
# On the equator a geodesic runs along it: 0.01 degree of longitude is 6378137 * pi / 18000 m.
STEP_M = 1113.2
_GEOD = Geod(ellps="WGS84")


def grp(n: int, lon: float | None, households: int = 50, township: str = T1) -> Group:
    return Group(f"{township}201{n:03d}", township, lon, None if lon is None else 0.0, households)


def wkr(
    code: str,
    lon: float | None,
    *,
    load: int = 0,
    capacity: int | None = 100,
    township: str | None = T1,
    birth_year: int | None = 1980,
    active: bool = True,
) -> Worker:
    lat = None if lon is None else 0.0
    return Worker(code, township, lon, lat, load, capacity, birth_year, active)


def assigned(result: dict) -> dict[str, str]:
    return {s["group"][-3:]: s["worker"] for s in result["suggestions"]}


CASES = [
    ("nearest worker wins", [grp(1, 0.0)], [wkr("A", 0.02), wkr("B", 0.01)], {"001": "B"}, 0),
    (
        "room for one group: the nearer one",
        [grp(1, 0.01, 60), grp(2, 0.05, 60)],
        [wkr("A", 0.0)],
        {"001": "A"},
        1,
    ),
    (
        "two small far groups beat one big near group",
        [grp(1, 0.01, 80), grp(2, 0.05, 50), grp(3, 0.06, 50)],
        [wkr("A", 0.0)],
        {"002": "A", "003": "A"},
        1,
    ),
    (
        "a worker takes several groups while room lasts",
        [grp(1, 0.01, 30), grp(2, 0.02, 30), grp(3, 0.03, 30)],
        [wkr("A", 0.0, load=10), wkr("B", 0.5)],
        {"001": "A", "002": "A", "003": "A"},
        0,
    ),
    (
        "least total distance, not nearest first",
        # Each fits one group. Nearest pair first (B-1, 0.009) leaves A-2 (0.035): 0.044 in all;
        # A-1 (0.011) with B-2 (0.015) walks only 0.026.
        [grp(1, 0.011, 60), grp(2, 0.035, 60)],
        [wkr("A", 0.0), wkr("B", 0.02)],
        {"001": "A", "002": "B"},
        0,
    ),
    ("group larger than every capacity", [grp(1, 0.0, 200)], [wkr("A", 0.0)], {}, 1),
    (
        "other township is ignored",
        [grp(1, 0.0)],
        [wkr("A", 0.001, township=T2), wkr("B", 0.05)],
        {"001": "B"},
        0,
    ),
    (
        "inactive, homeless, over-age and township-less workers take nothing",
        [grp(1, 0.0)],
        [
            wkr("A", 0.001, active=False),
            wkr("B", None),
            wkr("C", 0.002, birth_year=1950),
            wkr("D", 0.003, township=None),
            wkr("E", 0.09, birth_year=None),
        ],
        {"001": "E"},
        0,
    ),
    (
        "missing capacity means the default",
        [grp(1, 0.0, 60)],
        [wkr("A", 0.01, load=100, capacity=None), wkr("B", 0.02, load=100, capacity=0)],
        {},
        1,
    ),
    (
        "missing capacity leaves the default's room",
        [grp(1, 0.0, 60)],
        [wkr("A", 0.01, load=30, capacity=None)],
        {"001": "A"},
        0,
    ),
    (
        "overloaded worker does not break the solve",
        [grp(1, 0.0)],
        [wkr("A", 0.001, load=120), wkr("B", 0.03)],
        {"001": "B"},
        0,
    ),
    ("group without coordinates stays unstaffed", [grp(1, None)], [wkr("A", 0.0)], {}, 1),
    ("no groups", [], [wkr("A", 0.0)], {}, 0),
    ("no workers", [grp(1, 0.0), grp(2, 0.1)], [], {}, 2),
]


@pytest.mark.parametrize(
    ("groups", "workers", "expected", "unstaffed"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_hand_worked_cases(groups, workers, expected, unstaffed):
    result = suggest_workers(groups, workers, current_year=YEAR, default_capacity=100)
    assert assigned(result) == expected
    assert result["unstaffed_after"] == unstaffed


def test_result_shape_distance_and_load_after():
    groups = [grp(1, 0.01, 30), grp(2, 0.02, 40)]
    result = suggest_workers(groups, [wkr("A", 0.0, load=20)], current_year=YEAR)
    assert set(result) == {"suggestions", "unstaffed_after", "due_for_replacement"}
    assert result["suggestions"] == [
        {"group": f"{T1}201001", "worker": "A", "distance_m": STEP_M, "load_after": 90},
        {"group": f"{T1}201002", "worker": "A", "distance_m": 2 * STEP_M, "load_after": 90},
    ]


def test_same_township_off_lets_any_worker_help():
    workers = [wkr("A", 0.001, township=T2), wkr("B", 0.05), wkr("C", 0.002, township=None)]
    result = suggest_workers([grp(1, 0.0)], workers, current_year=YEAR, same_township=False)
    assert assigned(result) == {"001": "A"}


def test_due_for_replacement_lists_nearest_helpers_in_order():
    workers = [
        wkr("OLD", 0.0, birth_year=1955),
        wkr("H3", 0.03),
        wkr("H1", 0.01),
        wkr("H2", 0.02),
        wkr("H4", 0.04),
        wkr("FULL", 0.005, load=100),
        wkr("IDLE", 0.001, active=False),
        wkr("OLD2", 0.002, birth_year=1950),
        wkr("AWAY", 0.0001, township=T2),
        wkr("RETIRED", 0.0, birth_year=1940, active=False),
    ]
    result = suggest_workers([], workers, current_year=YEAR, default_capacity=100)
    due = result["due_for_replacement"]
    assert [d["worker"] for d in due] == ["OLD", "OLD2"]
    assert {d["reason"] for d in due} <= set(REASONS)
    assert due[0]["candidates"] == ["H1", "H2", "H3"]
    assert due[1]["candidates"] == ["H1", "H2", "H3"]
    loose = suggest_workers([], workers, current_year=YEAR, same_township=False)
    assert loose["due_for_replacement"][0]["candidates"] == ["AWAY", "H1", "H2"]


def test_helper_filled_by_the_suggestions_is_no_candidate():
    workers = [wkr("OLD", 0.0, birth_year=1950), wkr("H1", 0.01), wkr("H2", 0.02)]
    result = suggest_workers(
        [grp(1, 0.011, 100)], workers, current_year=YEAR, candidates_per_worker=5
    )
    assert assigned(result) == {"001": "H1"}
    assert result["due_for_replacement"][0]["candidates"] == ["H2"]


def test_repeated_codes_are_refused():
    with pytest.raises(BadInput, match="repeated: A"):
        suggest_workers([], [wkr("A", 0.0), wkr("A", 0.1)], current_year=YEAR)


# Random instances in one small area of two townships; some values deliberately unusable.
_lon = st.floats(117.0, 117.05)
coordinate = st.none() | _lon | _lon


def groups_st(size: int) -> st.SearchStrategy[list]:
    township, lat, households = (
        st.sampled_from([T1, T2]),
        st.floats(31.0, 31.05),
        st.integers(0, 120),
    )
    return st.lists(st.tuples(township, coordinate, lat, households), max_size=size)


def workers_st(size: int) -> st.SearchStrategy[list]:
    fields = st.tuples(
        st.sampled_from([T1, T2, None]),
        coordinate,
        st.floats(31.0, 31.05),
        st.integers(0, 160),
        st.sampled_from([None, 0, 60, 150, 220]),
        st.sampled_from([None, 1950, 1960, 1985]),
        st.booleans(),
    )
    return st.lists(fields, max_size=size)


def build(raw_groups: list, raw_workers: list) -> tuple[list[Group], list[Worker]]:
    groups = [
        Group(f"{t}201{i:03d}", t, lon, None if lon is None else lat, hh)
        for i, (t, lon, lat, hh) in enumerate(raw_groups)
    ]
    workers = [Worker(f"W{i}", *fields) for i, fields in enumerate(raw_workers)]
    return groups, workers


def eligible(w: Worker) -> bool:
    return w.active and w.lon is not None and (w.birth_year is None or YEAR - w.birth_year <= 65)


def cap(w: Worker) -> int:
    return w.capacity or 150


def dist(g: Group, w: Worker) -> float:
    return round(_GEOD.inv(w.lon, w.lat, g.lon, g.lat)[2], 1)


def brute_force(groups: list[Group], workers: list[Worker], same: bool) -> tuple[int, float]:
    best = (0, 0.0)
    for choice in itertools.product([None, *workers], repeat=len(groups)):
        pairs = [(g, w) for g, w in zip(groups, choice, strict=True) if w is not None]
        if any(not eligible(w) or g.lon is None for g, w in pairs):
            continue
        if same and any(g.township != w.township for g, w in pairs):
            continue
        used = {w for _, w in pairs}
        if any(w.load + sum(g.households for g, v in pairs if v is w) > cap(w) for w in used):
            continue
        score = (len(pairs), -sum(dist(g, w) for g, w in pairs))
        best = max(best, score)
    return best[0], -best[1]


@settings(deadline=None)
@given(groups_st(5), workers_st(3), st.booleans())
def test_matches_brute_force_on_small_instances(raw_groups, raw_workers, same):
    groups, workers = build(raw_groups, raw_workers)
    result = suggest_workers(groups, workers, current_year=YEAR, same_township=same)
    staffed, total = brute_force(groups, workers, same)
    assert len(result["suggestions"]) == staffed
    assert result["unstaffed_after"] == len(groups) - staffed
    assert sum(s["distance_m"] for s in result["suggestions"]) == pytest.approx(total, abs=0.5)


@settings(deadline=None)
@given(groups_st(15), workers_st(6), st.booleans())
def test_rules_hold_on_larger_instances(raw_groups, raw_workers, same):
    groups, workers = build(raw_groups, raw_workers)
    by_code = {w.code: w for w in workers}
    by_group = {g.code: g for g in groups}
    result = suggest_workers(groups, workers, current_year=YEAR, same_township=same)
    suggestions = result["suggestions"]
    assert [s["group"] for s in suggestions] == sorted({s["group"] for s in suggestions})
    for s in suggestions:
        worker, group = by_code[s["worker"]], by_group[s["group"]]
        given_ = sum(
            by_group[t["group"]].households for t in suggestions if t["worker"] == s["worker"]
        )
        assert eligible(worker) and group.lon is not None
        assert s["load_after"] == worker.load + given_ <= cap(worker)
        assert not same or worker.township == group.township


@settings(deadline=None)
@given(groups_st(6), workers_st(8), st.booleans())
def test_due_workers_get_the_nearest_helpers_with_room(raw_groups, raw_workers, same):
    groups, workers = build(raw_groups, raw_workers)
    result = suggest_workers(groups, workers, current_year=YEAR, same_township=same)
    load = {w.code: w.load for w in workers} | {
        s["worker"]: s["load_after"] for s in result["suggestions"]
    }
    over_age = [w for w in workers if w.active and w.birth_year and YEAR - w.birth_year > 65]
    assert [d["worker"] for d in result["due_for_replacement"]] == [w.code for w in over_age]
    for old, due in zip(over_age, result["due_for_replacement"], strict=True):
        helpers = [
            w
            for w in workers
            if eligible(w) and load[w.code] < cap(w) and (not same or w.township == old.township)
        ]
        if old.lon is None or (same and old.township is None):
            helpers = []
        nearest = sorted(helpers, key=lambda w: (dist(old, w), w.code))[:3]
        assert due == {"worker": old.code, "reason": "age", "candidates": [w.code for w in nearest]}
