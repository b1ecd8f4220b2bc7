"""A whole plan from candidates: the rules every plan keeps, seeds, ample and tight hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from gridmap.core.errors import BadInput
from gridmap.inspections import travel
from gridmap.inspections.compose import PlanFails, Settings, compose, prepare, weighed
from tests.inspect_fixtures import SEAT, TOWNSHIPS, request, ring_candidates

SETTINGS = Settings()


def make(req=None, candidates=None, seed=11):  # type: ignore[no-untyped-def]
    req = req or request()
    return compose(candidates or ring_candidates(), TOWNSHIPS, req, SETTINGS, SEAT, seed)


def stops_of(plan: dict) -> list[dict]:
    return [s for r in plan["routes"] for s in r["stops"]]


def route_seconds(route: dict) -> float:
    """Recompute a team-day from its stops: seat → stops → seat, plus the time at each stop."""
    points = [SEAT, *((s["lon"], s["lat"]) for s in route["stops"]), SEAT]
    t = travel.travel(points, points, detour=SETTINGS.detour, speed_kmh=SETTINGS.speed_kmh)
    drive = sum(int(t.seconds[i, i + 1]) for i in range(len(points) - 1))
    return drive + sum(SETTINGS.service_seconds(s["kind"]) for s in route["stops"])


def assert_plan_rules(plan: dict, req) -> None:  # type: ignore[no-untyped-def]
    """Hours per team-day, start and end at the seat, a stop per township, nothing twice."""
    days = [(req.first_day + timedelta(days=d)).isoformat() for d in range(req.days)]
    assert [(r["team"], r["day"]) for r in plan["routes"]] == [
        (t, d) for t in range(1, req.teams + 1) for d in days
    ]
    for route in plan["routes"]:
        seconds = route_seconds(route) if route["stops"] else 0
        assert seconds <= req.hours * 3600
        assert route["hours"] == pytest.approx(seconds / 3600, abs=0.01)
        assert route["hours"] <= req.hours
        if route["stops"]:
            start = datetime.combine(date.today(), SETTINGS.day_start)
            first = travel.travel([SEAT], [(route["stops"][0]["lon"], route["stops"][0]["lat"])],
                                  detour=SETTINGS.detour, speed_kmh=SETTINGS.speed_kmh)  # fmt: skip
            eta = (start + timedelta(seconds=int(first.seconds[0, 0]))).strftime("%H:%M")
            assert route["stops"][0]["eta"] == eta  # the day starts at the seat
            back = start + timedelta(seconds=route_seconds(route))
            assert route["back"] == back.strftime("%H:%M")  # and ends there
    keys = [(s["kind"], s["code"]) for s in stops_of(plan)]
    keys += [(d["kind"], d["code"]) for d in plan["dropped"]]
    assert len(keys) == len(set(keys))
    assert all(s["mandatory"] for s in stops_of(plan) if s["mandatory"])
    mandatory = [s for s in stops_of(plan) if s["mandatory"]]
    if req.mandatory:
        assert sorted(s["township"] for s in mandatory) == sorted(TOWNSHIPS)


def test_a_plan_keeps_every_rule():
    req = request()
    plan = make(req)
    assert_plan_rules(plan, req)
    assert plan["seed"] == 11 and plan["totals"]["stops"] == 20


def test_ample_hours_drop_nothing():
    plan = make(request(stops=16, days=3, hours=10))
    assert plan["dropped"] == []
    assert plan["totals"]["visited"] == 16


def test_tight_hours_report_dropped_stops_and_leave_no_day_empty():
    req = request(stops=40, hours=4.5)
    plan = make(req)
    assert_plan_rules(plan, req)
    assert plan["dropped"], "four short team-days cannot hold 40 stops"
    assert all(r["stops"] for r in plan["routes"])
    assert {"code", "kind", "weight"} <= set(plan["dropped"][0])
    visited_weight = plan["totals"]["weight_visited"]
    assert visited_weight > 0 and plan["totals"]["weight_dropped"] > 0


def test_same_seed_same_plan_and_other_seeds_other_samples():
    assert make(seed=5) == make(seed=5)
    samples = {tuple(sorted(s["code"] for s in stops_of(make(seed=s)))) for s in range(4)}
    assert len(samples) > 1


def test_a_stop_per_township_can_be_turned_off():
    req = request(mandatory=False, stops=5)
    plan = make(req)
    assert not any(s["mandatory"] for s in stops_of(plan))
    assert plan["totals"]["stops"] == 5


def test_per_township_draws_that_many_everywhere():
    req = request(stops=None, per_township=2, days=3)
    plan = make(req)
    townships = [s["township"] for s in stops_of(plan)] + [d["township"] for d in plan["dropped"]]
    assert sorted(townships) == sorted(TOWNSHIPS * 2)
    assert_plan_rules(plan, req)


def test_unreachable_mandatory_stop_fails_the_plan_naming_it():
    far = ring_candidates(radius_deg=2.0)
    with pytest.raises(PlanFails) as caught:
        make(request(hours=3), candidates=far)
    assert "mandatory stop" in caught.value.message
    assert any(c.code in caught.value.message for c in far)


def test_fewer_stops_than_townships_is_refused():
    with pytest.raises(BadInput):
        make(request(stops=3))


@pytest.mark.parametrize("field, value", [("days", 0), ("teams", 0), ("hours", 0.1),
                                          ("name", " "), ("stops", None)])  # fmt: skip
def test_unusable_input_is_refused(field, value):
    with pytest.raises(BadInput):
        make(request(**{field: value}))


def test_every_team_day_appears_even_without_stops():
    req = request(stops=6, teams=3, days=3, hours=10)
    plan = make(req)
    assert len(plan["routes"]) == 9
    empty = [r for r in plan["routes"] if not r["stops"]]
    assert empty and all(r["hours"] == 0 and r["km"] == 0 and r["back"] is None for r in empty)
    assert plan["dropped"] == []


def test_the_prize_is_weight_times_the_setting_when_that_is_enough():
    settings = Settings(prize_seconds=100_000)
    ready = prepare(ring_candidates(), TOWNSHIPS, request(), settings, SEAT, 11)
    assert ready.prize_seconds == 100_000
    assert ready.problem.prize == [round(c.weight * 100_000) for c in ready.stops]
    assert (
        compose(ring_candidates(), TOWNSHIPS, request(), settings, SEAT, 11)["prize_seconds"]
        == 100_000
    )


def test_a_prize_too_small_for_a_day_is_raised_and_the_plan_says_so():
    # 8 hours = 28 800 s; the lightest stop (weight 0.5 after the plan's weights) must be
    # worth a whole day: 57 600 s per unit of weight, not the configured 60.
    req = request(weights=(("households", 0.5),))
    candidates = [replace(c, weight=1.0) if c.kind == "household" else c
                  for c in ring_candidates()]  # fmt: skip
    ready = prepare(candidates, TOWNSHIPS, req, Settings(prize_seconds=60), SEAT, 11)
    assert min(c.weight for c in ready.stops) == 0.5
    assert ready.prize_seconds == 57_600
    assert ready.problem.prize == [round(c.weight * 57_600) for c in ready.stops]
    plan = compose(candidates, TOWNSHIPS, req, Settings(prize_seconds=60), SEAT, 11)
    assert plan["prize_seconds"] == 57_600


def test_plan_weights_multiply_the_weights_of_their_source():
    req = request(weights=(("households", 2.0), ("projects", 0.5)))
    before = {c.key: c.weight for c in ring_candidates()}
    for c in weighed(ring_candidates(), req):
        factor = {"household": 2.0, "project": 0.5}.get(c.kind, 1.0)
        assert c.weight == before[c.key] * factor
    plan = make(req)
    sampled = stops_of(plan) + plan["dropped"]
    assert all(s["weight"] == before[(s["kind"], s["code"])] * 2 for s in sampled
               if s["kind"] == "household")  # fmt: skip


def test_plan_weights_steer_the_sample():
    # 24 places of each kind; projects weighed 10 000 times the households and groups.
    req = request(mandatory=False, stops=12, weights=(("projects", 100.0), ("households", 0.01),
                                                      ("groups", 0.01)))  # fmt: skip
    plan = make(req, candidates=ring_candidates(per_township=12))
    kinds = {s["kind"] for s in stops_of(plan) + plan["dropped"]}
    assert kinds == {"project"}
    unweighted = make(request(mandatory=False, stops=12), ring_candidates(per_township=12))
    assert len({s["kind"] for s in stops_of(unweighted) + unweighted["dropped"]}) > 1


@pytest.mark.parametrize("weights, message", [
    ((("households", 0.0),), "the weight for households must be above 0, not 0"),
    ((("projects", -1.0),), "the weight for projects must be above 0, not -1"),
    ((("households", float("nan")),), "the weight for households must be above 0, not nan"),
    ((("households", 1000.0),), "the weight for households must be 0.01 to 100, not 1000"),
    ((("farms", 2.0),), "a weight is for one of households, projects, groups, villages, not "
                        "'farms'"),
    ((("households", 2.0), ("households", 3.0)), "give each source one weight"),
])  # fmt: skip
def test_unusable_weights_are_refused_saying_why(weights, message):
    with pytest.raises(BadInput) as refused:
        make(request(weights=weights))
    assert message in refused.value.message


def test_a_weight_needs_its_source_sampled():
    with pytest.raises(BadInput, match="the weight for villages needs villages among the sources"):
        make(request(sources=("households",), weights=(("villages", 2.0),)))
