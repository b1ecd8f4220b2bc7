"""Households, workers, contacts and visits through the import functions and visit review.

The `add_…` helpers write a small CSV and import it the way a clerk's file is imported, so
every row is in a state an import can produce (households land assigned); `reject_visit`
rejects a visit as a reviewer does.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from pyproj import Transformer

from gridmap.access.accounts import cli_actor
from gridmap.core import clock
from gridmap.core.config import Config
from gridmap.fieldwork import visits as visit_review
from gridmap.grid import grids
from gridmap.registry.households import import_households
from gridmap.registry.people import import_contacts, import_visits, import_workers
from tests.grid_fixtures import METRIC_CRS, ORIGIN_X, ORIGIN_Y

#: Households and workers added here take effect on this day, before any date a test asks
#: about (a test of history passes its own dates).
FIXTURES_SINCE = date(2020, 1, 1)
_TO_4326 = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUSEHOLD_HEADERS = ["户编码", "户类型", "风险消除", "经度", "纬度", "村民小组编码", "状态",
                     "户主姓名", "身份证号", "联系电话", "住址"]  # fmt: skip
WORKER_HEADERS = ["编号", "姓名", "状态", "出生年份", "经度", "纬度", "服务小组", "上岗日期"]
CONTACT_HEADERS = ["编号", "姓名", "帮扶户", "开始日期"]
VISIT_HEADERS = ["户编码", "走访人", "走访时间"]
CHECKIN_HEADERS = ["签到经度", "签到纬度"]
#: Who recorded the visits these helpers import, to tell them from those a test records.
RECORDER = "fixture"


def add_grid(conn: psycopg.Connection, path: Path, **options: object) -> dict:
    """Import a grid file on record since FIXTURES_SINCE (as of any date a test asks about)."""
    at = clock.start_of_day(FIXTURES_SINCE, Config.timezone)
    return grids.import_grid_file(conn, path, at=at, **options)  # type: ignore[arg-type]


def lonlat_m(x: float, y: float) -> tuple[float, float]:
    """WGS84 lon/lat of a point given in metres from the test grid's origin."""
    lon, lat = _TO_4326.transform(ORIGIN_X + x, ORIGIN_Y + y)
    return float(lon), float(lat)


def _cell(value: object) -> str:
    return "" if value is None else repr(value) if isinstance(value, float) else str(value)


def import_csv(
    conn: psycopg.Connection,
    importer: Callable[[psycopg.Connection, Path], dict],
    headers: list[str],
    rows: Iterable[list[object]],
) -> dict:
    """Write `rows` under `headers` to a UTF-8 CSV and run `importer(conn, path)` on it."""
    with tempfile.TemporaryDirectory(prefix="gridmap-rows-") as folder:
        path = Path(folder) / "rows.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(headers)
            writer.writerows([_cell(v) for v in row] for row in rows)
        return importer(conn, path)


@dataclass(frozen=True)
class Household:
    """One row of a household file, located by a point in metres from the test grid's origin."""

    code: str
    at_m: tuple[float, float] | None
    category: str = "ordinary"
    risk_eliminated: bool = False
    declared_group: str | None = None
    status: str = "active"
    head_name: str | None = None
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None

    def row(self) -> list[object]:
        lon, lat = lonlat_m(*self.at_m) if self.at_m else (None, None)
        risk = "是" if self.risk_eliminated else "否"
        return [self.code, self.category, risk, lon, lat, self.declared_group, self.status,
                self.head_name, self.id_number, self.phone, self.address]  # fmt: skip


def add_households(
    conn: psycopg.Connection, households: Iterable[Household], effective: date = FIXTURES_SINCE
) -> dict:
    """Import `households` in one household file taking effect on `effective`; return counts."""
    rows = [h.row() for h in households]
    importer = partial(import_households, effective=effective)
    return import_csv(conn, importer, HOUSEHOLD_HEADERS, rows)


def add_household(
    conn: psycopg.Connection,
    code: str,
    at_m: tuple[float, float] | None,
    *,
    category: str = "ordinary",
    risk_eliminated: bool = False,
    declared_group: str | None = None,
    status: str = "active",
    head_name: str | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    address: str | None = None,
) -> dict:
    """Import one household at a point given in metres (or placed by its declared group)."""
    household = Household(code, at_m, category, risk_eliminated, declared_group, status,
                          head_name, id_number, phone, address)  # fmt: skip
    return add_households(conn, [household])


def add_worker(
    conn: psycopg.Connection,
    code: str,
    groups: list[str],
    *,
    status: str = "active",
    birth_year: int = 1980,
    home_m: tuple[float, float] | None = None,
    since: date = FIXTURES_SINCE,
) -> dict:
    """Import a worker serving `groups` from `since`, living at `home_m` (metres) when given."""
    lon, lat = lonlat_m(*home_m) if home_m else (None, None)
    row = [code, f"worker {code}", status, birth_year, lon, lat, " ".join(groups), since]
    return import_csv(conn, import_workers, WORKER_HEADERS, [row])


def add_contact(conn: psycopg.Connection, code: str, household: str, since: date) -> dict:
    """Import a contact assisting `household` from `since`; return the import's counts."""
    row = [code, f"contact {code}", household, since.isoformat()]
    return import_csv(conn, import_contacts, CONTACT_HEADERS, [row])


@dataclass(frozen=True)
class Visit:
    """One row of a visit file: who visited a household when, checked in where (metres)."""

    household: str
    at: datetime
    visitor: str = "v"
    checkin_m: tuple[float, float] | None = None

    def row(self, checkin: bool) -> list[object]:
        when = self.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        if not checkin:
            return [self.household, self.visitor, when]
        lon, lat = lonlat_m(*self.checkin_m) if self.checkin_m else (None, None)
        return [self.household, self.visitor, when, lon, lat]


def add_visits(conn: psycopg.Connection, visits: Iterable[Visit]) -> dict:
    """Import `visits` in one visit file (times in Asia/Shanghai); return the import's counts."""
    found = list(visits)
    checkin = any(v.checkin_m for v in found)
    headers = VISIT_HEADERS + CHECKIN_HEADERS if checkin else VISIT_HEADERS
    rows = [v.row(checkin) for v in found]
    return import_csv(conn, partial(import_visits, recorded_by=RECORDER), headers, rows)


def add_visit(conn: psycopg.Connection, household: str, on: date, hour: int = 10) -> dict:
    """Import a visit at `hour` on a local (Asia/Shanghai) date."""
    return add_visits(conn, [Visit(household, datetime.combine(on, time(hour), SHANGHAI))])


def reject_visit(conn: psycopg.Connection, household: str, at: datetime, reason: str) -> dict:
    """Reject the visit to `household` at `at` as a reviewer does; return the rejection."""
    found = conn.execute(
        "SELECT id FROM visit WHERE household_code = %s AND visited_at = %s", [household, at]
    ).fetchone()
    assert found is not None, f"no visit to {household} at {at}"
    return visit_review.reject_visit(conn, Config(), cli_actor("reviewer"), found[0], reason)
