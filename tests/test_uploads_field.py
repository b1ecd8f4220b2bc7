"""Admin uploads of the bureau's records: the same imports, actor and audit as the commands."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from flask.testing import FlaskClient
from psycopg import sql

from gridmap.core import clock
from gridmap.core.config import Config
from gridmap.registry.households import import_households
from gridmap.registry.people import import_workers
from gridmap.registry.uploads import ACCEPTED
from gridmap.web import create_app
from tests.grid_fixtures import tiny_county
from tests.household_fixtures import add_grid
from tests.test_household_import import good_rows, lonlat, write_csv, write_xlsx
from tests.test_monitoring import HEADERS as MONITORING_HEADERS
from tests.test_monitoring import monitoring_rows
from tests.test_people_import import CONTACT_HEADERS, WORKER_HEADERS, worker_rows
from tests.test_projects import HEADERS as PROJECT_HEADERS
from tests.test_projects import PAIRING_HEADERS, pairing_rows
from tests.test_projects import good_rows as project_rows
from tests.web_fixtures import add_role_accounts, csrf_token, login
from tests.zip_fixtures import padded_shapefile_zip, padded_xlsx

YESTERDAY = clock.today("Asia/Shanghai") - timedelta(days=1)
VISIT_HEADERS = ["户编码", "走访人", "走访时间", "类型", "备注", "签到经度", "签到纬度"]
#: Every table an upload of these kinds may write, and the audit log.
TABLES = (
    "contact", "contact_household", "visit", "monitoring", "household", "project", "pairing",
    "audit",
)  # fmt: skip


def visit_rows() -> list[list[str]]:
    """Both checked in at H001's door (1000, 1000 m): H002, at 3000, 3000 m, is 2.8 km away."""
    lon, lat = (str(v) for v in lonlat(1000, 1000))
    return [
        ["H001", "W1", f"{YESTERDAY} 09:00", "日常走访", "", lon, lat],
        ["H002", "W1", f"{YESTERDAY} 10:00", "集中走访", "", lon, lat],
    ]


def contact_rows() -> list[list[str]]:
    return [["C1", "刘一", "县乡村振兴局", "13700000001", "H001、H002", "2023-03-01"]]


#: kind -> (file name, headers, good rows, encoding, bad extra row, text naming the bad row)
CASES = {
    "contacts": (
        "contacts.csv", CONTACT_HEADERS, contact_rows(), "gbk",
        ["C2", "杨二", "", "", "H404", "2023-01-01"],
        "row 3: contact's household H404 is not in the database",
    ),
    "visits": (
        "visits.csv", VISIT_HEADERS, visit_rows(), "utf-8-sig",
        ["H003", "W1", "2999-01-01 09:00", "", "", "", ""],
        "row 4 (household H003): visit time '2999-01-01 09:00' is in the future",
    ),
    "monitoring": (
        "monitoring.csv", MONITORING_HEADERS, monitoring_rows(), "gbk",
        ["H404", "边缘易致贫户", "2024-01-01", "", "", "", ""],
        "row 8: household H404 is not in the database",
    ),
    "projects": (
        "projects.csv", PROJECT_HEADERS, project_rows(), "gbk",
        ["P9", "9村水渠", "2023", "基础设施", "-5", "", "", "", "在建", "", "", "", "", "", "",
         "", "", "", ""],
        "row 7 (project P9): central funds (中央资金) '-5' is negative",
    ),
    "pairings": (
        "pairings.csv", PAIRING_HEADERS, pairing_rows(), "utf-8-sig",
        ["联系点", "李四", "341890100299", "", ""],
        "row 6: village code 341890100299 is not a village",
    ),
}  # fmt: skip
#: kind -> what the good file reports
REPORTED = {
    "contacts": {"created": 1, "pairings_added": 2},
    "visits": {"inserted": 2, "doubtful": 1},
    "monitoring": {"created": 6, "households_updated": 4},
    "projects": {"created": 5},
    "pairings": {"created": 4},
}


def write_case(folder: Path, kind: str, bad: bool = False) -> tuple[str, bytes]:
    """The good (or, with one bad row more, the bad) file of `kind`: (name, bytes)."""
    name, headers, rows, encoding, extra, _ = CASES[kind]
    path = folder / (f"bad-{name}" if bad else name)
    write_csv(path, [*rows, extra] if bad else rows, headers, encoding)
    return path.name, path.read_bytes()


def snapshot(url: str) -> dict:
    query = sql.SQL("SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                    " FROM {} t")  # fmt: skip
    with psycopg.connect(url) as conn:
        return {t: conn.execute(query.format(sql.Identifier(t))).fetchone() for t in TABLES}


def rows(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


@pytest.fixture(scope="module")
def county_template(seeded_template, tiny_county_file: Path, tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    """The tiny county, households H001-H004, worker W1 and accounts, seeded once."""
    folder = tmp_path_factory.mktemp("uploads")

    def seed(conn: psycopg.Connection) -> None:
        add_grid(conn, tiny_county_file)
        import_households(conn, write_csv(folder / "households.csv", good_rows()))
        mine = [r for r in worker_rows() if r[0] == "W1"]
        import_workers(conn, write_csv(folder / "w.csv", mine, WORKER_HEADERS))
        add_role_accounts(conn)

    return seeded_template(seed)


@pytest.fixture
def county(county_template: str, copy_of, tmp_path: Path) -> Config:  # type: ignore[no-untyped-def]
    """Settings on a committed copy of the seeded county for this test."""
    url = copy_of(county_template)
    return Config(database_url=url, var_dir=tmp_path / "var", secret_key="test")


def admin_client(config: Config) -> Iterator[FlaskClient]:
    app = create_app(replace(config, login_rate_limit="1000 per minute"))
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    try:
        yield client
    finally:
        app.extensions["gridmap_pool"].close()


@pytest.fixture
def admin(county: Config) -> Iterator[FlaskClient]:
    yield from admin_client(county)


def upload(client: FlaskClient, kind: str, name: str, body: bytes):  # type: ignore[no-untyped-def]
    """Post a file to the import page as the form does."""
    token = csrf_token(client.get("/admin/import").text)
    data = {"kind": kind, "csrf_token": token, "file": (io.BytesIO(body), name)}
    return client.post("/admin/import", data=data, content_type="multipart/form-data")


def reported(page: str) -> dict[str, str]:
    """The figures of the import report shown on the page."""
    pairs = re.findall(r'<dt class="col-sm-3">([^<]+)</dt><dd class="col-sm-9">([^<]*)</dd>', page)
    return dict(pairs)


def test_the_form_offers_every_kind(admin):
    page = admin.get("/admin/import").text
    offered = re.findall(r'<option value="([a-z]+)">', page)
    assert offered == [
        "grids", "households", "workers", "contacts", "visits", "monitoring", "projects",
        "pairings",
    ]  # fmt: skip


@pytest.mark.parametrize("kind", list(CASES))
def test_good_file_is_imported_and_audited_as_the_command_does(admin, county, tmp_path, kind):
    name, body = write_case(tmp_path, kind)
    response = upload(admin, kind, name, body)
    assert response.status_code == 200, response.text
    shown = reported(response.text)
    assert {k: int(shown[k]) for k in REPORTED[kind]} == REPORTED[kind]
    assert shown["file"] == name
    audit = rows(county.database_url, "SELECT username, action, target FROM audit "
                 "WHERE action LIKE 'import.%'")  # fmt: skip
    assert audit == [("admin", f"import.{kind}", name)]


@pytest.mark.parametrize("kind", list(CASES))
def test_bad_file_is_refused_naming_the_row_and_nothing_is_written(admin, county, tmp_path, kind):
    before = snapshot(county.database_url)
    name, body = write_case(tmp_path, kind, bad=True)
    response = upload(admin, kind, name, body)
    assert response.status_code == 400
    error = re.search(r'<pre[^>]*id="import-error">(.*?)</pre>', response.text, re.S)
    assert error is not None and CASES[kind][5] in html.unescape(error.group(1))
    assert 'id="import-report"' not in response.text
    assert snapshot(county.database_url) == before


def test_uploaded_visits_are_recorded_by_the_account_and_far_check_ins_are_doubtful(
    admin, county, tmp_path
):
    name, body = write_case(tmp_path, "visits")
    assert upload(admin, "visits", name, body).status_code == 200
    query = (
        "SELECT household_code, recorded_by, doubtful, checkin_distance_m > 2000 FROM visit "
        "ORDER BY household_code"
    )
    stored = rows(county.database_url, query)
    assert stored == [("H001", "admin", False, False), ("H002", "admin", True, True)]
    last = rows(county.database_url, "SELECT last_visit_on FROM household WHERE code = 'H002'")
    assert last == [(YESTERDAY,)]


def test_uploaded_visits_follow_the_configured_check_in_distance(county, tmp_path):
    for client in admin_client(replace(county, checkin_max_m=5000.0)):
        name, body = write_case(tmp_path, "visits")
        shown = reported(upload(client, "visits", name, body).text)
        assert (shown["inserted"], shown["doubtful"]) == ("2", "0")


def test_a_file_of_the_wrong_type_is_refused(admin, county):
    before = snapshot(county.database_url)
    response = upload(admin, "visits", "visits.geojson", b'{"type": "FeatureCollection"}')
    assert response.status_code == 400
    assert "a visits file must be one of .csv, .xlsx" in response.text
    assert snapshot(county.database_url) == before


def test_a_visit_file_missing_a_column_is_refused(admin, county):
    before = snapshot(county.database_url)
    body = "户编码,走访人\nH001,W1\n".encode("gbk")
    response = upload(admin, "visits", "visits.csv", body)
    assert response.status_code == 400 and "missing column(s): time" in response.text
    assert snapshot(county.database_url) == before


def test_only_administrators_upload(county, tmp_path):
    app = create_app(replace(county, login_rate_limit="1000 per minute"))
    try:
        client = app.test_client()
        login(client, "reviewer")
        assert client.get("/admin/import").status_code == 403
    finally:
        app.extensions["gridmap_pool"].close()
    assert rows(county.database_url, "SELECT count(*) FROM visit") == [(0,)]


@pytest.fixture(scope="module")
def padded_workbook(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A valid household workbook of a few hundred KB that unpacks to 300 MB."""
    folder = tmp_path_factory.mktemp("padded")
    plain = write_xlsx(folder / "plain.xlsx", good_rows())
    return padded_xlsx(plain, folder / "padded.xlsx", 300).read_bytes()


def import_error(page: str) -> str:
    error = re.search(r'<pre[^>]*id="import-error">(.*?)</pre>', page, re.S)
    assert error is not None, "no import error on the page"
    return html.unescape(error.group(1))


@pytest.mark.parametrize("kind", [k for k, accepted in ACCEPTED.items() if ".xlsx" in accepted])
def test_a_workbook_unpacking_past_the_limit_is_refused_before_it_is_read(
    admin, county, padded_workbook, kind
):
    before = snapshot(county.database_url)
    response = upload(admin, kind, f"{kind}.xlsx", padded_workbook)
    assert response.status_code == 400
    error = import_error(response.text)
    assert error.startswith(f"{kind}.xlsx: unpacked, this file would take 300 MB, more than ")
    assert "the 250 MB allowed (GRIDMAP_UPLOAD_MAX_UNPACKED_MB)" in error
    assert snapshot(county.database_url) == before


def test_a_zipped_shapefile_unpacking_past_the_limit_is_refused_unpacked(admin, county, tmp_path):
    (tmp_path / "parts").mkdir()
    tiny_county().to_file(tmp_path / "parts" / "grid.shp")
    bundle = padded_shapefile_zip(tmp_path / "parts" / "grid.shp", tmp_path / "grid.zip", 300)
    before = snapshot(county.database_url)
    response = upload(admin, "grids", "grid.zip", bundle.read_bytes())
    assert response.status_code == 400
    assert import_error(response.text).startswith(
        "grid.zip: unpacked, this file would take 300 MB, more than the 250 MB allowed"
    )
    assert snapshot(county.database_url) == before


def test_the_configured_unpacked_limit_applies_to_uploads(county, tmp_path):
    plain = write_xlsx(tmp_path / "plain.xlsx", good_rows())
    body = padded_xlsx(plain, tmp_path / "households.xlsx", 3).read_bytes()
    for client in admin_client(replace(county, upload_max_unpacked_mb=2)):
        error = import_error(upload(client, "households", "households.xlsx", body).text)
        assert "would take 3 MB, more than the 2 MB allowed" in error
    for client in admin_client(replace(county, upload_max_unpacked_mb=4)):
        response = upload(client, "households", "households.xlsx", body)
        assert response.status_code == 200 and reported(response.text)["updated"] == "0"
