"""The monitoring lifecycle (import, counts per period) and assistance contacts over time."""

from __future__ import annotations

import io
import json
from datetime import date

import openpyxl
import pandas as pd
import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql

import gridmap.cli.field_commands  # noqa: F401  (attaches the commands to `main`)
from gridmap.access.accounts import EVERYTHING, Actor, Scope, cli_actor
from gridmap.cli import main
from gridmap.core import clock
from gridmap.core.errors import BadInput, NotFound
from gridmap.fieldwork import monitoring
from gridmap.files.monitoring import MONITORING_HEADERS
from gridmap.grid import grids
from gridmap.registry.households import import_households
from gridmap.registry.people import import_contacts, import_workers
from tests.test_household_import import GROUP_A, GROUP_B, GROUP_C, good_rows, write_csv
from tests.test_people_import import CONTACT_HEADERS, WORKER_HEADERS, worker_rows
from tests.test_visits import Clients, field_app
from tests.web_fixtures import add_role_accounts

HEADERS = ["户编码", "监测类型", "识别日期", "发现方式", "风险类型", "帮扶措施", "风险消除日期"]
PERIOD = (date(2024, 1, 1), date(2024, 6, 30))
TABLES = ("monitoring", "household", "contact_household")
#: The test households are on record from this day, before every monitoring date used here.
KNOWN_SINCE = date(2023, 1, 1)
GRID_SINCE = clock.start_of_day(KNOWN_SINCE, "Asia/Shanghai")


def monitoring_rows() -> list[list[str]]:
    """The hand-computed example: what each row adds in PERIOD is in the comment."""
    return [
        # eliminated in the period
        ["H001", "脱贫不稳定户", "2023-05-10", "农户自主申报", "因病", "医疗救助", "2024-03-15"],
        # identified (department alert) and at risk at the end
        ["H001", "突发严重困难户", "2024-05-20", "部门筛查预警", "因灾", "临时救助", ""],
        # identified (cadre visit) and still at risk at the end: eliminated after it
        ["H002", "边缘易致贫户", "2024-02-01", "干部走访排查", "因学", "教育资助", "2024-08-01"],
        # over before the period: nothing
        ["H003", "边缘易致贫户", "2023-01-01", "农户自主申报", "", "", "2023-12-31"],
        # identified on the period's last day (cadre visit), at risk at the end
        ["H003", "突发严重困难户", "2024-06-30", "干部走访排查", "因意外事故", "", ""],
        # identified after the period: nothing
        ["H004", "脱贫不稳定户", "2024-07-01", "", "务工就业不稳", "就业帮扶", ""],
    ]


#: unit -> (identified, of them self report / cadre visit / department alert, eliminated, at risk)
EXPECTED = {
    GROUP_A: (1, 0, 0, 1, 1, 1), GROUP_B: (1, 0, 1, 0, 0, 1), GROUP_C: (1, 0, 1, 0, 0, 1),
    "341890100": (2, 0, 1, 1, 1, 2), "341890101": (1, 0, 1, 0, 0, 1),
    "341890": (3, 0, 2, 1, 1, 3),
}  # fmt: skip


def figures(unit: dict) -> tuple:
    return tuple(unit[k] for k in monitoring.COUNT_KEYS)


def snapshot(conn: psycopg.Connection) -> dict:
    query = sql.SQL("SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                    " FROM {} t")  # fmt: skip
    return {t: conn.execute(query.format(sql.Identifier(t))).fetchone() for t in TABLES}


@pytest.fixture
def county(conn, tiny_county_file, tmp_path):
    """The tiny county with the four test households H001-H004."""
    grids.import_grid_file(conn, tiny_county_file, at=GRID_SINCE)
    import_households(
        conn, write_csv(tmp_path / "households.csv", good_rows()), effective=KNOWN_SINCE
    )
    return conn


def test_lifecycle_counts_match_the_hand_computed_example(county, tmp_path):
    path = write_csv(tmp_path / "m.csv", monitoring_rows(), HEADERS, "gbk")
    report = monitoring.import_monitoring(county, path)
    assert (report["rows"], report["created"], report["households_updated"]) == (6, 6, 4)
    counts = monitoring.monitoring_counts(county, *PERIOD)
    got = {u["code"]: figures(u) for u in counts["units"]}
    assert {code: got[code] for code in EXPECTED} == EXPECTED
    assert figures(counts["total"]) == EXPECTED["341890"]
    township = monitoring.monitoring_counts(county, *PERIOD, Scope(("341890101",)), level=2)
    assert [(u["code"], figures(u)) for u in township["units"]] == [
        ("341890101", EXPECTED["341890101"])
    ]


def test_households_follow_their_latest_monitoring_period(county, tmp_path):
    monitoring.import_monitoring(county, write_csv(tmp_path / "m.csv", monitoring_rows(), HEADERS))
    state = county.execute(
        "SELECT code, category, monitor_kind, risk_eliminated FROM household ORDER BY code"
    ).fetchall()
    assert state == [
        ("H001", "monitored", "sudden_hardship", False),
        ("H002", "monitored", "marginal", True),
        ("H003", "monitored", "sudden_hardship", False),
        ("H004", "monitored", "unstable", False),
    ]
    closing = [["H004", "脱贫不稳定户", "2024-07-01", "", "务工就业不稳", "就业帮扶", "2024-09-01"]]
    again = monitoring.import_monitoring(county, write_csv(tmp_path / "m2.csv", closing, HEADERS))
    assert (again["created"], again["updated"], again["households_updated"]) == (0, 1, 1)
    eliminated = county.execute("SELECT risk_eliminated FROM household WHERE code = 'H004'")
    assert eliminated.fetchone() == (True,)
    periods = monitoring.household_periods(county, "H001")["periods"]
    assert [(p["kind"], p["found_by"], p["eliminated_on"]) for p in periods] == [
        ("unstable", "self_report", date(2024, 3, 15)),
        ("sudden_hardship", "department_alert", None),
    ]
    with pytest.raises(NotFound):
        monitoring.household_periods(county, "H001", Scope(("341890101",)))


def test_xlsx_with_english_headers(county, tmp_path):
    frame = pd.DataFrame(
        {"household_code": ["H002"], "monitor_kind": ["marginal"],
         "identified_on": [pd.Timestamp("2024-02-01")], "found_by": ["cadre_visit"]}
    )  # fmt: skip
    frame.to_excel(tmp_path / "m.xlsx", index=False, engine="openpyxl")
    assert monitoring.import_monitoring(county, tmp_path / "m.xlsx")["created"] == 1


BAD = [
    ("unknown_household", ["H404", "边缘易致贫户", "2024-01-01", "", "", "", ""], "H404 is not in"),
    ("future", ["H002", "边缘易致贫户", "2999-01-01", "", "", "", ""], "is in the future"),
    ("before", ["H002", "边缘易致贫户", "2024-05-01", "", "", "", "2024-04-01"], "before the"),
    ("bad_way", ["H002", "边缘易致贫户", "2022-05-01", "电话", "", "", "2022-06-01"], "'电话'"),
    (
        "bad_kind",
        ["H002", "贫困户", "2022-05-01", "", "", "", "2022-06-01"],
        "kind (监测类型) '贫困户'",
    ),
    ("no_date", ["H002", "边缘易致贫户", "", "", "", "", ""], "identification date is empty"),
    ("overlap", ["H001", "边缘易致贫户", "2024-06-01", "", "", "", ""], "2024-05-20 has no risk-"),
    ("repeated", monitoring_rows()[0], "rows 2, 8: household H001 is identified on 2023-05-10"),
]


@pytest.mark.parametrize(("label", "row", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_monitoring_files_change_nothing(county, tmp_path, label, row, message):
    monitoring.import_monitoring(county, write_csv(tmp_path / "m.csv", monitoring_rows(), HEADERS))
    before = snapshot(county)
    path = write_csv(tmp_path / f"{label}.csv", [*monitoring_rows(), row], HEADERS)
    with pytest.raises(BadInput) as info:
        monitoring.import_monitoring(county, path)
    details = " ".join(info.value.details)
    assert message in details and ("row 8" in details or "rows 2, 8" in details)
    assert snapshot(county) == before


def test_missing_columns_and_unreadable_text_are_refused(county, tmp_path):
    path = write_csv(tmp_path / "m.csv", [r[:2] for r in monitoring_rows()], HEADERS[:2], "gbk")
    with pytest.raises(BadInput) as info:
        monitoring.import_monitoring(county, path)
    assert "missing column(s): identified_on" in info.value.message
    binary = tmp_path / "m2.csv"
    binary.write_bytes("户编码,监测类型\n".encode("utf-16-le") + b"\x00\xff\xfe\x00")
    with pytest.raises(BadInput) as info:
        monitoring.import_monitoring(county, binary)
    assert "neither UTF-8 nor GBK" in info.value.message


def contacts(county, tmp_path, name: str, rows: list[list[str]]) -> dict:  # type: ignore[no-untyped-def]
    return import_contacts(county, write_csv(tmp_path / name, rows, CONTACT_HEADERS, "gbk"))


def test_a_new_contact_closes_the_old_link_and_keeps_history(county, tmp_path):
    first = [["C1", "刘一", "县乡村振兴局", "13700000001", "H001、H002", "2023-03-01"],
             ["C2", "杨二", "县农业农村局", "", "H004", "2023-06-01"]]  # fmt: skip
    contacts(county, tmp_path, "c1.csv", first)
    change = [["C3", "王三", "镇政府", "13700000003", "H001", "2024-01-01"]]
    assert contacts(county, tmp_path, "c2.csv", change)["pairings_closed"] == 1
    history = monitoring.contact_history(county, "H001")["contacts"]
    assert [(c["contact"], c["since"], c["until"]) for c in history] == [
        ("C1", date(2023, 3, 1), date(2024, 1, 1)),
        ("C3", date(2024, 1, 1), None),
    ]
    again = contacts(county, tmp_path, "c3.csv", change)
    assert (again["pairings_closed"], again["pairings_added"]) == (0, 0)
    loads = monitoring.contact_loads(county, date(2024, 6, 1), Actor("r", "reviewer", EVERYTHING))
    assert [(c["code"], c["households"], c["phone"]) for c in loads] == [
        ("C1", 1, "137****0001"), ("C2", 1, None), ("C3", 1, "137****0003"),
    ]  # fmt: skip
    township = Actor("t", "township", Scope(("341890100",)))
    mine = monitoring.contact_loads(county, date(2024, 6, 1), township)
    assert [c["code"] for c in mine] == ["C1", "C3"]
    earlier = monitoring.contact_loads(county, date(2023, 12, 1), township)
    assert [(c["code"], c["households"]) for c in earlier] == [("C1", 2)]


def test_two_contacts_cannot_start_the_same_day(county, tmp_path):
    contacts(county, tmp_path, "c1.csv", [["C1", "刘一", "", "", "H002", "2023-03-01"]])
    before = snapshot(county)
    with pytest.raises(BadInput) as info:
        contacts(county, tmp_path, "c2.csv", [["C4", "赵四", "", "", "H002", "2023-03-01"]])
    assert "row 2: household H002 would have two contacts, C1 and C4, from 2023-03-01" in " ".join(
        info.value.details
    )
    assert snapshot(county) == before


def test_monitored_households_without_a_contact(county, tmp_path):
    monitoring.import_monitoring(county, write_csv(tmp_path / "m.csv", monitoring_rows(), HEADERS))
    contacts(county, tmp_path, "c.csv", [["C1", "刘一", "", "", "H001", "2024-01-01"],
                                         ["C2", "杨二", "", "", "H004", "2024-01-01"]])  # fmt: skip
    found = monitoring.uncontacted_households(county, date(2025, 1, 1))["households"]
    assert [(h["code"], h["unit"]) for h in found] == [("H003", GROUP_C)]
    assert monitoring.uncontacted_households(county, date(2025, 1, 1), Scope(("341890100",))) == {
        "as_of": "2025-01-01",
        "households": [],
        "truncated": False,
    }
    # On 2023-06-01 only H001 and H003 were being monitored: H004 was identified in 2024.
    before = monitoring.uncontacted_households(county, date(2023, 6, 1))["households"]
    assert [h["code"] for h in before] == ["H001", "H003"]


def _check_history_commands(runner: CliRunner, cli_env: dict, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The command-line lists agree with the pages: uncontacted on a date, a contact history."""
    args = ["monitoring", "uncontacted", "--as-of", "2024-06-30", "--json"]
    listing = json.loads(runner.invoke(main, args, env=cli_env).stdout)
    assert [h["code"] for h in listing["households"]] == ["H001", "H002", "H003"]
    pairing = [
        ["C1", "刘一", "", "", "H002", "2024-03-01"],
        ["C2", "杨二", "", "", "H002", "2024-05-01"],
    ]
    contacts_csv = write_csv(tmp_path / "c.csv", pairing, CONTACT_HEADERS)
    assert (
        runner.invoke(main, ["import", "contacts", str(contacts_csv)], env=cli_env).exit_code == 0
    )
    listing = json.loads(runner.invoke(main, args, env=cli_env).stdout)
    assert [h["code"] for h in listing["households"]] == ["H001", "H003"]
    shown = runner.invoke(main, ["contacts", "history", "H002", "--json"], env=cli_env)
    links = [(c["contact"], c["since"], c["until"]) for c in json.loads(shown.stdout)["contacts"]]
    assert links == [("C1", "2024-03-01", "2024-05-01"), ("C2", "2024-05-01", None)]
    text = runner.invoke(main, ["contacts", "history", "H002"], env=cli_env).stdout
    assert "2024-03-01 .. 2024-05-01  C1 刘一" in text
    missing = runner.invoke(main, ["contacts", "history", "H999"], env=cli_env)
    assert missing.exit_code != 0 and "no household H999" in missing.stderr


def test_monitoring_on_the_web_and_the_command_line(config, cli_env, tiny_county_file, tmp_path):
    with psycopg.connect(config.database_url) as conn:
        grids.import_grid_file(conn, tiny_county_file, at=GRID_SINCE)
        import_households(
            conn, write_csv(tmp_path / "households.csv", good_rows()), effective=KNOWN_SINCE
        )
        rows = [r for r in worker_rows() if r[0] == "W1"]
        import_workers(conn, write_csv(tmp_path / "w.csv", rows, WORKER_HEADERS))
        add_role_accounts(conn)
    path = write_csv(tmp_path / "m.csv", monitoring_rows(), HEADERS, "gbk")
    runner = CliRunner()
    imported = runner.invoke(main, ["import", "monitoring", str(path), "--json"], env=cli_env)
    assert imported.exit_code == 0, imported.stderr
    assert json.loads(imported.stdout)["created"] == 6
    args = ["monitoring", "report", "--from", "2024-01-01", "--to", "2024-06-30", "--json"]
    report = json.loads(runner.invoke(main, args, env=cli_env).stdout)
    assert figures(report["total"]) == EXPECTED["341890"]
    app = field_app(config)
    try:
        clients = Clients(app)
        query = {"from": "2024-01-01", "to": "2024-06-30", "level": "2"}
        township = clients["township"].get("/api/v1/monitoring", query_string=query).json
        assert [(u["code"], figures(u)) for u in township["units"]] == [
            ("341890100", EXPECTED["341890100"])
        ]
        bad = clients["township"].get("/api/v1/monitoring?from=2024-13-01")
        assert bad.status_code == 400
        book = clients["reviewer"].get("/api/v1/monitoring.xlsx", query_string=query)
        sheets = openpyxl.load_workbook(io.BytesIO(book.data)).sheetnames
        assert [s.split(" ")[0] for s in sheets] == ["县", "乡镇", "行政村", "村民小组"]
        assert sheets[0] == "县 2024-01-01至2024-06-30"
        history = clients["worker"].get("/api/v1/households/H001/contacts")
        assert history.status_code == 200 and history.json["contacts"] == []
        assert clients["worker"].get("/api/v1/households/H003/contacts").status_code == 404
        periods = clients["worker"].get("/api/v1/households/H001/monitoring").json["periods"]
        assert len(periods) == 2
        loads = clients["reviewer"].get("/api/v1/contacts").json["contacts"]
        assert loads == []  # no contacts imported here
        uncontacted = clients["reviewer"].get("/api/v1/monitoring/uncontacted").json
        assert {h["code"] for h in uncontacted["households"]} == {"H001", "H003", "H004"}
    finally:
        app.extensions["gridmap_pool"].close()
    with psycopg.connect(config.database_url) as conn:
        audit = conn.execute("SELECT target FROM audit WHERE action = 'import.monitoring'")
        assert audit.fetchall() == [("m.csv",)]
    _check_history_commands(runner, cli_env, tmp_path)


# --- the monitoring page --------------------------------------------------------------------

PAGE_PERIOD = {"from": "2024-01-01", "to": "2024-06-30"}
#: Identified, of them self report / cadre visit / department alert, eliminated, at risk.
PAGE_COLUMNS = (
    "identified", "identified_self_report", "identified_cadre_visit",
    "identified_department_alert", "eliminated", "at_risk_end",
)  # fmt: skip


def seed_monitoring(conn: psycopg.Connection, county_file, folder) -> None:  # type: ignore[no-untyped-def]
    """The tiny county, H001-H004 with the monitoring example, contact C1 of H001, accounts."""
    grids.import_grid_file(conn, county_file, at=GRID_SINCE)
    import_households(
        conn, write_csv(folder / "households.csv", good_rows()), effective=KNOWN_SINCE
    )
    rows = [r for r in worker_rows() if r[0] == "W1"]
    import_workers(conn, write_csv(folder / "w.csv", rows, WORKER_HEADERS))
    monitoring.import_monitoring(conn, write_csv(folder / "m.csv", monitoring_rows(), HEADERS))
    pairing = [["C1", "刘一", "县乡村振兴局", "13700000001", "H001", "2024-01-01"]]
    import_contacts(conn, write_csv(folder / "c.csv", pairing, CONTACT_HEADERS))
    add_role_accounts(conn)


@pytest.fixture(scope="module")
def page_clients(pg_cluster, template_url, tiny_county_file, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Logged-in clients on one committed database holding the monitoring example."""
    from gridmap.core.config import Config
    from tests.conftest import _copy_database

    url = _copy_database(pg_cluster, "monitoring_page")
    with psycopg.connect(url) as conn:
        seed_monitoring(conn, tiny_county_file, tmp_path_factory.mktemp("files"))
    config = Config(database_url=url, var_dir=tmp_path_factory.mktemp("var"), secret_key="t")
    app = field_app(config)
    yield Clients(app)
    app.extensions["gridmap_pool"].close()


def table_figures(page: str, table: str) -> dict[str, tuple]:
    """{row code: figures} of a table on the page, read from its data-key cells."""
    import re

    body = page[page.index(f'id="{table}"') :]
    body = body[: body.index("</table>")]
    found = {}
    for code, row in re.findall(r'<tr data-code="([^"]+)"[^>]*>(.*?)</tr>', body, re.S):
        cells = dict(re.findall(r'data-key="([a-z_]+)">([^<]*)<', row))
        found[code] = tuple(int(cells[k].replace(",", "")) for k in PAGE_COLUMNS if k in cells)
    return found


def test_monitoring_page_counts_per_township_and_drills_down(page_clients):
    page = page_clients["reviewer"].get("/monitoring", query_string=PAGE_PERIOD)
    assert page.status_code == 200
    assert table_figures(page.text, "gm-monitoring-counts") == {
        "341890100": EXPECTED["341890100"], "341890101": EXPECTED["341890101"],
        "total": EXPECTED["341890"],
    }  # fmt: skip
    assert "防返贫" in page.text  # Chinese by default
    village = page_clients["reviewer"].get(
        "/monitoring", query_string={**PAGE_PERIOD, "unit": "341890100"}
    )
    assert table_figures(village.text, "gm-monitoring-counts") == {
        GROUP_A[:12]: EXPECTED[GROUP_A], GROUP_B[:12]: EXPECTED[GROUP_B],
        "total": EXPECTED["341890100"],
    }  # fmt: skip
    group = page_clients["reviewer"].get(
        "/monitoring", query_string={**PAGE_PERIOD, "unit": GROUP_A[:12]}
    )
    assert table_figures(group.text, "gm-monitoring-counts") == {
        GROUP_A: EXPECTED[GROUP_A], "341890100200002": (0,) * 6, "total": EXPECTED[GROUP_A],
    }  # fmt: skip
    assert f'href="/monitoring?unit={GROUP_A}' not in group.text  # groups are the last level


def test_monitoring_page_lists_households_without_a_contact_and_loads(page_clients):
    page = page_clients["reviewer"].get("/monitoring", query_string=PAGE_PERIOD).text
    uncontacted = page[page.index('id="gm-uncontacted"') :]
    uncontacted = uncontacted[: uncontacted.index("</table>")]
    # On 2024-06-30 H002 (risk eliminated only in August) and H003 were at risk without a
    # contact; H004 was identified the next day.
    assert uncontacted.count("<tr data-code=") == 2
    assert 'data-code="H002"' in uncontacted and 'data-code="H003"' in uncontacted
    assert "边缘易致贫户" in uncontacted and "突发严重困难户" in uncontacted
    # H002 has a location and is on the map; H003 is placed by its group only.
    data = json.loads(page.split('id="gm-uncontacted-data"', 1)[1].split(">", 1)[1].split("<")[0])
    assert [p["code"] for p in data["points"]] == ["H002"]
    contacts = page[page.index('id="gm-contacts"') :]
    assert 'data-code="C1"' in contacts and "137****0001" in contacts  # masked for reviewers
    assert 'data-key="households">1<' in contacts


def test_township_sees_only_its_township(page_clients):
    township = page_clients["township"]
    page = township.get("/monitoring", query_string=PAGE_PERIOD).text
    assert table_figures(page, "gm-monitoring-counts") == {
        "341890100": EXPECTED["341890100"], "total": EXPECTED["341890100"],
    }  # fmt: skip
    assert 'id="gm-uncontacted-none"' not in page and "gm-uncontacted-data" in page
    other = township.get("/monitoring", query_string={**PAGE_PERIOD, "unit": "341890101"})
    assert other.status_code == 404
    book = township.get("/api/v1/monitoring/uncontacted.xlsx", query_string={"as_of": "2024-06-30"})
    rows = list(openpyxl.load_workbook(io.BytesIO(book.data)).active.iter_rows(values_only=True))
    # H002 of this township; H003 is in another one.
    assert [r[2] for r in rows[1:]] == ["H002"]


@pytest.mark.parametrize("role", ["worker", "inspector"])
def test_monitoring_page_is_for_admins_reviewers_and_townships(page_clients, role):
    assert page_clients[role].get("/monitoring").status_code == 403
    nav = page_clients[role].get("/campaigns" if role != "worker" else "/visits/new").text
    assert 'href="/monitoring"' not in nav
    assert 'href="/monitoring"' in page_clients["township"].get("/monitoring").text


def test_monitoring_page_refuses_a_bad_period_with_a_message(page_clients):
    backwards = page_clients["reviewer"].get(
        "/monitoring", query_string={"from": "2024-06-30", "to": "2024-01-01"}
    )
    assert backwards.status_code == 400 and 'id="gm-period-error"' in backwards.text
    garbled = page_clients["reviewer"].get("/monitoring", query_string={"from": "2024-13-01"})
    assert garbled.status_code == 400 and 'id="gm-period-error"' in garbled.text


def test_monitoring_downloads(page_clients):
    reviewer, admin = page_clients["reviewer"], page_clients["admin"]
    book = reviewer.get("/api/v1/monitoring/uncontacted.xlsx", query_string={"as_of": "2024-06-30"})
    sheet = openpyxl.load_workbook(io.BytesIO(book.data)).active
    assert sheet.title == "无帮扶联系人 2024-06-30"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("网格编码", "网格", "户编码")
    assert [(r[2], r[4]) for r in rows[1:]] == [
        ("H002", "边缘易致贫户"),
        ("H003", "突发严重困难户"),
    ]
    masked = reviewer.get("/api/v1/contacts.xlsx", query_string={"as_of": "2024-06-30"})
    full = admin.get("/api/v1/contacts.xlsx", query_string={"as_of": "2024-06-30"})
    phones = [
        list(openpyxl.load_workbook(io.BytesIO(b.data)).active.iter_rows(values_only=True))[1]
        for b in (masked, full)
    ]
    assert [(p[0], p[3], p[4], p[5]) for p in phones] == [
        ("C1", "137****0001", 1, 1), ("C1", "13700000001", 1, 1),
    ]  # fmt: skip
    page = reviewer.get("/monitoring", query_string=PAGE_PERIOD).text
    for link in ("/api/v1/monitoring.xlsx?", "/api/v1/monitoring/uncontacted.xlsx?",
                 "/api/v1/contacts.xlsx?"):  # fmt: skip
        assert link in page


#: Where contacts are shown with their phones: the API, the page, the page under a township.
CONTACT_VIEWS = {
    "api": ("/api/v1/contacts", {"as_of": "2024-06-30"}),
    "page": ("/monitoring", PAGE_PERIOD),
    "unit page": ("/monitoring", {**PAGE_PERIOD, "unit": "341890100"}),
}


def personal_views(clients: Clients) -> list[tuple]:
    """The audit rows of full views of personal values, oldest first."""
    with psycopg.connect(clients.app.config["GRIDMAP"].database_url) as conn:
        return conn.execute(
            "SELECT username, action, target, detail FROM audit "
            "WHERE action = 'personal.view' ORDER BY id"
        ).fetchall()


@pytest.mark.parametrize("view", list(CONTACT_VIEWS))
def test_an_administrators_view_of_full_contact_phones_is_audited(page_clients, view):
    path, query = CONTACT_VIEWS[view]
    before = personal_views(page_clients)
    response = page_clients["admin"].get(path, query_string=query)
    assert response.status_code == 200
    assert "13700000001" in response.text and "137****0001" not in response.text
    added = personal_views(page_clients)[len(before) :]
    assert [(user, action, target) for user, action, target, _ in added] == [
        ("admin", "personal.view", "contacts")
    ]
    assert added[0][3] == {"unit": query.get("unit"), "as_of": "2024-06-30", "contacts": 1}


@pytest.mark.parametrize("view", list(CONTACT_VIEWS))
def test_a_reviewer_sees_contact_phones_masked_and_unaudited(page_clients, view):
    path, query = CONTACT_VIEWS[view]
    before = personal_views(page_clients)
    response = page_clients["reviewer"].get(path, query_string=query)
    assert response.status_code == 200
    assert "137****0001" in response.text and "13700000001" not in response.text
    assert personal_views(page_clients) == before


def test_contact_loads_audit_only_unmasked_views(county, tmp_path):
    contacts(county, tmp_path, "c.csv", [["C1", "刘一", "", "13700000001", "H001", "2024-01-01"]])
    audited = "SELECT count(*) FROM audit WHERE action = 'personal.view'"
    reviewer = Actor("someone", "reviewer", EVERYTHING)
    assert monitoring.contact_loads(county, date(2024, 6, 1), reviewer)[0]["phone"] == "137****0001"
    assert county.execute(audited).fetchone() == (0,)
    full = monitoring.contact_loads(county, date(2024, 6, 1), cli_actor("operator"), unit=GROUP_A)
    assert full[0]["phone"] == "13700000001"
    row = county.execute(
        "SELECT username, client, target, detail FROM audit WHERE action = 'personal.view'"
    ).fetchall()
    assert row == [("operator", "cli", "contacts",
                    {"unit": GROUP_A, "as_of": "2024-06-01", "contacts": 1})]  # fmt: skip


def sheet_figures(sheet) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    """{unit code: counts in PAGE_COLUMNS order} of a monitoring sheet, read by its headers."""
    header, *rows = sheet.iter_rows(values_only=True)
    labels = dict(MONITORING_HEADERS)
    columns = [header.index(labels[key]) for key in PAGE_COLUMNS]
    return {row[0]: tuple(row[i] for i in columns) for row in rows}


def test_monitoring_workbook_holds_the_hand_computed_figures(page_clients):
    book = page_clients["reviewer"].get("/api/v1/monitoring.xlsx", query_string=PAGE_PERIOD)
    assert book.status_code == 200
    sheets = openpyxl.load_workbook(io.BytesIO(book.data)).worksheets
    levels = {sheet.title.split(" ")[0]: sheet_figures(sheet) for sheet in sheets}
    assert levels["县"] == {"341890": EXPECTED["341890"]}
    assert levels["乡镇"] == {
        "341890100": EXPECTED["341890100"], "341890101": EXPECTED["341890101"],
    }  # fmt: skip
    assert levels["行政村"] == {
        GROUP_A[:12]: EXPECTED[GROUP_A], GROUP_B[:12]: EXPECTED[GROUP_B],
        GROUP_C[:12]: EXPECTED[GROUP_C], "341890101201": (0,) * 6,
    }  # fmt: skip
    groups = levels["村民小组"]
    assert {code: groups[code] for code in (GROUP_A, GROUP_B, GROUP_C)} == {
        code: EXPECTED[code] for code in (GROUP_A, GROUP_B, GROUP_C)
    }
    # Every other group has nothing in the period: the sheet lists it with zeros.
    assert {v for k, v in groups.items() if k not in (GROUP_A, GROUP_B, GROUP_C)} <= {(0,) * 6}
    names = {row[0]: row[1] for row in sheets[1].iter_rows(min_row=2, values_only=True)}
    assert all(names.values())  # each unit is named, not only coded


def test_a_township_workbook_holds_only_its_township(page_clients):
    book = page_clients["township"].get("/api/v1/monitoring.xlsx", query_string=PAGE_PERIOD)
    sheets = openpyxl.load_workbook(io.BytesIO(book.data)).worksheets
    levels = {sheet.title.split(" ")[0]: sheet_figures(sheet) for sheet in sheets}
    assert list(levels) == ["乡镇", "行政村", "村民小组"]  # the county is not the township's
    assert levels["乡镇"] == {"341890100": EXPECTED["341890100"]}
    assert levels["行政村"] == {
        GROUP_A[:12]: EXPECTED[GROUP_A], GROUP_B[:12]: EXPECTED[GROUP_B],
    }  # fmt: skip


# --- a unit's monitoring this year, on its page and in the unit API -------------------------

AS_OF = {"as_of": "2024-06-30"}


def unit_cards(page: str) -> dict[str, int]:
    """{key: value} of the cards in the unit page's monitoring section."""
    import re

    body = page[page.index('id="gm-unit-monitoring"') :]
    body = body[: body.index("</section>")]
    return {k: int(v) for k, v in re.findall(r'data-key="([a-z_]+)" data-value="(\d+)"', body)}


def year_figures(expected: tuple) -> dict[str, int]:
    """The unit page's cards for one row of EXPECTED."""
    return {"identified": expected[0], "eliminated": expected[4], "at_risk_end": expected[5]}


def test_unit_page_shows_this_years_monitoring(page_clients):
    page = page_clients["reviewer"].get("/units/341890100", query_string=AS_OF)
    assert page.status_code == 200
    assert unit_cards(page.text) == year_figures(EXPECTED["341890100"])
    assert "防返贫监测" in page.text and "本年以来：2024-01-01至2024-06-30" in page.text
    assert "本年识别纳入" in page.text and "未消除风险" in page.text
    link = "/monitoring?unit=341890100&amp;from=2024-01-01&amp;to=2024-06-30"
    assert f'id="gm-unit-monitoring-link" href="{link}"' in page.text
    county = page_clients["reviewer"].get("/units/341890", query_string=AS_OF).text
    assert unit_cards(county) == year_figures(EXPECTED["341890"])
    group = page_clients["reviewer"].get(f"/units/{GROUP_A}", query_string=AS_OF).text
    assert unit_cards(group) == year_figures(EXPECTED[GROUP_A])


def test_unit_page_monitoring_counts_from_the_first_of_january(page_clients):
    # Today is past 2024: nothing identified or eliminated this year; H001, H003 and H004
    # (identified 2024-05-20, 2024-06-30 and 2024-07-01) are still at risk.
    page = page_clients["reviewer"].get("/units/341890").text
    assert unit_cards(page) == {"identified": 0, "eliminated": 0, "at_risk_end": 3}
    english = page_clients["reviewer"].get("/units/341890", query_string={"lang": "en"}).text
    assert "Identified this year" in english and "Still at risk" in english


def test_unit_monitoring_follows_the_accounts_scope(page_clients):
    township = page_clients["township"].get("/units/341890100", query_string=AS_OF)
    assert unit_cards(township.text) == year_figures(EXPECTED["341890100"])
    assert "gm-unit-monitoring-link" in township.text
    assert page_clients["township"].get("/units/341890101", query_string=AS_OF).status_code == 404
    worker = page_clients["worker"].get(f"/units/{GROUP_A}", query_string=AS_OF).text
    assert unit_cards(worker) == year_figures(EXPECTED[GROUP_A])
    assert "gm-unit-monitoring-link" not in worker  # workers do not open the monitoring page


def test_unit_api_gives_this_years_monitoring(page_clients):
    found = page_clients["reviewer"].get("/api/v1/units/341890100", query_string=AS_OF).json
    assert found["monitoring"] == {
        "from": "2024-01-01", "to": "2024-06-30", "identified": 2, "identified_self_report": 0,
        "identified_cadre_visit": 1, "identified_department_alert": 1, "eliminated": 1,
        "at_risk_end": 2,
        "page": "/monitoring?unit=341890100&from=2024-01-01&to=2024-06-30",
    }  # fmt: skip
    township = page_clients["township"].get("/api/v1/units/341890100", query_string=AS_OF).json
    assert figures(township["monitoring"]) == EXPECTED["341890100"]
    assert page_clients["township"].get("/api/v1/units/341890101").status_code == 404
    worker = page_clients["worker"].get(f"/api/v1/units/{GROUP_A}", query_string=AS_OF).json
    assert figures(worker["monitoring"]) == EXPECTED[GROUP_A]
    assert worker["monitoring"]["page"] is None
