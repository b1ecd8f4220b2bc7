"""The per-household tables are partitioned by county: each county has its partitions, the web
roles cannot reach them past the table's policies, and a query about one county reads that
county's partitions only (read from the plans of every statement the store runs for it)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date

import psycopg
import pytest
from psycopg import sql

from gridmap.access.accounts import Scope, cli_actor
from gridmap.core.config import Config
from gridmap.coverage import report
from gridmap.fieldwork import monitoring
from gridmap.grid import grids, tiles
from gridmap.inspections import candidates
from gridmap.inspections.sampling import Weights
from gridmap.store import assignment
from tests.grid_fixtures import tiny_county_as
from tests.household_fixtures import lonlat_m
from tests.test_counties import A, B, C, three_counties  # noqa: F401 (fixture)
from tests.test_tiles import tile_of

PARTITIONED = ("household", "household_period", "visit", "monitoring", "contact_household")
DAY = date(2024, 6, 30)
CONFIG = Config(database_url="", secret_key="t")
COUNTY_A = Scope((A,))
ACTOR_A = replace(cli_actor("t"), scope=COUNTY_A)
#: Where county A's first household lies (test_counties.seed_counties).
HOUSEHOLD_A = lonlat_m(500, 500)


@pytest.fixture
def county_db(three_counties) -> Iterator[psycopg.Connection]:  # noqa: F811
    """The three-county database, its changes rolled back after the test."""
    with psycopg.connect(three_counties) as conn:
        conn.execute("SET TimeZone = 'Asia/Shanghai'")
        yield conn
        conn.rollback()


@contextmanager
def recording_partitions(
    monkeypatch: pytest.MonkeyPatch, conn: psycopg.Connection
) -> Iterator[list[tuple[str, set[str]]]]:
    """Record, for every statement run on `conn` that reads a per-household table, the
    partitions its plan reads."""
    seen: list[tuple[str, set[str]]] = []
    execute = psycopg.Connection.execute

    def explaining(self, query, params=None, **kwargs):  # type: ignore[no-untyped-def]
        text = query.as_string(self) if isinstance(query, sql.Composable) else str(query)
        planned = re.match(r"\s*(WITH|SELECT|INSERT|UPDATE|DELETE)\b", text, re.I)
        if self is conn and planned and re.search(rf"\b({'|'.join(PARTITIONED)})\b", text):
            seen.append((text, partitions_read_with(execute, self, query, params)))
        return execute(self, query, params, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "execute", explaining)
    yield seen


def partitions_read_with(execute, conn, query, params) -> set[str]:  # type: ignore[no-untyped-def]
    """partitions_read through the unpatched `execute`."""
    explain = sql.SQL("EXPLAIN (FORMAT JSON) ") + (
        query if isinstance(query, sql.Composable) else sql.SQL(str(query))
    )
    plan = str(execute(conn, explain, params).fetchone())
    names = set(re.findall(r"'Relation Name': '([^']+)'", plan))
    return {n for n in names if re.fullmatch(rf"({'|'.join(PARTITIONED)})_\d{{6}}", n)}


#: What one county's account asks, each as a call on a connection.
COUNTY_QUERIES: dict[str, Callable[[psycopg.Connection], object]] = {
    "coverage report": lambda conn: report.coverage_report(conn, CONFIG, DAY, scope=COUNTY_A),
    "household detail": lambda conn: report.household_detail(conn, CONFIG, f"H{A}1", DAY, ACTOR_A),
    "household tile z13": lambda conn: tiles.household_tile(
        conn,
        CONFIG,
        tiles.CountsCache(),
        tile_of(*HOUSEHOLD_A, 13),
        as_of=DAY,
        prefixes=[A],
        stamp="s",
    ),
    "household tile z10": lambda conn: tiles.household_tile(
        conn,
        CONFIG,
        tiles.CountsCache(),
        tile_of(*HOUSEHOLD_A, 10),
        as_of=DAY,
        prefixes=[A],
        stamp="s",
    ),
    "monitoring counts": lambda conn: monitoring.monitoring_counts(
        conn, date(2024, 1, 1), DAY, scope=COUNTY_A
    ),
    "assignment": lambda conn: assignment.assign_counties(conn, [A]),
    "households page": lambda conn: report.households_geojson(
        conn, CONFIG, DAY, unit=None, status=None, page=1, scope=COUNTY_A
    ),
    "uncontacted": lambda conn: monitoring.uncontacted_households(conn, DAY, COUNTY_A),
    "contact loads": lambda conn: monitoring.contact_loads(conn, DAY, ACTOR_A),
    "inspection candidates": lambda conn: candidates.gather(
        conn,
        CONFIG,
        ["households"],
        weights=Weights(),
        as_of=DAY,
        low_visit_villages=3,
        project_statuses=[],
        county=A,
    ),
}


def test_each_county_has_its_partitions(county_db):
    found = county_db.execute(
        "SELECT p.relname, pg_get_expr(p.relpartbound, p.oid) FROM pg_inherits i "
        "JOIN pg_class p ON p.oid = i.inhrelid WHERE i.inhparent = ANY(%s::regclass[]) "
        "ORDER BY 1",
        [list(PARTITIONED)],
    ).fetchall()
    expected = sorted(
        (f"{t}_{c}", f"FOR VALUES IN ('{c}')") for t in PARTITIONED for c in (A, B, C)
    )
    assert found == expected


def test_a_new_county_grid_makes_its_partitions(county_db, tmp_path):
    new = "341899"
    path = tmp_path / "new.geojson"
    tiny_county_as(new, 60_000, lambda code, name: name).to_file(path, driver="GeoJSON")
    grids.import_grid_file(county_db, path)
    made = county_db.execute(
        "SELECT count(*) FROM pg_class WHERE relname = ANY(%s)",
        [[f"{t}_{new}" for t in PARTITIONED]],
    ).fetchone()
    assert made == (len(PARTITIONED),)


def test_the_partition_keeps_periods_of_one_household_apart(county_db):
    with pytest.raises(psycopg.errors.ExclusionViolation, match=f"household_period_{A}_apart"):
        county_db.execute(
            "INSERT INTO household_period (county_code, household_code, valid, status, "
            "base_category) SELECT county_code, household_code, daterange('2000-01-01', NULL), "
            "status, base_category FROM household_period WHERE household_code = %s",
            [f"H{A}1"],
        )


@pytest.mark.parametrize("name", list(COUNTY_QUERIES))
def test_a_county_query_reads_that_county_partitions_only(county_db, monkeypatch, name):
    with recording_partitions(monkeypatch, county_db) as seen:
        COUNTY_QUERIES[name](county_db)
    assert seen, "no statement read a per-household table"
    leaks = [(sorted(p for p in parts if not p.endswith(A)), text) for text, parts in seen]
    assert not [leak for leak in leaks if leak[0]], "\n\n".join(
        f"{parts} read by: {text}" for parts, text in leaks if parts
    )


def test_household_partitions_leave_room_for_in_place_updates(county_db):
    options = county_db.execute(
        "SELECT reloptions FROM pg_class WHERE relname = %s", [f"household_{A}"]
    ).fetchone()
    assert options == (["fillfactor=85"],)
