"""Campaigns and inspection plans in a database of several counties: each belongs to one county,
lists hold the counties chosen, and a plan samples the chosen county only."""

from __future__ import annotations

import json
import re

import psycopg
import pytest

from gridmap.access.accounts import EVERYTHING, Actor, Scope
from gridmap.access.counties import CountyRequired
from gridmap.core.config import Config
from gridmap.core.errors import BadInput, NotFound
from gridmap.fieldwork import campaigns
from gridmap.inspections import plan
from gridmap.store import inspections as plan_store
from tests.county_fixtures import (
    CAMPAIGN_DAYS,
    CAMPAIGNS,
    PLAN_DAY,
    PLANS,
    cli_runner,
    ids_of,
    plan_request,
    seed_records,
    site_on,
)
from tests.test_counties import NAMES, TOWNSHIP_A, TOWNSHIP_B, A, B, C

CHOICES = [f"{A} {NAMES[A]}", f"{B} {NAMES[B]}"]


@pytest.fixture(scope="module")
def template(seeded_template, tiny_county_file, tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("counties")
    return seeded_template(lambda conn: seed_records(conn, tiny_county_file, folder))


@pytest.fixture(scope="module")
def site(template, pg_cluster, tmp_path_factory):  # type: ignore[no-untyped-def]
    """(url, campaign ids, plan ids, account -> client) on a copy whose records no test adds to."""
    var_dir = tmp_path_factory.mktemp("var")
    url, app, clients = site_on(pg_cluster, template, "county_campaigns_read", var_dir)
    yield url, ids_of(url, "campaign"), ids_of(url, "inspection_plan"), clients
    app.extensions["gridmap_pool"].close()


@pytest.fixture(scope="module")
def writable(template, pg_cluster, tmp_path_factory):  # type: ignore[no-untyped-def]
    """(url, account -> client) on a copy that tests add campaigns and plans to."""
    var_dir = tmp_path_factory.mktemp("var")
    url, app, clients = site_on(pg_cluster, template, "county_campaigns_write", var_dir)
    yield url, clients
    app.extensions["gridmap_pool"].close()


@pytest.fixture
def db(site):  # type: ignore[no-untyped-def]
    """A connection to the read-only copy whose work is rolled back."""
    with psycopg.connect(site[0]) as conn:
        conn.execute("SELECT 1")  # opens the outer transaction: inner ones are savepoints
        yield conn
        conn.rollback()


# --- campaigns: one county each -----------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "units", "expected"),
    [
        (EVERYTHING, [TOWNSHIP_A, TOWNSHIP_B], f"units lie in 2 counties: {A}, {B}"),
        (Scope((A, B)), [f"{A}100200", f"{B}101"], f"units lie in 2 counties: {A}, {B}"),
        (Scope((A, B)), [], f"this account sees several ({A}, {B})"),
        (EVERYTHING, [], f"this account sees several ({A}, {B}, {C})"),
        (Scope((A, B)), [f"{C}100"], NotFound),
        (Scope((B,)), [], (B, [])),
        (Scope((A, B)), [B], (B, [B])),
        (EVERYTHING, [f"{C}100"], (C, [f"{C}100"])),
    ],
)
def test_a_campaign_belongs_to_one_county(db, scope, units, expected):
    actor = Actor("someone", "city", scope)
    start, end = CAMPAIGN_DAYS
    make = lambda: campaigns.create_campaign(  # noqa: E731
        db, actor, name="新走访", starts_on=start, ends_on=end, scope_codes=units
    )
    if expected is NotFound:
        with pytest.raises(NotFound):
            make()
    elif isinstance(expected, str):
        with pytest.raises(BadInput, match=re.escape(expected)) as refused:
            make()
        if not units:
            assert isinstance(refused.value, CountyRequired)
    else:
        made = make()
        assert (made["county_code"], made["scope_codes"]) == expected


LISTED = [
    ("city", f"county={A}", {"a_whole", "a_town"}),
    ("city", f"county={B}", {"b_whole"}),
    ("city", "county=all", {"a_whole", "a_town", "b_whole"}),
    ("province", f"county={C}", {"c_town"}),
    ("province", "county=all", set(CAMPAIGNS)),
    ("reviewer_a", "", {"a_whole", "a_town"}),
    ("admin_b", "", {"b_whole"}),
    ("township", "", {"a_whole", "a_town"}),
    ("township_b", "", {"b_whole"}),
    ("worker", "", {"a_whole", "a_town"}),
]


@pytest.mark.parametrize(("username", "query", "expected"), LISTED)
def test_campaign_lists_hold_the_chosen_counties_only(site, username, query, expected):
    _url, ids, _plans, clients = site
    wanted = {ids[key] for key in expected}
    listed = clients[username].get(f"/api/v1/campaigns?{query}")
    assert listed.status_code == 200
    assert {c["id"] for c in listed.json["campaigns"]} == wanted
    page = clients[username].get(f"/campaigns?{query}")
    assert page.status_code == 200
    assert {int(i) for i in re.findall(r'<tr data-id="(\d+)"', page.text)} == wanted


@pytest.mark.parametrize(
    ("username", "path"),
    [("city", "/api/v1/campaigns"), ("city", "/campaigns"), ("inspector_ab", "/inspections"),
     ("inspector_ab", "/api/v1/inspections")],
)  # fmt: skip
def test_an_account_of_several_counties_must_choose_one(site, username, path):
    client = site[3][username]
    refused = client.get(f"{path}?lang=en")
    assert refused.status_code == 400
    if path.startswith("/api/"):
        assert refused.json["details"] == CHOICES
    else:
        assert NAMES[A] in refused.text and NAMES[B] in refused.text
    assert client.get(f"{path}?county={C}").status_code == 404


DETAIL_ROUTES = [
    "/campaigns/{}", "/api/v1/campaigns/{}/progress", "/api/v1/campaigns/{}/unvisited",
    "/api/v1/campaigns/{}/visited", "/api/v1/campaigns/{}/unvisited.xlsx",
]  # fmt: skip


@pytest.mark.parametrize(
    ("username", "key", "query", "status"),
    [
        ("city", "b_whole", "", 200),  # the campaign names its county
        ("city", "b_whole", f"?county={B}", 200),
        ("city", "b_whole", f"?county={A}", 404),
        ("city", "c_town", "", 404),
        ("township_b", "a_whole", "", 404),  # a whole-county campaign of another county
        ("township_b", "b_whole", "", 200),
        ("township", "a_whole", "", 200),
        ("reviewer_a", "b_whole", "", 404),
        ("admin_b", "a_town", "", 404),
    ],
)
def test_campaign_pages_answer_only_within_the_counties_seen(site, username, key, query, status):
    _url, ids, _plans, clients = site
    for route in DETAIL_ROUTES:
        response = clients[username].get(route.format(ids[key]) + query)
        assert response.status_code == status, route
        if status == 404:
            assert f"走访 {key}" not in response.get_data(as_text=True)


@pytest.mark.parametrize(("key", "county", "target"), [("a_whole", A, 3), ("b_whole", B, 2)])
def test_a_whole_county_campaign_targets_its_county_only(site, key, county, target):
    _url, ids, _plans, clients = site
    found = clients["province"].get(f"/api/v1/campaigns/{ids[key]}/progress").json
    assert found["total"]["target"] == target
    assert found["units"] and {u["code"][:6] for u in found["units"]} == {county}
    households = clients["province"].get(f"/api/v1/campaigns/{ids[key]}/unvisited").json
    assert {f["properties"]["unit"][:6] for f in households["features"]} == {county}


@pytest.mark.parametrize(
    ("username", "query", "body", "status", "expected"),
    [
        ("city", "", {}, 400, "Choose a county with ?county=CODE"),
        ("city", f"?county={B}", {}, 201, (B, [])),
        ("city", "", {"scope": [f"{A}100", f"{B}100"]}, 400, "units lie in 2 counties"),
        ("city", "?county=all", {}, 400, f"this account sees several ({A}, {B})"),
        ("city", f"?county={C}", {}, 404, "no county"),
        ("city", "", {"scope": [TOWNSHIP_B]}, 201, (B, [TOWNSHIP_B])),
        ("reviewer_a", "", {}, 201, (A, [])),
        ("admin_b", "", {"scope": [TOWNSHIP_A]}, 404, "no unit"),
    ],
)
def test_creating_a_campaign_through_the_api(writable, username, query, body, status, expected):
    start, end = CAMPAIGN_DAYS
    sent = {"name": "新走访", "from": start.isoformat(), "to": end.isoformat(), **body}
    english = f"{query}&lang=en" if query else "?lang=en"
    response = writable[1][username].post(f"/api/v1/campaigns{english}", json=sent)
    assert response.status_code == status, response.json
    if status == 201:
        assert (response.json["county_code"], response.json["scope_codes"]) == expected
    else:
        assert expected.lower() in response.json["error"].lower()


def test_the_campaign_form_of_a_chosen_county_makes_a_whole_county_campaign(writable):
    url, clients = writable
    start, end = CAMPAIGN_DAYS
    form = {"name": "全县表单走访", "from": start.isoformat(), "to": end.isoformat()}
    response = clients["city"].post(f"/campaigns?county={B}", data=form)
    assert response.status_code == 302
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT county_code, scope_codes FROM campaign WHERE name = %s",
                           [form["name"]]).fetchone()  # fmt: skip
    assert row == (B, [])
    refused = clients["city"].post("/campaigns?county=all&lang=en", data=form)
    assert refused.status_code == 400 and "this account sees several" in refused.text
    chinese = clients["city"].post("/campaigns?county=all&lang=zh", data=form)
    assert f"本账号可查看多个县（{A}, {B}）" in chinese.text


# --- inspection plans: one county each ----------------------------------------------------


@pytest.mark.parametrize("key", PLANS)
def test_a_plan_samples_only_its_county(db, site, key):
    county, plan_id = PLANS[key], site[2][key]
    made = plan.load(db, plan_id)
    stops = [s for r in made["routes"] for s in r["stops"]] + made["dropped"]
    assert made["county"] == county and stops
    assert all(s["code"].startswith(county) and s["township"].startswith(county) for s in stops)
    seat = plan_store.default_seat(db, county)
    assert (made["seat"]["lon"], made["seat"]["lat"]) == pytest.approx(seat)


@pytest.mark.parametrize(
    ("scope", "expected"),
    [(Scope((A, B)), CHOICES), (EVERYTHING, [*CHOICES, f"{C} {NAMES[C]}"])],
)
def test_planning_over_several_counties_is_refused_naming_them(db, scope, expected):
    actor = Actor("planner", "inspector", scope)
    with pytest.raises(CountyRequired, match="An inspection plan covers one county") as refused:
        plan.create_plan(db, Config(), plan_request("跨县"), actor, PLAN_DAY)
    assert refused.value.details == expected


@pytest.mark.parametrize(
    ("username", "query", "expected"),
    [
        ("inspector_ab", f"county={A}", {"plan_a"}),
        ("inspector_ab", f"county={B}", {"plan_b"}),
        ("inspector_ab", "county=all", {"plan_a", "plan_b"}),
        ("inspector_a", "", {"plan_a"}),
        ("admin_b", "", {"plan_b"}),
    ],
)
def test_plan_lists_hold_the_chosen_counties_only(site, username, query, expected):
    _url, _ids, plans, clients = site
    wanted = {plans[key] for key in expected}
    listed = clients[username].get(f"/api/v1/inspections?{query}")
    assert listed.status_code == 200
    assert {p["id"] for p in listed.json["plans"]} == wanted
    page = clients[username].get(f"/inspections?{query}")
    assert {int(i) for i in re.findall(r'<tr data-plan="(\d+)"', page.text)} == wanted


@pytest.mark.parametrize(
    ("username", "key", "status"),
    [("inspector_a", "plan_b", 404), ("admin_b", "plan_a", 404), ("admin_b", "plan_b", 200),
     ("inspector_ab", "plan_b", 200)],
)  # fmt: skip
def test_a_plan_of_a_county_not_seen_is_not_found(site, username, key, status):
    _url, _ids, plans, clients = site
    for route in ("/api/v1/inspections/{}", "/inspections/{}", "/inspections/{}/plan.csv"):
        assert clients[username].get(route.format(plans[key])).status_code == status, route
    if status == 404:
        closing = clients[username].post(f"/api/v1/inspections/{plans[key]}/close")
        assert closing.status_code == 404


@pytest.mark.parametrize(
    ("query", "status", "expected"),
    [
        (f"?county={B}", 201, B),
        ("", 400, "Choose a county with ?county=CODE"),
        ("?county=all", 400, "An inspection plan covers one county"),
        (f"?county={C}", 404, "no county"),
    ],
)
def test_planning_on_the_web_takes_the_chosen_county(writable, query, status, expected):
    body = {"name": "网页暗访", "first_day": PLAN_DAY.isoformat(), "days": 1, "teams": 1,
            "hours": 8, "stops": 3, "seed": 4}  # fmt: skip
    response = writable[1]["inspector_ab"].post(f"/api/v1/inspections{query}", json=body)
    assert response.status_code == status, response.json
    if status != 201:
        assert expected.lower() in response.json["error"].lower()
        return
    stops = [s for r in response.json["routes"] for s in r["stops"]] + response.json["dropped"]
    assert response.json["county"] == expected and stops
    assert {s["code"][:6] for s in stops} == {expected}


def test_the_plan_form_posts_to_the_chosen_county(writable):
    client = writable[1]["inspector_ab"]
    page = client.get(f"/inspections?county={B}")
    assert f'action="/inspections?county={B}"' in page.text
    form = {"name": "表单暗访", "first_day": PLAN_DAY.isoformat(), "days": "1", "teams": "1",
            "hours": "8", "stops": "3", "seed": "4", "mandatory": "on",
            "sources": ["groups"]}  # fmt: skip
    made = client.post(f"/inspections?county={B}", data=form)
    assert made.status_code == 302
    shown = client.get(made.headers["Location"].replace("/inspections/", "/api/v1/inspections/"))
    assert shown.json["county"] == B


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def run(template, copy_of, tmp_path):  # type: ignore[no-untyped-def]
    """Run `gridmap ARGS` on a copy of the three counties: (exit code, stdout, stderr)."""
    url = copy_of(template)
    invoke = cli_runner(url, tmp_path / "var")
    invoke.url = url  # type: ignore[attr-defined]
    return invoke


ASKS = "--county CODE (or --county all for every county together)"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], ASKS),
        (["--county", B], {"b_whole"}),
        (["--county", C], {"c_town"}),
        (["--county", "all"], set(CAMPAIGNS)),
    ],
)
def test_campaigns_list_takes_the_county(run, args, expected):
    code, out, err = run("campaigns", "list", "--json", *args)
    if isinstance(expected, str):
        assert code == 1 and expected in err and NAMES[C] in err
        return
    assert code == 0, err
    assert {c["name"].split(" ")[-1] for c in json.loads(out)["campaigns"]} == expected


def test_campaigns_progress_and_add_on_the_command_line(run):
    ids = ids_of(run.url, "campaign")
    code, out, err = run("campaigns", "progress", str(ids["a_whole"]), "--json")
    assert code == 0, err
    assert json.loads(out)["total"]["target"] == 3
    code, _out, err = run("campaigns", "progress", str(ids["a_whole"]), "--county", B)
    assert code == 1 and f"no campaign {ids['a_whole']}" in err
    days = ["--from", CAMPAIGN_DAYS[0].isoformat(), "--to", CAMPAIGN_DAYS[1].isoformat()]
    code, _out, err = run("campaigns", "add", "全县", *days)
    assert code == 1 and f"this account sees several ({A}, {B}, {C})" in err
    code, _out, err = run("campaigns", "add", "跨县", *days, "--scope", f"{A}100,{B}100")
    assert code == 1 and f"units lie in 2 counties: {A}, {B}" in err
    code, out, err = run("campaigns", "add", "全县", *days, "--scope", C, "--json")
    assert code == 0, err
    assert json.loads(out)["county_code"] == C


def test_inspect_plan_and_list_take_the_county(run, tmp_path):
    plan_args = ["inspect", "plan", "--name", "命令行暗访", "--start", PLAN_DAY.isoformat(),
                 "--days", "1", "--teams", "1", "--hours", "8", "--stops", "3", "--seed", "2",
                 "--json"]  # fmt: skip
    code, _out, err = run(*plan_args)
    assert code == 1 and ASKS in err
    code, out, err = run(*plan_args, "--county", B)
    assert code == 0, err
    made = json.loads(out)
    stops = [s for r in made["routes"] for s in r["stops"]] + made["dropped"]
    assert made["county"] == B and stops and {s["code"][:6] for s in stops} == {B}
    code, out, err = run("inspect", "list", "--county", A, "--json")
    assert code == 0, err
    assert {p["name"] for p in json.loads(out)["plans"]} == {"暗访 plan_a"}
    code, out, err = run("inspect", "list", "--county", B, "--json")
    assert {p["name"] for p in json.loads(out)["plans"]} == {"暗访 plan_b", "命令行暗访"}


def test_an_inspection_visit_under_another_countys_plan_is_refused(writable):
    url, clients = writable
    plans = ids_of(url, "inspection_plan")
    client = clients["inspector_ab"]
    body = {"household": f"H{B}1", "kind": "inspection", "plan_id": plans["plan_a"],
            "visitor": "W1", "visited_at": "2024-03-01T10:00:00+08:00"}  # fmt: skip
    refused = client.post("/api/v1/visits", json=body)
    assert refused.status_code == 404
    assert refused.json["error"] == (
        f"no inspection plan {plans['plan_a']} in the household's county"
    )
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM visit WHERE plan_id IS NOT NULL").fetchone() == (
            0,
        )
