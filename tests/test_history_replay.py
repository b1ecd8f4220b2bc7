"""The replay oracle: a report as of D equals the report of a database fed only the facts of D.

A random year of facts (grid edits, households appearing and moving, workers starting,
pausing and leaving, contacts changing, monitoring periods, visits), each with the date it
took effect, is fed in date order through the public import and edit paths. For random dates
D, every household's statuses and the coverage report as of D must equal those of the same
database rolled back and fed only the facts dated on or before D.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gridmap.access.accounts import cli_actor
from gridmap.core import clock
from gridmap.core.config import Config
from gridmap.core.errors import BadInput, NotFound
from gridmap.coverage import report as coverage
from gridmap.fieldwork import monitoring
from gridmap.grid import grids
from gridmap.grid.redraw import engine
from gridmap.registry.people import import_contacts, import_workers
from gridmap.store import coverage as coverage_store
from tests.household_fixtures import (
    Household,
    add_households,
    add_visit,
    add_worker,
    import_csv,
)
from tests.test_redraw_properties import _build

CONFIG = Config()
START = date(2025, 1, 1)
DAYS = 365
GROUPS = (
    "341890100200001", "341890100200002", "341890100201001", "341890100201002",
    "341890101200001", "341890101201001",
)  # fmt: skip
HOUSEHOLDS = ("R1", "R2", "R3", "R4", "R5")
CONTACTS = ("C1", "C2", "C3")
KINDS = ("边缘易致贫户", "脱贫不稳定户", "突发严重困难户")

day = st.integers(1, DAYS - 1).map(lambda n: START + timedelta(days=n))
early_day = st.integers(0, 60).map(lambda n: START + timedelta(days=n))
point_m = st.tuples(st.integers(-300, 8200), st.integers(0, 4000))
fact = st.one_of(
    st.tuples(st.just("household"), day, st.sampled_from(HOUSEHOLDS), point_m,
              st.sampled_from(["lifted", "ordinary"]),
              st.sampled_from(["active", "active", "active", "moved_away"])),
    st.tuples(st.just("worker"), day, st.sampled_from(["W1", "W2"]),
              st.lists(st.sampled_from(GROUPS), min_size=1, max_size=3, unique=True),
              st.sampled_from(["active", "inactive"])),
    st.tuples(st.just("leave"), day, st.sampled_from(["W1", "W2"])),
    st.tuples(st.just("contact"), day, st.sampled_from(CONTACTS), st.sampled_from(HOUSEHOLDS)),
    st.tuples(st.just("contact_end"), day, st.sampled_from(CONTACTS),
              st.sampled_from(HOUSEHOLDS)),
    st.tuples(st.just("monitoring"), day, st.sampled_from(HOUSEHOLDS), st.sampled_from(KINDS),
              st.integers(10, 200)),
    st.tuples(st.just("visit"), day, st.sampled_from(HOUSEHOLDS)),
    st.tuples(st.just("edit"), day, st.integers(0, 7), st.floats(0.2, 0.8),
              st.floats(-0.5, 0.5)),
)  # fmt: skip


#: Every household comes on record early in the year, somewhere in (or just outside) the county.
arrivals = st.tuples(*(st.tuples(early_day, point_m) for _ in HOUSEHOLDS))


def _facts(history: list[tuple], arrived: tuple = ()) -> list[tuple]:
    """The facts in the order they took effect; a monitoring period is two facts."""
    facts: list[tuple] = [
        ("household", on, code, at_m, "ordinary", "active")
        for code, (on, at_m) in zip(HOUSEHOLDS, arrived, strict=False)
    ]
    for f in history:
        if f[0] == "monitoring":
            _, identified, household, kind, lasting = f
            facts.append(("identified", identified, household, kind))
            ended = identified + timedelta(days=lasting)
            if ended < START + timedelta(days=DAYS):
                facts.append(("eliminated", ended, household, kind, identified))
        else:
            facts.append(f)
    return sorted(facts, key=lambda f: f[1])


def _feed(conn, tmp_path, facts: list[tuple]) -> None:  # type: ignore[no-untyped-def]
    """Feed each fact through its public path; a refused one writes nothing in either run."""
    for f in facts:
        try:
            FEEDERS[f[0]](conn, tmp_path, *f[1:])
        except BadInput:
            continue


def _household(conn, _tmp, on, code, at_m, category, status):  # type: ignore[no-untyped-def]
    add_households(conn, [Household(code, at_m, category, status=status)], effective=on)


def _worker(conn, _tmp, on, code, groups, status):  # type: ignore[no-untyped-def]
    add_worker(conn, code, list(groups), status=status, since=on)


def _leave(conn, _tmp, on, code):  # type: ignore[no-untyped-def]
    headers = ["编号", "姓名", "离岗日期"]
    import_csv(conn, import_workers, headers, [[code, f"worker {code}", on.isoformat()]])


def _contact(conn, _tmp, on, code, household, ending=False):  # type: ignore[no-untyped-def]
    headers = ["编号", "姓名", "帮扶户", "开始日期", "结束日期"]
    dates = ["", on.isoformat()] if ending else [on.isoformat(), ""]
    row = [code, f"contact {code}", household, *dates]
    import_csv(conn, partial(import_contacts, timezone=CONFIG.timezone), headers, [row])


def _monitoring(conn, _tmp, on, household, kind, identified=None):  # type: ignore[no-untyped-def]
    """Identify a household on `on`, or end the period identified on `identified` then."""
    if identified is not None and not _has_period(conn, household, identified):
        return  # its identification was refused: the elimination is no fact on its own
    headers = ["户编码", "监测类型", "识别日期", "风险消除日期"]
    row = [household, kind, (identified or on).isoformat(), on.isoformat() if identified else ""]
    import_csv(conn, monitoring.import_monitoring, headers, [row])


def _has_period(conn, household: str, identified: date) -> bool:  # type: ignore[no-untyped-def]
    try:
        periods = monitoring.household_periods(conn, household)["periods"]
    except NotFound:
        return False
    return any(p["identified_on"] == identified for p in periods)


def _visit(conn, _tmp, on, household):  # type: ignore[no-untyped-def]
    add_visit(conn, household, on)


def _edit(conn, _tmp, on, index, where, tilt):  # type: ignore[no-untyped-def]
    state = _build(conn, "move4", index, where, tilt)
    if state is None:
        return
    preview = engine.preview(state, 1.0, confirm_gaps=True)
    if not preview["ok"]:
        return
    engine.save(state, token=preview["token"], reason="replay", actor=cli_actor("replay"),
                tolerance_m2=1.0, confirm_gaps=True,
                at=clock.start_of_day(on, CONFIG.timezone))  # fmt: skip


FEEDERS = {
    "household": _household, "worker": _worker, "leave": _leave, "contact": _contact,
    "contact_end": partial(_contact, ending=True), "identified": _monitoring,
    "eliminated": _monitoring, "visit": _visit, "edit": _edit,
}  # fmt: skip


#: What the oracle compares of each household's row of the status query.
COMPARED = (
    "code", "unit_code", "category", "monitored", "risk_eliminated", "visit_status",
    "last_visit_on", "outside_grid", "no_worker", "no_contact", "coverage_status",
)  # fmt: skip


def _report(conn, on: date) -> tuple:  # type: ignore[no-untyped-def]
    """Every household's statuses and the coverage report's figures as of `on`."""
    params = coverage.status_params(conn, CONFIG, on)
    cursor = conn.execute(coverage_store.status_query(params), params)
    names = [d.name for d in cursor.description]
    rows = sorted(tuple(r[names.index(k)] for k in COMPARED) for r in cursor.fetchall())
    # Gap areas describe today's grid only, so they are left out of the comparison.
    units = [
        {k: v for k, v in u.items() if k != "gap_area_m2"}
        for u in coverage.coverage_report(conn, CONFIG, on)["units"]
    ]
    uncontacted = monitoring.uncontacted_households(conn, on)["households"]
    return rows, units, [h["code"] for h in uncontacted]


@settings(
    deadline=None,
    max_examples=12,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(arrived=arrivals, history=st.lists(fact, min_size=3, max_size=14),
       dates=st.lists(day, min_size=1, max_size=2, unique=True))  # fmt: skip
@example(
    arrived=(),
    history=[
        ("household", date(2025, 2, 1), "R1", (500, 500), "lifted", "active"),
        ("worker", date(2025, 3, 1), "W1", ["341890100200001"], "active"),
        ("monitoring", date(2025, 4, 1), "R1", "边缘易致贫户", 60),
        ("contact", date(2025, 4, 15), "C1", "R1"),
        ("household", date(2025, 7, 1), "R1", (500, 3000), "lifted", "active"),
        ("visit", date(2025, 5, 1), "R1"),
    ],
    dates=[date(2025, 4, 10), date(2025, 6, 1)],
)
def test_a_report_as_of_a_date_is_what_the_facts_of_that_date_say(
    conn, tiny_county_file, tmp_path, arrived, history, dates
):
    facts = _facts(history, arrived)
    with conn.transaction(force_rollback=True):
        grids.import_grid_file(
            conn, tiny_county_file, at=clock.start_of_day(START, CONFIG.timezone)
        )
        with conn.transaction(force_rollback=True):
            _feed(conn, tmp_path, facts)
            replayed = {on: _report(conn, on) for on in dates}
        for on in dates:
            with conn.transaction(force_rollback=True):
                _feed(conn, tmp_path, [f for f in facts if f[1] <= on])
                assert _report(conn, on) == replayed[on], on
