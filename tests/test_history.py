"""Honest history: links, statuses and places read as they were on the as-of date."""

from __future__ import annotations

from datetime import date

import pytest

from gridmap.core.config import Config
from gridmap.coverage import report as coverage
from gridmap.fieldwork import monitoring
from gridmap.registry.households import import_households
from gridmap.registry.people import import_contacts, import_workers
from gridmap.store import coverage as coverage_store
from tests.household_fixtures import add_grid
from tests.test_household_import import GROUP_A, good_rows, write_csv

CONTACTS = ["编号", "姓名", "帮扶户", "开始日期", "结束日期"]
WORKERS = ["编号", "姓名", "状态", "服务小组", "上岗日期", "离岗日期"]
MONITORING = ["户编码", "监测类型", "识别日期", "风险消除日期"]
CONFIG = Config()


@pytest.fixture
def county(conn, tiny_county_file, tmp_path):
    """The tiny county with households H001-H004 known since 2023-01-01."""
    add_grid(conn, tiny_county_file)
    path = write_csv(tmp_path / "households.csv", good_rows())
    import_households(conn, path, effective=date(2023, 1, 1))
    return conn


def _contacts(conn, tmp_path, rows):  # type: ignore[no-untyped-def]
    return import_contacts(conn, write_csv(tmp_path / "contacts.csv", rows, CONTACTS))


def _links(conn, household):  # type: ignore[no-untyped-def]
    history = monitoring.contact_history(conn, household)["contacts"]
    return [(c["contact"], c["since"], c["until"]) for c in history]


def _status(conn, code, as_of, config=CONFIG):  # type: ignore[no-untyped-def]
    params = coverage.status_params(conn, config, as_of)
    cursor = conn.execute(coverage_store.status_query(params), params)
    names = [d.name for d in cursor.description]
    rows = {r[0]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()}
    return rows.get(code)


def test_a_then_b_in_one_file_closes_a_when_b_starts(county, tmp_path):
    rows = [["CA", "甲", "H001", "2023-01-10", ""], ["CB", "乙", "H001", "2023-04-01", ""]]
    report = _contacts(county, tmp_path, rows)
    assert report["pairings_added"] == 2
    assert _links(county, "H001") == [
        ("CA", date(2023, 1, 10), date(2023, 4, 1)),
        ("CB", date(2023, 4, 1), None),
    ]


def test_an_earlier_contact_imported_later_ends_when_the_known_one_starts(county, tmp_path):
    _contacts(county, tmp_path, [["CB", "乙", "H001", "2023-04-01", ""]])
    _contacts(county, tmp_path, [["CA", "甲", "H001", "2023-01-10", ""]])
    assert _links(county, "H001") == [
        ("CA", date(2023, 1, 10), date(2023, 4, 1)),
        ("CB", date(2023, 4, 1), None),
    ]


def test_an_end_date_alone_ends_a_link_without_a_successor(county, tmp_path):
    _contacts(county, tmp_path, [["CA", "甲", "H001", "2023-01-10", ""]])
    report = _contacts(county, tmp_path, [["CA", "甲", "H001", "", "2023-05-01"]])
    assert report["pairings_closed"] == 1
    assert _links(county, "H001") == [("CA", date(2023, 1, 10), date(2023, 5, 1))]


def test_ending_a_link_that_does_not_exist_is_refused(county, tmp_path):
    from gridmap.core.errors import BadInput

    with pytest.raises(BadInput) as info:
        _contacts(county, tmp_path, [["CA", "甲", "H001", "", "2023-05-01"]])
    assert "contact CA has no link with household H001" in " ".join(info.value.details)


def test_importing_the_same_contacts_again_changes_nothing(county, tmp_path):
    rows = [
        ["CA", "甲", "H001", "2023-01-10", ""],
        ["CB", "乙", "H001", "2023-04-01", "2023-09-01"],
    ]
    _contacts(county, tmp_path, rows)
    before = county.execute("SELECT * FROM contact_household ORDER BY 1, 2, 3").fetchall()
    again = _contacts(county, tmp_path, rows)
    assert (again["pairings_added"], again["pairings_closed"]) == (0, 0)
    assert county.execute("SELECT * FROM contact_household ORDER BY 1, 2, 3").fetchall() == before


def test_a_household_identified_later_is_ordinary_before(county, tmp_path):
    rows = [["H002", "边缘易致贫户", "2023-05-28", ""]]
    monitoring.import_monitoring(county, write_csv(tmp_path / "m.csv", rows, MONITORING))
    before = _status(county, "H002", date(2023, 3, 31))
    after = _status(county, "H002", date(2023, 6, 30))
    assert (before["category"], before["monitored"]) == ("ordinary", False)
    assert before["coverage_status"] != "no_contact"
    assert (after["category"], after["monitored"], after["coverage_status"]) == (
        "monitored",
        True,
        "no_worker",
    )
    assert after["no_contact"]


def test_a_move_dated_before_the_last_change_is_refused(county, tmp_path):
    from gridmap.core.errors import BadInput

    rows = good_rows()
    rows[0][3], rows[0][4] = rows[1][3], rows[1][4]  # H001 moves to H002's point
    moved = write_csv(tmp_path / "moved.csv", rows[:1])
    import_households(county, moved, effective=date(2023, 3, 1))
    before = county.execute("SELECT * FROM household_period ORDER BY 2, 3").fetchall()
    rows[0][3], rows[0][4] = good_rows()[0][3], good_rows()[0][4]  # and back, dated earlier
    with pytest.raises(BadInput) as info:
        import_households(county, write_csv(tmp_path / "back.csv", rows[:1]),
                          effective=date(2023, 2, 1))  # fmt: skip
    assert "cannot take effect on 2023-02-01" in info.value.message
    assert "last change: 2023-03-01" in info.value.message
    assert county.execute("SELECT * FROM household_period ORDER BY 2, 3").fetchall() == before


def test_households_are_absent_before_they_took_effect(county):
    assert _status(county, "H001", date(2022, 12, 31)) is None
    assert _status(county, "H001", date(2023, 1, 1)) is not None


def _workers(conn, tmp_path, rows, name="w.csv"):  # type: ignore[no-untyped-def]
    return import_workers(conn, write_csv(tmp_path / name, rows, WORKERS))


def test_worker_groups_and_status_keep_their_history(county, tmp_path):
    _workers(county, tmp_path, [["W1", "张", "在岗", GROUP_A, "2023-02-01", ""]])
    _workers(county, tmp_path, [["W1", "张", "暂停", GROUP_A, "2023-05-01", ""]], "w2.csv")
    staffed = [
        _status(county, "H001", day)["no_worker"]
        for day in (date(2023, 1, 15), date(2023, 3, 1), date(2023, 6, 1))
    ]
    assert staffed == [True, False, True]


def test_a_leaving_date_ends_every_link(county, tmp_path):
    _workers(county, tmp_path, [["W1", "张", "在岗", GROUP_A, "2023-02-01", "2023-04-01"]])
    assert _status(county, "H001", date(2023, 3, 1))["no_worker"] is False
    assert _status(county, "H001", date(2023, 4, 1))["no_worker"] is True
    assert county.execute("SELECT count(*) FROM worker_group").fetchone() == (0,)


def test_importing_the_same_workers_again_changes_nothing(county, tmp_path):
    rows = [["W1", "张", "在岗", GROUP_A, "2023-02-01", ""]]
    _workers(county, tmp_path, rows)
    tables = ("worker_group_period", "worker_status_period", "worker_group")
    before = [county.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables]  # noqa: S608
    again = _workers(county, tmp_path, rows)
    assert (again["groups_added"], again["groups_removed"]) == (0, 0)
    after = [county.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables]  # noqa: S608
    assert after == before


def test_applied_worker_suggestions_start_today(conn, tiny_county_file):
    from gridmap.core import clock
    from gridmap.grid import assign
    from tests.household_fixtures import Household, add_households, add_worker

    add_grid(conn, tiny_county_file)
    add_households(conn, [Household("S1", (500, 3000))])  # in group ...200002, unstaffed
    add_worker(conn, "W1", ["341890100200001"], home_m=(500, 2500))
    result = assign.suggest_workers(conn, CONFIG, apply=True)
    assert ("W1", "341890100200002") in [(s["worker"], s["group"]) for s in result["suggestions"]]
    today = clock.today(CONFIG.timezone)
    assert _status(conn, "S1", today)["no_worker"] is False
    assert _status(conn, "S1", date.fromordinal(today.toordinal() - 1))["no_worker"] is True
