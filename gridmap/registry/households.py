"""Importing household files: check every row, upsert by code, assign to the grid."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import psycopg

from gridmap.access.accounts import EVERYTHING, Scope
from gridmap.core import clock
from gridmap.core.config import Config
from gridmap.core.errors import BadInput
from gridmap.files.households import read_households
from gridmap.files.tables import ROW, refuse
from gridmap.registry import counties
from gridmap.store import assignment
from gridmap.store import history as history_store
from gridmap.store import households as household_store


def import_households(
    conn: psycopg.Connection, path: Path, crs_name: str | None = None, *,
    max_unpacked_mb: int = Config.upload_max_unpacked_mb, effective: date | None = None,
    timezone: str = Config.timezone, mixed_counties: bool = False, scope: Scope = EVERYTHING,
) -> dict:  # fmt: skip
    """Import a household file in one transaction and assign its households to the grid.

    Existing households (same code) are updated with the columns the file has; others keep
    their values. The changes take effect on `effective` (default: today in `timezone`); a
    household listed as monitored and at risk without a monitoring period then gets one from
    that date. Returns {"file", "rows", "counties", "created", "updated", "unchanged",
    "assigned", "outside_grid", "no_location", "mismatch"}, the last four over the file's
    households. Raises BadInput, writing nothing, when any row is wrong, the rows span several
    counties without `mixed_counties`, there is no grid yet or the file would unpack to more
    than `max_unpacked_mb` MB; raises Forbidden when a row lies in a county outside `scope`.
    """
    table = read_households(path, crs_name, max_unpacked_mb=max_unpacked_mb)
    day = effective or clock.today(timezone)
    with conn.transaction(), history_store.taking_effect(conn, day, path.name):
        require_grid(conn, path.name)
        household_store.stage_households(conn, table.rows, table.points)
        unplaced = household_store.unplaced_rows(conn)
        found = _counties(conn, table.rows, path.name, mixed_counties, scope)
        refuse(path.name, [_no_county(row, code) for row, code in unplaced])
        # New rows are written already assigned; updated ones are put right afterwards.
        assignment.assign_staged(conn, household_store.STAGED)
        created, updated = household_store.upsert_households(conn, table.supplied)
        if "category" in table.supplied:
            household_store.open_listed_monitoring(conn)
        assignment.assign_counties(conn, household_store.staged_counties(conn))
        counts = household_store.staged_assignment_counts(conn)
        household_store.refresh_statistics(conn)
    rows = len(table.rows)
    return {
        "file": path.name,
        "rows": rows,
        "counties": found,
        "created": created,
        "updated": updated,
        "unchanged": rows - created - updated,
        **counts,
    }


def _counties(
    conn: psycopg.Connection, rows: pd.DataFrame, source: str, mixed: bool, scope: Scope
) -> list[str]:
    """The file's counties (from each row's group, code or staged place); one unless `mixed`,
    each inside `scope`."""
    named = rows[[ROW, "code", "declared_group"]].itertuples(index=False, name=None)
    placed = counties.of_household_file(conn, named, household_store.STAGED)
    return counties.one_county(source, placed, mixed=mixed, scope=scope)


def require_grid(conn: psycopg.Connection, source: str) -> None:
    """Raise BadInput unless the database holds a current county grid."""
    if not household_store.current_county_codes(conn):
        raise BadInput(
            f"{source}: the database has no grid yet, so households cannot be placed; "
            "import the grid first (gridmap import grids FILE)."
        )


def _no_county(row: int, code: str) -> str:
    return (
        f"row {row} (household {code}): cannot tell which county it belongs to: its point lies "
        "outside every county of the grid and it has no group code of a county in the grid; "
        "fix the coordinates or add its villager group code (村民小组编码)"
    )
