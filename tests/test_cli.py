"""The `gridmap` command end to end against a fresh database: JSON contracts and exit codes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import openpyxl
import pytest
import shapely
from click.testing import CliRunner

from gridmap.cli import main
from tests.grid_fixtures import tiny_county
from tests.household_fixtures import lonlat_m
from tests.test_household_import import good_rows, write_xlsx
from tests.zip_fixtures import padded_shapefile_zip, padded_xlsx

COVERAGE_KEYS = {
    "code", "name", "level", "parent", "households", "monitored", "workers_active",
    "load_per_worker", "outside_grid", "no_worker", "no_contact", "overdue", "covered",
    "uncovered_share", "gap_area_m2",
}  # fmt: skip


@pytest.fixture
def run(cli_env):
    """Run `gridmap ARGS` in-process against the fresh database; return (code, stdout, stderr)."""
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(main, list(args), env=cli_env, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


@pytest.fixture
def loaded(run, tiny_county_file, tmp_path):
    """The tiny county, three households and a worker, imported through the command line."""
    # On record since the start of 2026, so reports as of earlier dates in 2026 see them.
    assert run("import", "grids", str(tiny_county_file), "--effective", "2026-01-01")[0] == 0
    rows = ["code,category,lon,lat,group"]
    for code, at_m, group in [("H1", (500, 500), ""), ("H2", (2500, 500), ""), ("H3", None, "")]:
        lon, lat = lonlat_m(*at_m) if at_m else ("", "")
        rows.append(f"{code},一般农户,{lon},{lat},{group or '341890100200001'}")
    households = tmp_path / "households.csv"
    households.write_text("\n".join(rows) + "\n", encoding="gbk")
    assert run("import", "households", str(households), "--effective", "2026-01-01")[0] == 0
    workers = tmp_path / "workers.csv"
    workers.write_text(
        "编号,姓名,出生年份,状态,服务小组,上岗日期\nW1,张三,1950,在岗,341890100200001,2026-01-01\n"
        "W2,李四,1985,在岗,341890100201002,2026-01-01\n",
        encoding="utf-8",
    )
    assert run("import", "workers", str(workers))[0] == 0
    return run


def test_import_commits_and_validate_is_clean(run, tiny_county_file):
    code, out, _ = run("import", "grids", str(tiny_county_file), "--json")
    assert code == 0 and len(json.loads(out)["created"]) == 15
    code, out, _ = run("validate", "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True
    assert set(report["counts"]) == {
        "invalid_geometry", "outside_parent", "overlap", "gap", "bad_code", "empty",
    }  # fmt: skip
    assert sum(report["counts"].values()) == 0


def test_reimport_of_a_changed_unit_leaves_two_versions(run, tiny_county_file, tmp_path, cli_env):
    run("import", "grids", str(tiny_county_file))
    frame = tiny_county()
    frame.loc[frame["code"] == "341890101201002", "name"] = "新名字"
    changed = tmp_path / "changed.gpkg"
    frame.to_file(changed)
    code, out, _ = run("import", "grids", str(changed), "--reason", "rename", "--json")
    assert code == 0 and json.loads(out)["changed"] == ["341890101201002"]
    import psycopg

    with psycopg.connect(cli_env["GRIDMAP_DATABASE_URL"]) as conn:
        versions = conn.execute(
            "SELECT name, valid_to IS NULL FROM unit_version WHERE code = '341890101201002' "
            "ORDER BY valid_from"
        ).fetchall()
    assert versions == [("2组", False), ("新名字", True)]


def test_validate_file_reports_overlap_with_exit_1(run, tmp_path):
    frame = tiny_county()
    grown = frame.loc[frame["code"] == "341890100200001", "geometry"].iloc[0].buffer(0.001)
    frame.loc[frame["code"] == "341890100200001", "geometry"] = grown
    path = tmp_path / "overlap.geojson"
    frame.to_file(path)
    code, out, _ = run("validate", str(path), "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert report["counts"]["overlap"] >= 1 and report["counts"]["outside_parent"] >= 1
    overlap = next(v for v in report["violations"] if v["rule"] == "overlap")
    assert overlap["codes"][0] == "341890100200001" and overlap["level"] == 4


@pytest.mark.parametrize("content", ["not a map at all", ""])
def test_validate_unreadable_file_exits_2(run, tmp_path, content):
    path = tmp_path / "junk.geojson"
    path.write_text(content)
    code, _, err = run("validate", str(path), "--json")
    assert code == 2 and "junk.geojson" in err


def test_bad_import_exits_nonzero_names_the_feature_and_writes_nothing(run, tmp_path):
    frame = tiny_county()
    frame.loc[frame["code"] == "341890100200002", "geometry"] = shapely.Point(117, 30)
    path = tmp_path / "point.geojson"
    frame.to_file(path)
    code, _, err = run("import", "grids", str(path))
    assert code == 1
    assert "341890100200002" in err and "polygon" in err
    code, out, _ = run("coverage", "--json")
    assert code == 0 and json.loads(out)["units"] == []


def test_imports_refuse_files_unpacking_past_the_configured_limit(
    tiny_county_file, tmp_path, cli_env
):
    import psycopg

    env = {**cli_env, "GRIDMAP_UPLOAD_MAX_UNPACKED_MB": "2"}

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
        return result.exit_code, result.stderr

    assert run("import", "grids", str(tiny_county_file))[0] == 0
    plain = write_xlsx(tmp_path / "plain.xlsx", good_rows())
    workbook = padded_xlsx(plain, tmp_path / "households.xlsx", 3)
    (tmp_path / "parts").mkdir()
    tiny_county().to_file(tmp_path / "parts" / "grid.shp")
    bundle = padded_shapefile_zip(tmp_path / "parts" / "grid.shp", tmp_path / "grid.zip", 3)
    for args, name, code in [
        (("import", "households", str(workbook)), "households.xlsx", 1),
        (("import", "grids", str(bundle)), "grid.zip", 1),
        (("validate", str(bundle)), "grid.zip", 2),
    ]:
        exit_code, err = run(*args)
        assert exit_code == code, args
        assert f"error: {name}: unpacked, this file would take 3 MB, more than the 2 MB" in err
    with psycopg.connect(cli_env["GRIDMAP_DATABASE_URL"]) as conn:
        assert conn.execute("SELECT count(*) FROM household").fetchone() == (0,)
        actions = conn.execute("SELECT action FROM audit ORDER BY id").fetchall()
    assert actions == [("import.grids",)]


def test_assign_json_contract(loaded):
    code, out, _ = loaded("assign", "--json")
    result = json.loads(out)
    assert code == 0
    assert result == {
        "households": 3, "assigned": 3, "outside_grid": 0, "changed": 0,
        "no_location": 1, "mismatch": 1,
    }  # fmt: skip


def test_coverage_json_and_xlsx(loaded, tmp_path):
    xlsx = tmp_path / "coverage.xlsx"
    code, out, _ = loaded("coverage", "--json", "--as-of", "2026-06-30", "--xlsx", str(xlsx))
    report = json.loads(out)
    assert code == 0 and report["as_of"] == "2026-06-30"
    assert all(COVERAGE_KEYS <= set(u) for u in report["units"])
    county = next(u for u in report["units"] if u["level"] == 1)
    assert county["households"] == 3 and county["workers_active"] == 2
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["县", "乡镇", "行政村", "村民小组", "位置不符"]
    sheet = book["乡镇"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].value == "网格编码"
    assert isinstance(sheet["D2"].value, int)
    assert book["位置不符"].max_row == 2  # header + H2, declared in another village


def test_coverage_level_filter(loaded):
    code, out, _ = loaded("coverage", "--json", "--level", "3")
    assert code == 0 and {u["level"] for u in json.loads(out)["units"]} == {3}


def test_worker_suggestion_json_contract(loaded):
    code, out, _ = loaded("assign", "workers", "--suggest", "--json")
    result = json.loads(out)
    assert code == 0
    assert set(result) >= {"suggestions", "unstaffed_after", "due_for_replacement"}
    # W1 (born 1950) is past the age limit.
    assert [d["worker"] for d in result["due_for_replacement"]] == ["W1"]
    for s in result["suggestions"]:
        assert set(s) == {"group", "worker", "distance_m", "load_after"}


def test_db_url_and_status_with_a_configured_server(run, cli_env):
    code, out, _ = run("db", "url")
    assert code == 0 and out.strip() == cli_env["GRIDMAP_DATABASE_URL"]
    code, out, _ = run("db", "status", "--json")
    status = json.loads(out)
    assert status["embedded"] is False and status["running"] is True


def test_console_script_is_installed(cli_env):
    gridmap = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "gridmap"
    result = subprocess.run(
        [str(gridmap), "coverage", "--json"],
        env={**cli_env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["units"] == []


def test_command_line_writes_are_audited(run, tiny_county_file, cli_env):
    import psycopg

    assert run("import", "grids", str(tiny_county_file))[0] == 0
    assert run("assign")[0] == 0
    with psycopg.connect(cli_env["GRIDMAP_DATABASE_URL"]) as conn:
        rows = conn.execute("SELECT action, target, client FROM audit ORDER BY id").fetchall()
    assert rows == [
        ("import.grids", tiny_county_file.name, "cli"),
        ("assign.households", None, "cli"),
    ]


def test_audit_log_cannot_be_changed(run, tiny_county_file, cli_env):
    import psycopg

    run("import", "grids", str(tiny_county_file))
    with psycopg.connect(cli_env["GRIDMAP_DATABASE_URL"]) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="cannot be changed"):
            conn.execute("DELETE FROM audit")
        conn.rollback()
        with pytest.raises(psycopg.errors.RaiseException, match="cannot be changed"):
            conn.execute("UPDATE audit SET username = 'someone else'")


def test_users_add_list_disable_passwd(run, cli_env):
    from click.testing import CliRunner

    runner = CliRunner()
    added = runner.invoke(
        main, ["users", "add", "li", "--role", "township", "--township", "341890100",
               "--password-stdin"], input="Str0ng-enough!\n", env=cli_env,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    weak = runner.invoke(
        main, ["users", "add", "wang", "--role", "reviewer", "--password-stdin"],
        input="short\n", env=cli_env,
    )  # fmt: skip
    assert weak.exit_code == 1 and "at least 10 characters" in weak.stderr
    missing = runner.invoke(
        main, ["users", "add", "zhao", "--role", "township", "--password-stdin"],
        input="Str0ng-enough!\n", env=cli_env,
    )  # fmt: skip
    assert missing.exit_code == 1 and "--township" in missing.stderr
    code, out, _ = run("users", "list", "--json")
    users = json.loads(out)["users"]
    assert [(u["username"], u["role"], u["township_code"]) for u in users] == [
        ("li", "township", "341890100")
    ]
    assert "password_hash" not in users[0]
    assert run("users", "disable", "li")[0] == 0
    assert json.loads(run("users", "list", "--json")[1])["users"][0]["disabled"] is True
    changed = runner.invoke(
        main, ["users", "passwd", "li", "--password-stdin"], input="An0ther-one!\n", env=cli_env
    )
    assert changed.exit_code == 0
