"""Why each sampled stop a plan leaves out is left out: by hand on a line of stops, in composed
plans, stored and shown by the command line's text, the JSON and the CSV."""

from __future__ import annotations

import numpy as np
import pytest

from gridmap.cli.inspect_commands import _plan_text
from gridmap.inspections import left_out, plan
from gridmap.inspections.compose import Settings, compose, prepare, solve
from tests.inspect_fixtures import SEAT, TOWNSHIPS, request, ring_candidates
from tests.test_inspect_plan import INSPECTOR, county, make  # noqa: F401

#: The seat and stops 0, 1, 2 on a line, 1 000 s apart each; 600 s at every stop.
LINE = np.array([[abs(a - b) * 1000 for b in range(4)] for a in range(4)], dtype=np.int64)
SERVICE = [600, 600, 600]


def test_a_stop_no_day_has_time_for_is_told_so():
    # One day of 3 200 s keeps stop 0 (2 000 s there and back + 600 s); stop 2 alone needs
    # 6 600 s, more than the day even in place of stop 0.
    why = left_out.reasons(LINE, SERVICE, [5, 5, 5], [False] * 3, [[0]], 3_200, [1, 2])
    assert why == {1: left_out.NO_TIME, 2: left_out.NO_TIME}


def test_a_stop_that_fits_only_in_place_of_a_heavier_kept_one_is_told_so():
    # The day of 4 600 s keeps stop 1 (4 000 + 600 s); stop 0 (2 600 s alone) fits only in its
    # place. Stop 1 weighs more: a heavier stop preferred. Were it lighter, the day had no time.
    assert left_out.reasons(LINE, SERVICE, [3, 9, 1], [False] * 3, [[1]], 4_600, [0]) == {
        0: left_out.HEAVIER_PREFERRED
    }  # fmt: skip
    assert left_out.reasons(LINE, SERVICE, [9, 3, 1], [False] * 3, [[1]], 4_600, [0]) == {
        0: left_out.NO_TIME
    }  # fmt: skip
    # A mandatory stop is never given up, however heavy.
    assert left_out.reasons(LINE, SERVICE, [3, 9, 1], [False, True, False], [[1]], 4_600,
                            [0]) == {0: left_out.NO_TIME}  # fmt: skip


def test_the_cheapest_insertion_is_the_smallest_detour_plus_the_time_there():
    # Stop 1 between the seat and stop 2 adds nothing to the drive, only its 600 s.
    assert left_out.cheapest_insertion(LINE, SERVICE, [2], 1) == 600
    assert left_out.day_seconds(LINE, SERVICE, [1, 2]) == 6_000 + 1_200


@pytest.mark.parametrize("hours, seed", [(3.0, 11), (4.0, 13), (5.0, 12)])
def test_every_dropped_stop_of_a_plan_has_its_reason(hours, seed):
    req = request(stops=40, hours=hours, seed=seed)
    ready = prepare(ring_candidates(), TOWNSHIPS, req, Settings(), SEAT, seed)
    solved = solve(ready, seed, Settings())
    made = compose(ring_candidates(), TOWNSHIPS, req, Settings(), SEAT, seed)
    assert [d["code"] for d in made["dropped"]] == [ready.stops[i].code for i in solved.dropped]
    p = ready.problem
    for i, d in zip(solved.dropped, made["dropped"], strict=True):
        assert d["reason"] == left_out.reason(p.seconds, p.service, p.prize, p.required,
                                              solved.routes, p.shift, i)  # fmt: skip
        # Neither reason hides a stop that fits a day as it is.
        assert all(left_out.day_seconds(p.seconds, p.service, r)
                   + left_out.cheapest_insertion(p.seconds, p.service, r, i) > p.shift
                   for r in solved.routes)  # fmt: skip
    assert {d["reason"] for d in made["dropped"]} == set(left_out.REASONS)


def test_a_stored_plan_keeps_and_shows_its_reasons(county):  # noqa: F811
    made = make(county, stops=8, teams=1, days=1, hours=1.5, mandatory=False)
    assert made["dropped"] and all(d["reason"] in left_out.REASONS for d in made["dropped"])
    seen = plan.view_plan(county, made["id"], INSPECTOR)
    assert seen["dropped"] == made["dropped"]
    text = _plan_text(seen)
    for d in seen["dropped"]:
        words = {"no_time": "no time left in any team-day",
                 "heavier_preferred": "a heavier stop preferred"}[d["reason"]]  # fmt: skip
        assert f"dropped {d['kind']} {d['code']} (weight {d['weight']}): {words}" in text
