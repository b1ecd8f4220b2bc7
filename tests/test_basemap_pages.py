"""Every map page names the base layers its request offers: none without OSM ground, the OSM
vector layer once the county's ground is loaded, and a configured online map first."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import psycopg
import pytest

from gridmap.access.accounts import EVERYTHING, Actor
from gridmap.core.config import Config
from gridmap.fieldwork import campaigns
from gridmap.grid import assign
from gridmap.ground.importer import import_osm_file
from gridmap.inspections import plan
from gridmap.inspections.compose import PlanRequest
from gridmap.web import create_app
from tests.basemap_fixtures import write_ground
from tests.household_fixtures import Household, add_grid, add_households, add_worker, lonlat_m
from tests.web_fixtures import add_role_accounts, logged_in

ONLINE = "/tiles/base/{z}/{x}/{y}.png"
ACTOR = Actor("test", "admin", EVERYTHING, "test")
SPOTS = {"S1": (2000, 1100), "S2": (4500, 900), "N1": (2000, 2900)}
REQUEST = PlanRequest("底图暗访", date(2023, 6, 23), days=1, teams=1, hours=10.0, stops=2,
                      seed=5, seat=lonlat_m(2500, 1000), mandatory=False,
                      sources=("households",))  # fmt: skip

#: Each map page and how its settings reach the page: gridmap-config, or a page's own JSON.
PAGES = {
    "grid map": ("/map", "gridmap-config"),
    "unit": ("/units/341890100", "gridmap-config"),
    "editor": ("/units/341890100/edit", "gridmap-config"),
    "projects": ("/projects", "gm-projects-config"),
    "monitoring": ("/monitoring", "gm-uncontacted-data"),
    "campaign": ("/campaigns/{campaign}", "gm-campaign-data"),
    "inspection plan": ("/inspections/{plan}/map", "gridmap-config"),
}


def _seed(conn: psycopg.Connection, tiny_county_file, ground: Path | None) -> dict:  # type: ignore[no-untyped-def]
    add_grid(conn, tiny_county_file)
    add_households(conn, [Household(c, at, category="monitored") for c, at in SPOTS.items()])
    add_worker(conn, "W1", ["341890100200001"])
    assign.assign_households(conn)
    add_role_accounts(conn)
    if ground is not None:
        import_osm_file(conn, ground, margin_m=1000.0)
    made = {
        "campaign": campaigns.create_campaign(
            conn, ACTOR, name="底图走访", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31),
            scope_codes=["341890100"],
        )["id"],
        "plan": plan.create_plan(conn, Config(), REQUEST, ACTOR, date(2026, 6, 30))["id"],
    }  # fmt: skip
    conn.commit()
    return made


@pytest.fixture(scope="module")
def databases(pg_cluster, template_url, tiny_county_file, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Two copies of the county with a campaign and a plan: without and with OSM ground."""
    from tests.conftest import _copy_database

    ground = write_ground(tmp_path_factory.mktemp("ground"))
    found = {}
    for name, path in (("bare", None), ("osm", ground)):
        url = _copy_database(pg_cluster, f"bm_pages_{name}")
        with psycopg.connect(url) as conn:
            found[name] = (url, _seed(conn, tiny_county_file, path))
    return found


def page_settings(client, path: str, node_id: str) -> dict:  # type: ignore[no-untyped-def]
    """The base map settings a page hands its scripts."""
    response = client.get(path)
    assert response.status_code == 200, path
    match = re.search(rf'id="{node_id}"[^>]*>(.*?)</script>', response.text, re.S)
    assert match, f"{path}: no {node_id}"
    settings = json.loads(match.group(1))
    return settings["basemap"]


@pytest.mark.parametrize(
    ("ground", "url", "ids"),
    [("bare", "", []), ("osm", "", ["osm"]), ("osm", ONLINE, ["online", "osm"])],
)
def test_every_map_page_names_the_layers_offered(databases, tmp_path, ground: str, url: str,
                                                 ids: list[str]):  # type: ignore[no-untyped-def]  # fmt: skip
    db_url, made = databases[ground]
    config = Config(database_url=db_url, var_dir=tmp_path, secret_key="t", basemap_url=url,
                    login_rate_limit="1000 per minute")  # fmt: skip
    app = create_app(config)
    try:
        client = logged_in(app, "admin")
        for page, (path, node_id) in PAGES.items():
            basemap = page_settings(client, path.format(**made), node_id)
            assert [layer["id"] for layer in basemap["layers"]] == ids, page
            assert basemap["default"] == (ids[0] if ids else "none"), page
            assert basemap["noneLabel"] == "无底图", page
    finally:
        app.extensions["gridmap_pool"].close()


def test_the_layer_names_follow_the_language(databases, tmp_path):  # type: ignore[no-untyped-def]
    db_url, _made = databases["osm"]
    config = replace(Config(), database_url=db_url, var_dir=tmp_path, secret_key="t")
    app = create_app(config)
    try:
        client = logged_in(app, "admin")
        chinese = page_settings(client, "/map", "gridmap-config")
        english = page_settings(client, "/map?lang=en", "gridmap-config")
    finally:
        app.extensions["gridmap_pool"].close()
    assert chinese["layers"][0]["label"] == "OpenStreetMap 道路与地名"
    assert english["layers"][0]["label"] == "OpenStreetMap roads and places"
    assert english["noneLabel"] == "No base map"
