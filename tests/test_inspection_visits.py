"""Inspection visits under a plan: who records them, who sees them, and when they count."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path

import mapbox_vector_tile
import openpyxl
import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from gridmap.access.accounts import EVERYTHING, Actor, cli_actor
from gridmap.core.config import Config
from gridmap.core.errors import BadInput
from gridmap.fieldwork import campaigns
from gridmap.inspections import plan
from gridmap.inspections.compose import PlanRequest
from gridmap.registry.people import import_visits
from gridmap.web import inspections
from tests.household_fixtures import lonlat_m
from tests.test_household_import import write_csv
from tests.test_visits import (
    HOUSEHOLDS,
    SHANGHAI,
    TODAY,
    Clients,
    db_rows,
    field_app,
    g1_counts,
    household_status,
    post,
    seed_county,
    visit,
)
from tests.web_fixtures import ROLE_ACCOUNTS, csrf_token

ROLES = tuple(ROLE_ACCOUNTS)
SEE_OPEN_PLANS = ("admin", "inspector")


def add_plan(conn: psycopg.Connection, config: Config) -> int:
    """An open plan of one stop, made by the planner for the inspector."""
    request = PlanRequest("六月暗访", TODAY, 1, 1, 8.0, stops=1, mandatory=False, seed=1)
    inspector = Actor("inspector", "inspector", EVERYTHING)
    return int(plan.create_plan(conn, config, request, inspector, TODAY)["id"])


def app_with_plans(config: Config) -> Flask:
    app = field_app(config)
    if "inspections" not in app.blueprints:
        app.register_blueprint(inspections.bp)
    return app


@pytest.fixture
def county(config, tiny_county_file) -> Iterator[tuple[Config, Clients, int]]:
    """(config, clients per role, id of an open plan) on a fresh committed county."""
    with psycopg.connect(config.database_url) as conn:
        seed_county(conn, tiny_county_file)
        plan_id = add_plan(conn, config)
    app = app_with_plans(config)
    yield config, Clients(app), plan_id
    app.extensions["gridmap_pool"].close()


def inspect_h2(clients: Clients, plan_id: int, role: str = "inspector", **extra: object):  # type: ignore[no-untyped-def]
    return post(clients[role], "/api/v1/visits",
                visit("H2", kind="inspection", plan_id=plan_id, visitor="W1", **extra))  # fmt: skip


def listed(clients: Clients, role: str, household: str = "H2") -> list[int]:
    response = clients[role].get("/api/v1/visits", query_string={"household": household})
    assert response.status_code == 200
    return [v["id"] for v in response.json["visits"]]


def test_inspection_visit_is_hidden_from_other_roles_until_the_plan_is_closed(county):
    config, clients, plan_id = county
    response = inspect_h2(clients, plan_id)
    assert response.status_code == 201, response.json
    assert (response.json["plan_id"], response.json["hidden"]) == (plan_id, True)
    visit_id = response.json["id"]
    for role in ROLES:
        assert listed(clients, role) == ([visit_id] if role in SEE_OPEN_PLANS else []), role
        # No role sees it counted yet: H2 has never been visited as far as any report goes.
        assert household_status(clients[role], "H2")["visit_status"] == "never", role
        assert g1_counts(clients[role])["visited"] == 0, role
    assert db_rows(config, "SELECT last_visit_on FROM household WHERE code = 'H2'") == [(None,)]
    for role in ("reviewer", "township", "worker"):
        assert post(clients[role], f"/api/v1/inspections/{plan_id}/close", {}).status_code == 404
    closed = post(clients["inspector"], f"/api/v1/inspections/{plan_id}/close", {})
    assert closed.status_code == 200, closed.json
    assert (closed.json["closed_by"], closed.json["households"]) == ("inspector", ["H2"])
    for role in ROLES:
        assert listed(clients, role) == [visit_id], role
        assert household_status(clients[role], "H2")["visit_status"] == "visited", role
        assert g1_counts(clients[role])["visited"] == 1, role
    assert db_rows(config, "SELECT last_visit_on FROM household WHERE code = 'H2'") == [(TODAY,)]
    audit = db_rows(config, "SELECT username, target FROM audit WHERE action = 'inspection.close'")
    assert audit == [("inspector", str(plan_id))]
    again = post(clients["admin"], f"/api/v1/inspections/{plan_id}/close", {})
    assert again.status_code == 409 and "closed already" in again.json["error"]


def test_recording_is_refused_without_an_open_plan_or_by_other_roles(county):
    config, clients, plan_id = county
    no_plan = post(clients["inspector"], "/api/v1/visits", visit("H2", kind="inspection",
                                                                 visitor="W1"))  # fmt: skip
    assert no_plan.status_code == 400
    assert "an inspection visit must name its plan" in no_plan.json["error"]
    for role in ("township", "worker", "reviewer"):
        refused = inspect_h2(clients, plan_id, role)
        assert refused.status_code == 403, role
        assert refused.json["error"].startswith(
            "only inspectors and administrators record inspection visits"
        )
    routine = post(clients["worker"], "/api/v1/visits", visit("H2", plan_id=plan_id))
    assert routine.status_code == 400
    assert "only inspection visits name a plan" in routine.json["error"]
    assert (
        inspect_h2(clients, plan_id + 1000).json["error"]
        == f"no inspection plan {plan_id + 1000} in the household's county"
    )
    assert post(clients["admin"], f"/api/v1/inspections/{plan_id}/close", {}).status_code == 200
    closed = inspect_h2(clients, plan_id)
    assert closed.status_code == 409
    assert closed.json["error"].startswith(f"inspection plan {plan_id} is closed and takes no more")
    assert db_rows(config, "SELECT count(*) FROM visit WHERE kind = 'inspection'") == [(0,)]


def test_reviewers_cannot_reject_a_hidden_visit_but_admins_can(county):
    _config, clients, plan_id = county
    visit_id = inspect_h2(clients, plan_id).json["id"]
    path = f"/api/v1/visits/{visit_id}/reject"
    assert post(clients["reviewer"], path, {"reason": "不实"}).status_code == 404
    assert post(clients["admin"], path, {"reason": "不实"}).status_code == 200
    post(clients["inspector"], f"/api/v1/inspections/{plan_id}/close", {})
    assert household_status(clients["reviewer"], "H2")["visit_status"] == "never"


def test_a_hidden_visit_stays_out_of_reports_on_earlier_dates(county):
    # A later routine visit makes reports for earlier dates read the visits themselves.
    _config, clients, plan_id = county
    five_days_ago = datetime.combine(TODAY - timedelta(days=5), time(10), SHANGHAI)
    assert inspect_h2(clients, plan_id, time=five_days_ago.isoformat()).status_code == 201
    assert post(clients["worker"], "/api/v1/visits", visit("H1")).status_code == 201
    earlier = {"as_of": (TODAY - timedelta(days=2)).isoformat()}
    for role in ROLES:
        assert household_status(clients[role], "H2", **earlier)["visit_status"] == "never"
    post(clients["inspector"], f"/api/v1/inspections/{plan_id}/close", {})
    assert household_status(clients["township"], "H2", **earlier)["visit_status"] == "visited"


def test_campaign_progress_counts_the_visit_once_the_plan_is_closed(county):
    config, clients, plan_id = county
    assert inspect_h2(clients, plan_id).status_code == 201
    with psycopg.connect(config.database_url) as conn:
        made = campaigns.create_campaign(conn, cli_actor("t"), name="夏季走访",
                                         starts_on=TODAY - timedelta(days=1), ends_on=TODAY,
                                         scope_codes=["341890100200001"])  # fmt: skip
        conn.commit()

    def visited() -> int:
        with psycopg.connect(config.database_url) as conn:
            return campaigns.campaign_progress(conn, config, made["id"])["total"]["visited"]

    assert visited() == 0
    post(clients["inspector"], f"/api/v1/inspections/{plan_id}/close", {})
    assert visited() == 1


def test_the_plan_page_closes_the_plan_with_its_form(county):
    config, clients, plan_id = county
    inspect_h2(clients, plan_id)
    page = clients["inspector"].get(f"/inspections/{plan_id}")
    assert page.status_code == 200
    assert 'data-closed="false"' in page.text and f"/inspections/{plan_id}/close" in page.text
    assert clients["inspector"].post(f"/inspections/{plan_id}/close").status_code == 400  # CSRF
    response = clients["inspector"].post(f"/inspections/{plan_id}/close",
                                         data={"csrf_token": csrf_token(page.text)})  # fmt: skip
    assert response.status_code == 302
    shown = clients["inspector"].get(f"/inspections/{plan_id}")
    assert 'data-closed="true"' in shown.text and "/close" not in shown.text
    assert db_rows(config, "SELECT closed_by FROM inspection_plan") == [("inspector",)]
    assert household_status(clients["worker"], "H2")["visit_status"] == "visited"


def refused(config: Config, path: Path) -> list[str]:
    """The problems an import of `path` is refused with."""
    with psycopg.connect(config.database_url) as conn, pytest.raises(BadInput) as raised:
        import_visits(conn, path, config.timezone)
    return raised.value.details


def test_imported_inspection_visits_name_an_open_plan(county, tmp_path: Path):
    config, clients, plan_id = county
    headers = ["户编码", "走访人", "走访时间", "类型", "暗访计划"]
    when = (TODAY - timedelta(days=1)).isoformat() + " 10:00"
    good = write_csv(tmp_path / "v.csv", [["H2", "W1", when, "暗访", str(plan_id)]], headers)
    with psycopg.connect(config.database_url) as conn:
        report = import_visits(conn, good, config.timezone)
    assert (report["inserted"], report["households_updated"]) == (1, 0)
    assert listed(clients, "township") == [] and len(listed(clients, "inspector")) == 1
    wrong_kind = [["H2", "W1", when, "日常走访", str(plan_id)]]
    assert refused(config, write_csv(tmp_path / "k.csv", wrong_kind, headers)) == [
        "row 2 (household H2): only inspection visits (暗访) name a plan; set the kind (类型) "
        "to 暗访 or empty the plan (暗访计划)"
    ]
    unknown = [["H1", "W1", when, "暗访", "99999"]]
    assert refused(config, write_csv(tmp_path / "u.csv", unknown, headers)) == [
        "row 2: inspection plan 99999 does not exist in the household's county; "
        "fix the plan (暗访计划)"
    ]
    post(clients["inspector"], f"/api/v1/inspections/{plan_id}/close", {})
    late = write_csv(tmp_path / "late.csv", [["H1", "W1", when, "暗访", str(plan_id)]], headers)
    assert refused(config, late) == [
        f"row 2: inspection plan {plan_id} is closed and takes no more visits; fix the plan "
        "(暗访计划)"
    ]
    assert listed(clients, "township") != []


def test_a_hidden_sound_visit_does_not_clear_a_doubtful_one(county):
    # The worker's far check-in alone backs H2's visit today; the inspector's sound one counts
    # (and clears the doubt) only once the plan is closed.
    _config, clients, plan_id = county
    far = lonlat_m(1500, 1500)
    doubtful = post(clients["worker"], "/api/v1/visits", visit("H2", lon=far[0], lat=far[1]))
    assert doubtful.json["doubtful"] is True
    earlier = (datetime.now(SHANGHAI) - timedelta(minutes=5)).isoformat()
    assert inspect_h2(clients, plan_id, time=earlier).status_code == 201
    for role in ROLES:
        assert household_status(clients[role], "H2")["doubtful_visit"] is True, role
    post(clients["inspector"], f"/api/v1/inspections/{plan_id}/close", {})
    assert household_status(clients["reviewer"], "H2")["doubtful_visit"] is False


def kind_options(page: str) -> list[str]:
    """The kinds offered by the visit form's kind list."""
    kinds = page[page.index('id="gm-kind"') : page.index("</select>", page.index('id="gm-kind"'))]
    return re.findall(r'<option value="([^"]+)"', kinds)


def test_the_visit_form_offers_inspections_only_to_inspectors_and_admins(county):
    config, clients, plan_id = county
    for role in ROLES:
        page = clients[role].get("/visits/new").text
        if role in SEE_OPEN_PLANS:
            assert kind_options(page) == ["routine", "campaign", "inspection"], role
            assert f'<option value="{plan_id}">{plan_id} · 六月暗访 ({TODAY})</option>' in page
            assert 'name="plan_id" disabled' in page  # sent only once the kind is inspection
        else:
            assert kind_options(page) == ["routine", "campaign"], role
            assert 'value="inspection"' not in page and "plan_id" not in page, role
            assert "六月暗访" not in page, role
    listed_plans = db_rows(config, "SELECT DISTINCT username FROM audit "
                           "WHERE action = 'inspection.list' ORDER BY 1")  # fmt: skip
    assert listed_plans == [(role,) for role in sorted(SEE_OPEN_PLANS)]
    # The form's fields, as the page sends them, record the visit under the chosen plan.
    sent = visit("H2", kind="inspection", plan_id=str(plan_id), visitor="W1")
    assert post(clients["inspector"], "/api/v1/visits", sent).status_code == 201
    post(clients["inspector"], f"/api/v1/inspections/{plan_id}/close", {})
    page = clients["inspector"].get("/visits/new").text
    assert kind_options(page) == ["routine", "campaign"] and "plan_id" not in page


def test_cli_lists_hidden_doubtful_visits_as_the_api_shows_an_admin(county, cli_env):
    import json

    from click.testing import CliRunner

    from gridmap.cli import main

    _config, clients, plan_id = county
    far = lonlat_m(1500, 1500)
    made = inspect_h2(clients, plan_id, lon=far[0], lat=far[1]).json
    assert (made["doubtful"], made["hidden"]) == (True, True)
    shown = clients["admin"].get("/api/v1/visits?doubtful=1").json["visits"]
    assert [v["id"] for v in shown] == [made["id"]]
    result = CliRunner().invoke(main, ["visits", "doubtful", "--json"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert [v["id"] for v in json.loads(result.stdout)["visits"]] == [made["id"]]
    assert clients["reviewer"].get("/api/v1/visits?doubtful=1").json["visits"] == []


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """The web-mercator tile (z, x, y) holding a point."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def tiles_seen(client: FlaskClient) -> dict[str, dict]:
    """H2's households tiles as `client` gets them, decoded: single points and group counts."""
    lon, lat = lonlat_m(*HOUSEHOLDS["H2"][0])
    found = {}
    for z in (15, 12):
        response = client.get("/tiles/households/{}/{}/{}.pbf".format(*tile_of(lon, lat, z)))
        assert response.status_code == 200
        found[f"z{z}"] = mapbox_vector_tile.decode(response.data)
    return found


def cells(client: FlaskClient, path: str) -> dict[str, list[tuple]]:
    """Every sheet's cell values of a spreadsheet download."""
    response = client.get(path)
    assert response.status_code == 200, path
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def seen_by(client: FlaskClient) -> dict:
    """What a role sees of H2's visits in tiles and reports."""
    return {
        "tiles": tiles_seen(client),
        "coverage": cells(client, "/api/v1/coverage.xlsx"),
        "monitoring": cells(client, "/api/v1/monitoring.xlsx"),
    }


def h2_point(seen: dict) -> dict:
    features = seen["tiles"]["z15"]["households"]["features"]
    return next(f["properties"] for f in features if f["properties"]["code"] == "H2")


def test_tiles_and_spreadsheets_show_nothing_of_a_hidden_visit(county):
    _config, clients, plan_id = county
    roles = ("reviewer", "township")
    before = {role: seen_by(clients[role]) for role in roles}
    for role in roles:
        assert h2_point(before[role])["visit_status"] == "never", role
        rows = [r for sheet in before[role]["coverage"].values() for r in sheet]
        assert any("341890100200001" in r for r in rows), role  # H2's group is reported
        assert any(len(sheet) > 1 for sheet in before[role]["monitoring"].values()), role
    assert inspect_h2(clients, plan_id).status_code == 201
    for role in roles:
        during = seen_by(clients[role])
        assert during == before[role], role  # the visit changes nothing they can see
        assert h2_point(during)["visit_status"] == "never", role
        text = repr(during)
        assert "六月暗访" not in text and "inspection" not in text, role
    # The same downloads do show the visit once the plan is closed.
    post(clients["inspector"], f"/api/v1/inspections/{plan_id}/close", {})
    for role in roles:
        after = seen_by(clients[role])
        assert h2_point(after)["visit_status"] == "visited", role
        assert after["tiles"]["z12"] != before[role]["tiles"]["z12"], role
        assert after["coverage"] != before[role]["coverage"], role
