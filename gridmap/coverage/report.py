"""The coverage report: who is uncovered, per unit at every level, on a date."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

import numpy as np
import psycopg

from gridmap.access import audit, privacy
from gridmap.access.accounts import EVERYTHING, Actor, Scope
from gridmap.core import clock, vocab
from gridmap.core.config import Config
from gridmap.core.errors import NotFound
from gridmap.core.vocab import COVERAGE_STATUSES, VISIT_STATUSES
from gridmap.files import reports as reports_io
from gridmap.store import assignment as assignment_store
from gridmap.store import counties as county_store
from gridmap.store import coverage as coverage_store
from gridmap.store import gaps as gap_store
from gridmap.store import history as history_store
from gridmap.store import staffing as staffing_store
from gridmap.store import unit_counts

__all__ = [
    "COVERAGE_STATUSES",
    "VISIT_STATUSES",
    "coverage_report",
    "export_scope",
    "export_workbook",
    "gaps_geojson",
    "groups_without_worker",
    "household_detail",
    "mismatches",
    "households_geojson",
    "unit_figures",
    "unit_status_totals",
    "workers_list",
]

#: Problems counted per unit whatever else a household has (its status is only the first).
REASONS = ("outside_grid", "no_worker", "no_contact", "overdue")
COUNT_KEYS = (
    "households",
    "monitored",
    *COVERAGE_STATUSES,
    "visited",
    "visit_never",
    "visit_due_soon",
    "visit_overdue",
    "doubtful_visit",
    *(f"reason_{r}" for r in REASONS),
)


def status_params(
    conn: psycopg.Connection, config: Config, as_of: date, prefixes: list[str] | None = None
) -> dict:
    """Bound parameters for the status queries on `as_of` under `config`, reading only the
    counties holding or under `prefixes` (None: every county)."""
    counties = county_store.report_counties(conn, prefixes)
    latest = coverage_store.latest_visit_date(conn, config.timezone, counties)
    return coverage_store.status_params(
        as_of, config.timezone, config.visit_windows_days(), latest,
        latest_change=history_store.latest_change(conn, counties),
        after_risk=config.after_risk_category, counties=counties,
    )  # fmt: skip


def _rolled_up_counts(rows: list[tuple]) -> dict[str, list[int]]:
    """Add each unit's own counts to itself and all its ancestors."""
    # Summed a level at a time over arrays: a loop over units and ancestors took longer than
    # the database's counting of a county.
    if not rows:
        return {}
    codes = [r[0] for r in rows]
    counts = np.array([r[1:] for r in rows], dtype=np.int64)
    totals: dict[str, list[int]] = {}
    for n in vocab.CODE_LENGTHS:
        under = [i for i, code in enumerate(codes) if len(code) >= n]
        if not under:
            continue
        keys, inverse = np.unique([codes[i][:n] for i in under], return_inverse=True)
        sums = np.zeros((len(keys), counts.shape[1]), dtype=np.int64)
        np.add.at(sums, inverse, counts[under])
        totals.update(zip(keys.tolist(), sums.tolist(), strict=True))
    return totals


def _workers_per_unit(pairs: list[tuple[str, str]]) -> dict[str, int]:
    """How many distinct workers serve each unit: its own groups' and those below it."""
    served = {
        (group[:n], worker)
        for group, worker in pairs
        for n in vocab.CODE_LENGTHS
        if len(group) >= n
    }  # fmt: skip
    return dict(Counter(unit for unit, _ in served))


#: Where the per-reason counts sit among COUNT_KEYS: they go into an entry's `reasons`.
_PLAIN = len(COUNT_KEYS) - len(REASONS)


def _unit_entry(unit: tuple, counts: list[int], workers: int, gap_area_m2: float) -> dict:
    code, name, level, parent = unit
    entry: dict = {"code": code, "name": name, "level": level, "parent": parent}
    entry.update(zip(COUNT_KEYS[:_PLAIN], counts, strict=False))
    entry["reasons"] = dict(zip(REASONS, counts[_PLAIN:], strict=True))
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
    scope: Scope = EVERYTHING,
) -> dict:
    """Return {"as_of", "units": [...]}: counts per unit in scope, adding up at every level;
    level 0 or -1 gives the cities or provinces over the counties in scope."""
    if level is not None and level in vocab.ROLL_UP_CODE_LENGTH:
        return _roll_up(conn, config, as_of, level, scope)
    prefixes = scope.narrow(parent)
    counties = county_store.report_counties(conn, prefixes)
    params = status_params(conn, config, as_of, prefixes)
    totals = _rolled_up_counts(unit_counts.counts_by_unit(conn, params, prefixes, counties))
    pairs = coverage_store.active_workers_by_group(conn, prefixes, as_of, counties)
    workers = _workers_per_unit(pairs)
    gaps = gap_store.gap_areas_m2(conn)
    empty = [0] * len(COUNT_KEYS)
    end = clock.end_of_day(as_of, config.timezone)
    units = [
        _unit_entry(u, totals.get(u[0], empty), workers.get(u[0], 0), gaps.get(u[0], 0.0))
        for u in coverage_store.unit_index(conn, level, prefixes, end, counties)
        if parent is None or u[3] == parent
    ]
    return {"as_of": as_of.isoformat(), "units": units}


#: Figures of a unit entry that add up from its counties.
_ADDED = (*COUNT_KEYS[: -len(REASONS)], "workers_active", "gap_area_m2")


def _roll_up(
    conn: psycopg.Connection, config: Config, as_of: date, level: int, scope: Scope
) -> dict:
    """Entries of the cities (level 0) or provinces (-1) that hold the counties in `scope`."""
    counties = coverage_report(conn, config, as_of, level=vocab.COUNTY, scope=scope)["units"]
    length = vocab.ROLL_UP_CODE_LENGTH[level]
    grouped: dict[str, list[dict]] = defaultdict(list)
    for county in counties:
        grouped[county["code"][:length]].append(county)
    return {
        "as_of": as_of.isoformat(),
        "units": [_rolled_up_entry(code, level, grouped[code]) for code in sorted(grouped)],
    }


def _rolled_up_entry(code: str, level: int, counties: list[dict]) -> dict:
    """One city or province: the sums of its counties' figures, and which counties they are."""
    entry: dict = {"code": code, "name": code, "level": level, "parent": None}
    entry.update({key: sum(c[key] for c in counties) for key in _ADDED})
    entry["gap_area_m2"] = round(entry["gap_area_m2"], 1)
    entry["reasons"] = {r: sum(c["reasons"][r] for c in counties) for r in REASONS}
    households, workers = entry["households"], entry["workers_active"]
    entry["load_per_worker"] = round(households / workers, 1) if workers else None
    entry["uncovered_share"] = (
        round((households - entry["covered"]) / households, 4) if households else 0.0
    )
    entry["counties"] = [c["code"] for c in counties]
    return entry


def unit_status_totals(
    conn: psycopg.Connection, config: Config, as_of: date, prefixes: list[str] | None
) -> dict[str, dict]:
    """Rolled-up household counts per unit code (every level) under `prefixes` on `as_of`."""
    params = status_params(conn, config, as_of, prefixes)
    rows = unit_counts.counts_by_unit(conn, params, prefixes)
    return {
        code: dict(zip(COUNT_KEYS, counts, strict=True))
        for code, counts in _rolled_up_counts(rows).items()
    }


def unit_figures(
    conn: psycopg.Connection, config: Config, code: str, as_of: date, scope: Scope = EVERYTHING
) -> dict:
    """The report's figures for one unit in scope; NotFound when it is unknown or outside."""
    if not scope.allows(code):
        raise NotFound(f"no unit {code}")
    report = coverage_report(conn, config, as_of, level=vocab.level_of(code), parent=None,
                             scope=Scope((code,)))  # fmt: skip
    figures = next((u for u in report["units"] if u["code"] == code), None)
    if figures is None:
        raise NotFound(f"no unit {code}")
    if figures["level"] == vocab.VILLAGE:
        figures["groups_without_worker"] = groups_without_worker(conn, code, scope)
    return figures


def groups_without_worker(conn: psycopg.Connection, village: str, scope: Scope) -> list[dict]:
    """The village's groups in scope that have no active worker, as {code, name}, by code."""
    rows = staffing_store.groups_without_worker(conn, village, scope.narrow(village))
    return [{"code": code, "name": name} for code, name in rows]


PAGE_SIZE = 500


def households_geojson(
    conn: psycopg.Connection,
    config: Config,
    as_of: date,
    *,
    unit: str | None,
    status: str | None,
    page: int,
    scope: Scope = EVERYTHING,
) -> dict:
    """One page of households (under `unit`, with `status`) as a GeoJSON FeatureCollection."""
    prefixes = scope.narrow(unit)
    total, rows = coverage_store.households_page(
        conn,
        status_params(conn, config, as_of, prefixes),
        prefixes=prefixes,
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
                "doubtful_visit": r[9],
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


def workers_list(
    conn: psycopg.Connection, config: Config, unit: str | None, scope: Scope = EVERYTHING
) -> list[dict]:
    """Workers serving groups under `unit` in scope, with load and home point."""
    keys = ("code", "name", "status", "birth_year", "capacity", "groups", "lon", "lat", "load")
    rows = coverage_store.workers_under(conn, scope.narrow(unit))
    workers = [dict(zip(keys, r, strict=True)) for r in rows]
    for w in workers:
        w["capacity"] = w["capacity"] or config.worker_capacity
    return workers


def household_detail(
    conn: psycopg.Connection, config: Config, code: str, as_of: date, actor: Actor
) -> dict:
    """One household in the actor's scope on `as_of`; personal values masked but for admins.

    An administrator's view of the full values is audited.
    """
    prefixes = None if actor.scope.prefixes is None else list(actor.scope.prefixes)
    params = status_params(conn, config, as_of, prefixes)
    detail = coverage_store.household_detail(conn, params, code, prefixes)
    if detail is None:
        raise NotFound(f"no household {code}")
    if detail["last_visit_on"] is not None:
        detail["last_visit_on"] = detail["last_visit_on"].isoformat()
    if not actor.is_admin:
        return privacy.masked(detail)
    if detail["id_number"] or detail["phone"]:
        with conn.transaction():
            audit.record(conn, actor, "personal.view", code)
    return detail


def gaps_geojson(
    conn: psycopg.Connection, config: Config, unit: str | None, scope: Scope = EVERYTHING
) -> dict:
    """Gaps between children larger than the tolerance, under `unit` in scope, as GeoJSON."""
    return gap_store.gaps_geojson(conn, config.gap_tolerance_m2, scope.narrow(unit))


def mismatches(
    conn: psycopg.Connection, scope: Scope = EVERYTHING, *, masked: bool = False
) -> list[dict]:
    """Households in scope whose declared group differs from where their point lies."""
    rows = [
        row
        for row in assignment_store.mismatches(conn)
        if scope.allows(row["declared_group"] or "") or scope.allows(row["located_unit"] or "")
    ]
    return [privacy.masked(r) for r in rows] if masked else rows


def export_scope(actor: Actor, parent: str | None) -> Scope:
    """The actor's scope, narrowed to `parent` when one is given."""
    return actor.scope if parent is None else Scope(tuple(actor.scope.narrow(parent) or ()))


def export_workbook(
    conn: psycopg.Connection, actor: Actor, report: dict, *, parent: str | None = None
) -> bytes:
    """The coverage report (made in `export_scope(actor, parent)`) as a spreadsheet, audited.

    Mismatched households come from the same scope, masked but for administrators.
    """
    found = mismatches(conn, export_scope(actor, parent), masked=not actor.is_admin)
    body = reports_io.coverage_workbook(report, found)
    with conn.transaction():
        detail = {"as_of": report["as_of"]}
        audit.record_export(conn, actor, "export.coverage_xlsx", parent, detail)
    return body
