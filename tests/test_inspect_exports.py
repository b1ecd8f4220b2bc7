"""Plan files: GPX and KML per team-day in visiting order, CSV safe for spreadsheets."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import gpxpy
import pytest

from gridmap.core.errors import NotFound
from gridmap.inspections import exports
from gridmap.inspections.compose import Settings, compose
from tests.inspect_fixtures import SEAT, TOWNSHIPS, request, ring_candidates


@pytest.fixture(scope="module")
def plan() -> dict:
    made = compose(ring_candidates(), TOWNSHIPS, request(stops=30, hours=5), Settings(), SEAT, 3)
    return {**made, "id": 7}


def test_gpx_holds_each_team_days_stops_in_order(plan):
    for route in plan["routes"]:
        if not route["stops"]:
            continue
        doc = gpxpy.parse(exports.gpx(plan, route["team"], route["day"]))
        expected = [(round(s["lat"], 6), round(s["lon"], 6)) for s in route["stops"]]
        waypoints = [(round(w.latitude, 6), round(w.longitude, 6)) for w in doc.waypoints]
        assert waypoints == expected
        points = doc.routes[0].points
        assert [(round(p.latitude, 6), round(p.longitude, 6)) for p in points[1:-1]] == expected
        seat = (round(SEAT[1], 6), round(SEAT[0], 6))
        assert (round(points[0].latitude, 6), round(points[0].longitude, 6)) == seat
        assert (round(points[-1].latitude, 6), round(points[-1].longitude, 6)) == seat
        assert doc.waypoints[0].name.startswith("1. ")


def test_kml_has_a_placemark_per_stop_and_the_line(plan):
    route = next(r for r in plan["routes"] if r["stops"])
    root = ET.fromstring(exports.kml(plan, route["team"], route["day"]).encode("utf-8"))
    ns = {"k": exports.KML_NS}
    marks = root.findall(".//k:Placemark", ns)
    assert len(marks) == len(route["stops"]) + 1
    line = root.find(".//k:LineString/k:coordinates", ns)
    assert line is not None and len(line.text.split()) == len(route["stops"]) + 2


def test_an_unknown_team_day_is_not_found(plan):
    with pytest.raises(NotFound):
        exports.gpx(plan, 9, "2023-06-23")


def test_csv_lists_visited_then_dropped_and_defuses_formulas(plan):
    tricky = {**plan, "dropped": [{**plan["dropped"][0], "name": '=HYPERLINK("x")'}]}
    text = exports.csv_text(tricky)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["组别", "日期", "序号"]
    visited = sum(len(r["stops"]) for r in plan["routes"])
    assert len(rows) == 1 + visited + 1
    assert rows[-1][7] == '\'=HYPERLINK("x")' and rows[-1][-2] == "未安排"
    # The last column says why a dropped stop is left out; visited stops leave it empty.
    assert rows[0][-1] == "未安排原因" and rows[1][-1] == ""
    assert rows[-1][-1] == exports.LEFT_OUT_LABELS[plan["dropped"][0]["reason"]]


def test_itinerary_has_a_section_per_team_day_with_numbered_rows(plan):
    sections = exports.itinerary(plan)
    assert len(sections) == len(plan["routes"])
    for section, route in zip(sections, plan["routes"], strict=True):
        assert [row["order"] for row in section["rows"]] == list(range(1, len(route["stops"]) + 1))
        assert all(row["kind"] in ("农户", "项目", "村民小组", "行政村") for row in section["rows"])
