"""A plan as files for the teams: GPX and KML per team-day, a CSV of all stops, itinerary rows."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import gpxpy.gpx

from gridmap.core import vocab
from gridmap.core.errors import NotFound

KIND_LABELS = {"household": "农户", "project": "项目"}
UNIT_LABELS = {vocab.GROUP: "村民小组", vocab.VILLAGE: "行政村", vocab.TOWNSHIP: "乡镇"}
SEAT_NAME = "县城（出发/返回）"
KML_NS = "http://www.opengis.net/kml/2.2"
CSV_HEADERS = [
    ("team", "组别"), ("day", "日期"), ("order", "序号"), ("eta", "预计到达"),
    ("kind_label", "类型"), ("code", "编码"), ("township", "乡镇编码"), ("name", "对象"),
    ("place", "地点"), ("address", "地址"), ("check", "检查内容"), ("weight", "权重"),
    ("km", "路段里程(公里)"), ("minutes", "停留(分钟)"), ("mandatory", "必到"),
    ("status", "状态"), ("reason", "未安排原因"),
]  # fmt: skip
#: Why a stop is left out (gridmap.inspections.left_out), as the CSV says it.
LEFT_OUT_LABELS = {"no_time": "各组各天均无剩余工时", "heavier_preferred": "让位于权重更高的点位"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


#: Who holds the rights in a road path drawn from OpenStreetMap, and under which licence.
OSM_AUTHOR = "OpenStreetMap contributors"
OSM_LICENCE_URL = "https://opendatacommons.org/licenses/odbl/"


def kind_label(kind: str, code: str) -> str:
    """农户, 项目, or the level of a unit (村民小组, 行政村)."""
    return KIND_LABELS.get(kind) or UNIT_LABELS.get(vocab.level_of(code) or 0, "网格")


def team_day(plan: dict, team: int, day: str) -> dict:
    """The route of one team on one day, or NotFound."""
    for route in plan["routes"]:
        if route["team"] == team and route["day"] == day:
            return route
    raise NotFound(f"plan {plan.get('id')} has no team {team} on {day}")


def file_stem(plan: dict, team: int, day: str) -> str:
    """A file name without extension for one team-day."""
    return f"inspection-{plan.get('id', 'new')}-team{team}-{day}"


def _title(plan: dict, route: dict) -> str:
    return f"{plan['name']} 第{route['team']}组 {route['day']}"


def describe(stop: dict) -> str:
    """One line about a stop: arrival, kind, place, address and what to check."""
    where = " ".join(p for p in (stop["place"], stop["address"]) if p)
    return f"{stop['eta']} {kind_label(stop['kind'], stop['code'])} {where}：{stop['check']}"


def gpx(plan: dict, team: int, day: str) -> str:
    """GPX 1.1: the stops as waypoints and the day's route from the seat back, in order."""
    route = team_day(plan, team, day)
    seat = plan["seat"]
    doc = gpxpy.gpx.GPX()
    doc.creator = "gridmap"
    doc.name = _title(plan, route)
    path = gpxpy.gpx.GPXRoute(name=doc.name)
    path.points.append(gpxpy.gpx.GPXRoutePoint(seat["lat"], seat["lon"], name=SEAT_NAME))
    for n, s in enumerate(route["stops"], start=1):
        name = f"{n}. {s['name']}"
        doc.waypoints.append(
            gpxpy.gpx.GPXWaypoint(s["lat"], s["lon"], name=name, description=describe(s))
        )
        path.points.append(gpxpy.gpx.GPXRoutePoint(s["lat"], s["lon"], name=name))
    path.points.append(gpxpy.gpx.GPXRoutePoint(seat["lat"], seat["lon"], name=SEAT_NAME))
    doc.routes.append(path)
    if route.get("path"):
        doc.tracks.append(_road_track(doc.name, route["path"]))
        # The path follows OpenStreetMap's roads, whose licence asks to be named.
        doc.copyright_author = OSM_AUTHOR
        doc.copyright_license = OSM_LICENCE_URL
    return doc.to_xml(version="1.1")


def _road_track(name: str, path: list) -> gpxpy.gpx.GPXTrack:
    """The day's road path as a GPX track (the route's points are only its stops)."""
    track = gpxpy.gpx.GPXTrack(name=f"{name} 道路路线")
    segment = gpxpy.gpx.GPXTrackSegment()
    segment.points.extend(gpxpy.gpx.GPXTrackPoint(lat, lon) for lon, lat in path)
    track.segments.append(segment)
    return track


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{KML_NS}}}{tag}")
    element.text = text
    return element


def kml(plan: dict, team: int, day: str) -> str:
    """KML 2.2: a numbered placemark per stop and the day's line from the seat back."""
    route = team_day(plan, team, day)
    ET.register_namespace("", KML_NS)
    root = ET.Element(f"{{{KML_NS}}}kml")
    doc = _sub(root, "Document")
    _sub(doc, "name", _title(plan, route))
    seat = (plan["seat"]["lon"], plan["seat"]["lat"])
    points = [seat]
    for n, s in enumerate(route["stops"], start=1):
        mark = _sub(doc, "Placemark")
        _sub(mark, "name", f"{n}. {s['name']}")
        _sub(mark, "description", describe(s))
        _sub(_sub(mark, "Point"), "coordinates", f"{s['lon']},{s['lat']}")
        points.append((s["lon"], s["lat"]))
    points.append(seat)
    if route.get("path"):
        points = [(lon, lat) for lon, lat in route["path"]]
    line = _sub(doc, "Placemark")
    _sub(line, "name", "路线")
    coordinates = " ".join(f"{lon},{lat}" for lon, lat in points)
    _sub(_sub(line, "LineString"), "coordinates", coordinates)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula is kept as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(plan: dict) -> str:
    """Every sampled stop, visited ones in route order then dropped ones, with a BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([label for _key, label in CSV_HEADERS])
    for route in plan["routes"]:
        for n, s in enumerate(route["stops"], start=1):
            row = {**s, "team": route["team"], "day": route["day"], "order": n,
                   "status": "安排", "mandatory": "是" if s["mandatory"] else ""}  # fmt: skip
            writer.writerow([_cell(_csv_value(row, key)) for key, _label in CSV_HEADERS])
    for d in plan["dropped"]:
        row = {**d, "status": "未安排", "reason": LEFT_OUT_LABELS.get(d.get("reason") or "", "")}
        writer.writerow([_cell(_csv_value(row, key)) for key, _label in CSV_HEADERS])
    return "\ufeff" + out.getvalue()


def _csv_value(row: dict, key: str) -> object:
    if key == "kind_label":
        return kind_label(row["kind"], row["code"])
    return row.get(key, "")


def itinerary(plan: dict) -> list[dict]:
    """One section per team-day: totals and a row per stop, as the printed itinerary shows."""
    sections = []
    for route in plan["routes"]:
        rows = [
            {
                "order": n, "eta": s["eta"], "place": s["place"], "address": s["address"],
                "kind": kind_label(s["kind"], s["code"]), "name": s["name"], "code": s["code"],
                "check": s["check"], "km": s["km"], "minutes": s["minutes"],
                "mandatory": s["mandatory"],
            }
            for n, s in enumerate(route["stops"], start=1)
        ]  # fmt: skip
        sections.append({**{k: route[k] for k in ("team", "day", "hours", "km", "back")},
                         "rows": rows})  # fmt: skip
    return sections
