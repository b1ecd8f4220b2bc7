"""Assignment of households to groups and of workers to unstaffed groups."""

from __future__ import annotations

import psycopg

from gridmap.core import clock
from gridmap.core.clock import today
from gridmap.core.config import Config
from gridmap.coverage import staffing
from gridmap.store import assignment as assignment_store
from gridmap.store import history as history_store
from gridmap.store import staffing as staffing_store


def assign_households(conn: psycopg.Connection, timezone: str = Config.timezone) -> dict:
    """Assign every household to its group (or deepest covering unit); return the counts."""
    today = clock.today(timezone)
    with conn.transaction(), history_store.taking_effect(conn, today, "assignment"):
        changed = assignment_store.assign_all(conn)
    counts = assignment_store.assignment_counts(conn)
    return {
        "households": counts["households"],
        "assigned": counts["assigned"],
        "outside_grid": counts["outside_grid"],
        "changed": changed,
        "no_location": counts["no_location"],
        "mismatch": counts["mismatch"],
    }


def suggest_workers(conn: psycopg.Connection, config: Config, *, apply: bool = False) -> dict:
    """Propose active workers for unstaffed groups (and apply them when asked)."""
    groups = [staffing.Group(*row) for row in staffing_store.unstaffed_groups(conn)]
    workers = [
        staffing.Worker(
            code=r[0], township=r[1], lon=r[2], lat=r[3], load=int(r[4]),
            capacity=int(r[5] or config.worker_capacity), birth_year=r[6], active=bool(r[7]),
        )
        for r in staffing_store.workers_with_load(conn)
    ]  # fmt: skip
    result = staffing.suggest_workers(
        groups,
        workers,
        same_township=config.suggest_same_township,
        default_capacity=config.worker_capacity,
        age_limit=config.worker_age_limit,
        current_year=today(config.timezone).year,
    )
    if apply and result["suggestions"]:
        with conn.transaction():
            pairs = [(s["worker"], s["group"]) for s in result["suggestions"]]
            day = today(config.timezone)
            result["applied"] = staffing_store.add_worker_groups(conn, pairs, day)
    return result
