"""The places a plan may sample, read from the database and weighed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import psycopg

from gridmap.core import vocab
from gridmap.core.config import Config
from gridmap.coverage import report as coverage
from gridmap.inspections.sampling import (
    CHECKS,
    Candidate,
    Weights,
    household_check,
    household_weight,
    village_weight,
)
from gridmap.store import inspections as store


def gather(
    conn: psycopg.Connection,
    config: Config,
    sources: Iterable[str],
    *,
    weights: Weights,
    as_of: date,
    low_visit_villages: int,
    project_statuses: list[str],
    county: str | None = None,
) -> list[Candidate]:
    """Every candidate of the chosen sources in `county` (None: every county); projects only
    when a project table exists."""
    chosen = set(sources)
    params = coverage.status_params(conn, config, as_of, None if county is None else [county])
    found: list[Candidate] = []
    if "households" in chosen:
        rows = store.monitored_households(conn, params, county)
        found += [household(r, weights) for r in rows]
    if "projects" in chosen and store.has_projects(conn):
        rows = store.projects_in_progress(conn, project_statuses, county)
        found += [project(r, weights) for r in rows]
    if "groups" in chosen:
        found += [unstaffed_group(r, weights) for r in store.unstaffed_groups(conn, county)]
    if "villages" in chosen and low_visit_villages > 0:
        rows = store.lowest_visit_villages(conn, params, low_visit_villages, county)
        found += [low_visit_village(r, weights) for r in rows]
    return found


def _township(code: str) -> str:
    """The code of the township a unit or village lies in."""
    return vocab.unit_at(code, vocab.TOWNSHIP)


def household(row: dict, w: Weights) -> Candidate:
    """A monitored household, weighed by risk, overdue visit and missing contact."""
    flags = {k: bool(row[k]) for k in ("at_risk", "overdue", "no_contact")}
    return Candidate(
        code=row["code"], kind="household", township=row["township"], lon=row["lon"],
        lat=row["lat"], weight=household_weight(w, **flags), check=household_check(**flags),
        name=row["head_name"] or row["code"], place=row["place"], address=row["address"],
        source="households",
    )  # fmt: skip


def project(row: dict, w: Weights) -> Candidate:
    """A funded project under construction."""
    return Candidate(
        code=row["code"], kind="project", township=_township(row["village"]), lon=row["lon"],
        lat=row["lat"], weight=w.project, check=CHECKS["project"], name=row["name"] or "",
        place=row["village_name"], source="projects",
    )  # fmt: skip


def unstaffed_group(row: dict, w: Weights) -> Candidate:
    """A villager group without an active worker."""
    return Candidate(
        code=row["code"], kind="unit", township=_township(row["code"]), lon=row["lon"],
        lat=row["lat"],
        weight=w.no_worker, check=CHECKS["no_worker"], name=row["name"], place=row["name"],
        source="groups",
    )  # fmt: skip


def low_visit_village(row: dict, w: Weights) -> Candidate:
    """A village among those with the lowest visit rate."""
    rate = row["visited"] / row["households"] if row["households"] else 0.0
    return Candidate(
        code=row["code"], kind="unit", township=_township(row["code"]), lon=row["lon"],
        lat=row["lat"],
        weight=round(village_weight(w, rate), 3), check=CHECKS["low_visit"],
        name=row["name"], place=row["name"], source="villages",
    )  # fmt: skip
