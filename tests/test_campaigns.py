"""Visit campaigns: targets, visits inside the window, progress adding up, map, to-do lists."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta

import openpyxl
import psycopg
import pytest
from click.testing import CliRunner

import gridmap.cli.field_commands  # noqa: F401  (attaches the commands to `main`)
from gridmap.access.accounts import Actor, Scope, cli_actor
from gridmap.cli import main
from gridmap.core.config import Config
from gridmap.core.errors import BadInput, NotFound
from gridmap.fieldwork import campaigns
from gridmap.grid import assign
from tests.conftest import _copy_database
from tests.household_fixtures import (
    Household,
    Visit,
    add_grid,
    add_households,
    add_visits,
    add_worker,
    reject_visit,
)
from tests.test_visits import SHANGHAI, TODAY, Clients, field_app
from tests.web_fixtures import add_role_accounts, csrf_token

G1 = "341890100200001"
G2 = "341890100201001"
G3 = "341890100201002"
START, END = TODAY - timedelta(days=10), TODAY - timedelta(days=3)
ACTOR = cli_actor("tester")
#: code -> (metres, category, status)
HOUSEHOLDS = {
    "A": ((500, 500), "monitored", "active"),  # visited inside the window
    "B": ((600, 500), "lifted", "active"),  # visited just before and just after it
    "C": ((700, 500), "ordinary", "active"),  # not a target category
    "D": ((2500, 500), "monitored", "active"),  # its visit inside was rejected
    "E": ((2600, 500), "lifted", "active"),  # visited late on the last day
    "F": ((2700, 500), "lifted", "moved_away"),  # not active
    "G": ((4500, 500), "monitored", "active"),  # another township
    "H": ((3000, 3000), "monitored", "active"),  # never visited
}
#: Expected (target, visited) per unit for the campaign over township 341890100.
EXPECTED = {
    G1: (2, 1), G2: (2, 1), G3: (1, 0), "341890100200": (2, 1), "341890100201": (3, 1),
    "341890100": (5, 2), "341890": (5, 2),
}  # fmt: skip


def at(day, hour: int, minute: int = 0) -> datetime:  # type: ignore[no-untyped-def]
    return datetime.combine(day, time(hour, minute), SHANGHAI)


def seed(conn: psycopg.Connection, county_file) -> None:  # type: ignore[no-untyped-def]
    """The tiny county with HOUSEHOLDS, their visits, a worker for G1 and one account per role."""
    add_grid(conn, county_file, reason="test fixture")
    personal = {"B": {"phone": "13812345678", "head_name": "李四"}}
    add_households(
        conn,
        [Household(code, at_m, category=category, status=status, **personal.get(code, {}))
         for code, (at_m, category, status) in HOUSEHOLDS.items()],
    )  # fmt: skip
    add_worker(conn, "W1", [G1])
    visits = [
        ("A", at(START + timedelta(days=1), 10), None),
        ("B", at(START - timedelta(days=1), 23, 30), None),
        ("B", at(END + timedelta(days=1), 0, 10), None),
        ("D", at(START + timedelta(days=2), 9), "签到位置不符"),
        ("E", at(END, 23, 30), None),
        ("F", at(START + timedelta(days=2), 9), None),
        ("G", at(START + timedelta(days=2), 9), None),
    ]
    # G lies in another township, where W1 may not visit: someone else did.
    add_visits(conn, [Visit(h, when, "W1" if h != "G" else "v") for h, when, _reason in visits])
    for household, when, reason in visits:
        if reason is not None:
            reject_visit(conn, household, when, reason)
    assign.assign_households(conn)
    add_role_accounts(conn)


@pytest.fixture
def county(conn, tiny_county_file):
    seed(conn, tiny_county_file)
    return conn


def make(conn: psycopg.Connection, **extra: object) -> dict:
    values = {
        "name": "冬季集中走访", "starts_on": START, "ends_on": END,
        "scope_codes": ["341890100"], "categories": ["监测对象", "lifted"], **extra,
    }  # fmt: skip
    return campaigns.create_campaign(conn, ACTOR, **values)  # type: ignore[arg-type]


def test_progress_counts_visits_inside_the_window_and_adds_up(county):
    made = make(county)
    assert made["categories"] == ["lifted", "monitored"]
    report = campaigns.campaign_progress(county, Config(), made["id"])
    got = {u["code"]: (u["target"], u["visited"]) for u in report["units"]}
    assert {code: got[code] for code in EXPECTED} == EXPECTED
    assert "341890101" not in got  # outside the campaign's units
    assert (report["total"]["target"], report["total"]["visited"]) == (5, 2)
    by_level: dict[int, list[dict]] = {}
    for unit in report["units"]:
        by_level.setdefault(unit["level"], []).append(unit)
    for level in (2, 3, 4):  # every level adds up to the level above
        for parent in by_level[level - 1]:
            children = [u for u in by_level[level] if u["parent"] == parent["code"]]
            if children:
                assert sum(u["target"] for u in children) == parent["target"]
                assert sum(u["visited"] for u in children) == parent["visited"]


def test_progress_in_a_smaller_scope_and_the_whole_county(county):
    whole = make(county, scope_codes=[], categories=[])
    report = campaigns.campaign_progress(county, Config(), whole["id"], Scope((G1,)))
    assert [(u["code"], u["target"], u["visited"]) for u in report["units"] if u["level"] == 4] == [
        (G1, 3, 1)
    ]
    county_wide = campaigns.campaign_progress(county, Config(), whole["id"])
    assert (county_wide["total"]["target"], county_wide["total"]["visited"]) == (7, 3)


def test_unvisited_households_for_the_map(county):
    made = make(county)
    found = campaigns.unvisited_geojson(county, Config(), made["id"])
    assert sorted(f["properties"]["code"] for f in found["features"]) == ["B", "D", "H"]
    mine = campaigns.unvisited_geojson(county, Config(), made["id"], Scope((G1,)))
    assert [f["properties"]["code"] for f in mine["features"]] == ["B"]


def test_visited_households_for_the_map(county):
    made = make(county)
    found = campaigns.visited_geojson(county, Config(), made["id"])
    # A inside the window, E late on its last day; D's visit was rejected, B's fell outside.
    assert [f["properties"]["code"] for f in found["features"]] == ["A", "E"]
    assert (found["unlocated"], found["truncated"]) == (0, False)
    mine = campaigns.visited_geojson(county, Config(), made["id"], Scope((G1,)))
    assert [f["properties"]["code"] for f in mine["features"]] == ["A"]
    waiting = campaigns.unvisited_geojson(county, Config(), made["id"])
    report = campaigns.campaign_progress(county, Config(), made["id"])
    assert len(found["features"]) == report["total"]["visited"]
    assert len(found["features"]) + len(waiting["features"]) == report["total"]["target"]


@pytest.mark.parametrize(
    ("extra", "error", "message"),
    [
        ({"ends_on": START - timedelta(days=1)}, BadInput, "ends"),
        ({"name": "  "}, BadInput, "needs a name"),
        ({"scope_codes": ["341890999"]}, BadInput, "341890999 are not in the current grid"),
        ({"scope_codes": ["34189"]}, BadInput, "not a 6, 9, 12 or 15-digit"),
        ({"categories": ["贫困户"]}, BadInput, "category '贫困户'"),
    ],
)
def test_bad_campaigns_are_refused(county, extra, error, message):
    before = county.execute("SELECT count(*) FROM campaign").fetchone()
    with pytest.raises(error) as info:
        make(county, **extra)
    assert message in info.value.message
    assert county.execute("SELECT count(*) FROM campaign").fetchone() == before


def test_a_township_cannot_target_another_township(county):
    township = Actor("t", "township", Scope(("341890101",)))
    with pytest.raises(NotFound):
        campaigns.create_campaign(
            county, township, name="x", starts_on=START, ends_on=END, scope_codes=["341890100"]
        )


def test_campaigns_on_the_command_line(config, cli_env, tiny_county_file, tmp_path):
    with psycopg.connect(config.database_url) as conn:
        seed(conn, tiny_county_file)
    runner = CliRunner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), env=cli_env, catch_exceptions=False)

    window = ("--from", START.isoformat(), "--to", END.isoformat())
    added = run("campaigns", "add", "冬季集中走访", *window, "--scope", "341890100",
                "--categories", "监测对象,脱贫户", "--json")  # fmt: skip
    assert added.exit_code == 0, added.stderr
    campaign_id = json.loads(added.stdout)["id"]
    todo = tmp_path / "todo.xlsx"
    progress = run("campaigns", "progress", str(campaign_id), "--json", "--xlsx", str(todo))
    report = json.loads(progress.stdout)
    assert {u["code"]: (u["target"], u["visited"]) for u in report["units"]
            if u["code"] in EXPECTED} == EXPECTED  # fmt: skip
    book = openpyxl.load_workbook(todo)
    assert book.sheetnames == ["341890100200 11村", "341890100201 12村"]
    assert [r[2] for r in book["341890100200 11村"].iter_rows(min_row=2, values_only=True)] == ["B"]
    bad = run("campaigns", "add", "x", "--from", "2025-01-02", "--to", "2025-01-01")
    assert bad.exit_code == 1 and "before it starts" in bad.stderr
    listed = json.loads(run("campaigns", "list", "--json").stdout)["campaigns"]
    assert [c["id"] for c in listed] == [campaign_id]
    with psycopg.connect(config.database_url) as conn:
        audit = conn.execute("SELECT action FROM audit WHERE action LIKE 'campaign%'").fetchall()
    assert audit == [("campaign.add",)]


@pytest.fixture(scope="module")
def web(pg_cluster, template_url, tiny_county_file, tmp_path_factory) -> Iterator[tuple]:
    """(database URL, clients) on one seeded database with one campaign (id 1)."""
    url = _copy_database(pg_cluster, "field_campaigns_web")
    with psycopg.connect(url) as conn:
        seed(conn, tiny_county_file)
        make(conn)
    config = Config(database_url=url, var_dir=tmp_path_factory.mktemp("var"), secret_key="t")
    application = field_app(config)
    yield url, Clients(application)
    application.extensions["gridmap_pool"].close()


def test_creating_a_campaign_in_the_browser_form(web):
    url, clients = web
    page = clients["reviewer"].get("/campaigns")
    form = {
        "csrf_token": csrf_token(page.text), "name": "春季走访", "from": START.isoformat(),
        "to": END.isoformat(), "scope": "341890100200", "categories": ["monitored"],
    }  # fmt: skip
    made = clients["reviewer"].post("/campaigns", data=form)
    assert made.status_code == 302 and re.search(r"/campaigns/\d+$", made.headers["Location"])
    shown = clients["reviewer"].get(made.headers["Location"])
    assert shown.status_code == 200 and "春季走访" in shown.text
    wrong = clients["reviewer"].post("/campaigns", data={**form, "to": "2020-01-01"})
    assert wrong.status_code == 400 and "gm-campaign-error" in wrong.text
    township_page = clients["township"].get("/campaigns")
    assert 'id="gm-campaign-form"' not in township_page.text
    form["csrf_token"] = csrf_token(township_page.text)
    assert clients["township"].post("/campaigns", data=form).status_code == 403


def test_creating_a_campaign_through_the_api(web):
    _url, clients = web
    body = {"name": "API 走访", "from": START.isoformat(), "to": END.isoformat(),
            "scope": ["341890100201"], "categories": "lifted"}  # fmt: skip
    csrf = re.search(r'"csrf": "([^"]+)"', clients["reviewer"].get("/visits/new").text).group(1)  # type: ignore[union-attr]
    made = clients["reviewer"].post("/api/v1/campaigns", json=body, headers={"X-CSRFToken": csrf})
    assert made.status_code == 201
    assert (made.json["scope_codes"], made.json["categories"]) == (["341890100201"], ["lifted"])
    progress = clients["reviewer"].get(f"/api/v1/campaigns/{made.json['id']}/progress?level=3")
    assert [(u["code"], u["target"], u["visited"]) for u in progress.json["units"]] == [
        ("341890100201", 1, 1)
    ]
    township = clients["township"]
    assert (
        township.post(
            "/api/v1/campaigns", json=body, headers={"X-CSRFToken": township.csrf}
        ).status_code
        == 403
    )


def test_campaign_page_and_progress_api_follow_the_scope(web):
    _url, clients = web
    page = clients["township"].get("/campaigns/1").text
    rows = re.findall(r'<tr data-code="(\d+)"', page)
    assert rows == ["341890100", "341890100200", "341890100201"]
    assert 'id="gm-campaign-map"' in page
    assert len(re.findall(r"<script[^>]*nonce=", page)) == page.count("<script")
    worker = clients["worker"].get("/api/v1/campaigns/1/progress?level=4").json
    assert [(u["code"], u["target"], u["visited"]) for u in worker["units"]] == [(G1, 2, 1)]
    assert clients["worker"].get("/api/v1/campaigns/99/progress").status_code == 404
    geo = clients["worker"].get("/api/v1/campaigns/1/unvisited").json
    assert [f["properties"]["code"] for f in geo["features"]] == ["B"]
    assert clients["worker"].get("/api/v1/campaigns/1/unvisited?unit=341890101").status_code == 404
    seen = clients["worker"].get("/api/v1/campaigns/1/visited").json
    assert [f["properties"]["code"] for f in seen["features"]] == ["A"]
    township = clients["township"].get("/api/v1/campaigns/1/visited?unit=341890100201").json
    assert [f["properties"]["code"] for f in township["features"]] == ["E"]
    assert clients["worker"].get("/api/v1/campaigns/1/visited?unit=341890101").status_code == 404
    assert clients["worker"].get("/api/v1/campaigns/99/visited").status_code == 404


@pytest.mark.parametrize(("role", "phone"), [("admin", "13812345678"), ("reviewer", "138****5678")])
def test_to_do_list_export_masks_personal_values_for_non_admins(web, role, phone):
    url, clients = web
    response = clients[role].get("/api/v1/campaigns/1/unvisited.xlsx?unit=341890100200")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["341890100200 11村"]
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("村民小组编码", "村民小组", "户编码", "户主姓名")
    assert [(r[2], r[3], r[4], r[5]) for r in rows[1:]] == [("B", "李四", "脱贫户", phone)]
    with psycopg.connect(url) as conn:
        audit = conn.execute(
            "SELECT detail->>'masked' FROM audit WHERE action = 'export.campaign_unvisited' "
            "AND username = %s ORDER BY id DESC LIMIT 1",
            [role],
        ).fetchone()
    assert audit == (str(role != "admin").lower(),)
