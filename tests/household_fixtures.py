"""Direct inserts of households, workers, contacts and visits for precise test scenarios."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import psycopg
from pyproj import Transformer

from tests.grid_fixtures import METRIC_CRS, ORIGIN_X, ORIGIN_Y

_TO_4326 = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def lonlat_m(x: float, y: float) -> tuple[float, float]:
    """WGS84 lon/lat of a point given in metres from the test grid's origin."""
    lon, lat = _TO_4326.transform(ORIGIN_X + x, ORIGIN_Y + y)
    return float(lon), float(lat)


def add_household(
    conn: psycopg.Connection,
    code: str,
    at_m: tuple[float, float] | None,
    *,
    category: str = "ordinary",
    risk_eliminated: bool = False,
    declared_group: str | None = None,
    status: str = "active",
) -> None:
    """Insert one household at a point given in metres (or without location)."""
    lon, lat = lonlat_m(*at_m) if at_m else (None, None)
    conn.execute(
        "INSERT INTO household (code, county_code, category, risk_eliminated, geom, "
        "declared_group, status) VALUES (%s, '341890', %s, %s, "
        "CASE WHEN %s::float8 IS NULL THEN NULL "
        "ELSE ST_SetSRID(ST_MakePoint(%s::float8, %s::float8), 4326) END, %s, %s)",
        [code, category, risk_eliminated, lon, lon, lat, declared_group, status],
    )


def add_worker(
    conn: psycopg.Connection,
    code: str,
    groups: list[str],
    *,
    status: str = "active",
    birth_year: int = 1980,
    home_m: tuple[float, float] | None = None,
) -> None:
    """Insert a worker serving `groups`, living at `home_m` (metres) when given."""
    lon, lat = lonlat_m(*home_m) if home_m else (None, None)
    conn.execute(
        "INSERT INTO worker (code, name, status, birth_year, home) VALUES (%s, %s, %s, %s, "
        "CASE WHEN %s::float8 IS NULL THEN NULL "
        "ELSE ST_SetSRID(ST_MakePoint(%s::float8, %s::float8), 4326) END)",
        [code, f"worker {code}", status, birth_year, lon, lon, lat],
    )
    for group in groups:
        conn.execute(
            "INSERT INTO worker_group (worker_code, group_code) VALUES (%s, %s)", [code, group]
        )


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
