"""Travel estimates by hand, and how the travel and time settings change a plan's hours and ETAs."""

from __future__ import annotations

from datetime import time

import numpy as np
import pytest
from pyproj import Geod

from gridmap.core.config import Config
from gridmap.inspections import plan, travel
from gridmap.inspections.compose import Settings, compose
from gridmap.inspections.sampling import Candidate
from tests.inspect_fixtures import request

SEAT = (117.0, 30.0)
#: 0.1° of latitude due north of the seat: 11 085.33 m along the WGS84 meridian (a sphere of the
#: mean radius would say 11 119.49 m).
NORTH = (117.0, 30.1)
STRAIGHT_M = 11_085.33


def test_two_points_a_known_distance_apart():
    t = travel.travel([SEAT], [NORTH], detour=1.4, speed_kmh=40)
    # 11 085.33 m × 1.4 = 15 519.46 m; at 40 km/h (11.111 m/s) that is 1 396.75 s.
    assert t.metres.tolist() == [[15_519]] and t.seconds.tolist() == [[1_397]]
    t = travel.travel([SEAT], [NORTH], detour=2.0, speed_kmh=20)
    # 22 170.66 m at 20 km/h (5.556 m/s): 3 990.72 s.
    assert t.metres.tolist() == [[22_171]] and t.seconds.tolist() == [[3_991]]


def test_seconds_are_distance_times_detour_over_speed_both_ways():
    points = [SEAT, NORTH, (117.2, 30.05)]
    t = travel.travel(points, points, detour=1.3, speed_kmh=30)
    assert np.array_equal(t.seconds, t.seconds.T) and t.seconds.diagonal().tolist() == [0, 0, 0]
    straight = travel.travel(points, points, detour=1.0, speed_kmh=3.6)  # 1 m/s
    assert np.allclose(t.seconds, straight.seconds * 1.3 / (30 / 3.6), atol=1)
    assert abs(int(straight.metres[0, 1]) - STRAIGHT_M) < 1


@pytest.mark.parametrize("detour, speed", [(0.9, 40), (1.4, 0), (1.4, -5)])
def test_impossible_travel_settings_are_refused(detour, speed):
    with pytest.raises(ValueError):
        travel.travel([SEAT], [NORTH], detour=detour, speed_kmh=speed)


def one_stop_plan(settings: Settings) -> dict:
    """One team, one day, one household 0.1° north of the seat."""
    stop = Candidate("H1", "household", "341890100", NORTH[0], NORTH[1], 1.0, "check")
    req = request(days=1, teams=1, stops=1, hours=8.0)
    return compose([stop], ["341890100"], req, settings, SEAT, 1)["routes"][0]


MINUTES = {"household": 30, "project": 45, "unit": 40}


@pytest.mark.parametrize("changes, eta, back, hours, km", [
    # Defaults: 1 397 s there, 30 min, 1 397 s back = 4 594 s from 08:30; 2 × 15 519 m.
    ({}, "08:53", "09:46", 1.28, 31.0),
    # Detour 2: 22 170.66 m at 11.111 m/s = 1 995.4 s → 1 995 s each way; 5 790 s in all.
    ({"detour": 2.0}, "09:03", "10:06", 1.61, 44.3),
    # 20 km/h: 15 519.46 m at 5.556 m/s = 2 793.5 s → 2 794 s each way; 7 388 s in all.
    ({"speed_kmh": 20.0}, "09:16", "10:33", 2.05, 31.0),
    # The day starts at 07:00: everything 90 minutes earlier, same hours.
    ({"day_start": time(7, 0)}, "07:23", "08:16", 1.28, 31.0),
    # An hour at a household: 2 × 1 397 + 3 600 = 6 394 s.
    ({"stop_minutes": {**MINUTES, "household": 60}}, "08:53", "10:16", 1.78, 31.0),
    # Minutes at another kind of stop change nothing here.
    ({"stop_minutes": {**MINUTES, "project": 90}}, "08:53", "09:46", 1.28, 31.0),
])  # fmt: skip
def test_settings_change_hours_and_arrival_times_as_computed_by_hand(changes, eta, back, hours, km):
    route = one_stop_plan(Settings(**changes))
    assert (route["stops"][0]["eta"], route["back"], route["hours"], route["km"]) == (
        eta, back, hours, km
    )  # fmt: skip
    assert route["stops"][0]["minutes"] == Settings(**changes).stop_minutes["household"]


def test_the_configured_settings_reach_the_plan():
    config = Config(
        inspection_detour_factor=2.0, inspection_speed_kmh=20.0, inspection_day_start="09:00",
        inspection_stop_minutes_household=60, inspection_stop_minutes_project=50,
        inspection_stop_minutes_unit=20,
    )  # fmt: skip
    settings = plan.settings_from(config)
    assert (settings.detour, settings.speed_kmh, settings.day_start) == (2.0, 20.0, time(9, 0))
    assert settings.stop_minutes == {"household": 60, "project": 50, "unit": 20}
    route = one_stop_plan(settings)
    # 3 991 s there (see above), an hour there, 3 991 s back: 11 582 s from 09:00.
    assert (route["stops"][0]["eta"], route["back"], route["hours"]) == ("10:06", "12:13", 3.22)


def test_a_day_start_that_is_not_a_time_is_refused():
    with pytest.raises(Exception, match="HH:MM"):
        plan.settings_from(Config(inspection_day_start="half past eight"))


def test_straight_distances_are_wgs84_geodesics():
    # Beijing to Shanghai: long enough that a sphere would be some kilometres out.
    beijing, shanghai = (116.3975, 39.9087), (121.4737, 31.2304)
    _az, _back, expected = Geod(ellps="WGS84").inv(*beijing, *shanghai)
    found = travel.geodesic_metres([beijing, shanghai], [beijing, shanghai])
    assert abs(found[0, 1] - expected) < 1e-6 and abs(found[1, 0] - expected) < 1e-6
    assert abs(expected - 1_066_676) < 1 and found.diagonal().tolist() == [0.0, 0.0]
    t = travel.travel([beijing], [shanghai], detour=1.4, speed_kmh=40)
    assert t.metres.tolist() == [[round(expected * 1.4)]]
    assert t.seconds.tolist() == [[round(expected * 1.4 / (40 / 3.6))]]


def test_a_matrix_of_one_point_set_equals_the_pairs_solved_one_by_one():
    rng = np.random.default_rng(5)
    points = np.column_stack([116.8 + rng.random(40) * 0.5, 29.8 + rng.random(40) * 0.5])
    geod = Geod(ellps="WGS84")
    expected = [[geod.inv(*a, *b)[2] for b in points] for a in points]
    assert np.allclose(travel.geodesic_metres(points, points), expected, rtol=0, atol=1e-6)
    assert np.allclose(travel.geodesic_metres(points[:7], points[7:]),
                       np.asarray(expected)[:7, 7:], rtol=0, atol=1e-6)  # fmt: skip
