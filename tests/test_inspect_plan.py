"""Plans from the database: candidates and weights, optional projects, storage, secrecy, audit."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from gridmap.access.accounts import EVERYTHING, Actor, Scope
from gridmap.core.config import Config
from gridmap.core.errors import NotFound
from gridmap.grid import assign
from gridmap.inspections import candidates, plan
from gridmap.inspections.compose import PlanRequest
from gridmap.projects.funded import import_projects
from gridmap.store import inspections as store
from tests.household_fixtures import (
    add_contact,
    add_grid,
    add_household,
    add_visit,
    add_worker,
    import_csv,
    lonlat_m,
)

AS_OF = date(2026, 6, 30)
G1 = "341890100200001"
CONFIG = Config()
INSPECTOR = Actor("insp", "inspector", EVERYTHING, "test")
SETTINGS = plan.settings_from(CONFIG)


@pytest.fixture
def county(conn, tiny_county_file):
    """Tiny county: monitored households in both townships, one staffed group, one contact."""
    add_grid(conn, tiny_county_file)
    add_household(conn, "M1", (500, 500), category="monitored")
    add_household(conn, "M2", (600, 600), category="monitored", risk_eliminated=True)
    add_household(conn, "M3", (4500, 500), category="monitored")
    add_household(conn, "M4", (-500, 500), category="monitored")  # outside the grid
    add_household(conn, "O1", (700, 700))
    add_worker(conn, "W1", [G1])
    for code in ("M1", "M2"):
        add_contact(conn, f"C{code}", code, since=AS_OF - timedelta(days=100))
        add_visit(conn, code, AS_OF - timedelta(days=3))
    assign.assign_households(conn)
    return conn


def gather(conn, sources=("households", "projects", "groups", "villages")):  # type: ignore[no-untyped-def]
    found = candidates.gather(
        conn, CONFIG, sources, weights=SETTINGS.weights, as_of=AS_OF,
        low_visit_villages=SETTINGS.low_visit_villages,
        project_statuses=list(SETTINGS.project_statuses),
    )  # fmt: skip
    return {(c.kind, c.code): c for c in found}


def test_monitored_households_are_weighed_by_their_problems(county):
    found = gather(county, ["households"])
    assert set(found) == {("household", "M1"), ("household", "M2"), ("household", "M3")}
    assert found[("household", "M1")].weight == 2.0  # at risk
    assert found[("household", "M2")].weight == 1.0  # risk eliminated, visited, contact
    assert found[("household", "M3")].weight == 4.0  # at risk, never visited, no contact
    assert found[("household", "M3")].township == "341890101"
    assert found[("household", "M1")].place == "11村1组"


def test_unstaffed_groups_and_low_visit_villages_are_units(county):
    found = gather(county, ["groups", "villages"])
    assert ("unit", "341890101200001") in found  # M3's group has no worker
    assert ("unit", G1) not in found
    villages = {code for kind, code in found if len(code) == 12}
    assert villages == {"341890100200", "341890101200"}
    assert found[("unit", "341890101200")].weight > found[("unit", "341890100200")].weight


PROJECT_HEADERS = ["项目编码", "项目名称", "年度", "类别", "状态", "开工日期", "行政村编码", "经度",
                   "纬度"]  # fmt: skip


def add_project(conn, code, status, village, at=None, category="industry"):  # type: ignore[no-untyped-def]
    """Import a project of 2023 at a site `at` (metres) or none, started on 1 March unless it is
    only approved."""
    lon, lat = lonlat_m(*at) if at else (None, None)
    started = "" if status == "approved" else "2023-03-01"
    row = [code, f"项目{code}", 2023, category, status, started, village, lon, lat]
    import_csv(conn, import_projects, PROJECT_HEADERS, [row])


def label_of(conn, code):  # type: ignore[no-untyped-def]
    row = conn.execute(
        "SELECT ST_X(label), ST_Y(label) FROM unit_version WHERE code = %s AND valid_to IS NULL",
        [code],
    ).fetchone()
    return (row[0], row[1])


@pytest.fixture
def projects(county):  # type: ignore[no-untyped-def]
    """Started projects with and without a site, and approved and completed ones."""
    add_project(county, "P1", "started", "341890101200", at=(4600, 600))
    add_project(county, "P2", "completed", "341890101200", at=(4700, 600))
    add_project(county, "P3", "started", "341890100201", category="employment")  # no site
    add_project(county, "P4", "approved", "341890100200", category="public_jobs")
    add_project(county, "P5", "started", "341890101201", category="public_jobs")  # no site
    return county


def test_started_projects_are_sampled_at_their_site_or_their_villages_label(projects):
    # The default statuses (GRIDMAP_INSPECTION_PROJECT_STATUSES) name the table's 'started'.
    assert "started" in SETTINGS.project_statuses
    assert not {"approved", "completed"} & set(SETTINGS.project_statuses)
    found = {k: c for k, c in gather(projects).items() if k[0] == "project"}
    assert sorted(code for _kind, code in found) == ["P1", "P3", "P5"]
    p1, p3, p5 = (found[("project", code)] for code in ("P1", "P3", "P5"))
    assert (p1.lon, p1.lat) == pytest.approx(lonlat_m(4600, 600))
    assert (p3.lon, p3.lat) == pytest.approx(label_of(projects, "341890100201"))
    assert (p5.lon, p5.lat) == pytest.approx(label_of(projects, "341890101201"))
    assert (p1.township, p3.township, p5.township) == ("341890101", "341890100", "341890101")
    assert (p3.place, p3.weight, p3.source) == ("12村", SETTINGS.weights.project, "projects")


def test_projects_without_a_site_are_routed(projects):
    made = make(projects, sources=("projects",), stops=3)
    visited = {s["code"]: s for r in made["routes"] for s in r["stops"]}
    assert sorted(visited) == ["P1", "P3", "P5"] and made["dropped"] == []
    assert (visited["P3"]["lon"], visited["P3"]["lat"]) == pytest.approx(
        label_of(projects, "341890100201")
    )


def test_projects_are_sampled_only_when_a_project_table_exists(projects):
    projects.execute("ALTER TABLE project RENAME TO project_hidden")
    assert not store.has_projects(projects)
    assert not [k for k in gather(projects) if k[0] == "project"]
    projects.execute("ALTER TABLE project_hidden RENAME TO project")
    assert store.has_projects(projects)
    assert len([k for k in gather(projects) if k[0] == "project"]) == 3


def test_default_seat_is_the_first_villages_label(county):
    row = county.execute(
        "SELECT ST_X(label), ST_Y(label) FROM unit_version WHERE code = '341890100200' "
        "AND valid_to IS NULL"
    ).fetchone()
    assert store.default_seat(county) == pytest.approx((row[0], row[1]))


def make(conn, **changes):  # type: ignore[no-untyped-def]
    values = dict(name="六月暗访", first_day=date(2023, 6, 23), days=2, teams=2, hours=6.0,
                  stops=4, seed=42)  # fmt: skip
    values.update(changes)
    return plan.create_plan(conn, CONFIG, PlanRequest(**values), INSPECTOR, AS_OF)


def audit_actions(conn, target: str) -> list[str]:  # type: ignore[no-untyped-def]
    rows = conn.execute(
        "SELECT action FROM audit WHERE target = %s ORDER BY id", [target]
    ).fetchall()
    return [r[0] for r in rows]


def test_a_stored_plan_reads_back_as_made_and_every_view_is_audited(county):
    made = make(county)
    assert made["seed"] == 42 and made["id"] > 0
    assert {s["township"] for r in made["routes"] for s in r["stops"] if s["mandatory"]} == {
        "341890100", "341890101"
    }  # fmt: skip
    seen = plan.view_plan(county, made["id"], INSPECTOR, "map")
    assert seen == made
    plan.view_plan(county, made["id"], INSPECTOR, "export", {"format": "gpx"})
    assert audit_actions(county, str(made["id"])) == [
        "inspection.create", "inspection.map", "inspection.export"
    ]  # fmt: skip
    listed = plan.list_plans(county, INSPECTOR)
    assert listed[0]["id"] == made["id"] and listed[0]["totals"] == made["totals"]


def test_same_seed_same_plan_from_the_database(county):
    first, second = make(county), make(county)
    strip = ("id", "created_at")
    assert {k: v for k, v in first.items() if k not in strip} == {
        k: v for k, v in second.items() if k not in strip
    }


@pytest.mark.parametrize("role", ["reviewer", "township", "worker"])
def test_other_roles_are_told_there_is_no_plan(county, role):
    made = make(county)
    other = Actor("someone", role, Scope(("341890100",)) if role != "reviewer" else EVERYTHING)
    new = PlanRequest("x", AS_OF, 1, 1, 8.0, stops=2)
    for call in (
        lambda: plan.view_plan(county, made["id"], other),
        lambda: plan.list_plans(county, other),
        lambda: plan.create_plan(county, CONFIG, new, other, AS_OF),
    ):
        with pytest.raises(NotFound):
            call()


def test_a_configured_seat_and_bad_seats(county):
    config = Config(inspection_seat="117.0,30.0")
    assert plan.seat_of(county, config, PlanRequest("x", AS_OF, 1, 1, 8.0, stops=2)) == (
        117.0, 30.0
    )  # fmt: skip
    with pytest.raises(Exception, match="lon,lat"):
        plan.parse_point("30", "seat")
    with pytest.raises(Exception, match="outside China"):
        plan.parse_point("30.5,117.0", "seat")


def test_the_stored_inputs_show_the_prize_used_and_the_plans_weights(county):
    config = Config(inspection_prize_seconds=60)
    request = PlanRequest("六月暗访", date(2023, 6, 23), 2, 2, 6.0, stops=4, seed=42,
                          weights=(("households", 0.5), ("groups", 3.0)))  # fmt: skip
    made = plan.create_plan(county, config, request, INSPECTOR, AS_OF)
    assert plan.load(county, made["id"])["inputs"] == made["inputs"]
    assert made["inputs"]["weights"] == {"households": 0.5, "groups": 3.0}
    sampled = [s for r in made["routes"] for s in r["stops"]] + made["dropped"]
    weights = {(s["kind"], s["code"]): s["weight"] for s in sampled}
    # M1 at risk (2), M2 without problems (1), M3 at risk, never visited, no contact (4): halved.
    expected = {"M1": 1.0, "M2": 0.5, "M3": 2.0}
    assert {c: w for (k, c), w in weights.items() if k == "household"} == {
        c: expected[c] for (k, c) in weights if k == "household"
    }
    unit_weights = [w for (k, c), w in weights.items() if k == "unit" and len(c) == 15]
    assert all(w == 6.0 for w in unit_weights)  # a group without a worker: 2 × 3
    # The setting (60 s) is too small for a working day: the prize used is raised and stored.
    settings = made["inputs"]["settings"]
    assert settings["prize_seconds_setting"] == 60
    assert settings["prize_seconds"] == math.ceil(6 * 3600 / min(weights.values()))
    default = make(county)["inputs"]["settings"]
    assert default["prize_seconds"] == default["prize_seconds_setting"] == 36_000
