"""Coverage status and the coverage report on a hand-made scenario with known answers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from gridmap.core.config import Config
from gridmap.coverage import report as coverage
from gridmap.grid import assign
from gridmap.store import coverage as coverage_store
from tests.household_fixtures import (
    SHANGHAI,
    Household,
    Visit,
    add_contact,
    add_grid,
    add_household,
    add_households,
    add_visit,
    add_visits,
    add_worker,
    reject_visit,
)

AS_OF = date(2026, 6, 30)
G1 = "341890100200001"  # box 0..2000 x 0..2000 m
G2 = "341890100200002"  # box 0..2000 x 2000..4000 m
G3 = "341890100201001"  # box 2000..4000 x 0..2000 m
CONFIG = Config()

# code, point in metres (None: no location), options, expected coverage status
SCENARIO = [
    ("H01", (500, 500), {}, "covered"),
    ("H02", (600, 500), {"category": "monitored"}, "no_contact"),
    ("H03", (700, 500), {"category": "monitored"}, "covered"),
    ("H04", (800, 500), {"category": "lifted"}, "overdue"),
    ("H05", (900, 500), {}, "overdue"),
    ("H06", (500, 3000), {}, "no_worker"),
    ("H07", (-500, 500), {}, "outside_grid"),
    ("H08", None, {"declared_group": G3}, "no_worker"),
    ("H09", (500, 600), {"status": "deceased"}, None),
    ("H10", (1000, 700), {"category": "monitored", "risk_eliminated": True}, "covered"),
]


@pytest.fixture
def scenario(conn, tiny_county_file):
    """The tiny county with the households, workers, contacts and visits of SCENARIO."""
    add_grid(conn, tiny_county_file)
    add_households(conn, [Household(code, at_m, **options) for code, at_m, options, _ in SCENARIO])
    add_worker(conn, "W1", [G1])
    add_worker(conn, "W2", [G2], status="inactive")
    add_contact(conn, "C1", "H03", since=AS_OF - timedelta(days=100))
    add_contact(conn, "C2", "H02", since=AS_OF + timedelta(days=1))  # not yet on AS_OF
    for code, days_ago in [("H01", 10), ("H02", 5), ("H03", 25), ("H04", 91), ("H10", 1)]:
        add_visit(conn, code, AS_OF - timedelta(days=days_ago))
    assign.assign_households(conn)
    return conn


def _statuses(conn, as_of: date) -> dict[str, tuple[str, str]]:
    params = coverage.status_params(conn, CONFIG, as_of)
    cursor = conn.execute(coverage_store.status_query(params), params)
    rows = cursor.fetchall()
    names = [d.name for d in cursor.description]
    code_i, cov_i, vis_i = (
        names.index("code"),
        names.index("coverage_status"),
        names.index("visit_status"),
    )
    return {r[code_i]: (r[cov_i], r[vis_i]) for r in rows}


def test_each_household_gets_its_expected_status(scenario):
    statuses = _statuses(scenario, AS_OF)
    expected = {code: status for code, _, _, status in SCENARIO if status is not None}
    assert {code: s[0] for code, s in statuses.items()} == expected


def test_outside_household_is_attributed_to_the_county(scenario):
    unit = scenario.execute("SELECT unit_code FROM household WHERE code = 'H07'").fetchone()
    assert unit == ("341890",)


def test_reasons_count_every_problem_a_household_has(scenario):
    county = coverage.coverage_report(scenario, CONFIG, AS_OF, level=1)["units"][0]
    # H06 and H08 lack a worker and are overdue too; H07, outside every group, has no worker
    # either and was never visited.
    assert county["reasons"] == {"outside_grid": 1, "no_worker": 3, "no_contact": 1, "overdue": 5}
    assert (county["no_worker"], county["overdue"]) == (2, 2)


def test_report_counts_add_up_at_every_level(scenario):
    report = coverage.coverage_report(scenario, CONFIG, AS_OF)
    by_code = {u["code"]: u for u in report["units"]}
    county = by_code["341890"]
    assert county["households"] == 9  # H09 is deceased
    assert county["outside_grid"] == 1 and county["no_worker"] == 2
    assert county["no_contact"] == 1 and county["overdue"] == 2 and county["covered"] == 3
    assert county["monitored"] == 2  # H10's risk is eliminated
    assert county["workers_active"] == 1
    assert county["uncovered_share"] == pytest.approx(6 / 9, abs=1e-4)
    keys = ("households", "outside_grid", "no_worker", "no_contact", "overdue", "covered")
    for unit in report["units"]:
        children = [u for u in report["units"] if u["parent"] == unit["code"]]
        if not children:
            continue
        for key in keys:
            own = unit[key] - sum(c[key] for c in children)
            # Only the county holds households of its own here: H07 lies outside every township.
            assert own == (
                1 if unit["code"] == "341890" and key in ("households", "outside_grid") else 0
            ), (unit["code"], key)


def test_group_figures_and_load(scenario):
    g1 = coverage.unit_figures(scenario, CONFIG, G1, AS_OF)
    assert g1 is not None
    assert g1["households"] == 6 and g1["workers_active"] == 1 and g1["load_per_worker"] == 6.0
    g2 = coverage.unit_figures(scenario, CONFIG, G2, AS_OF)
    assert g2 is not None and g2["workers_active"] == 0 and g2["load_per_worker"] is None


def test_as_of_before_the_contact_and_visits(scenario):
    # A year earlier nobody had been visited and H03 had no contact yet.
    statuses = _statuses(scenario, AS_OF - timedelta(days=365))
    assert statuses["H01"] == ("overdue", "never")
    assert statuses["H03"][0] == "no_contact"


@pytest.mark.parametrize(
    ("after_risk", "kind", "days_ago", "expected"),
    [
        ("base", "脱贫不稳定户", 31, "visited"),  # a lifted household: 90 days
        ("base", "脱贫不稳定户", 91, "overdue"),
        ("base", "边缘易致贫户", 91, "visited"),  # an ordinary household: 180 days
        ("base", "边缘易致贫户", 181, "overdue"),
        ("monitored", "边缘易致贫户", 31, "overdue"),  # the monitored window kept
        ("ordinary", "脱贫不稳定户", 91, "visited"),
    ],
)
def test_a_household_whose_risk_was_eliminated_takes_the_after_risk_window(
    conn, tiny_county_file, after_risk, kind, days_ago, expected
):
    add_grid(conn, tiny_county_file)
    add_household(conn, "E1", (500, 500), category=kind, risk_eliminated=True)
    add_visit(conn, "E1", AS_OF - timedelta(days=days_ago))
    params = coverage.status_params(conn, Config(after_risk_category=after_risk), AS_OF)
    rows = conn.execute(coverage_store.status_query(params), params).fetchall()
    names = [d.name for d in conn.execute(coverage_store.status_query(params), params).description]
    row = dict(zip(names, rows[0], strict=True))
    assert (row["monitored"], row["risk_eliminated"], row["visit_status"]) == (
        False,
        True,
        expected,
    )


@pytest.mark.parametrize(
    ("category", "days_ago", "expected"),
    [
        ("monitored", 0, "visited"),
        ("monitored", 23, "visited"),
        ("monitored", 24, "due_soon"),
        ("monitored", 30, "due_soon"),
        ("monitored", 31, "overdue"),
        ("lifted", 83, "visited"),
        ("lifted", 84, "due_soon"),
        ("lifted", 90, "due_soon"),
        ("lifted", 91, "overdue"),
        ("ordinary", 173, "visited"),
        ("ordinary", 174, "due_soon"),
        ("ordinary", 180, "due_soon"),
        ("ordinary", 181, "overdue"),
        ("ordinary", None, "never"),
    ],
)
def test_visit_status_at_the_window_edges(conn, tiny_county_file, category, days_ago, expected):
    add_grid(conn, tiny_county_file)
    add_household(conn, "E1", (500, 500), category=category)
    if days_ago is not None:
        add_visit(conn, "E1", AS_OF - timedelta(days=days_ago))
        add_visit(conn, "E1", AS_OF + timedelta(days=5))  # after the as-of date: ignored
    assign.assign_households(conn)
    assert _statuses(conn, AS_OF)["E1"][1] == expected


def test_visit_early_in_the_morning_counts_on_its_local_date(conn, tiny_county_file):
    add_grid(conn, tiny_county_file)
    add_household(conn, "E2", (500, 500), category="monitored")
    # 01:00 in Shanghai is the previous day in UTC: counted by the UTC date it would be 31
    # days old and overdue; on its local date it is 30 days old and only due soon.
    add_visit(conn, "E2", AS_OF - timedelta(days=30), hour=1)
    add_visit(conn, "E2", AS_OF + timedelta(days=3))  # a later visit: the visits are scanned
    assert _statuses(conn, AS_OF)["E2"][1] == "due_soon"


@pytest.mark.parametrize(
    ("hour", "day_offset", "expected"),
    [(23, 0, "visited"), (0, 1, "never"), (23, -1, "visited")],
)
def test_a_past_report_counts_visits_up_to_local_midnight(
    conn, tiny_county_file, hour, day_offset, expected
):
    add_grid(conn, tiny_county_file)
    add_household(conn, "E3", (500, 500), category="monitored")
    # 23:00 on the as-of date counts; 00:00 the next local day (16:00 UTC before) does not.
    add_visit(conn, "E3", AS_OF + timedelta(days=day_offset), hour=hour)
    add_visit(conn, "E3", AS_OF + timedelta(days=3))  # later: the report looks into the visits
    assert _statuses(conn, AS_OF)["E3"][1] == expected


def test_households_page_filters_by_status(scenario):
    page = coverage.households_geojson(
        scenario, CONFIG, AS_OF, unit="341890100", status="overdue", page=1
    )
    assert page["total"] == 2
    assert {f["properties"]["code"] for f in page["features"]} == {"H04", "H05"}


#: A check-in far (over 2 km) from every household of SCENARIO in G1.
FAR_M = (3000, 3000)
AT_HOME = {code: at_m for code, at_m, _options, _status in SCENARIO}


def add_checked_visit(conn, household: str, on: date, hour: int, *, doubtful: bool,
                      rejected: bool = False) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    """A visit checked in far away (doubtful) or at home; a rejected one leaves last_visit_on."""
    at = datetime.combine(on, time(hour), SHANGHAI)
    add_visits(conn, [Visit(household, at, checkin_m=FAR_M if doubtful else AT_HOME[household])])
    if rejected:
        reject_visit(conn, household, at, "x")


@pytest.fixture
def doubtful_scenario(scenario):
    """SCENARIO plus doubtful check-ins: only H01's last visit date rests on one alone."""
    add_checked_visit(scenario, "H01", AS_OF - timedelta(days=3), 9, doubtful=True)
    # H03: a sound visit the same day as the doubtful one.
    add_checked_visit(scenario, "H03", AS_OF - timedelta(days=25), 15, doubtful=True)
    # H05: rejected, so it no longer counts at all.
    add_checked_visit(scenario, "H05", AS_OF - timedelta(days=2), 9, doubtful=True, rejected=True)
    # H04: doubtful, but older than its last (sound) visit.
    add_checked_visit(scenario, "H04", AS_OF - timedelta(days=120), 9, doubtful=True)
    return scenario


def test_doubtful_last_visit_is_flagged_per_household_and_counted_per_unit(doubtful_scenario):
    conn = doubtful_scenario
    page = coverage.households_geojson(conn, CONFIG, AS_OF, unit=None, status=None, page=1)
    flags = {f["properties"]["code"]: f["properties"]["doubtful_visit"] for f in page["features"]}
    assert {code for code, flag in flags.items() if flag} == {"H01"}
    assert flags["H03"] is False and flags["H05"] is False
    by_code = {u["code"]: u for u in coverage.coverage_report(conn, CONFIG, AS_OF)["units"]}
    assert [by_code[c]["doubtful_visit"] for c in ("341890", "341890100", G1, G2, G3)] == [
        1, 1, 1, 0, 0,
    ]  # fmt: skip
    # A doubtful visit still counts as a visit until it is rejected.
    assert by_code[G1]["visited"] == by_code[G1]["households"] - 2  # H04, H05 overdue
    # Before the doubtful check-in, H01's last visit was a sound one.
    earlier = coverage.households_geojson(
        conn, CONFIG, AS_OF - timedelta(days=5), unit=None, status=None, page=1
    )
    assert not any(f["properties"]["doubtful_visit"] for f in earlier["features"])
    assert coverage.unit_figures(conn, CONFIG, G1, AS_OF - timedelta(days=5))["doubtful_visit"] == 0


def test_coverage_workbook_has_the_doubtful_column(doubtful_scenario):
    import io

    import openpyxl

    from gridmap.files.reports import coverage_workbook

    report = coverage.coverage_report(doubtful_scenario, CONFIG, AS_OF)
    book = openpyxl.load_workbook(io.BytesIO(coverage_workbook(report, [])))
    rows = list(book["村民小组"].iter_rows(values_only=True))
    column = rows[0].index("走访签到存疑")
    assert {r[0]: r[column] for r in rows[1:]}[G1] == 1
