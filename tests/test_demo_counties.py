"""Several demo counties in one database, each through the ordinary import paths."""

from __future__ import annotations

import json
from datetime import date

import psycopg
import pytest
from click.testing import CliRunner

from gridmap import PROJECT_ROOT
from gridmap.cli import main
from gridmap.core.config import Config
from gridmap.sample import demo
from gridmap.sample.county import read_county

TODAY = date(2026, 6, 30)
HOUSEHOLDS = 300
CODES = ["341890", "341891"]


@pytest.fixture(scope="module")
def two_counties(seeded_template, pg_cluster) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    """The URL of a database holding two demo counties of HOUSEHOLDS households, and the
    load's report by county code."""
    loaded: dict = {}

    def seed(conn: psycopg.Connection) -> None:
        report = demo.load_demo(
            conn, Config(), households_n=HOUSEHOLDS, seed=5, today=TODAY, counties=2
        )
        loaded.update({county["code"]: county for county in report["counties"]})

    return pg_cluster.url(seeded_template(seed)), loaded


def rows(url: str, query: str, params: dict | None = None) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def test_the_report_names_each_county_in_order(two_counties):
    _, report = two_counties
    assert list(report) == CODES
    assert report["341890"]["name"] == "青岚县"
    assert report["341891"]["name"] not in ("", "青岚县")
    assert report["341890"]["grids"]["file"] == "sample-county.gpkg"


@pytest.mark.parametrize("code", CODES)
def test_each_county_holds_the_whole_sample_grid_under_its_own_code(two_counties, code):
    url, report = two_counties
    sample = read_county(PROJECT_ROOT / "geodata" / "sample-county.gpkg")
    levels = rows(
        url,
        "SELECT level, count(*) FROM unit_version WHERE valid_to IS NULL "
        "AND left(code, 6) = %(code)s GROUP BY level ORDER BY level",
        {"code": code},
    )
    assert dict(levels) == sample.level.value_counts().to_dict()
    assert report[code]["grids"]["features"] == len(sample)
    ((name,),) = rows(
        url, "SELECT name FROM unit_version WHERE valid_to IS NULL AND code = %(code)s",
        {"code": code},
    )  # fmt: skip
    assert name == report[code]["name"]


def test_the_counties_lie_apart(two_counties):
    url, _ = two_counties
    boxes = rows(
        url,
        "SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM unit_version "
        "WHERE valid_to IS NULL AND level = 1 ORDER BY code",
    )
    (west, south, east, north), (west1, south1, east1, north1) = boxes
    assert east < west1 and (south, north) == (south1, north1)  # the second lies to the east
    ((distance_m,),) = rows(
        url,
        "SELECT ST_Distance(a.geom::geography, b.geom::geography) FROM unit_version a, "
        "unit_version b WHERE a.code = '341890' AND b.code = '341891' "
        "AND a.valid_to IS NULL AND b.valid_to IS NULL",
    )
    assert distance_m > 10_000


@pytest.mark.parametrize("code", CODES)
def test_each_county_has_the_households_asked_for_inside_its_own_polygon(two_counties, code):
    url, report = two_counties
    ((total, own_codes, located, inside, elsewhere),) = rows(
        url,
        "SELECT count(*), count(*) FILTER (WHERE left(h.code, 6) = h.county_code), "
        "count(h.geom), count(*) FILTER (WHERE ST_Within(h.geom, c.geom)), "
        "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM unit_version o WHERE o.level = 1 "
        "  AND o.valid_to IS NULL AND o.code <> c.code AND ST_Within(h.geom, o.geom))) "
        "FROM household h JOIN unit_version c ON c.code = h.county_code AND c.valid_to IS NULL "
        "WHERE h.county_code = %(code)s",
        {"code": code},
    )
    assert total == own_codes == HOUSEHOLDS
    assert report[code]["households"]["created"] == HOUSEHOLDS
    # Only the households placed just outside the county on purpose lie beyond it.
    assert located - inside == report[code]["households"]["outside_grid"] <= 2
    assert elsewhere == 0


@pytest.mark.parametrize("code", CODES)
def test_each_county_keeps_its_workers_contacts_projects_and_visits(two_counties, code):
    url, report = two_counties
    prefix = "" if code == "341890" else f"{code}-"
    ((workers, strangers),) = rows(
        url,
        "SELECT count(DISTINCT wg.worker_code), count(*) FILTER ("
        "  WHERE left(wg.worker_code, 6) <> left(wg.group_code, 6)) "
        "FROM worker_group wg WHERE left(wg.group_code, 6) = %(code)s",
        {"code": code},
    )
    assert workers == report[code]["workers"]["rows"] > 100 and strangers == 0
    contacts = rows(
        url,
        "SELECT DISTINCT ch.contact_code FROM contact_household ch "
        "JOIN household h ON h.code = ch.household_code WHERE h.county_code = %(code)s",
        {"code": code},
    )
    assert contacts and all(c.startswith(f"{prefix}C") for (c,) in contacts)
    projects = rows(
        url, "SELECT code FROM project WHERE left(village_code, 6) = %(code)s", {"code": code}
    )
    assert len(projects) == 77 and all(p.startswith(f"{prefix}XJ2023-") for (p,) in projects)
    ((visits, far_visitors),) = rows(
        url,
        "SELECT count(*), count(*) FILTER (WHERE left(v.visitor_code, 6) <> h.county_code) "
        "FROM visit v JOIN household h ON h.code = v.household_code "
        "WHERE h.county_code = %(code)s",
        {"code": code},
    )
    assert visits == report[code]["visits"]["inserted"] > HOUSEHOLDS and far_visitors == 0


def test_each_county_gets_its_own_campaign(two_counties):
    url, report = two_counties
    campaigns = rows(url, "SELECT id, name, scope_codes FROM campaign ORDER BY id")
    assert [(c[0], c[2]) for c in campaigns] == [
        (report[code]["campaign"]["id"], [code]) for code in CODES
    ]
    assert {c[1] for c in campaigns} == {"第三次集中走访"}


def test_demo_command_loads_several_counties_and_reports_each(cli_env):
    args = ["demo", "--counties", "2", "--households", "200", "--no-serve", "--json"]
    env = {**cli_env, "GRIDMAP_DEMO_PASSWORD": "Demo-password-42"}
    done = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    outcome = json.loads(done.stdout)
    assert outcome["loaded"] is True
    assert [c["code"] for c in outcome["counties"]] == CODES
    for county in outcome["counties"]:
        assert county["households"] == 200 and county["projects"] == 77
        assert county["units"] > 2000 and county["workers"] > 100
        assert county["campaign"]["name"] == "第三次集中走访"
    assert len({c["name"] for c in outcome["counties"]}) == 2
    assert {a["role"] for a in outcome["accounts"]} >= {"admin", "reviewer"}


@pytest.mark.parametrize("counties", ["0", "51"])
def test_demo_command_refuses_a_county_count_beyond_the_layout(cli_env, counties):
    done = CliRunner().invoke(main, ["demo", "--counties", counties, "--no-serve"], env=cli_env)
    assert done.exit_code == 2
    assert "--counties" in done.output
