"""Imports and exports in a database of several counties: an account imports into its own
counties only, a contact assists households of one county, and exports record their counties."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from gridmap.core.errors import BadInput
from gridmap.registry.people import import_contacts
from tests.county_fixtures import SCHEME_A, cli_runner, csv_bytes, ids_of, seed_records, site_on
from tests.household_fixtures import (
    CONTACT_HEADERS,
    HOUSEHOLD_HEADERS,
    VISIT_HEADERS,
    WORKER_HEADERS,
    Household,
)
from tests.test_counties import A, B, C
from tests.test_monitoring import HEADERS as MONITORING_HEADERS
from tests.test_projects import HEADERS as PROJECT_HEADERS
from tests.test_projects import PAIRING_HEADERS
from tests.web_fixtures import csrf_token

#: Every table an import may write, and the audit log.
TABLES = (
    "unit_version", "household", "worker", "worker_group", "contact", "contact_household",
    "visit", "monitoring", "project", "pairing", "audit",
)  # fmt: skip
GROUP_A, GROUP_B, VILLAGE_A = f"{A}100200001", f"{B}100200001", f"{A}100200"


@pytest.fixture(scope="module")
def template(seeded_template, tiny_county_file, tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("counties")
    return seeded_template(lambda conn: seed_records(conn, tiny_county_file, folder))


@pytest.fixture(scope="module")
def site(template, pg_cluster, tmp_path_factory):  # type: ignore[no-untyped-def]
    """(url, account -> client) on a copy of the three counties."""
    var_dir = tmp_path_factory.mktemp("var")
    url, app, clients = site_on(pg_cluster, template, "county_imports", var_dir)
    yield url, clients
    app.extensions["gridmap_pool"].close()


def snapshot(url: str) -> dict:
    query = sql.SQL("SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                    " FROM {} t")  # fmt: skip
    with psycopg.connect(url) as conn:
        return {t: conn.execute(query.format(sql.Identifier(t))).fetchone() for t in TABLES}


def upload(client, kind: str, name: str, body: bytes, mixed: bool = False):  # type: ignore[no-untyped-def]
    """Post a file to the import page as the form does."""
    token = csrf_token(client.get("/admin/import").text)
    data = {"kind": kind, "csrf_token": token, "file": (io.BytesIO(body), name)}
    if mixed:
        data["mixed_counties"] = "1"
    return client.post("/admin/import?lang=en", data=data, content_type="multipart/form-data")


def error_of(page: str) -> str:
    found = re.search(r'<pre[^>]*id="import-error">(.*?)</pre>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


#: kind -> the rows of a county-A file (for the grid: the tiny county itself).
COUNTY_A_FILES = {
    "households": (HOUSEHOLD_HEADERS, [Household("HQ1", None, declared_group=GROUP_A).row()]),
    "workers": (WORKER_HEADERS, [["WA9", "王九", "在岗", "1980", "", "", GROUP_A, "2023-01-01"]]),
    "contacts": (CONTACT_HEADERS, [["CA9", "刘九", SCHEME_A, "2023-01-01"]]),
    "visits": (VISIT_HEADERS, [[SCHEME_A, "W1", "2024-01-01 09:00"]]),
    "monitoring": (MONITORING_HEADERS, [[SCHEME_A, "边缘易致贫户", "2024-01-01", "", "", "", ""]]),
    "projects": (PROJECT_HEADERS, [["PA9", "茶厂", "2023", "产业发展", "100", "", "", "", "在建",
                                    "", "", "", "40", VILLAGE_A, "", "", "", "", ""]]),
    "pairings": (PAIRING_HEADERS, [["联系点", "张三", VILLAGE_A, "2022-01-01", ""]]),
}  # fmt: skip


def county_a_file(kind: str, tiny: Path) -> tuple[str, bytes]:
    if kind == "grids":
        return "county-a.geojson", tiny.read_bytes()
    headers, rows = COUNTY_A_FILES[kind]
    return f"{kind}-a.csv", csv_bytes(headers, rows)


@pytest.mark.parametrize("kind", ["grids", *COUNTY_A_FILES])
def test_an_admin_of_county_b_cannot_import_county_a(site, tiny_county_file, kind):
    url, clients = site
    before = snapshot(url)
    name, body = county_a_file(kind, tiny_county_file)
    response = upload(clients["admin_b"], kind, name, body)
    assert response.status_code == 403
    message = error_of(response.text)
    assert f"county {A} is outside the counties this account may import into ({B})" in message
    assert "nothing was imported" in message and 'id="import-report"' not in response.text
    assert snapshot(url) == before


def test_a_mixed_file_is_refused_naming_the_county_outside(site):
    url, clients = site
    before = snapshot(url)
    rows = [Household("HQ2", None, declared_group=GROUP_B).row(),
            Household("HQ3", None, declared_group=f"{C}100200001").row()]  # fmt: skip
    response = upload(clients["admin_b"], "households", "mixed.csv",
                      csv_bytes(HOUSEHOLD_HEADERS, rows), mixed=True)  # fmt: skip
    assert response.status_code == 403
    message = error_of(response.text)
    assert f"county {C} is outside" in message and f"county {C}: row 3" in message
    assert f"county {B}:" not in message
    assert snapshot(url) == before


def test_an_admin_imports_its_own_county(site):
    url, clients = site
    rows = [Household("HQ4", None, declared_group=GROUP_B).row()]
    response = upload(
        clients["admin_b"], "households", "own.csv", csv_bytes(HOUSEHOLD_HEADERS, rows)
    )
    assert response.status_code == 200, error_of(response.text)
    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT county_code, unit_code FROM household WHERE code = 'HQ4'")
        assert found.fetchall() == [(B, GROUP_B)]


# --- a contact assists households of one county -----------------------------------------


@pytest.fixture
def db(site):  # type: ignore[no-untyped-def]
    with psycopg.connect(site[0]) as conn:
        conn.execute("SELECT 1")  # opens the outer transaction: inner ones are savepoints
        yield conn
        conn.rollback()


TWO_COUNTIES = (
    f"row 2: contact C9 is given households in 2 counties, {A} (H{A}1), {B} (H{B}1); a contact "
    "assists households of one county"
)


@pytest.mark.parametrize(
    ("rows", "mixed", "expected"),
    [
        ([["C9", "刘九", f"H{A}1、H{B}1", "2023-01-01"]], True, TWO_COUNTIES),
        ([["C9", "刘九", f"H{A}1、H{B}1、H{A}2", "2023-01-01"]], True,
         f"{A} (H{A}1, H{A}2), {B} (H{B}1)"),
        ([["C9", "刘九", f"H{A}1、H{B}1", "2023-01-01"]], False, "the file mixes 2 counties"),
        ([["C8", "刘八", f"H{A}1", "2023-01-01"], ["C9", "刘九", f"H{B}1、H{B}2", "2023-01-01"]],
         True, {("C8", A, f"H{A}1"), ("C9", B, f"H{B}1"), ("C9", B, f"H{B}2")}),
    ],
)  # fmt: skip
def test_a_contact_with_households_in_two_counties_is_refused(db, tmp_path, rows, mixed, expected):
    path = tmp_path / "contacts.csv"
    path.write_bytes(csv_bytes(CONTACT_HEADERS, rows))
    if isinstance(expected, set):
        assert import_contacts(db, path, mixed_counties=mixed)["counties"] == [A, B]
        links = db.execute(
            "SELECT l.contact_code, c.county_code, l.household_code FROM contact_household l "
            "JOIN contact c ON c.county_code = l.county_code AND c.code = l.contact_code "
            "WHERE l.contact_code IN ('C8', 'C9')"
        ).fetchall()
        assert set(links) == expected
        return
    with pytest.raises(BadInput) as refused:
        import_contacts(db, path, mixed_counties=mixed)
    assert any(expected in line for line in [refused.value.message, *refused.value.details])
    assert db.execute("SELECT count(*) FROM contact WHERE code = 'C9'").fetchone() == (0,)


def test_the_command_line_refuses_a_contact_of_two_counties(template, copy_of, tmp_path):
    run = cli_runner(copy_of(template), tmp_path / "var")
    path = tmp_path / "contacts.csv"
    path.write_bytes(csv_bytes(CONTACT_HEADERS, [["C9", "刘九", f"H{A}1、H{B}1", "2023-01-01"]]))
    code, _out, err = run("import", "contacts", str(path), "--mixed-counties")
    assert code == 1 and TWO_COUNTIES in err


# --- exports record the counties they covered -------------------------------------------


def last_detail(url: str, username: str, action: str) -> dict:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT detail FROM audit WHERE username = %s AND action = %s ORDER BY id DESC LIMIT 1",
            [username, action],
        ).fetchone()
    assert row is not None, (username, action)
    return row[0]


@pytest.mark.parametrize(
    ("username", "path", "action", "counties"),
    [
        ("city", f"/api/v1/coverage.xlsx?county={B}", "export.coverage_xlsx", [B]),
        ("city", "/api/v1/coverage.xlsx?county=all", "export.coverage_xlsx", [A, B]),
        ("city", f"/api/v1/projects.xlsx?county={A}", "export.projects_xlsx", [A]),
        ("province", f"/api/v1/pairings.xlsx?county={C}", "export.pairings_xlsx", [C]),
        ("reviewer_a", "/api/v1/contacts.xlsx", "export.contacts_xlsx", [A]),
        ("admin_b", "/api/v1/monitoring/uncontacted.xlsx", "export.uncontacted_xlsx", [B]),
        ("township", "/api/v1/campaigns/{a_whole}/unvisited.xlsx", "export.campaign_unvisited",
         [A]),
        ("city", "/api/v1/campaigns/{b_whole}/unvisited.xlsx", "export.campaign_unvisited", [B]),
    ],
)  # fmt: skip
def test_an_export_records_the_counties_chosen(site, username, path, action, counties):
    url, clients = site
    response = clients[username].get(path.format(**ids_of(url, "campaign")))
    assert response.status_code == 200
    assert last_detail(url, username, action)["counties"] == counties


def test_the_grid_export_records_its_county(template, copy_of, tmp_path):
    url = copy_of(template)
    run = cli_runner(url, tmp_path / "var")
    code, _out, err = run("export", "grids", "--county", B, "-o", str(tmp_path / "b.geojson"))
    assert code == 0, err
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT detail FROM audit WHERE action = 'export.grids'").fetchall()
    assert rows == [({"counties": [B]},)]
