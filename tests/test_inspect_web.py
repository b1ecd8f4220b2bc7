"""Plan routes over HTTP: who sees them (404 for everyone else), forms, API, downloads, audit."""

from __future__ import annotations

import html
import re
from datetime import date

import gpxpy
import psycopg
import pytest

from gridmap.access.accounts import EVERYTHING, Actor
from gridmap.inspections import plan
from gridmap.inspections.compose import PlanRequest
from gridmap.web import create_app
from gridmap.web import inspections as inspection_views
from tests.web_fixtures import ROLE_ACCOUNTS, logged_in

PLAN_NAME = "六月暗访XYZ"
ALLOWED = {"inspector", "admin"}


@pytest.fixture(scope="module")
def setup(monitored_county):  # type: ignore[no-untyped-def]
    """An app on the monitored county with one plan."""
    with psycopg.connect(monitored_county.database_url) as conn:
        request = PlanRequest(PLAN_NAME, date(2023, 6, 23), 2, 2, 8.0, stops=4, seed=5)
        made = plan.create_plan(
            conn, monitored_county, request, Actor("x", "inspector", EVERYTHING), date(2023, 6, 1)
        )
        conn.commit()
    app = create_app(monitored_county)
    if "inspections" not in app.blueprints:
        app.register_blueprint(inspection_views.bp)
    yield app, made
    app.extensions["gridmap_pool"].close()


@pytest.fixture(scope="module")
def clients(setup):  # type: ignore[no-untyped-def]
    app, _made = setup
    return {role: logged_in(app, role) for role in ROLE_ACCOUNTS}


def plan_paths(made: dict) -> list[str]:
    route = next(r for r in made["routes"] if r["stops"])
    base = f"/inspections/{made['id']}"
    return [
        "/inspections", base, f"{base}/map", f"{base}/itinerary", f"{base}/plan.csv",
        f"{base}/{route['team']}/{route['day']}.gpx", f"{base}/{route['team']}/{route['day']}.kml",
        "/api/v1/inspections", f"/api/v1/inspections/{made['id']}",
    ]  # fmt: skip


@pytest.mark.parametrize("role", list(ROLE_ACCOUNTS))
def test_only_inspectors_and_admins_see_plan_routes(setup, clients, role):
    _app, made = setup
    client = clients[role]
    for path in plan_paths(made):
        response = client.get(path)
        if role in ALLOWED:
            assert response.status_code == 200, path
        else:
            unknown = client.get(path.replace("inspections", "no-such-thing", 1))
            assert response.status_code == 404, path
            assert response.data == unknown.data  # indistinguishable from a wrong address
            assert PLAN_NAME.encode() not in response.data


@pytest.mark.parametrize("role", list(ROLE_ACCOUNTS))
def test_only_inspectors_and_admins_make_plans(clients, role):
    body = {"name": f"api {role}", "first_day": "2023-07-01", "days": 1, "teams": 1,
            "hours": 8, "stops": 2, "seed": 1}  # fmt: skip
    response = clients[role].post("/api/v1/inspections", json=body)
    assert response.status_code == (201 if role in ALLOWED else 404)
    page = clients[role].post(
        "/inspections", data={**body, "mandatory": "on", "sources": ["households", "groups"]}
    )
    assert page.status_code == (302 if role in ALLOWED else 404)


@pytest.mark.parametrize("role", ["reviewer", "township", "worker"])
def test_nothing_about_a_plan_appears_elsewhere(clients, role):
    for path in ["/", "/coverage", "/map", "/units/341890", "/api/v1/search?q=暗访",
                 "/api/v1/coverage"]:  # fmt: skip
        response = clients[role].get(path)
        assert PLAN_NAME.encode() not in response.data, path
        assert b"/inspections" not in response.data, path


def test_form_shows_the_reason_when_a_plan_cannot_be_made(clients):
    response = clients["inspector"].post(
        "/inspections", data={"name": "x", "first_day": "2023-07-01", "days": "1",
                              "teams": "1", "hours": "8", "stops": "", "mandatory": "on"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "gm-plan-error" in response.text


def test_api_plan_has_the_promised_shape(setup, clients):
    _app, made = setup
    body = clients["inspector"].get(f"/api/v1/inspections/{made['id']}").json
    assert body["id"] == made["id"] and body["seed"] == 5
    assert len(body["routes"]) == 4
    for route in body["routes"]:
        assert {"team", "day", "hours", "km", "stops"} <= set(route)
        for stop in route["stops"]:
            assert {"code", "kind", "township", "eta", "weight", "check"} <= set(stop)


def test_downloads_are_files_and_audited(setup, clients):
    app, made = setup
    route = next(r for r in made["routes"] if r["stops"])
    path = f"/inspections/{made['id']}/{route['team']}/{route['day']}.gpx"
    response = clients["admin"].get(path)
    assert "attachment" in response.headers["Content-Disposition"]
    doc = gpxpy.parse(response.text)
    assert [w.name.split(". ", 1)[1] for w in doc.waypoints] == [s["name"] for s in route["stops"]]
    with psycopg.connect(app.config["GRIDMAP"].database_url) as conn:
        rows = conn.execute(
            "SELECT username, action, detail->>'format' FROM audit WHERE target = %s "
            "AND action LIKE 'inspection.%%' ORDER BY id DESC LIMIT 1",
            [str(made["id"])],
        ).fetchall()
    assert rows == [("admin", "inspection.export", "gpx")]


def test_an_unknown_plan_is_not_found_for_inspectors(clients):
    assert clients["inspector"].get("/inspections/999999").status_code == 404
    assert clients["inspector"].get("/api/v1/inspections/999999").status_code == 404


def test_form_and_api_take_quotas_per_source(setup, clients):
    app, _made = setup
    form = {"name": "配额", "first_day": "2023-07-01", "days": "2", "teams": "2", "hours": "8",
            "stops": "4", "seed": "3", "sources": ["households", "groups"],
            "quota_households": "3", "quota_groups": ""}  # fmt: skip
    response = clients["inspector"].post("/inspections", data=form)
    assert response.status_code == 302
    plan_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    made = clients["inspector"].get(f"/api/v1/inspections/{plan_id}").json
    assert made["inputs"]["quotas"] == {"households": 3}
    kinds = [s["kind"] for r in made["routes"] for s in r["stops"]]
    kinds += [d["kind"] for d in made["dropped"]]
    assert sorted(kinds) == ["household"] * 3 + ["unit"]
    body = {"name": "api", "first_day": "2023-07-01", "days": 1, "teams": 1, "hours": 8,
            "quotas": {"households": 9}}  # fmt: skip
    refused = clients["inspector"].post("/api/v1/inspections", json=body)
    assert refused.status_code == 400
    assert "quota of 9 stops from monitored households (households)" in refused.json["error"]
    page = clients["inspector"].post("/inspections", data={**form, "quota_projects": "2"})
    assert page.status_code == 400
    assert "the quota for projects needs projects among the sources sampled from" in page.text
    with psycopg.connect(app.config["GRIDMAP"].database_url) as conn:
        closed = conn.execute("SELECT count(*) FROM inspection_plan WHERE closed_at IS NOT NULL")
        assert closed.fetchone() == (0,)


@pytest.mark.parametrize("role", ["reviewer", "township", "worker"])
def test_other_roles_cannot_close_a_plan(setup, clients, role):
    app, made = setup
    for path in [f"/inspections/{made['id']}/close", f"/api/v1/inspections/{made['id']}/close"]:
        assert clients[role].post(path).status_code == 404
    with psycopg.connect(app.config["GRIDMAP"].database_url) as conn:
        row = conn.execute("SELECT closed_at FROM inspection_plan WHERE id = %s", [made["id"]])
        assert row.fetchone() == (None,)


def inputs_shown(page: str) -> dict[str, str]:
    """The plan page's inputs: data-key → text (and the prize's data-value)."""
    start = page.index('class="gm-plan-inputs"')
    section = page[start : page.index("</section>", start)]
    found = dict(re.findall(r'<dd data-key="(\w+)"[^>]*>(.*?)</dd>', section, re.S))
    prize = re.search(r'data-key="prize_seconds" data-value="(\d+)"', section)
    return {**found, "prize_value": prize.group(1) if prize else ""}


def test_the_plan_page_shows_its_inputs_and_the_prize_used(setup, clients):
    _app, made = setup
    shown = inputs_shown(clients["inspector"].get(f"/inspections/{made['id']}").text)
    assert shown["prize_value"] == "36000" and "36000" in shown["prize_seconds"]
    assert shown["sources"] == "households, projects, groups, villages"
    assert (shown["stops"], shown["weights"], shown["quotas"]) == ("4", "–", "–")


def test_form_and_api_take_weights_per_source(setup, clients):
    # The monitored households weigh 4 (at risk, never visited, no contact); × 0.1 makes 0.4,
    # and a lightest stop of 0.4 raises the prize to 8 h / 0.4 = 72 000 s per unit of weight.
    body = {"name": "权重", "first_day": "2023-07-01", "days": 1, "teams": 1, "hours": 8,
            "stops": 3, "seed": 2, "quotas": {"households": 2}, "mandatory": False,
            "weights": {"households": 0.1, "groups": "3"}}  # fmt: skip
    response = clients["inspector"].post("/api/v1/inspections", json=body)
    assert response.status_code == 201, response.json
    made = response.json
    assert made["inputs"]["weights"] == {"households": 0.1, "groups": 3.0}
    sampled = [s for r in made["routes"] for s in r["stops"]] + made["dropped"]
    assert sorted(s["weight"] for s in sampled if s["kind"] == "household") == [0.4, 0.4]
    settings = made["inputs"]["settings"]
    assert (settings["prize_seconds"], settings["prize_seconds_setting"]) == (72_000, 36_000)
    shown = inputs_shown(clients["inspector"].get(f"/inspections/{made['id']}").text)
    assert shown["prize_value"] == "72000"
    assert "72000" in shown["prize_seconds"] and "36000" in shown["prize_seconds"]
    assert shown["weights"] == "households × 0.1, groups × 3.0"
    form = {"name": "表单权重", "first_day": "2023-07-01", "days": "1", "teams": "1",
            "hours": "8", "stops": "3", "seed": "2", "sources": ["households", "groups"],
            "weight_households": "2", "weight_groups": ""}  # fmt: skip
    response = clients["inspector"].post("/inspections", data=form)
    assert response.status_code == 302
    plan_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    stored = clients["inspector"].get(f"/api/v1/inspections/{plan_id}").json
    assert stored["inputs"]["weights"] == {"households": 2.0}


@pytest.mark.parametrize("field, value, message", [
    ("weight_households", "0", "the weight for households must be above 0, not 0"),
    ("weight_groups", "-2", "the weight for groups must be above 0, not -2"),
    ("weight_households", "abc", "households 的权重须为数字，例如 2 或 0.5。"),
])  # fmt: skip
def test_unusable_weights_on_the_form_are_refused_with_the_reason(clients, field, value, message):
    form = {"name": "x", "first_day": "2023-07-01", "days": "1", "teams": "1", "hours": "8",
            "stops": "3", "mandatory": "on", "sources": ["households", "groups"]}  # fmt: skip
    form[field] = value
    response = clients["inspector"].post("/inspections", data=form)
    assert response.status_code == 400
    error = re.search(r'gm-plan-error" role="alert">(.*?)</div>', response.text, re.S)
    assert error is not None and message in html.unescape(error.group(1))
    assert f'name="{field}"' in response.text and f'value="{value}"' in response.text


def test_unusable_weights_in_the_api_are_refused_with_the_reason(clients):
    body = {"name": "x", "first_day": "2023-07-01", "days": 1, "teams": 1, "hours": 8,
            "stops": 3}  # fmt: skip
    for weights, message in [
        ({"households": 0}, "the weight for households must be above 0, not 0"),
        ({"villages": -0.5}, "the weight for villages must be above 0, not -0.5"),
        ({"farms": 2}, "a weight is for one of households, projects, groups, villages"),
        ([2], 'weights 须为对象，例如 {"households": 2}。'),
    ]:
        refused = clients["inspector"].post(
            "/api/v1/inspections", json={**body, "weights": weights}
        )
        assert refused.status_code == 400, weights
        assert message in refused.json["error"], refused.json
