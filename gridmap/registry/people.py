"""Importing the bureau's records about people: grid workers, assistance contacts, visits."""

from __future__ import annotations

from pathlib import Path

import psycopg

from gridmap.core import clock
from gridmap.core.config import Config
from gridmap.fieldwork.visits import outside_worker
from gridmap.files import people as people_io
from gridmap.files.tables import refuse
from gridmap.store import people as people_store


def import_workers(
    conn: psycopg.Connection, path: Path, crs_name: str | None = None, *,
    max_unpacked_mb: int = Config.upload_max_unpacked_mb,
) -> dict:  # fmt: skip
    """Import a worker file in one transaction; a worker's groups become exactly those listed.

    Returns {"file", "rows", "created", "updated", "unchanged", "groups_added",
    "groups_removed"}. Raises BadInput, writing nothing, when any row is wrong or names a
    group that is not in the current grid, or when the file would unpack to more than
    `max_unpacked_mb` MB.
    """
    table = people_io.read_workers(path, crs_name, max_unpacked_mb=max_unpacked_mb)
    groups = {"added": 0, "removed": 0}
    with conn.transaction():
        people_store.stage_workers(conn, table.rows, table.homes, table.groups)
        if table.groups is not None:
            refuse(
                path.name,
                [
                    f"row {row} (worker {worker}): group {group} is not a villager group of the "
                    "current grid; check the code or import the grid first"
                    for row, worker, group in people_store.unknown_groups(conn)
                ],
            )
        created, updated = people_store.upsert_workers(conn, table.supplied)
        if table.groups is not None:
            groups = people_store.replace_worker_groups(conn)
    return {
        **_counts(path, len(table.rows), created, updated),
        "groups_added": groups["added"],
        "groups_removed": groups["removed"],
    }


def import_contacts(
    conn: psycopg.Connection, path: Path, timezone: str = "Asia/Shanghai", *,
    max_unpacked_mb: int = Config.upload_max_unpacked_mb,
) -> dict:  # fmt: skip
    """Import assistance contacts and pair them with households, in one transaction.

    Pairings without a start date start today (in `timezone`); a pairing the contact already
    has open is kept as it is. A household paired with a new contact has its open links with
    contacts the file does not name for it closed the day the new link starts, so the history
    keeps who assisted it when. Returns {"file", "rows", "created", "updated", "unchanged",
    "pairings_added", "pairings_existing", "pairings_closed"}. Raises BadInput, writing
    nothing, when any row is wrong or names an unknown household, or when the file would unpack
    to more than `max_unpacked_mb` MB.
    """
    table = people_io.read_contacts(path, max_unpacked_mb=max_unpacked_mb)
    pairings = table.pairings.assign(since=table.pairings["since"].astype(object))
    pairings.loc[pairings["since"].isna(), "since"] = clock.today(timezone)
    with conn.transaction():
        people_store.stage_contacts(conn, table.rows, pairings)
        refuse(path.name, _unknown_households(conn, "incoming_pairing", "contact's household"))
        refuse(path.name, _unclosable(conn))
        created, updated = people_store.upsert_contacts(conn, table.supplied)
        closed = people_store.close_replaced_pairings(conn)
        added = people_store.add_pairings(conn)
    return {
        **_counts(path, len(table.rows), created, updated),
        "pairings_added": added,
        "pairings_existing": len(pairings) - added,
        "pairings_closed": closed,
    }


def _unclosable(conn: psycopg.Connection) -> list[str]:
    return [
        f"row {row}: household {household} is assisted by contact {old} since {old_since}; "
        f"the new contact {new}'s start date {new_since} must be later. Fix the start date "
        "(开始日期)"
        for row, household, old, old_since, new, new_since in people_store.unclosable_pairings(conn)
    ]


def import_visits(
    conn: psycopg.Connection, path: Path, timezone: str = "Asia/Shanghai", *,
    checkin_max_m: float = Config.checkin_max_m, recorded_by: str | None = None,
    max_unpacked_mb: int = Config.upload_max_unpacked_mb,
) -> dict:  # fmt: skip
    """Record visits in one transaction and move the households' last visit dates forward.

    Times without an offset are local to `timezone`; `recorded_by` (default: the operating-system
    user) is kept as the account that recorded them. Returns {"file", "rows", "inserted",
    "already_stored", "repeated_in_file", "households_updated"}, plus "doubtful" (check-ins
    farther than `checkin_max_m` from the household) when the file has check-in columns.
    Raises BadInput, writing nothing, when any row is wrong, names an unknown household, a grid
    worker of another township as the visitor, or an inspection plan that is not open, or when
    the file would unpack to more than `max_unpacked_mb` MB.
    """
    table = people_io.read_visits(path, timezone, max_unpacked_mb=max_unpacked_mb)
    with conn.transaction():
        people_store.stage_visits(conn, table.rows)
        refuse(path.name, _unknown_households(conn, "incoming_visit", "visited household"))
        refuse(path.name, _foreign_visitors(conn))
        refuse(path.name, _unusable_plans(conn))
        inserted, doubtful = people_store.insert_visits(
            conn, recorded_by or clock.os_user(), checkin_max_m
        )
        households = people_store.update_last_visits(conn, timezone)
    report = {
        "file": path.name,
        "rows": len(table.rows) + table.repeated,
        "inserted": inserted,
        "already_stored": len(table.rows) - inserted,
        "repeated_in_file": table.repeated,
        "households_updated": households,
    }
    return {**report, "doubtful": doubtful} if table.has_checkin else report


def _foreign_visitors(conn: psycopg.Connection) -> list[str]:
    return [
        f"row {row}: {outside_worker(worker, served, township)}"
        for row, worker, served, township in people_store.foreign_visitors(conn)
    ]


def _unusable_plans(conn: psycopg.Connection) -> list[str]:
    return [
        f"row {row}: inspection plan {plan} "
        + ("is closed and takes no more visits" if known else "does not exist")
        + "; fix the plan (暗访计划)"
        for row, plan, known in people_store.unusable_plans(conn)
    ]


def _unknown_households(conn: psycopg.Connection, staged: str, what: str) -> list[str]:
    return [
        f"row {row}: {what} {code} is not in the database; import the households first or "
        "fix the code"
        for row, code in people_store.unknown_households(conn, staged)
    ]


def _counts(path: Path, rows: int, created: int, updated: int) -> dict:
    return {
        "file": path.name,
        "rows": rows,
        "created": created,
        "updated": updated,
        "unchanged": rows - created - updated,
    }
