"""Importing workers, assistance contacts and visits: upserts, pairings, refusals."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import psycopg
import pytest
from psycopg import sql

from gridmap.core import clock
from gridmap.core.errors import BadInput
from gridmap.registry.households import import_households
from gridmap.registry.people import import_contacts, import_visits, import_workers
from tests.household_fixtures import add_grid
from tests.test_household_import import GROUP_A, GROUP_B, GROUP_C, good_rows, lonlat, write_csv

WORKER_HEADERS = [
    "编号",
    "姓名",
    "电话",
    "出生年份",
    "状态",
    "承载户数",
    "经度",
    "纬度",
    "服务小组",
]
CONTACT_HEADERS = ["编号", "姓名", "工作单位", "电话", "帮扶户", "开始日期"]
VISIT_HEADERS = ["户编码", "走访人", "走访时间", "类型", "备注"]
TABLES = ("worker", "worker_group", "contact", "contact_household", "visit", "household")


def counts(conn: psycopg.Connection) -> dict[str, tuple | None]:
    """Row count and digest of every table an import of people may touch."""
    query = sql.SQL(
        "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} t"
    )
    return {t: conn.execute(query.format(sql.Identifier(t))).fetchone() for t in TABLES}


@pytest.fixture
def county(conn, tiny_county_file, tmp_path):
    """The tiny county with the four test households (H001-H004)."""
    add_grid(conn, tiny_county_file)
    import_households(conn, write_csv(tmp_path / "households.csv", good_rows()))
    return conn


def worker_rows() -> list[list[str]]:
    home = lonlat(500, 500)
    return [
        [
            "W1",
            "陈一",
            "13900000001",
            "1970",
            "在岗",
            "150",
            str(home[0]),
            str(home[1]),
            f"{GROUP_A}；{GROUP_B}",
        ],
        ["W2", "林二", "", "1958", "离岗", "", "", "", GROUP_C],
        ["W3", "黄三", "", "", "", "", "", "", ""],
    ]


def worker_groups(conn: psycopg.Connection) -> dict[str, list[str]]:
    rows = conn.execute(
        "SELECT worker_code, group_code FROM worker_group ORDER BY worker_code, group_code"
    ).fetchall()
    out: dict[str, list[str]] = {}
    for worker, group in rows:
        out.setdefault(worker, []).append(group)
    return out


def test_workers_are_imported_with_their_groups(county, tmp_path):
    path = write_csv(tmp_path / "workers.csv", worker_rows(), WORKER_HEADERS, "gbk")
    report = import_workers(county, path)
    assert report == {
        "file": "workers.csv",
        "rows": 3,
        "counties": ["341890"],
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "groups_added": 3,
        "groups_removed": 0,
    }
    assert worker_groups(county) == {"W1": [GROUP_A, GROUP_B], "W2": [GROUP_C]}
    row = county.execute(
        "SELECT status, birth_year, capacity, home IS NOT NULL FROM worker WHERE code = 'W1'"
    ).fetchone()
    assert row == ("active", 1970, 150, True)
    assert county.execute("SELECT status FROM worker WHERE code = 'W2'").fetchone() == ("inactive",)


def test_reimport_replaces_a_workers_groups(county, tmp_path):
    import_workers(county, write_csv(tmp_path / "w.csv", worker_rows(), WORKER_HEADERS))
    rows = worker_rows()
    rows[0][8] = f"{GROUP_B} {GROUP_C}"
    rows[1][8] = ""
    report = import_workers(county, write_csv(tmp_path / "w2.csv", rows, WORKER_HEADERS))
    assert (report["groups_added"], report["groups_removed"]) == (1, 2)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 3)
    assert worker_groups(county) == {"W1": [GROUP_B, GROUP_C]}
    assert county.execute("SELECT count(*) FROM worker").fetchone() == (3,)


def test_worker_file_without_groups_column_keeps_the_groups(county, tmp_path):
    import_workers(county, write_csv(tmp_path / "w.csv", worker_rows(), WORKER_HEADERS))
    slim = [["W1", "陈一", "离职"]]
    report = import_workers(county, write_csv(tmp_path / "w2.csv", slim, ["工号", "姓名", "状态"]))
    assert report["updated"] == 1
    assert worker_groups(county)["W1"] == [GROUP_A, GROUP_B]
    row = county.execute("SELECT status, phone FROM worker WHERE code = 'W1'").fetchone()
    assert row == ("left", "13900000001")


def _worker_with(column: int, value: str):
    def rows():
        table = worker_rows()
        table[1][column] = value
        return table

    return rows


BAD_WORKERS = [
    (
        "unknown_group",
        _worker_with(8, "341890100200009"),
        "row 3 (worker W2): group 341890100200009 is not a villager group",
    ),
    ("short_group", _worker_with(8, "3418901"), "'3418901' is not a 15-digit"),
    ("birth_year", _worker_with(3, "58"), "birth year (出生年份) '58'"),
    ("status", _worker_with(4, "休假"), "status (状态) '休假' is not a known value"),
    ("capacity", _worker_with(5, "0"), "capacity (承载户数) '0'"),
    ("no_name", _worker_with(1, ""), "row 3 (worker W2): name (姓名) is empty"),
    ("duplicate", lambda: [*worker_rows(), worker_rows()[0]], "rows 2, 5: worker code W1"),
]


@pytest.mark.parametrize(("label", "rows", "message"), BAD_WORKERS, ids=[b[0] for b in BAD_WORKERS])
def test_bad_worker_files_are_refused(county, tmp_path, label, rows, message):
    import_workers(county, write_csv(tmp_path / "w.csv", worker_rows()[:1], WORKER_HEADERS))
    before = counts(county)
    path = write_csv(tmp_path / f"{label}.csv", rows(), WORKER_HEADERS)
    with pytest.raises(BadInput) as info:
        import_workers(county, path)
    assert message in " ".join(info.value.details)
    assert counts(county) == before


def contact_rows() -> list[list[str]]:
    return [
        ["C1", "刘一", "县乡村振兴局", "13700000001", "H001、H002", "2023-03-01"],
        ["C2", "杨二", "县农业农村局", "", "H004", ""],
    ]


def pairings(conn: psycopg.Connection) -> list[tuple]:
    return conn.execute(
        "SELECT contact_code, household_code, since FROM contact_household ORDER BY 1, 2"
    ).fetchall()


def test_contacts_are_paired_with_households(county, tmp_path):
    path = write_csv(tmp_path / "contacts.csv", contact_rows(), CONTACT_HEADERS, "gbk")
    report = import_contacts(county, path)
    assert (report["created"], report["pairings_added"], report["pairings_existing"]) == (2, 3, 0)
    today = clock.today("Asia/Shanghai")
    assert pairings(county) == [
        ("C1", "H001", date(2023, 3, 1)),
        ("C1", "H002", date(2023, 3, 1)),
        ("C2", "H004", today),
    ]
    again = import_contacts(
        county, write_csv(tmp_path / "again.csv", contact_rows(), CONTACT_HEADERS)
    )
    assert (again["unchanged"], again["pairings_added"], again["pairings_existing"]) == (2, 0, 3)
    assert len(pairings(county)) == 3


@pytest.mark.parametrize(
    ("label", "change", "message"),
    [
        ("unknown_household", (0, 4, "H001;H404"), "row 2: contact's household H404 is not in"),
        ("bad_date", (1, 5, "下个月"), "start date (开始日期) '下个月' is not a date"),
        ("no_code", (1, 0, ""), "row 3 (no contact code)"),
    ],
)
def test_bad_contact_files_are_refused(county, tmp_path, label, change, message):
    rows = contact_rows()
    rows[change[0]][change[1]] = change[2]
    before = counts(county)
    with pytest.raises(BadInput) as info:
        import_contacts(county, write_csv(tmp_path / f"{label}.csv", rows, CONTACT_HEADERS))
    assert message in " ".join(info.value.details)
    assert counts(county) == before


def visit_rows() -> list[list[str]]:
    return [
        ["H001", "W1", "2023-05-01 09:30", "日常走访", "家中无人"],
        ["H001", "W1", "2023-06-10", "集中走访", ""],
        ["H002", "", "2023-05-31T23:30:00+00:00", "日常走访", ""],  # 1 June in Shanghai
        ["H002", "", "2023-05-31T23:30:00+00:00", "日常走访", ""],  # repeated in the file
    ]


def last_visits(conn: psycopg.Connection) -> dict[str, date | None]:
    return dict(conn.execute("SELECT code, last_visit_on FROM household ORDER BY code").fetchall())


def test_visits_update_last_visit_dates(county, tmp_path):
    report = import_visits(county, write_csv(tmp_path / "v.csv", visit_rows(), VISIT_HEADERS))
    assert report == {
        "file": "v.csv",
        "rows": 4,
        "counties": ["341890"],
        "inserted": 3,
        "already_stored": 0,
        "repeated_in_file": 1,
        "households_updated": 2,
    }
    assert last_visits(county) == {
        "H001": date(2023, 6, 10),
        "H002": date(2023, 6, 1),
        "H003": None,
        "H004": None,
    }
    kinds = county.execute("SELECT kind FROM visit ORDER BY visited_at").fetchall()
    assert [k[0] for k in kinds] == ["routine", "routine", "campaign"]


def test_reimported_and_older_visits_change_nothing_twice(county, tmp_path):
    import_visits(county, write_csv(tmp_path / "v.csv", visit_rows(), VISIT_HEADERS))
    older = [*visit_rows(), ["H001", "W2", "2023/1/5", "", ""]]
    report = import_visits(county, write_csv(tmp_path / "v2.csv", older, VISIT_HEADERS))
    assert (report["inserted"], report["already_stored"], report["households_updated"]) == (1, 3, 0)
    assert last_visits(county)["H001"] == date(2023, 6, 10)
    assert county.execute("SELECT count(*) FROM visit").fetchone() == (4,)


@pytest.mark.parametrize(
    ("label", "row", "message"),
    [
        ("unknown_household", ["H404", "W1", "2023-05-01", "", ""], "visited household H404"),
        ("bad_time", ["H001", "W1", "昨天", "", ""], "visit time (走访时间) '昨天'"),
        ("future", ["H001", "W1", "2999-01-01", "", ""], "is in the future"),
        ("bad_kind", ["H001", "W1", "2023-05-01", "电话", ""], "kind (类型) '电话'"),
        ("no_time", ["H001", "W1", "", "", ""], "visit time (走访时间) is empty"),
        (
            "inspection_without_plan",
            ["H001", "W1", "2023-05-01", "暗访", ""],
            "an inspection visit (暗访) must name its plan",
        ),
    ],
)
def test_bad_visit_files_are_refused(county, tmp_path, label, row, message):
    import_visits(county, write_csv(tmp_path / "v.csv", visit_rows()[:1], VISIT_HEADERS))
    before = counts(county)
    path = write_csv(tmp_path / f"{label}.csv", [*visit_rows(), row], VISIT_HEADERS)
    with pytest.raises(BadInput) as info:
        import_visits(county, path)
    assert re.search(r"row 6\b", " ".join(info.value.details))
    assert message in " ".join(info.value.details)
    assert counts(county) == before


def test_visit_file_in_xlsx_with_excel_dates(county, tmp_path):
    frame = pd.DataFrame(
        {"户编码": ["H003"], "走访时间": [pd.Timestamp("2023-07-02 10:00")], "类型": ["集中走访"]}
    )
    path = tmp_path / "v.xlsx"
    frame.to_excel(path, index=False, engine="openpyxl")
    assert import_visits(county, path)["inserted"] == 1
    assert last_visits(county)["H003"] == date(2023, 7, 2)


def test_an_inspection_row_without_a_plan_is_refused(county, tmp_path):
    rows = [["H001", "W1", "2023-05-01", "日常走访", ""], ["H002", "W1", "2023-05-02", "暗访", ""]]
    before = counts(county)
    for name, headers, cells in [
        ("no_plan_column.csv", VISIT_HEADERS, rows),
        ("empty_plan.csv", [*VISIT_HEADERS, "暗访计划"], [[*r, ""] for r in rows]),
    ]:
        with pytest.raises(BadInput) as info:
            import_visits(county, write_csv(tmp_path / name, cells, headers))
        assert info.value.details == [
            "row 3 (household H002): an inspection visit (暗访) must name its plan; write the "
            "number of the open inspection plan in the plan column (暗访计划), or set the kind "
            "(类型) to 日常走访 or 集中走访"
        ]
        assert counts(county) == before


def test_visits_by_workers_of_another_township_are_refused(county, tmp_path):
    # W1 serves two groups of township 341890100, W2 one of 341890101, W3 none; W4 serves one
    # group in each township. H001 lies in township 341890100, H003 and H004 in 341890101.
    workers = [*worker_rows(), ["W4", "周四", "", "", "", "", "", "", f"{GROUP_A} {GROUP_C}"]]
    import_workers(county, write_csv(tmp_path / "w.csv", workers, WORKER_HEADERS))
    units = dict(county.execute("SELECT code, left(unit_code, 9) FROM household").fetchall())
    assert (units["H001"], units["H003"], units["H004"]) == ("341890100", "341890101", "341890101")
    before = counts(county)
    rows = [
        ["H001", "W1", "2023-05-01", "", ""],
        ["H003", "W1", "2023-05-01", "", ""],  # refused
        ["H001", "W2", "2023-05-02", "", ""],  # refused
        ["H004", "W3", "2023-05-01", "", ""],  # a worker without groups serves no township
        ["H004", "W4", "2023-05-02", "", ""],
        ["H001", "W4", "2023-05-03", "", ""],
        ["H003", "C9", "2023-05-01", "", ""],  # not a worker
    ]
    with pytest.raises(BadInput) as info:
        import_visits(county, write_csv(tmp_path / "v.csv", rows, VISIT_HEADERS))
    assert info.value.details == [
        "row 3: worker W1 serves township 341890100, not the household's township 341890101; "
        "check the visitor code",
        "row 4: worker W2 serves township 341890101, not the household's township 341890100; "
        "check the visitor code",
    ]
    assert counts(county) == before
    good = [rows[0], *rows[3:]]
    report = import_visits(county, write_csv(tmp_path / "good.csv", good, VISIT_HEADERS))
    assert report["inserted"] == 5
