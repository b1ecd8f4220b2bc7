"""Scripted boundary edits from the command line: dry runs, saves, undo, the log, exports."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from gridmap.cli import main
from tests.household_fixtures import lonlat_m

G1, G2 = "341890100200001", "341890100200002"


@pytest.fixture
def run(cli_env, tiny_county_file):
    """`gridmap ARGS` against a fresh database holding the tiny county."""
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(main, list(args), env=cli_env, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    assert invoke("import", "grids", str(tiny_county_file))[0] == 0
    return invoke


def line_file(tmp_path, name, *points_m):
    path = tmp_path / f"{name}.geojson"
    line = shapely.LineString([lonlat_m(x, y) for x, y in points_m])
    gpd.GeoDataFrame(geometry=[line], crs=4326).to_file(path)
    return str(path)


def test_move_border_dry_run_then_save_then_undo(run, tmp_path):
    line = line_file(tmp_path, "road", (-10, 2500), (2010, 2500))
    code, out, _ = run("move-border", G1, G2, "--line", line, "--reason", "road", "--dry-run")
    preview = json.loads(out)
    assert code == 0 and preview["ok"] and set(preview["area_change_m2"]) == {G1, G2}
    code, out, _ = run("edits", "--json")
    assert [e["kind"] for e in json.loads(out)["edits"]] == ["import"]  # dry run wrote nothing
    code, out, _ = run("move-border", G1, G2, "--line", line, "--reason", "road")
    assert code == 0 and "2 units changed" in out
    edits = json.loads(run("edits", "--json")[1])["edits"]
    assert [e["kind"] for e in edits] == ["import", "move_border"]
    code, out, _ = run("undo", str(edits[1]["id"]), "--reason", "wrong road", "--json")
    assert code == 0 and json.loads(out)["undoes"] == edits[1]["id"]
    assert run("validate")[0] == 0


def test_split_and_merge(run, tmp_path):
    line = line_file(tmp_path, "cut", (-10, 1000), (2010, 1000))
    assert run("split", G1, "--line", line, "--reason", "grew", "--name", "新组")[0] == 0
    assert run("merge", G1, G2, "--reason", "fewer people")[0] == 0
    assert run("validate")[0] == 0
    code, out, _ = run("coverage", "--json", "--level", "4")
    groups = {u["code"] for u in json.loads(out)["units"]}
    assert "341890100200003" in groups and G2 not in groups


def test_refused_edit_prints_problems_and_exits_1(run, tmp_path):
    shape = tmp_path / "big.geojson"
    grown = shapely.box(*lonlat_m(-500, -500), *lonlat_m(2600, 2000))
    gpd.GeoDataFrame(geometry=[grown], crs=4326).to_file(shape)
    code, out, _ = run("edit", G1, "--geometry", str(shape), "--reason", "x")
    assert code == 1 and json.loads(out)["ok"] is False


def test_line_that_misses_the_units_is_a_clear_error(run, tmp_path):
    line = line_file(tmp_path, "far", (9000, 9000), (9500, 9500))
    code, _, err = run("move-border", G1, G2, "--line", line, "--reason", "x")
    assert code == 1 and "does not cut" in err


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".shp"])
def test_export_grids_as_of_a_date(run, tmp_path, suffix):
    line = line_file(tmp_path, "road", (-10, 2500), (2010, 2500))
    run("move-border", G1, G2, "--line", line, "--reason", "road")
    out = tmp_path / f"groups{suffix}"
    code, _, _ = run("export", "grids", "--level", "4", "-o", str(out))
    assert code == 0
    exported = gpd.read_file(out)
    assert len(exported) == 8 and set(exported["level"]) == {4}
    past = tmp_path / f"past{suffix}"
    assert run("export", "grids", "--as-of", "2000-01-01", "-o", str(past))[0] == 0
    assert len(gpd.read_file(past)) == 0
