"""Importing the bureau's records about people: grid workers, assistance contacts, visits."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import psycopg

from gridmap.access.accounts import EVERYTHING, Scope
from gridmap.core import clock
from gridmap.core.config import Config
from gridmap.fieldwork.visits import outside_worker
from gridmap.files import people as people_io
from gridmap.files.tables import ROW, refuse
from gridmap.registry import counties
from gridmap.store import contacts as contact_store
from gridmap.store import people as people_store
from gridmap.store import worker_history


def import_workers(
    conn: psycopg.Connection, path: Path, crs_name: str | None = None, *,
    max_unpacked_mb: int = Config.upload_max_unpacked_mb, timezone: str = Config.timezone,
    mixed_counties: bool = False, scope: Scope = EVERYTHING,
) -> dict:  # fmt: skip
    """Import a worker file in one transaction, keeping the history of groups and status.

    From a row's start date (上岗日期; empty: today in `timezone`) the worker serves exactly
    the groups listed (links to others end that day) with the status given; an end date
    (离岗日期) ends every link of the worker and marks it 离职 (left) from then. Importing the
    same file again changes nothing. Returns {"file", "rows", "counties", "created",
    "updated", "unchanged", "groups_added", "groups_removed"}, the last two counting today's
    links. Raises BadInput, writing nothing, when any row is wrong, dated in the future or
    names a group that is not in the current grid, when the rows span several counties
    without `mixed_counties`, or when the file would unpack to more than `max_unpacked_mb` MB;
    raises Forbidden when a row lies in a county outside `scope`.
    """
    table = people_io.read_workers(path, crs_name, max_unpacked_mb=max_unpacked_mb)
    today = clock.today(timezone)
    refuse(path.name, _future_dates(table.rows, today))
    rows = table.rows.assign(since=table.rows["since"].astype(object))
    # A row giving only a leaving date says nothing about a start.
    rows.loc[rows["since"].isna() & rows["until"].isna(), "since"] = today
    groups = {"added": 0, "removed": 0}
    with conn.transaction():
        found = _worker_counties(conn, table, path.name, mixed_counties, scope)
        people_store.stage_workers(conn, rows, table.homes, table.groups)
        if table.groups is not None:
            refuse(
                path.name,
                [
                    f"row {row} (worker {worker}): group {group} is not a villager group of the "
                    "current grid; check the code or import the grid first"
                    for row, worker, group in people_store.unknown_groups(conn)
                ],
            )
        refuse(
            path.name,
            [
                f"row {row} (worker {worker}): group {group} is outside county {county}, "
                "where the worker serves; a worker serves groups of one county: give the "
                "worker another code in that county"
                for row, worker, county, group in people_store.resolve_worker_counties(conn)
            ],
        )
        created, updated = people_store.upsert_workers(conn, table.supplied)
        worker_history.write_group_links(conn, groups_named=table.groups is not None)
        worker_history.write_statuses(conn, status_named="status" in table.supplied)
        groups = worker_history.refresh_current(conn, today)
    return {
        **_counts(path, len(table.rows), found, created, updated),
        "groups_added": groups["added"],
        "groups_removed": groups["removed"],
    }


def _worker_counties(
    conn: psycopg.Connection, table: people_io.Workers, source: str, mixed: bool, scope: Scope
) -> list[str]:
    """The counties of the workers' groups (a row without any: the stored worker's)."""
    rows = zip(table.rows[ROW], table.rows["code"], strict=True)
    groups = table.groups
    named = [] if groups is None else zip(groups[ROW], groups["group_code"], strict=True)
    found = counties.of_workers(conn, rows, named)
    return counties.one_county(source, found, mixed=mixed, scope=scope)


def _future_dates(rows: pd.DataFrame, today: date) -> list[str]:
    return [
        f"row {row} (worker {code}): {what} {day} is in the future; record it on or after that day"
        for row, code, since, until in rows[["row", "code", "since", "until"]].itertuples(
            index=False, name=None
        )
        for what, day in (("start date (上岗日期)", since), ("end date (离岗日期)", until))
        if day is not None and not pd.isna(day) and day > today
    ]


def import_contacts(
    conn: psycopg.Connection, path: Path, timezone: str = "Asia/Shanghai", *,
    max_unpacked_mb: int = Config.upload_max_unpacked_mb, mixed_counties: bool = False,
    scope: Scope = EVERYTHING,
) -> dict:  # fmt: skip
    """Import assistance contacts and their links to households, in one transaction.

    A household has one contact at a time: each link ends when the household's next one
    starts, within the file as across files. A row's start date (开始日期; empty: today in
    `timezone`) opens a link unless that contact's link already covers the date; an end date
    (结束日期) ends it without a successor, and alone on a row ends the contact's open link.
    Importing the same file again changes nothing. Returns {"file", "rows", "counties",
    "created", "updated", "unchanged", "pairings_added", "pairings_existing",
    "pairings_closed"}, the counties those of the households. Raises BadInput, writing
    nothing, when any row is wrong, names an unknown household or a link that does not exist,
    or gives a household two contacts starting the same day, when the households span several
    counties without `mixed_counties` or one contact's do (even with it), or when the file
    would unpack to more than `max_unpacked_mb` MB; raises Forbidden when a household lies in
    a county outside `scope`.
    """
    table = people_io.read_contacts(path, max_unpacked_mb=max_unpacked_mb)
    pairings = table.pairings.assign(since=table.pairings["since"].astype(object))
    pairings.loc[pairings["since"].isna() & pairings["until"].isna(), "since"] = clock.today(
        timezone
    )
    with conn.transaction():
        named = zip(pairings[ROW], pairings["household_code"], strict=True)
        found = counties.one_county(
            path.name, counties.of_households(conn, named), mixed=mixed_counties, scope=scope
        )
        contact_store.stage_contacts(conn, table.rows, pairings)
        refuse(path.name, _unknown_households(conn, "incoming_pairing", "contact's household"))
        refuse(path.name, _contacts_across_counties(conn))
        refuse(path.name, _endings_without_link(conn))
        refuse(path.name, _clashes(conn))
        created, updated = contact_store.upsert_contacts(conn, table.supplied)
        added, closed = contact_store.write_planned_links(conn)
        closed += contact_store.end_links(conn) + contact_store.restated_endings(conn)
    return {
        **_counts(path, len(table.rows), found, created, updated),
        "pairings_added": added,
        "pairings_existing": len(pairings) - added,
        "pairings_closed": closed,
    }


def _contacts_across_counties(conn: psycopg.Connection) -> list[str]:
    # A contact belongs to one county, as its households do: its links could not point at it.
    return [
        f"row {row}: contact {contact} is given households in {len(found)} counties, "
        + ", ".join(f"{county} ({', '.join(codes)})" for county, codes in found)
        + "; a contact assists households of one county: list each county's households under "
        "a contact code of that county"
        for row, contact, found in contact_store.contacts_across_counties(conn)
    ]


def _endings_without_link(conn: psycopg.Connection) -> list[str]:
    return [
        f"row {row}: contact {contact} has no link with household {household} started before "
        f"the end date {until}; fix the codes or the end date (结束日期), or give a start date "
        "(开始日期)"
        for row, contact, household, until in contact_store.endings_without_link(conn)
    ]


def _clashes(conn: psycopg.Connection) -> list[str]:
    return [
        f"row {row}: household {household} would have two contacts, {contact} and {other}, "
        f"from {day}; a household has one contact at a time, so fix one start date (开始日期)"
        for row, household, contact, other, day in contact_store.plan_links(conn)
    ]


def import_visits(
    conn: psycopg.Connection, path: Path, timezone: str = "Asia/Shanghai", *,
    checkin_max_m: float = Config.checkin_max_m, recorded_by: str | None = None,
    max_unpacked_mb: int = Config.upload_max_unpacked_mb, mixed_counties: bool = False,
    scope: Scope = EVERYTHING,
) -> dict:  # fmt: skip
    """Record visits in one transaction and move the households' last visit dates forward.

    Times without an offset are local to `timezone`; `recorded_by` (default: the operating-system
    user) is kept as the account that recorded them. Returns {"file", "rows", "counties",
    "inserted", "already_stored", "repeated_in_file", "households_updated"}, plus "doubtful"
    (check-ins farther than `checkin_max_m` from the household) when the file has check-in
    columns. Raises BadInput, writing nothing, when any row is wrong, names an unknown
    household, a grid worker of another township as the visitor, or an inspection plan that is
    not open, when the households span several counties without `mixed_counties`, or when the
    file would unpack to more than `max_unpacked_mb` MB; raises Forbidden when a household
    lies in a county outside `scope`.
    """
    table = people_io.read_visits(path, timezone, max_unpacked_mb=max_unpacked_mb)
    with conn.transaction():
        named = zip(table.rows[ROW], table.rows["household_code"], strict=True)
        found = counties.one_county(
            path.name, counties.of_households(conn, named), mixed=mixed_counties, scope=scope
        )
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
        "counties": found,
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
        + (
            "is closed and takes no more visits"
            if known
            else "does not exist in the household's county"
        )
        + "; fix the plan (暗访计划)"
        for row, plan, known in people_store.unusable_plans(conn)
    ]


def _unknown_households(conn: psycopg.Connection, staged: str, what: str) -> list[str]:
    return [
        f"row {row}: {what} {code} is not in the database; import the households first or "
        "fix the code"
        for row, code in people_store.unknown_households(conn, staged)
    ]


def _counts(path: Path, rows: int, found: list[str], created: int, updated: int) -> dict:
    return {
        "file": path.name,
        "rows": rows,
        "counties": found,
        "created": created,
        "updated": updated,
        "unchanged": rows - created - updated,
    }
