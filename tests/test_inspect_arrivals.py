"""Every arrival time, return time, hours and kilometres of a plan are the travel model's sums:
leave the seat at the day's start, add each leg's geodesic × detour at the set speed and each
stop's time there, in order."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pyproj import Geod

from gridmap.inspections.compose import Settings, compose
from tests.inspect_fixtures import SEAT, TOWNSHIPS, request, ring_candidates
from tests.test_inspect_plan import CONFIG, SETTINGS, county, make  # noqa: F401

GEOD = Geod(ellps="WGS84")


def leg(a: tuple[float, float], b: tuple[float, float], s: Settings) -> tuple[int, int]:
    """Metres and seconds of one leg under the straight model, each rounded once."""
    road = GEOD.inv(a[0], a[1], b[0], b[1])[2] * s.detour
    return round(road), round(road / (s.speed_kmh / 3.6))


def expected_day(plan: dict, route: dict, s: Settings) -> dict:
    """The route's times and distance summed leg by leg from the seat and back."""
    seat = (plan["seat"]["lon"], plan["seat"]["lat"])
    start = clock = datetime.combine(datetime.fromisoformat(route["day"]).date(), s.day_start)
    here, metres, etas, legs_km = seat, 0, [], []
    for stop in route["stops"]:
        m, sec = leg(here, (stop["lon"], stop["lat"]), s)
        clock += timedelta(seconds=sec)
        metres += m
        etas.append(clock.strftime("%H:%M"))
        legs_km.append(round(m / 1000, 1))
        clock += timedelta(seconds=s.service_seconds(stop["kind"]))
        here = (stop["lon"], stop["lat"])
    if route["stops"]:
        m, sec = leg(here, seat, s)
        clock += timedelta(seconds=sec)
        metres += m
    return {
        "etas": etas, "legs_km": legs_km, "km": round(metres / 1000, 1),
        "hours": round((clock - start).total_seconds() / 3600, 2),
        "back": clock.strftime("%H:%M") if route["stops"] else None,
    }  # fmt: skip


def shown_day(route: dict) -> dict:
    """The same figures as the plan shows them."""
    return {
        "etas": [s["eta"] for s in route["stops"]], "legs_km": [s["km"] for s in route["stops"]],
        "km": route["km"], "hours": route["hours"], "back": route["back"],
    }  # fmt: skip


@pytest.mark.parametrize("settings, hours", [
    (Settings(), 8.0),
    (Settings(), 4.0),
    (Settings(detour=1.7, speed_kmh=27.5), 6.5),
])  # fmt: skip
def test_arrival_times_are_the_models_sums_on_the_sample_fixture(settings, hours):
    req = request(stops=40, hours=hours, days=3)
    plan = compose(ring_candidates(), TOWNSHIPS, req, settings, SEAT, 11)
    assert any(r["stops"] for r in plan["routes"])
    for route in plan["routes"]:
        assert shown_day(route) == expected_day(plan, route, settings)


def test_arrival_times_are_the_models_sums_in_a_stored_plan(county):  # noqa: F811
    made = make(county, stops=6, hours=8.0)
    assert made["travel_model"] == "straight" and any(r["stops"] for r in made["routes"])
    for route in made["routes"]:
        assert shown_day(route) == expected_day(made, route, SETTINGS)
