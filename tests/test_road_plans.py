"""Inspection plans on a county's roads: the model stored, road paths drawn, islands named."""

from __future__ import annotations

import re
from datetime import date

import gpxpy
import psycopg
import pytest
import shapely

from gridmap.access.accounts import EVERYTHING, Actor
from gridmap.core.config import Config
from gridmap.grid import assign
from gridmap.ground.importer import import_osm_file
from gridmap.inspections import exports, plan
from gridmap.inspections.compose import PlanRequest
from gridmap.inspections.map import build_plan_map
from gridmap.web import create_app
from gridmap.web import inspections as inspection_views
from tests.household_fixtures import Household, add_grid, add_households, lonlat_m
from tests.road_fixtures import ISLAND_AT, write_roads
from tests.web_fixtures import add_account, logged_in

INSPECTOR = Actor("insp", "inspector", EVERYTHING, "test")
AS_OF = date(2026, 6, 30)
#: Monitored households on both banks of the river, and one beside the road island.
SPOTS = {"S1": (2000, 1100), "S2": (4500, 900), "N1": (2000, 2900), "N2": (4500, 3100),
         "ISLE": ISLAND_AT}  # fmt: skip
REQUEST = PlanRequest("路网暗访", date(2023, 6, 23), days=1, teams=1, hours=10.0, stops=4,
                      seed=5, seat=lonlat_m(2500, 1000), mandatory=False,
                      sources=("households",))  # fmt: skip


def _households(conn: psycopg.Connection, tiny_county_file) -> None:  # type: ignore[no-untyped-def]
    add_grid(conn, tiny_county_file)
    add_households(conn, [Household(code, at, category="monitored") for code, at in SPOTS.items()])
    assign.assign_households(conn)


@pytest.fixture(scope="module")
def roads_template(seeded_template, tiny_county_file, tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    roads = write_roads(tmp_path_factory.mktemp("roads"))

    def seed(conn: psycopg.Connection) -> None:
        _households(conn, tiny_county_file)
        import_osm_file(conn, roads, margin_m=1000.0)
        conn.commit()

    return seeded_template(seed)


@pytest.fixture
def made(copy_of, roads_template) -> dict:  # type: ignore[no-untyped-def]
    with psycopg.connect(copy_of(roads_template)) as conn:
        created = plan.create_plan(conn, Config(), REQUEST, INSPECTOR, AS_OF)
        conn.commit()
    return created


def test_a_plan_on_the_roads_says_so_and_follows_them(made):
    assert made["travel_model"] == "roads"
    (route,) = made["routes"]
    assert {s["code"] for s in route["stops"]} == {"S1", "S2", "N1", "N2"}
    line = shapely.LineString(route["path"])
    # Both banks are visited, so the day crosses the river on its only bridge.
    assert line.distance(shapely.Point(lonlat_m(6000, 2000))) < 1e-6
    assert route["km"] > 2 * 8.0  # to the bridge at x = 6000 and back, at least


def test_a_stop_no_road_reaches_is_named(made):
    (named,) = made["unreachable_by_road"]
    assert (named["kind"], named["code"]) == ("household", "ISLE") and "name" in named
    assert all(d["code"] != "ISLE" for d in made["dropped"])


def test_gpx_and_itinerary_carry_the_road_path(made):
    doc = gpxpy.parse(exports.gpx(made, 1, "2023-06-23"))
    (track,) = doc.tracks
    assert len(track.segments[0].points) == len(made["routes"][0]["path"])
    assert (doc.copyright_author, doc.copyright_license) == (
        "OpenStreetMap contributors",
        "https://opendatacommons.org/licenses/odbl/",
    )
    rows = exports.itinerary(made)[0]["rows"]
    legs = sum(r["km"] for r in rows)
    assert legs <= made["routes"][0]["km"]


def test_without_roads_a_plan_keeps_the_straight_model(fresh_db_url, tiny_county_file):
    with psycopg.connect(fresh_db_url) as conn:
        _households(conn, tiny_county_file)
        made = plan.create_plan(conn, Config(), REQUEST, INSPECTOR, AS_OF)
    assert made["travel_model"] == "straight" and made["unreachable_by_road"] == []
    assert all(r["path"] is None for r in made["routes"])
    straight = gpxpy.parse(exports.gpx(made, 1, "2023-06-23"))
    assert not straight.tracks and straight.copyright_author is None


@pytest.mark.parametrize("on_roads", [True, False])
def test_the_plan_map_credits_openstreetmap_for_a_road_path(made, on_roads):
    shown = made if on_roads else {**made, "routes": [{**r, "path": None} for r in made["routes"]]}
    names = {(r["team"], r["day"]): f"{r['team']} {r['day']}" for r in made["routes"]}
    words = {"eta": "eta", "check": "check", "seat": "seat"}
    fragment = build_plan_map(shown, nonce="n", layer_names=names, words=words)
    page = fragment.header + fragment.body + fragment.script
    assert ("OpenStreetMap contributors" in page) is on_roads


@pytest.mark.parametrize("on_roads", [True, False])
def test_the_plan_page_names_its_travel_model_and_the_places_no_road_reaches(
    copy_of, roads_template, tmp_path, on_roads
):
    url = copy_of(roads_template)
    with psycopg.connect(url) as conn:
        if not on_roads:
            conn.execute("UPDATE osm_road SET valid = tstzrange(lower(valid), lower(valid), '[]')")
        made = plan.create_plan(conn, Config(), REQUEST, INSPECTOR, AS_OF)
        add_account(conn, "inspector", "inspector")
        conn.commit()
    config = Config(database_url=url, var_dir=tmp_path, secret_key="t")
    app = create_app(config)
    if "inspections" not in app.blueprints:
        app.register_blueprint(inspection_views.bp)
    try:
        page = logged_in(app, "inspector").get(f"/inspections/{made['id']}").text
    finally:
        app.extensions["gridmap_pool"].close()
    model = "roads" if on_roads else "straight"
    assert f'data-model="{model}"' in page
    assert ("OpenStreetMap" in page) is on_roads
    assert ("gm-unreachable" in page) is on_roads
    if on_roads:
        unreachable = page.split("gm-unreachable", 1)[1].split("</table>", 1)[0]
        assert re.findall(r'data-code="([^"]+)"', unreachable) == ["ISLE"]
