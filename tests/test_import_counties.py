"""Every import takes each row's county from its codes and refuses a file that mixes counties
unless --mixed-counties (or the upload page's box) allows it; nothing is written when it does."""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import geopandas as gpd
import pandas as pd
import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql

from gridmap.cli import main
from gridmap.core import clock
from gridmap.core.config import Config
from gridmap.core.errors import BadInput
from gridmap.registry import counties
from gridmap.web import create_app
from tests.grid_fixtures import tiny_county, tiny_county_as
from tests.household_fixtures import Household, add_grid, add_households, add_worker, lonlat_m
from tests.web_fixtures import add_account, csrf_token, login

COUNTY_A, COUNTY_B = "341890", "341891"
#: County B is the tiny county again, 20 km east of county A.
SHIFT_M = 20_000.0
GROUP_A, GROUP_B = f"{COUNTY_A}100200001", f"{COUNTY_B}100200001"
VILLAGE_A, VILLAGE_B = f"{COUNTY_A}100200", f"{COUNTY_B}100200"
YESTERDAY = clock.today("Asia/Shanghai") - timedelta(days=1)
#: Every table an import may write, and the audit log.
TABLES = (
    "unit_version", "edit", "household", "worker", "worker_group_period", "contact",
    "contact_household", "visit", "monitoring", "project", "pairing", "audit",
)  # fmt: skip


@dataclass(frozen=True)
class Case:
    """One import kind: its file's headers, a row of county A, one of county B, the table the
    rows go to and what a row is called in the refusal."""

    headers: list[str]
    row_a: list[str]
    row_b: list[str]
    table: str
    noun: str = "row"


def _point(x_m: float, y_m: float) -> list[str]:
    return [repr(v) for v in lonlat_m(x_m, y_m)]


#: County B's rows name it in every way an import can: a unit code, a household or worker on
#: record, or (households, projects) only a point inside county B.
CASES = {
    # Grid rows are the townships renamed; the file carries their shapes.
    "grids": Case([], [f"{COUNTY_A}100"], [f"{COUNTY_B}100"], "unit_version", "feature"),
    "households": Case(
        ["户编码", "户类型", "经度", "纬度", "村民小组编码"],
        ["HA9", "一般农户", *_point(500, 700), GROUP_A],
        ["HB9", "一般农户", *_point(SHIFT_M + 500, 700), ""],
        "household",
    ),
    "workers": Case(
        ["编号", "姓名", "状态", "服务小组", "上岗日期"],
        ["WA9", "王五", "在岗", f"{COUNTY_A}100200002", "2024-01-01"],
        ["WB9", "赵六", "在岗", f"{COUNTY_B}100200002", "2024-01-01"],
        "worker",
    ),
    "contacts": Case(
        ["编号", "姓名", "帮扶户", "开始日期"],
        ["CA9", "刘一", "HA1", "2024-01-01"],
        ["CB9", "陈二", "HB1", "2024-01-01"],
        "contact",
    ),
    "visits": Case(
        ["户编码", "走访人", "走访时间"],
        ["HA1", "", f"{YESTERDAY} 09:00"],
        ["HB1", "", f"{YESTERDAY} 10:00"],
        "visit",
    ),
    "monitoring": Case(
        ["户编码", "监测类型", "识别日期"],
        ["HA1", "边缘易致贫户", "2024-01-01"],
        ["HB1", "突发严重困难户", "2024-02-01"],
        "monitoring",
    ),
    "projects": Case(
        ["项目编码", "项目名称", "年度", "类别", "中央资金", "状态", "行政村编码", "经度", "纬度"],
        ["PA9", "茶厂", "2023", "产业发展", "100", "已批复", VILLAGE_A, "", ""],
        ["PB9", "道路", "2023", "基础设施", "80", "已批复", "", *_point(SHIFT_M + 500, 500)],
        "project",
    ),
    "pairings": Case(
        ["类型", "结对方", "行政村编码"],
        ["万企兴万村", "青岚茶业有限公司", VILLAGE_A],
        ["联系点", "张三", VILLAGE_B],
        "pairing",
    ),
}


def county_b() -> gpd.GeoDataFrame:
    """The tiny county's units under county 341891, 20 km east of the tiny county."""
    return tiny_county_as(COUNTY_B, SHIFT_M, lambda _code, name: f"乙{name}")


def write(kind: str, folder: Path, rows: list[list[str]]) -> Path:
    """The file of `kind` holding `rows` (for grids: the units named, renamed)."""
    if kind == "grids":
        units = pd.concat([tiny_county(), county_b()], ignore_index=True)
        chosen = units[units["code"].isin([row[0] for row in rows])].copy()
        chosen["name"] = chosen["name"] + "（新）"
        path = folder / "grids.geojson"
        chosen.to_file(path)
        return path
    path = folder / f"{kind}.csv"
    pd.DataFrame(rows, columns=CASES[kind].headers).to_csv(path, index=False, encoding="utf-8-sig")
    return path


@pytest.fixture(scope="module")
def two_counties_template(seeded_template, tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    """Counties A and B, household HA1 and worker W1 in A, HB1 and WB1 in B, an admin."""
    folder = tmp_path_factory.mktemp("two-counties")

    def seed(conn: psycopg.Connection) -> None:
        tiny_county().to_file(folder / "a.geojson")
        county_b().to_file(folder / "b.geojson")
        add_grid(conn, folder / "a.geojson")
        add_households(conn, [Household("HA1", (500, 500), declared_group=GROUP_A)])
        add_worker(conn, "W1", [GROUP_A])
        add_account(conn, "admin", "admin", counties=[COUNTY_A, COUNTY_B])
        add_grid(conn, folder / "b.geojson")
        add_households(conn, [Household("HB1", (SHIFT_M + 500, 500), declared_group=GROUP_B)])
        add_worker(conn, "WB1", [GROUP_B])

    return seeded_template(seed)


@pytest.fixture
def county_url(two_counties_template: str, copy_of: Callable[[str], str]) -> str:
    """A committed copy of the two counties for this test."""
    return copy_of(two_counties_template)


@pytest.fixture
def run(county_url: str, tmp_path: Path) -> Callable[..., tuple[int, str, str]]:
    """Run `gridmap ARGS` in-process on the copy; return (exit code, stdout, stderr)."""
    env = {"GRIDMAP_DATABASE_URL": county_url, "GRIDMAP_VAR_DIR": str(tmp_path / "var")}

    def invoke(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def counts(url: str) -> dict[str, int]:
    """Rows in every table an import may write."""
    query = sql.SQL("SELECT count(*) FROM {}")
    with psycopg.connect(url) as conn:
        return {t: conn.execute(query.format(sql.Identifier(t))).fetchone()[0] for t in TABLES}  # type: ignore[index]


def refusal_names_both_counties(message: str, noun: str) -> None:
    """The refusal counts each county's rows and says how to fix the file."""
    assert f"mixes 2 counties: {COUNTY_A} (1 {noun}), {COUNTY_B} (1 {noun})" in message
    assert "nothing was imported" in message
    assert "one file per county" in message and "--mixed-counties" in message
    assert re.search(rf"county {COUNTY_A}: {noun} \d+", message)
    assert re.search(rf"county {COUNTY_B}: {noun} \d+", message)


@pytest.mark.parametrize("kind", list(CASES))
def test_a_one_county_file_imports_and_reports_its_county(run, county_url, tmp_path, kind):
    case, before = CASES[kind], counts(county_url)
    code, out, err = run("import", kind, str(write(kind, tmp_path, [case.row_a])), "--json")
    assert code == 0, err
    assert json.loads(out)["counties"] == [COUNTY_A]
    assert counts(county_url)[case.table] == before[case.table] + 1


@pytest.mark.parametrize("kind", list(CASES))
def test_a_two_county_file_is_refused_unless_mixed_counties_are_allowed(
    run, county_url, tmp_path, kind
):
    case, before = CASES[kind], counts(county_url)
    path = str(write(kind, tmp_path, [case.row_a, case.row_b]))
    code, out, err = run("import", kind, path, "--json")
    assert code == 1 and out == ""
    refusal_names_both_counties(err, case.noun)
    assert counts(county_url) == before
    code, out, err = run("import", kind, path, "--mixed-counties", "--json")
    assert code == 0, err
    assert json.loads(out)["counties"] == [COUNTY_A, COUNTY_B]
    assert counts(county_url)[case.table] == before[case.table] + 2


def test_the_plain_summary_names_the_county(run, tmp_path):
    code, out, _ = run(
        "import", "pairings", str(write("pairings", tmp_path, [CASES["pairings"].row_a]))
    )
    assert code == 0 and out.strip().endswith(f"counties: {COUNTY_A}")


def test_a_household_code_following_the_scheme_names_its_county(run, county_url, tmp_path):
    # Not on record, so the code alone says the household is in county B.
    rows = [CASES["visits"].row_a, [f"{GROUP_B}0007", "", f"{YESTERDAY} 11:00"]]
    before = counts(county_url)
    code, _, err = run("import", "visits", str(write("visits", tmp_path, rows)))
    assert code == 1
    refusal_names_both_counties(err, "row")
    assert counts(county_url) == before


def test_workers_without_groups_keep_the_county_of_the_groups_they_served(
    run, county_url, tmp_path
):
    path = tmp_path / "phones.csv"
    path.write_text("编号,姓名,电话\nW1,张三,13800000001\nWB1,李四,13800000002\n", "utf-8")
    before = counts(county_url)
    code, _, err = run("import", "workers", str(path))
    assert code == 1
    refusal_names_both_counties(err, "row")
    assert counts(county_url) == before


def admin_client(url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    config = Config(database_url=url, var_dir=tmp_path / "var", secret_key="test",
                    login_rate_limit="1000 per minute")  # fmt: skip
    app = create_app(config)
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    return app, client


def upload(client, kind: str, path: Path, mixed: bool = False):  # type: ignore[no-untyped-def]
    """Post a file to the import page as the form does (ticking the box when `mixed`)."""
    data = {"kind": kind, "csrf_token": csrf_token(client.get("/admin/import").text),
            "file": (io.BytesIO(path.read_bytes()), path.name)}  # fmt: skip
    if mixed:
        data["mixed_counties"] = "1"
    return client.post("/admin/import", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("kind", list(CASES))
def test_the_upload_page_refuses_a_two_county_file_the_same_way(county_url, tmp_path, kind):
    case = CASES[kind]
    app, client = admin_client(county_url, tmp_path)
    before = counts(county_url)  # after the login, which is audited
    try:
        response = upload(client, kind, write(kind, tmp_path, [case.row_a, case.row_b]))
    finally:
        app.extensions["gridmap_pool"].close()
    assert response.status_code == 400
    error = re.search(r'<pre[^>]*id="import-error">(.*?)</pre>', response.text, re.S)
    assert error is not None
    refusal_names_both_counties(html.unescape(error.group(1)), case.noun)
    assert counts(county_url) == before


def test_the_upload_page_imports_a_two_county_file_when_the_box_is_ticked(county_url, tmp_path):
    case, before = CASES["pairings"], counts(county_url)
    app, client = admin_client(county_url, tmp_path)
    try:
        path = write("pairings", tmp_path, [case.row_a, case.row_b])
        response = upload(client, "pairings", path, mixed=True)
    finally:
        app.extensions["gridmap_pool"].close()
    assert response.status_code == 200, response.text
    assert f'<dd class="col-sm-9">{COUNTY_A} {COUNTY_B}</dd>' in response.text
    assert counts(county_url)["pairing"] == before["pairing"] + 2


def test_rows_naming_no_county_do_not_count():
    assert counties.one_county("f.csv", [(2, COUNTY_A), (3, None), (4, COUNTY_A)]) == [COUNTY_A]
    assert counties.one_county("f.csv", [(2, None)]) == []


def test_the_refusal_lists_each_countys_rows_up_to_a_limit():
    rows = [(r, COUNTY_B) for r in range(2, 15)] + [(15, COUNTY_A), (15, COUNTY_B)]
    with pytest.raises(BadInput) as refused:
        counties.one_county("f.csv", rows)
    assert f"{COUNTY_A} (1 row), {COUNTY_B} (14 rows)" in refused.value.message
    assert refused.value.details == [
        f"county {COUNTY_A}: row 15",
        f"county {COUNTY_B}: rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 4 more",
    ]
    assert counties.one_county("f.csv", rows, mixed=True) == [COUNTY_A, COUNTY_B]


@pytest.mark.parametrize(
    ("code", "county"),
    [
        (f"{GROUP_B}0007", COUNTY_B),  # a group code and four digits
        ("H1", None),
        (GROUP_B, None),  # a group's code is no household's
        ("34189110020000100x", None),
        (None, None),
    ],
)
def test_a_household_code_names_its_county_only_when_it_follows_the_scheme(code, county):
    assert counties.household_county(code) == county


def test_unit_codes_name_their_county():
    assert counties.unit_county(VILLAGE_B) == COUNTY_B
    assert counties.unit_county("3418") is None and counties.unit_county("") is None
