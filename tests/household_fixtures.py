"""Households and workers through the import functions; contacts and visits for precise scenarios.

`add_household` and `add_worker` write a small CSV and import it the way a clerk's file is
imported, so every row is in a state an import can produce (households land assigned).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from pyproj import Transformer

from gridmap.registry.households import import_households
from gridmap.registry.people import import_workers
from tests.grid_fixtures import METRIC_CRS, ORIGIN_X, ORIGIN_Y

_TO_4326 = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUSEHOLD_HEADERS = ["户编码", "户类型", "风险消除", "经度", "纬度", "村民小组编码", "状态",
                     "户主姓名", "身份证号", "联系电话", "住址"]  # fmt: skip
WORKER_HEADERS = ["编号", "姓名", "状态", "出生年份", "经度", "纬度", "服务小组"]


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


def add_households(conn: psycopg.Connection, households: Iterable[Household]) -> dict:
    """Import `households` in one household file; return the import's counts."""
    rows = [h.row() for h in households]
    return import_csv(conn, import_households, HOUSEHOLD_HEADERS, rows)


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
) -> dict:
    """Import a worker serving `groups`, living at `home_m` (metres) when given."""
    lon, lat = lonlat_m(*home_m) if home_m else (None, None)
    row = [code, f"worker {code}", status, birth_year, lon, lat, " ".join(groups)]
    return import_csv(conn, import_workers, WORKER_HEADERS, [row])


def add_contact(
    conn: psycopg.Connection, code: str, household: str, since: date, until: date | None = None
) -> None:
    """Insert a contact assisting `household` from `since` (until `until`)."""
    conn.execute(
        "INSERT INTO contact (code, name) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        [code, f"contact {code}"],
    )
    conn.execute(
        "INSERT INTO contact_household (contact_code, household_code, since, until) "
        "VALUES (%s, %s, %s, %s)",
        [code, household, since, until],
    )


def add_visit(conn: psycopg.Connection, household: str, on: date, hour: int = 10) -> None:
    """Insert a visit on a local (Asia/Shanghai) date and keep last_visit_on current."""
    at = datetime.combine(on, time(hour), SHANGHAI)
    conn.execute(
        "INSERT INTO visit (household_code, visitor_code, visited_at) VALUES (%s, 'v', %s)",
        [household, at],
    )
    conn.execute(
        "UPDATE household SET last_visit_on = greatest(last_visit_on, %s) WHERE code = %s",
        [on, household],
    )
