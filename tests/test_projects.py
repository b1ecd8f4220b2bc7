"""Funded projects and pairings: imports and refusals, the report, the API, exports, scopes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import psycopg
import pytest
import shapely
from click.testing import CliRunner
from psycopg import sql

from gridmap.core.config import Config
from gridmap.core.errors import BadInput
from gridmap.projects.funded import import_pairings, import_projects, summarise
from gridmap.web import create_app
from tests.conftest import _copy_database
from tests.grid_fixtures import XSS_NAME
from tests.household_fixtures import add_grid, add_worker, lonlat_m
from tests.web_fixtures import ROLE_ACCOUNTS, add_role_accounts, csrf_token, login

VILLAGE_A, VILLAGE_B = "341890100200", "341890100201"  # township 341890100, x 0-2000, 2000-4000 m
VILLAGE_C, VILLAGE_D = "341890101200", "341890101201"  # township 341890101, x 4000-8000 m
HEADERS = [
    "项目编码", "项目名称", "年度", "类别", "中央资金", "省级资金", "市级资金", "县级资金", "状态",
    "批复日期", "开工日期", "完工日期", "进度", "行政村编码", "经度", "纬度", "范围", "确权登记",
    "确权日期",
]  # fmt: skip
PAIRING_HEADERS = ["类型", "结对方", "行政村编码", "结对时间", "备注"]


def point(x_m: float, y_m: float) -> list[str]:
    """Longitude and latitude cells of a point given in metres in the tiny county."""
    return [repr(v) for v in lonlat_m(x_m, y_m)]


def square_wkt(x0: float, y0: float, x1: float, y1: float) -> str:
    """A square in metres in the tiny county as WKT in EPSG:4326."""
    ring = [lonlat_m(x0, y0), lonlat_m(x1, y0), lonlat_m(x1, y1), lonlat_m(x0, y1)]
    return shapely.Polygon(ring).wkt


def good_rows() -> list[list[str]]:
    """Five projects: 1,000 万元, industry 555 (55.5%), two completed (one unregistered)."""
    return [
        ["P1", "1村茶厂", "2023", "产业发展", "200", "50", "30", "20", "已完工", "2023-02-01",
         "2023-03-01", "2023-06-30", "", VILLAGE_A, *point(1000, 1000), "", "是", "2023-07-15"],
        ["P2", "3村大棚", "2023", "产业发展", "150", "60", "25", "20", "已完工", "2023-02-10",
         "2023-03-10", "2023-07-30", "100", VILLAGE_C, "", "", square_wkt(4500, 1000, 4700, 1200),
         "否", ""],
        ["P3", "2村道路", "2023", "基础设施", "200", "60", "10", "30", "已开工", "2023-03-01",
         "2023-04-01", "", "60", "", *point(3000, 3000), "", "", ""],
        ["P4", "帮扶车间", "2023", "就业帮扶", "100", "", "", "", "在建", "", "", "", "40",
         VILLAGE_D, "", "", "", "", ""],
        ["P5", "公益岗位", "2024", "公益岗位", "45", "0", "0", "0", "已批复", "2024-01-05", "", "",
         "", VILLAGE_A, "", "", "", "", ""],
    ]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]], headers=HEADERS, encoding="utf-8-sig") -> Path:
    """Write a CSV as Excel does, in the given encoding."""
    pd.DataFrame(rows, columns=headers).to_csv(path, index=False, encoding=encoding)
    return path


def pairing_rows() -> list[list[str]]:
    return [
        ["万企兴万村", "青岚茶业有限公司", VILLAGE_A, "2021-09-01", ""],
        ["联系点", "张三", VILLAGE_A, "2022-01-01", "县长"],
        ["联系点", "张三", VILLAGE_C, "2022-01-01", "县长"],
        ["企业", "<b>某某</b>建材公司", VILLAGE_D, "", ""],
    ]


def digest(conn: psycopg.Connection, table: str = "project") -> tuple:
    """Row count and content digest of a table."""
    query = sql.SQL("SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))")
    return conn.execute(query + sql.SQL(" FROM {} t").format(sql.Identifier(table))).fetchone()


@pytest.fixture
def grid(conn, tiny_county_file):
    """The tiny county imported into the test's transaction."""
    add_grid(conn, tiny_county_file)
    return conn


def test_projects_are_imported_with_points_polygons_and_villages(grid, tmp_path):
    report = import_projects(grid, write_csv(tmp_path / "p.csv", good_rows()))
    assert report == {
        "file": "p.csv", "rows": 5, "counties": ["341890"], "created": 5, "updated": 0,
        "unchanged": 0, "located": 3,
    }  # fmt: skip
    stored = {
        r[0]: r[1:]
        for r in grid.execute(
            "SELECT code, category, status, village_code, GeometryType(geom), progress, "
            "asset_registered, funds_central + funds_provincial + funds_city + funds_county "
            "FROM project"
        )
    }
    assert stored["P1"][:6] == ("industry", "completed", VILLAGE_A, "POINT", 100, True)
    assert stored["P2"][2:4] == (VILLAGE_C, "POLYGON")
    assert stored["P3"][1:4] == ("started", VILLAGE_B, "POINT")  # village found from the point
    assert stored["P4"][1:4] == ("started", VILLAGE_D, None)
    assert stored["P5"][4] == 0 and float(stored["P5"][6]) == 45


def test_gbk_file_imports_the_same_as_utf8(grid, tmp_path):
    import_projects(grid, write_csv(tmp_path / "gbk.csv", good_rows(), encoding="gbk"))
    names = dict(grid.execute("SELECT code, name FROM project").fetchall())
    assert names["P1"] == "1村茶厂" and names["P4"] == "帮扶车间"


def test_geojson_features_may_be_points_or_polygons(grid, tmp_path):
    features = [
        {"type": "Feature", "properties": {"项目编码": "G1", "项目名称": "光伏", "年度": 2023,
         "类别": "产业发展", "中央资金": 10.5, "状态": "已开工"},
         "geometry": shapely.geometry.mapping(shapely.from_wkt(square_wkt(100, 100, 300, 300)))},
        {"type": "Feature", "properties": {"项目编码": "G2", "项目名称": "水渠", "年度": 2023,
         "类别": "基础设施", "状态": "已批复", "行政村编码": VILLAGE_C},
         "geometry": {"type": "Point", "coordinates": list(lonlat_m(5000, 500))}},
    ]  # fmt: skip
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    assert import_projects(grid, path)["created"] == 2
    rows = grid.execute("SELECT code, village_code, GeometryType(geom) FROM project ORDER BY code")
    assert rows.fetchall() == [("G1", VILLAGE_A, "POLYGON"), ("G2", VILLAGE_C, "POINT")]


def test_xlsx_with_numbers_as_numbers(grid, tmp_path):
    frame = pd.DataFrame(good_rows(), columns=HEADERS)
    for column in ("年度", "中央资金", "经度", "纬度"):
        frame[column] = pd.to_numeric(frame[column]).astype(object)
    frame.to_excel(tmp_path / "p.xlsx", index=False, engine="openpyxl")
    assert import_projects(grid, tmp_path / "p.xlsx")["created"] == 5
    assert grid.execute("SELECT funds_central FROM project WHERE code = 'P1'").fetchone()[0] == 200


def test_reimport_updates_and_missing_columns_keep_their_values(grid, tmp_path):
    import_projects(grid, write_csv(tmp_path / "p.csv", good_rows()))
    slim = [["P4", "帮扶车间", "2023", "就业帮扶", "已完工", "100"]]
    headers = ["项目编码", "项目名称", "年度", "类别", "状态", "进度"]
    report = import_projects(grid, write_csv(tmp_path / "slim.csv", slim, headers))
    assert (report["created"], report["updated"]) == (0, 1)
    row = grid.execute(
        "SELECT status, progress, funds_central, village_code FROM project WHERE code = 'P4'"
    ).fetchone()
    assert row == ("completed", 100, 100, VILLAGE_D)
    again = import_projects(grid, write_csv(tmp_path / "p.csv", good_rows()))
    assert again["updated"] == 1 and again["unchanged"] == 4


def _set(row: int, column: str, value: str):
    def change(rows):
        rows[row][HEADERS.index(column)] = value
        return rows

    return change


def _site(row: int, x_m: float, y_m: float):
    def change(rows):
        rows[row][HEADERS.index("经度") : HEADERS.index("纬度") + 1] = point(x_m, y_m)
        return rows

    return change


def _swap(rows):
    lon, lat = HEADERS.index("经度"), HEADERS.index("纬度")
    rows[0][lon], rows[0][lat] = rows[0][lat], rows[0][lon]
    return rows


BOWTIE = "POLYGON((117 30, 117.01 30.01, 117.01 30, 117 30.01, 117 30))"
#: (case, change to good_rows, text one of the problems contains)
BAD = [
    ("negative_funds", _set(0, "中央资金", "-5"),
     "row 2 (project P1): central funds (中央资金) '-5' is negative"),
    ("unknown_category", _set(1, "类别", "旅游开发"),
     "row 3 (project P2): category (类别) '旅游开发' is not a known value"),
    ("outside_county", _site(2, 20_000, 1000),
     "row 4 (project P3): its location lies outside the county"),
    ("unknown_village", _set(3, "行政村编码", "341890100299"),
     "village code 341890100299 is not a village of the current grid"),
    ("other_village", _set(0, "行政村编码", VILLAGE_B),
     f"lies in village {VILLAGE_A}, not in village {VILLAGE_B}"),
    ("swapped", _swap, "longitude and latitude look swapped"),
    ("not_a_village_code", _set(3, "行政村编码", "3418"), "'3418' is not a 12-digit village code"),
    ("bowtie", _set(1, "范围", BOWTIE), "not a valid polygon"),
    ("started_but_approved", _set(4, "开工日期", "2024-02-01"),
     "has a start or completion date but status 已批复"),
    ("completed_at_60", _set(0, "进度", "60"), "status 已完工 but progress is 60%"),
    ("bad_date", _set(0, "批复日期", "去年"), "'去年' is not a date"),
    ("duplicate", lambda rows: [*rows, rows[0]], "rows 2, 7: project code P1 appears 2 times"),
    ("no_location", _set(3, "行政村编码", ""), "row 5 (project P4): has no location"),
    ("yuan_not_wan", _set(0, "省级资金", "5000000"), "must be in 万元, not 元"),
]  # fmt: skip


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
@pytest.mark.parametrize(("case", "mutate", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_rows_are_refused_and_nothing_is_written(
    grid, tmp_path, case, mutate, message, encoding
):
    import_projects(grid, write_csv(tmp_path / "first.csv", good_rows()[:1]))
    before = digest(grid)
    path = write_csv(tmp_path / "bad.csv", mutate(good_rows()), encoding=encoding)
    with pytest.raises(BadInput) as caught:
        import_projects(grid, path)
    assert any(message in d for d in caught.value.details), caught.value.details
    assert "nothing was imported" in caught.value.message
    assert digest(grid) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("项目编码,项目名称,年度\nP1,x,2023\n".encode("gbk"), "missing column(s): category"),
        ("项目编码,项目名称\n".encode(), "no data rows"),
        (b"\x00\x01binary\x00\xff", "neither UTF-8 nor GBK"),
    ],
)
def test_unreadable_files_are_refused(grid, tmp_path, content, message):
    path = tmp_path / "p.csv"
    path.write_bytes(content)
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_projects(grid, path)
    assert digest(grid)[0] == 0


def test_import_needs_the_grid_for_villages(conn, tmp_path):
    with pytest.raises(BadInput) as caught:
        import_projects(conn, write_csv(tmp_path / "p.csv", good_rows()))
    assert any("not a village of the current grid" in d for d in caught.value.details)


def test_report_matches_the_hand_computed_figures(grid, tmp_path):
    import_projects(grid, write_csv(tmp_path / "p.csv", good_rows()))
    from gridmap.access.accounts import EVERYTHING
    from gridmap.projects.funded import project_report

    report = project_report(grid, EVERYTHING)
    assert report == HAND_COMPUTED
    assert project_report(grid, EVERYTHING, 2024)["by_category"]["public_jobs"] == {
        "count": 1, "funds_wan": 45.0, "share": 1.0,
    }  # fmt: skip


#: good_rows by hand: 300 + 255 (industry) + 300 + 100 + 45 = 1,000 万元.
HAND_COMPUTED = {
    "projects": 5,
    "funds_wan": 1000.0,
    "by_category": {
        "industry": {"count": 2, "funds_wan": 555.0, "share": 0.555},
        "infrastructure": {"count": 1, "funds_wan": 300.0, "share": 0.3},
        "employment": {"count": 1, "funds_wan": 100.0, "share": 0.1},
        "public_jobs": {"count": 1, "funds_wan": 45.0, "share": 0.045},
        "other": {"count": 0, "funds_wan": 0.0, "share": 0.0},
    },
    "industry_share": 0.555,
    "started_share": 0.8,
    "completed_share": 0.4,
    "unregistered_assets": 1,
    "by_township": [
        {"code": "341890100", "projects": 3, "funds_wan": 645.0},
        {"code": "341890101", "projects": 2, "funds_wan": 355.0},
    ],
}


def test_summary_of_no_projects_is_all_zero():
    report = summarise([])
    assert report["projects"] == 0 and report["industry_share"] == 0.0
    assert report["by_township"] == [] and report["by_category"]["other"]["share"] == 0.0


def test_pairings_are_imported_and_refused_cleanly(grid, tmp_path):
    path = write_csv(tmp_path / "pairs.csv", pairing_rows(), PAIRING_HEADERS, encoding="gbk")
    report = import_pairings(grid, path)
    assert (report["created"], report["enterprise"], report["leader"]) == (4, 2, 2)
    assert import_pairings(grid, path)["unchanged"] == 4
    before = digest(grid, "pairing")
    for rows, message in [
        (
            [["联系点", "李四", "341890100299", "", ""]],
            "village code 341890100299 is not a village",
        ),
        ([["帮扶", "李四", VILLAGE_A, "", ""]], "kind (类型) '帮扶' is not a known value"),
        ([["联系点", "", VILLAGE_A, "", ""]], "partner (结对方) is empty"),
        ([["联系点", "李四", VILLAGE_A, "", ""]] * 2, "the same pairing appears 2 times"),
    ]:
        with pytest.raises(BadInput) as caught:
            import_pairings(grid, write_csv(tmp_path / "bad.csv", rows, PAIRING_HEADERS))
        assert any(message in d for d in caught.value.details), caught.value.details
    assert digest(grid, "pairing") == before


def test_cli_imports_and_reports_with_json(cli_env, tiny_county_file, tmp_path):
    import gridmap.cli.project_commands  # noqa: F401  (attaches the commands)
    from gridmap.cli import main

    runner = CliRunner(env=cli_env)
    assert runner.invoke(main, ["import", "grids", str(tiny_county_file)]).exit_code == 0
    projects = write_csv(tmp_path / "p.csv", good_rows(), encoding="gbk")
    result = runner.invoke(main, ["import", "projects", str(projects), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["created"] == 5
    pairs = write_csv(tmp_path / "pairs.csv", pairing_rows(), PAIRING_HEADERS)
    assert runner.invoke(main, ["import", "pairings", str(pairs)]).exit_code == 0
    result = runner.invoke(main, ["projects", "report", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == HAND_COMPUTED
    result = runner.invoke(main, ["projects", "report", "--json", "--year", "2023"])
    assert json.loads(result.stdout)["projects"] == 4
    assert "industry share 55.5%" in runner.invoke(main, ["projects", "report"]).stdout
    bad = write_csv(tmp_path / "bad.csv", _set(0, "中央资金", "-1")(good_rows()))
    result = runner.invoke(main, ["import", "projects", str(bad)])
    assert result.exit_code == 1 and "row 2 (project P1)" in result.stderr
    with psycopg.connect(cli_env["GRIDMAP_DATABASE_URL"]) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit ORDER BY id")]
    assert actions.count("import.projects") == 1 and "import.pairings" in actions


def projects_app(url: str, var_dir: Path):
    """The app with the projects blueprint (registered here until the factory does it)."""
    from gridmap.web import projects as projects_web

    # Many logins from one address in a few seconds: the rate limit is not under test here.
    config = Config(
        database_url=url, var_dir=var_dir, secret_key="t", login_rate_limit="1000/minute"
    )
    app = create_app(config)
    if "projects" not in app.blueprints:
        app.register_blueprint(projects_web.bp)
    return app


def load_projects_county(url: str, tiny_county_file: Path, folder: Path) -> None:
    """The tiny county, worker W1, one account per role, good_rows and pairing_rows."""
    with psycopg.connect(url) as conn:
        add_grid(conn, tiny_county_file, reason="test fixture")
        add_worker(conn, "W1", ["341890100200001"], home_m=(550, 550))
        add_role_accounts(conn)
        rows = good_rows()
        rows[1][1] = XSS_NAME  # names are text everywhere, never HTML
        import_projects(conn, write_csv(folder / "p.csv", rows))
        import_pairings(conn, write_csv(folder / "pairs.csv", pairing_rows(), PAIRING_HEADERS))
        conn.commit()


@pytest.fixture(scope="module")
def app(pg_cluster, template_url, tiny_county_file, tmp_path_factory):
    """The app on the tiny county with the five projects and four pairings."""
    url = _copy_database(pg_cluster, "gridmap_projects")
    load_projects_county(url, tiny_county_file, tmp_path_factory.mktemp("projects"))
    application = projects_app(url, tmp_path_factory.mktemp("var"))
    yield application
    application.extensions["gridmap_pool"].close()


@pytest.fixture(scope="module")
def clients(app):
    """A logged-in test client per role."""
    result = {}
    for role in ROLE_ACCOUNTS:
        client = app.test_client()
        assert login(client, role).status_code == 302
        result[role] = client
    return result


#: Which projects each role sees: township 341890100 only, or the worker's village.
SEEN = {
    "admin": {"P1", "P2", "P3", "P4", "P5"}, "reviewer": {"P1", "P2", "P3", "P4", "P5"},
    "inspector": {"P1", "P2", "P3", "P4", "P5"}, "township": {"P1", "P3", "P5"},
    "worker": {"P1", "P5"},
}  # fmt: skip


@pytest.mark.parametrize("role", list(ROLE_ACCOUNTS))
def test_access_matrix_lists_details_exports_and_pairings(clients, role):
    client = clients[role]
    features = client.get("/api/v1/projects").json["features"]
    assert {f["properties"]["code"] for f in features} == SEEN[role]
    for code in ("P1", "P2", "P3", "P4", "P5"):
        assert client.get(f"/api/v1/projects/{code}").status_code == (
            200 if code in SEEN[role] else 404
        )
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/api/v1/projects.xlsx").data))["项目清单"]
    assert {r[0] for r in sheet.iter_rows(min_row=2, values_only=True)} == SEEN[role]
    outside = client.get("/api/v1/projects?unit=341890101")
    assert outside.status_code == (200 if role in ("admin", "reviewer", "inspector") else 404)
    pairings = client.get(f"/api/v1/units/{VILLAGE_C}/pairings")
    assert pairings.status_code == (404 if role in ("township", "worker") else 200)
    county = client.get("/api/v1/units/341890/pairings").json
    inside = {VILLAGE_A} if role in ("township", "worker") else {VILLAGE_A, VILLAGE_C, VILLAGE_D}
    assert {p["village_code"] for p in county["pairings"]} == inside
    page = client.get("/projects")
    assert page.status_code == 200
    assert all((f'data-code="{c}"' in page.text) == (c in SEEN[role]) for c in SEEN["admin"])


@pytest.mark.parametrize(
    "path",
    ["/api/v1/projects", "/api/v1/projects/P1", "/api/v1/projects.xlsx",
     f"/api/v1/units/{VILLAGE_A}/pairings", "/api/v1/pairings.xlsx"],
)  # fmt: skip
def test_reads_need_login(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 401


def test_pages_need_login_and_the_form_is_for_admins(app, clients):
    assert app.test_client().get("/projects").status_code == 302
    for role in ROLE_ACCOUNTS:
        assert clients[role].get("/projects/edit").status_code == (200 if role == "admin" else 403)
        token = csrf_token(clients[role].get("/projects").text)
        reply = clients[role].post(
            "/api/v1/projects", json={"code": "X"}, headers={"X-CSRFToken": token}
        )
        assert reply.status_code == (400 if role == "admin" else 403)


def test_filters_select_by_year_category_status_and_unit(clients):
    client = clients["reviewer"]

    def codes(query: str) -> set[str]:
        return {
            f["properties"]["code"]
            for f in client.get(f"/api/v1/projects?{query}").json["features"]
        }

    assert codes("year=2024") == {"P5"}
    assert codes("category=industry") == {"P1", "P2"}
    assert codes("status=started") == {"P3", "P4"}
    assert codes(f"unit={VILLAGE_A}") == {"P1", "P5"}
    assert codes("year=2023&category=industry&status=completed&unit=341890101") == {"P2"}
    for bad in ("category=tourism", "status=done", "year=23", "unit=12%25"):
        assert client.get(f"/api/v1/projects?{bad}").status_code == 400


def test_geojson_carries_geometry_and_properties(clients):
    features = {
        f["properties"]["code"]: f
        for f in clients["admin"].get("/api/v1/projects").json["features"]
    }
    assert features["P2"]["geometry"]["type"] == "Polygon"
    assert features["P2"]["properties"]["name"] == XSS_NAME
    assert features["P4"]["properties"]["located"] is False
    assert features["P4"]["geometry"]["type"] == "Point"  # the village's label point
    assert features["P1"]["properties"]["funds_total"] == 300.0


def test_xlsx_export_has_chinese_headers_numbers_and_no_formulas(clients):
    response = clients["admin"].get("/api/v1/projects.xlsx?year=2023")
    assert response.headers["Content-Disposition"].endswith('projects-all-2023.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book["项目清单"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["项目编码", "项目名称", "年度", "类别"]
    first = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert first["资金合计(万元)"] == 300 and first["类别"] == "产业发展"
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    summary = dict(book["汇总"].iter_rows(min_row=2, values_only=True))
    assert summary["项目数"] == 4 and summary["已完工未确权登记项目数"] == 1
    pairs = openpyxl.load_workbook(io.BytesIO(clients["admin"].get("/api/v1/pairings.xlsx").data))
    assert [c.value for c in pairs["结对帮扶"][1]][:3] == ["类型", "结对方", "乡镇编码"]


def test_admin_form_saves_an_audited_project(clients, app):
    client = clients["admin"]
    token = csrf_token(client.get("/projects/edit").text)
    form = {
        "csrf_token": token, "code": "F1", "name": "表单项目", "year": "2023",
        "category": "other", "funds_central": "12.5", "status": "approved", "village": VILLAGE_B,
        "asset_registered": "no",
    }  # fmt: skip
    try:
        assert client.post("/projects/edit", data=form).status_code == 302
        detail = client.get("/api/v1/projects/F1").json
        assert (detail["village_code"], detail["progress"]) == (VILLAGE_B, 0)
        assert detail["funds_total"] == 12.5
        bad = client.post("/projects/edit", data={**form, "funds_city": "-3"})
        assert bad.status_code == 400 and "is negative" in bad.text
        edit = client.get("/projects/edit?code=P2").text
        assert "POLYGON" in edit and "&lt;img" in edit
        no_token = client.post("/api/v1/projects", json={**form, "code": "F2"})
        assert no_token.status_code == 400 and "CSRF" in no_token.json["error"]
        headers = {"X-CSRFToken": token}
        saved = client.post("/api/v1/projects", json={**form, "code": "F2"}, headers=headers)
        assert saved.status_code == 201
    finally:
        with psycopg.connect(app.config["GRIDMAP"].database_url) as conn:
            conn.execute("DELETE FROM project WHERE code IN ('F1', 'F2')")
    with psycopg.connect(app.config["GRIDMAP"].database_url) as conn:
        actions = conn.execute(
            "SELECT action, target, username FROM audit WHERE action = 'project.save'"
        ).fetchall()
    assert ("project.save", "F1", "admin") in actions and ("project.save", "F2", "admin") in actions


def test_page_shows_report_and_escapes_names(clients):
    page = clients["reviewer"].get("/projects?year=2023").text
    assert 'data-key="projects" data-value="4"' in page
    assert XSS_NAME not in page and "&lt;img src=x" in page


def test_demo_projects_match_the_work_report(conn):
    from gridmap.access.accounts import EVERYTHING
    from gridmap.projects.funded import project_report
    from gridmap.sample.county import read_county
    from gridmap.sample.projects import load_demo_projects

    sample = Config().geodata_dir / "sample-county.gpkg"
    add_grid(conn, sample, reason="sample county")
    loaded = load_demo_projects(conn, read_county(sample), 2023)
    assert loaded["projects"]["created"] == 77
    assert loaded["pairings"]["enterprise"] == 27 and loaded["pairings"]["leader"] >= 24
    leaders = conn.execute("SELECT count(DISTINCT partner) FROM pairing WHERE kind = 'leader'")
    assert leaders.fetchone()[0] == 24
    report = project_report(conn, EVERYTHING, 2023)
    assert report["projects"] == 77 and report["industry_share"] == pytest.approx(0.555, abs=5e-4)
    assert report["started_share"] == 1.0 and 0 < report["unregistered_assets"]
    (late,) = conn.execute(
        "SELECT count(*) FROM project WHERE started_on > '2023-06-27'"
    ).fetchone()
    assert late == 0


def test_form_values_of_stored_projects_save_back_unchanged(grid, tmp_path):
    from gridmap.access.accounts import EVERYTHING, cli_actor
    from gridmap.projects.funded import form_values, save_project

    import_projects(grid, write_csv(tmp_path / "p.csv", good_rows()))
    for code in ("P1", "P2", "P4"):
        values = form_values(grid, EVERYTHING, code)
        assert bool(values["wkt"]) == (code == "P2") and bool(values["lon"]) == (code == "P1")
        saved = save_project(grid, cli_actor("test"), values)
        assert saved["created"] is False
    row = grid.execute("SELECT village_code, GeometryType(geom) FROM project WHERE code = 'P2'")
    assert row.fetchone() == (VILLAGE_C, "POLYGON")
