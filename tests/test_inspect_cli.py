"""`gridmap inspect plan|show|list` end to end: JSON shape, seeds, GPX files, failures."""

from __future__ import annotations

import json
import math

import gpxpy
import psycopg
import pytest
from click.testing import CliRunner

import gridmap.cli.inspect_commands  # noqa: F401  (attaches `inspect` to the command)
from gridmap.cli import main
from gridmap.grid import assign
from gridmap.registry.people import import_visits
from tests.household_fixtures import Household, add_grid, add_households, import_csv

BASE = ["inspect", "plan", "--name", "六月暗访", "--start", "2023-06-23", "--days", "2",
        "--teams", "2", "--hours", "7.5"]  # fmt: skip


@pytest.fixture
def run(cli_env, fresh_db_url, tiny_county_file):  # type: ignore[no-untyped-def]
    """`gridmap ARGS` in-process on the tiny county with monitored households everywhere."""
    with psycopg.connect(fresh_db_url) as conn:
        add_grid(conn, tiny_county_file)
        spots = [(500, 500), (1500, 3500), (2500, 700), (4500, 600), (6500, 3000), (7500, 500)]
        add_households(
            conn, [Household(f"M{i}", at, category="monitored") for i, at in enumerate(spots)]
        )
        assign.assign_households(conn)
        conn.commit()
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(main, list(args), env=cli_env, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def test_plan_prints_the_promised_json(run):
    code, out, err = run(*BASE, "--stops", "5", "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert isinstance(plan["id"], int) and isinstance(plan["seed"], int)
    assert [(r["team"], r["day"]) for r in plan["routes"]] == [
        (1, "2023-06-23"), (1, "2023-06-24"), (2, "2023-06-23"), (2, "2023-06-24")
    ]  # fmt: skip
    stops = [s for r in plan["routes"] for s in r["stops"]]
    assert len(stops) + len(plan["dropped"]) == 5
    for s in stops:
        assert s["kind"] in ("household", "project", "unit") and len(s["township"]) == 9
        assert len(s["eta"]) == 5 and s["eta"] >= "08:30" and s["check"]
    assert {s["township"] for s in stops if s["mandatory"]} == {"341890100", "341890101"}
    assert all(r["hours"] <= 7.5 for r in plan["routes"])


def test_same_seed_same_plan_no_seed_new_seed(run):
    first = json.loads(run(*BASE, "--stops", "4", "--seed", "77", "--json")[1])
    second = json.loads(run(*BASE, "--stops", "4", "--seed", "77", "--json")[1])
    assert first["id"] != second["id"]
    assert {k: v for k, v in first.items() if k != "id"} == {
        k: v for k, v in second.items() if k != "id"
    }
    seeds = {json.loads(run(*BASE, "--stops", "4", "--json")[1])["seed"] for _ in range(3)}
    assert len(seeds) == 3


def test_gpx_folder_gets_a_file_per_used_team_day(run, tmp_path):
    code, out, err = run(*BASE, "--per-township", "2", "--json", "--gpx", str(tmp_path / "gpx"))
    assert code == 0, err
    plan = json.loads(out)
    used = [r for r in plan["routes"] if r["stops"]]
    files = sorted((tmp_path / "gpx").glob("*.gpx"))
    assert len(files) == len(used)
    for route in used:
        name = f"inspection-{plan['id']}-team{route['team']}-{route['day']}.gpx"
        doc = gpxpy.parse((tmp_path / "gpx" / name).read_text(encoding="utf-8"))
        codes = [w.name.split(". ", 1)[1] for w in doc.waypoints]
        assert codes == [s["name"] for s in route["stops"]]


def test_show_and_list_read_the_stored_plan(run):
    made = json.loads(run(*BASE, "--stops", "3", "--json")[1])
    code, out, _err = run("inspect", "show", str(made["id"]), "--json")
    assert code == 0 and json.loads(out) == made
    code, out, _err = run("inspect", "list", "--json")
    assert [p["id"] for p in json.loads(out)["plans"]] == [made["id"]]
    code, _out, err = run("inspect", "show", "999")
    assert code == 1 and "no inspection plan 999" in err


def test_unreachable_mandatory_stop_fails_naming_it(run):
    code, _out, err = run(
        *BASE[:-1], "0.5", "--stops", "3", "--seat", "118.5,31.5", "--from", "households"
    )
    assert code == 1
    assert "mandatory stop household M" in err


def test_missing_stop_count_is_refused(run):
    code, _out, err = run(*BASE)
    assert code == 1 and "how many stops" in err


def stop_kinds(plan: dict) -> list[str]:
    return sorted([s["kind"] for r in plan["routes"] for s in r["stops"]]
                  + [d["kind"] for d in plan["dropped"]])  # fmt: skip


def test_quotas_draw_exactly_that_many_stops_per_source(run):
    code, out, err = run(*BASE, "--stops", "5", "--no-mandatory", "--from", "households,groups",
                         "--quota", "households=4", "--quota", "groups=1", "--json")  # fmt: skip
    assert code == 0, err
    assert stop_kinds(json.loads(out)) == ["household"] * 4 + ["unit"]
    code, _out, err = run(*BASE, "--quota", "households=7")
    assert code == 1
    assert (
        "the quota of 7 stops from monitored households (households) cannot be met: only 6" in err
    )
    code, _out, err = run(*BASE, "--quota", "households")
    assert code == 2 and "write SOURCE=N" in err


def test_close_reveals_the_plan_visits_and_is_refused_twice(run, fresh_db_url):
    made = json.loads(run(*BASE, "--stops", "2", "--json")[1])
    with psycopg.connect(fresh_db_url) as conn:
        import_csv(conn, import_visits, ["户编码", "走访人", "走访时间", "类型", "暗访计划"],
                   [["M1", "insp", "2023-06-23 10:00", "暗访", made["id"]]])  # fmt: skip
    code, out, err = run("inspect", "close", str(made["id"]), "--json")
    assert code == 0, err
    closed = json.loads(out)
    assert closed["id"] == made["id"] and closed["households"] == ["M1"] and closed["closed_by"]
    with psycopg.connect(fresh_db_url) as conn:
        rows = conn.execute("SELECT last_visit_on::text FROM household WHERE code = 'M1' UNION ALL "
                            "SELECT hidden::text FROM visit").fetchall()  # fmt: skip
        assert rows == [("2023-06-23",), ("false",)]
        audit = conn.execute("SELECT target FROM audit WHERE action = 'inspection.close'")
        assert audit.fetchall() == [(str(made["id"]),)]
    code, _out, err = run("inspect", "close", str(made["id"]))
    assert code == 1 and f"inspection plan {made['id']} is closed already" in err
    code, out, _err = run("inspect", "list")
    assert "(closed)" in out
    code, _out, err = run("inspect", "close", "999")
    assert code == 1 and "no inspection plan 999" in err


def test_weights_are_stored_and_printed_and_refused_at_or_below_zero(run):
    code, out, err = run(*BASE, "--stops", "3", "--weight", "households=2", "--weight",
                         "villages=0.5", "--json")  # fmt: skip
    assert code == 0, err
    made = json.loads(out)
    assert made["inputs"]["weights"] == {"households": 2.0, "villages": 0.5}
    households = [s for r in made["routes"] for s in r["stops"] if s["kind"] == "household"]
    # Monitored, at risk, never visited, no contact: 4 by the configured weights, twice that.
    assert households and all(s["weight"] == 8.0 for s in households)
    code, out, _err = run("inspect", "show", str(made["id"]))
    assert code == 0, out
    assert "weights: households × 2, villages × 0.5" in out
    for given, message in [
        ("households=0", "the weight for households must be above 0, not 0"),
        ("projects=-1", "the weight for projects must be above 0, not -1"),
    ]:
        code, _out, err = run(*BASE, "--stops", "3", "--weight", given)
        assert code == 1 and message in err, err
    code, _out, err = run(*BASE, "--stops", "3", "--weight", "households")
    assert code == 2 and "write SOURCE=X" in err


def test_the_prize_printed_is_the_one_used(run, cli_env):
    code, out, err = run(*BASE, "--stops", "3", "--json")
    assert code == 0, err
    settings = json.loads(out)["inputs"]["settings"]
    assert settings["prize_seconds"] == settings["prize_seconds_setting"] == 36_000
    cli_env["GRIDMAP_INSPECTION_PRIZE_SECONDS"] = "60"
    code, out, err = run(*BASE, "--stops", "3", "--json")
    assert code == 0, err
    made = json.loads(out)
    settings = made["inputs"]["settings"]
    lightest = min(s["weight"] for r in made["routes"] for s in r["stops"])
    # 7.5 h is 27 000 s: the lightest stop must be worth a day, so 60 s is raised.
    assert settings["prize_seconds_setting"] == 60
    assert settings["prize_seconds"] == math.ceil(27_000 / lightest) > 60
    code, out, _err = run("inspect", "show", str(made["id"]))
    assert (
        f"prize per unit of weight: {settings['prize_seconds']} s of travel (setting 60 s)" in out
    )


def sampled(plan: dict) -> set[str]:
    return {s["code"] for r in plan["routes"] for s in r["stops"]} | {
        d["code"] for d in plan["dropped"]
    }


def test_no_seed_draws_another_sample_each_time(run, fresh_db_url):
    with psycopg.connect(fresh_db_url) as conn:
        # 66 monitored households: C(66, 12) ≈ 2.5e12 samples of 12
        add_households(
            conn,
            [Household(f"N{i:02d}", (300 + 125 * i, 300 + 55 * i), category="monitored")
             for i in range(60)],
        )  # fmt: skip
        assign.assign_households(conn)
    args = (*BASE, "--stops", "12", "--no-mandatory", "--from", "households", "--json")
    first, second = (json.loads(run(*args)[1]) for _ in range(2))
    assert len(sampled(first)) == len(sampled(second)) == 12
    assert sampled(first) != sampled(second)
    again = json.loads(run(*args, "--seed", str(first["seed"]))[1])
    assert sampled(again) == sampled(first)  # the stored seed, not chance, made the sample
