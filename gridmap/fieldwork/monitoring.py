"""Monitoring against falling back into poverty (防返贫监测) and assistance contacts over time."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import psycopg

from gridmap.access import audit, privacy
from gridmap.access.accounts import EVERYTHING, Actor, Scope
from gridmap.core import clock, vocab
from gridmap.core.config import Config
from gridmap.core.errors import BadInput, NotFound
from gridmap.core.vocab import ancestors_and_self
from gridmap.coverage.report import status_params
from gridmap.files import monitoring as monitoring_io
from gridmap.files.tables import ROW, refuse
from gridmap.registry import counties
from gridmap.store import coverage as coverage_store
from gridmap.store import monitoring as monitoring_store
from gridmap.store import people as people_store
from gridmap.store import visits as visit_store

COUNT_KEYS = (
    "identified",
    *(f"identified_{way}" for way in vocab.FOUND_BY),
    "eliminated",
    "at_risk_end",
)
#: Lists of households without a contact stop here; a unit narrows them.
LIST_LIMIT = 5000


def _on(conn: psycopg.Connection, as_of: date, prefixes: list[str] | None) -> dict:
    """The coverage query's parameters on `as_of` under `prefixes`: who was monitored, where,
    with a contact.

    Visit windows do not matter to these lists, so the default settings serve.
    """
    return status_params(conn, Config(), as_of, prefixes)


def _prefixes(scope: Scope) -> list[str] | None:
    return None if scope.prefixes is None else list(scope.prefixes)


def import_monitoring(
    conn: psycopg.Connection, path: Path, timezone: str = "Asia/Shanghai", *,
    max_unpacked_mb: int = Config.upload_max_unpacked_mb, mixed_counties: bool = False,
    scope: Scope = EVERYTHING,
) -> dict:  # fmt: skip
    """Import monitoring periods in one transaction; households follow their latest period.

    A period is keyed by household and identification date: importing it again updates it
    (e.g. with its risk-elimination date). Returns {"file", "rows", "counties", "created",
    "updated", "unchanged", "households_updated"}. Raises BadInput, writing nothing, for any
    bad row, an unknown household or periods of one household that overlap, when the
    households span several counties without `mixed_counties`, or when the file would unpack
    to more than `max_unpacked_mb` MB; raises Forbidden when a household lies in a county
    outside `scope`.
    """
    today = clock.today(timezone)
    rows = monitoring_io.read_monitoring(path, today, max_unpacked_mb=max_unpacked_mb)
    with conn.transaction():
        named = zip(rows[ROW], rows["household_code"], strict=True)
        found = counties.one_county(
            path.name, counties.of_households(conn, named), mixed=mixed_counties, scope=scope
        )
        monitoring_store.stage_monitoring(conn, rows)
        refuse(path.name, [
            f"row {row}: household {code} is not in the database; import the households "
            "first or fix the code"
            for row, code in people_store.unknown_households(conn, monitoring_store.STAGED)
        ])  # fmt: skip
        monitoring_store.drop_listed_only(conn)
        refuse(path.name, [_overlap_message(*o) for o in monitoring_store.overlaps(conn)])
        created, updated = monitoring_store.upsert_monitoring(conn)
        households = monitoring_store.sync_households(conn)
    return {
        "file": path.name, "rows": len(rows), "counties": found, "created": created,
        "updated": updated, "unchanged": len(rows) - created - updated,
        "households_updated": households,
    }  # fmt: skip


def _overlap_message(row: int, code: str, day: date, previous: date, ended: date | None) -> str:
    until = f"had its risk eliminated on {ended}" if ended else "has no risk-elimination date"
    return (
        f"row {row}: household {code} is identified on {day}, but its monitoring identified on "
        f"{previous} {until}; give the earlier period a risk-elimination date no later than "
        f"{day}"
    )


def monitoring_counts(
    conn: psycopg.Connection, start: date, end: date, scope: Scope = EVERYTHING, *,
    level: int | None = None, parent: str | None = None,
) -> dict:  # fmt: skip
    """Periods identified and eliminated in [start, end], and at risk at its end, per unit."""
    # Periods count by the household's current unit and add up across levels; "total" also
    # holds households outside the grid.
    if end < start:
        raise BadInput(f"the period ends ({end}) before it starts ({start})")
    prefixes = scope.narrow(parent)
    rows = monitoring_store.counts_by_unit(conn, start, end, prefixes, _on(conn, end, prefixes))
    totals: dict[str, list[int]] = defaultdict(lambda: [0] * len(COUNT_KEYS))
    for unit_code, *counts in rows:
        for code in ancestors_and_self(unit_code):
            totals[code] = [a + b for a, b in zip(totals[code], counts, strict=True)]
    empty = [0] * len(COUNT_KEYS)
    units = [
        {"code": c, "name": n, "level": lv, "parent": p,
         **dict(zip(COUNT_KEYS, totals.get(c, empty), strict=True))}
        for c, n, lv, p in coverage_store.unit_index(conn, level, prefixes)
        if parent is None or c == parent or p == parent
    ]  # fmt: skip
    total = [sum(r[i + 1] for r in rows) for i in range(len(COUNT_KEYS))]
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "units": units,
        "total": dict(zip(COUNT_KEYS, total, strict=True)),
    }


def year_to_date(
    conn: psycopg.Connection, code: str, as_of: date, scope: Scope = EVERYTHING
) -> dict:
    """A unit's counts from 1 January of `as_of`'s year to `as_of`, within `scope`."""
    start = as_of.replace(month=1, day=1)
    # Narrowed to the unit, every row lies under it: the unit's figures are the rows' sums.
    prefixes = scope.narrow(code)
    rows = monitoring_store.counts_by_unit(conn, start, as_of, prefixes, _on(conn, as_of, prefixes))
    total = [sum(r[i + 1] for r in rows) for i in range(len(COUNT_KEYS))]
    return {
        "from": start.isoformat(),
        "to": as_of.isoformat(),
        **dict(zip(COUNT_KEYS, total, strict=True)),
    }


def monitoring_workbook(report: dict) -> bytes:
    """The monitoring counts as a spreadsheet."""
    return monitoring_io.monitoring_workbook(report)


def household_periods(conn: psycopg.Connection, code: str, scope: Scope = EVERYTHING) -> dict:
    """A household's monitoring periods in scope, oldest first; NotFound outside scope."""
    if not visit_store.household_in_scope(conn, code, _prefixes(scope)):
        raise NotFound(f"no household {code}")
    return {"household": code, "periods": monitoring_store.periods_of(conn, code, _prefixes(scope))}


def contact_history(conn: psycopg.Connection, code: str, scope: Scope = EVERYTHING) -> dict:
    """Who assisted a household in scope, from when until when (until None: still open)."""
    if not visit_store.household_in_scope(conn, code, _prefixes(scope)):
        raise NotFound(f"no household {code}")
    keys = ("contact", "name", "organisation", "since", "until")
    links = monitoring_store.contact_links(conn, code, _prefixes(scope))
    return {"household": code, "contacts": [dict(zip(keys, r, strict=True)) for r in links]}


def contact_loads(
    conn: psycopg.Connection, as_of: date, viewer: Actor, *, unit: str | None = None
) -> list[dict]:
    """Contacts with the households they assist on `as_of` in the viewer's scope (open links),
    most first; phones masked but for administrators.

    An administrator's view of full phone numbers is audited (`personal.view` of "contacts").
    """
    keys = ("code", "name", "organisation", "phone", "households", "monitored")
    prefixes = viewer.scope.narrow(unit)
    rows = monitoring_store.contact_loads(conn, _on(conn, as_of, prefixes), prefixes)
    contacts = [dict(zip(keys, r, strict=True)) for r in rows]
    if not viewer.is_admin:
        return [privacy.masked(c) for c in contacts]
    if any(c["phone"] for c in contacts):
        detail = {"unit": unit, "as_of": as_of.isoformat(), "contacts": len(contacts)}
        with conn.transaction():
            audit.record(conn, viewer, "personal.view", "contacts", detail)
    return contacts


def uncontacted_export(
    conn: psycopg.Connection, as_of: date, actor: Actor, *, unit: str | None = None
) -> bytes:
    """Monitored households at risk without a contact on `as_of` as a spreadsheet, audited."""
    listing = uncontacted_households(conn, as_of, actor.scope, unit=unit)
    with conn.transaction():
        detail = {"as_of": as_of.isoformat()}
        audit.record_export(conn, actor, "export.uncontacted_xlsx", unit, detail)
    return monitoring_io.uncontacted_workbook(listing)


def contacts_export(
    conn: psycopg.Connection, as_of: date, actor: Actor, *, unit: str | None = None
) -> bytes:
    """Contacts with the households they assist on `as_of` as a spreadsheet, audited."""
    loads = contact_loads(conn, as_of, actor, unit=unit)
    with conn.transaction():
        detail = {"as_of": as_of.isoformat()}
        audit.record_export(conn, actor, "export.contacts_xlsx", unit, detail)
    return monitoring_io.contacts_workbook(loads, as_of)


def uncontacted_households(
    conn: psycopg.Connection, as_of: date, scope: Scope = EVERYTHING, *, unit: str | None = None
) -> dict:
    """Monitored households still at risk in scope with no contact on `as_of`."""
    keys = ("code", "unit", "unit_name", "head_name", "monitor_kind", "last_contact_until",
            "lon", "lat")  # fmt: skip
    prefixes = scope.narrow(unit)
    rows = monitoring_store.uncontacted(conn, _on(conn, as_of, prefixes), prefixes, LIST_LIMIT + 1)
    return {
        "as_of": as_of.isoformat(),
        "households": [dict(zip(keys, r, strict=True)) for r in rows[:LIST_LIMIT]],
        "truncated": len(rows) > LIST_LIMIT,
    }
