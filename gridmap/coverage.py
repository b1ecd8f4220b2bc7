"""The coverage report: who is uncovered, per unit at every level, on a date."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import psycopg

from gridmap.config import Config
from gridmap.errors import NotFound
from gridmap.store import assignment as assignment_store
from gridmap.store import coverage as coverage_store
from gridmap.store import gaps as gap_store
from gridmap.store.coverage import COVERAGE_STATUSES, VISIT_STATUSES

__all__ = [
    "COVERAGE_STATUSES",
    "VISIT_STATUSES",
    "coverage_report",
    "gaps_geojson",
    "household_detail",
    "mismatches",
    "households_geojson",
    "unit_figures",
    "unit_status_totals",
    "workers_list",
]

COUNT_KEYS = (
    "households",
    "monitored",
    "outside_grid",
    "no_worker",
    "no_contact",
    "overdue",
    "covered",
    "visited",
)
CODE_LENGTHS = (6, 9, 12, 15)


def ancestors_and_self(code: str) -> list[str]:
    """Codes of the unit and every unit above it (county first)."""
    return [code[:n] for n in CODE_LENGTHS if n <= len(code)]


def status_params(config: Config, as_of: date) -> dict:
    """Bound parameters for the status queries on `as_of` under `config`."""
    return coverage_store.status_params(as_of, config.timezone, config.visit_windows_days())


def _rolled_up_counts(rows: list[tuple]) -> dict[str, list[int]]:
    """Add each unit's own counts to itself and all its ancestors."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0] * len(COUNT_KEYS))
    for unit_code, *counts in rows:
        for code in ancestors_and_self(unit_code):
            acc = totals[code]
            for i, n in enumerate(counts):
                acc[i] += n
    return totals


def _workers_by_unit(pairs: list[tuple[str, str]]) -> dict[str, set[str]]:
    workers: dict[str, set[str]] = defaultdict(set)
    for group_code, worker_code in pairs:
        for code in ancestors_and_self(group_code):
            workers[code].add(worker_code)
    return workers


def _unit_entry(unit: tuple, counts: list[int], workers: int, gap_area_m2: float) -> dict:
    code, name, level, parent = unit
    entry: dict = {"code": code, "name": name, "level": level, "parent": parent}
    entry.update(zip(COUNT_KEYS, counts, strict=True))
    households = entry["households"]
    entry["workers_active"] = workers
    entry["load_per_worker"] = round(households / workers, 1) if workers else None
    entry["uncovered_share"] = (
        round((households - entry["covered"]) / households, 4) if households else 0.0
    )
    entry["gap_area_m2"] = round(gap_area_m2, 1)
    return entry


def coverage_report(
    conn: psycopg.Connection,
    config: Config,
    as_of: date,
    *,
    level: int | None = None,
    parent: str | None = None,
) -> dict:
    """Return {"as_of", "units": [...]}: counts per unit that add up exactly at every level."""
    rows = coverage_store.counts_by_unit(conn, status_params(config, as_of))
    totals = _rolled_up_counts(rows)
    workers = _workers_by_unit(coverage_store.active_workers_by_group(conn))
    gaps = gap_store.gap_areas_m2(conn)
    empty = [0] * len(COUNT_KEYS)
    units = [
        _unit_entry(u, totals.get(u[0], empty), len(workers.get(u[0], ())), gaps.get(u[0], 0.0))
        for u in coverage_store.unit_index(conn, level)
        if parent is None or u[3] == parent
    ]
    return {"as_of": as_of.isoformat(), "units": units}


def unit_status_totals(conn: psycopg.Connection, config: Config, as_of: date) -> dict[str, dict]:
    """Rolled-up household counts per unit code (every level) on `as_of`."""
    rows = coverage_store.counts_by_unit(conn, status_params(config, as_of))
    return {
        code: dict(zip(COUNT_KEYS, counts, strict=True))
        for code, counts in _rolled_up_counts(rows).items()
    }


def unit_figures(conn: psycopg.Connection, config: Config, code: str, as_of: date) -> dict | None:
    """The report's figures for one unit, or None when it does not exist."""
    level = len(code) // 3 - 1
    parent = code[:-3] if level > 1 else None
    report = coverage_report(conn, config, as_of, level=level, parent=parent)
    return next((u for u in report["units"] if u["code"] == code), None)


PAGE_SIZE = 500


def households_geojson(
    conn: psycopg.Connection,
    config: Config,
    as_of: date,
    *,
    unit: str | None,
    status: str | None,
    page: int,
) -> dict:
    """One page of households (under `unit`, with `status`) as a GeoJSON FeatureCollection."""
    total, rows = coverage_store.households_page(
        conn,
        status_params(config, as_of),
        prefix=unit,
        status=status,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    features = [
        {
            "type": "Feature",
            "geometry": None if r[7] is None else {"type": "Point", "coordinates": [r[7], r[8]]},
            "properties": {
                "code": r[0],
                "unit": r[1],
                "category": r[2],
                "monitored": r[3],
                "coverage_status": r[4],
                "visit_status": r[5],
                "last_visit_on": r[6].isoformat() if r[6] else None,
            },
        }
        for r in rows
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "page": page,
        "page_size": PAGE_SIZE,
        "total": total,
        "as_of": as_of.isoformat(),
    }


def workers_list(conn: psycopg.Connection, config: Config, unit: str | None) -> list[dict]:
    """Workers serving groups under `unit`, with load, age flag and home point."""
    keys = ("code", "name", "status", "birth_year", "capacity", "groups", "lon", "lat", "load")
    workers = [dict(zip(keys, r, strict=True)) for r in coverage_store.workers_under(conn, unit)]
    for w in workers:
        w["capacity"] = w["capacity"] or config.worker_capacity
    return workers


def household_detail(conn: psycopg.Connection, config: Config, code: str, as_of: date) -> dict:
    """One household's details and statuses on `as_of`; NotFound when there is none."""
    detail = coverage_store.household_detail(conn, status_params(config, as_of), code)
    if detail is None:
        raise NotFound(f"no household {code}")
    if detail["last_visit_on"] is not None:
        detail["last_visit_on"] = detail["last_visit_on"].isoformat()
    return detail


def gaps_geojson(conn: psycopg.Connection, config: Config, unit: str | None) -> dict:
    """Gaps between children larger than the tolerance, optionally under `unit`, as GeoJSON."""
    return gap_store.gaps_geojson(conn, config.gap_tolerance_m2, unit)


def mismatches(conn: psycopg.Connection) -> list[dict]:
    """Households whose declared group differs from where their point lies."""
    return assignment_store.mismatches(conn)
