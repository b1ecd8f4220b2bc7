"""`gridmap contacts history` and `gridmap monitoring uncontacted`: the lists of the pages."""

from __future__ import annotations

from datetime import datetime

import click

from gridmap.cli import (
    county_option,
    current_config,
    emit,
    main,
    os_actor,
    report_actor,
    reports_errors,
)  # fmt: skip
from gridmap.cli.field_commands import DAY, monitoring_group
from gridmap.core import db
from gridmap.core.clock import today


@main.group("contacts")
def contacts_group() -> None:
    """Assistance contacts (帮扶联系人) and the households they assist."""


@contacts_group.command("history")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def contacts_history(code: str, as_json: bool) -> None:
    """Who assisted household CODE, from when until when (until empty: still assisting)."""
    from gridmap.fieldwork import monitoring

    with db.connect(current_config()) as conn:
        history = monitoring.contact_history(conn, code, os_actor().scope)
    emit(history, as_json, _history_text)


def _history_text(history: dict) -> str:
    lines = [f"household {history['household']}"]
    lines += [
        f"  {c['since']} .. {c['until'] or ''}  {c['contact']} {c['name']}"
        + (f" ({c['organisation']})" if c["organisation"] else "")
        for c in history["contacts"]
    ]
    return "\n".join(lines) if history["contacts"] else lines[0] + ": no contact on record"


@monitoring_group.command("uncontacted")
@click.option("--as-of", "as_of", type=DAY, help="the day (default: today)")
@click.option("--unit", help="only households under this unit")
@county_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def monitoring_uncontacted(
    as_of: datetime | None, unit: str | None, counties: tuple[str, ...], as_json: bool
) -> None:
    """Households monitored without an assistance contact on a day (the coverage no_contact)."""
    from gridmap.fieldwork import monitoring

    config = current_config()
    day = as_of.date() if as_of else today(config.timezone)
    with db.connect(config) as conn:
        scope = report_actor(conn, counties, within=unit).scope
        listing = monitoring.uncontacted_households(conn, day, scope, unit=unit)
    emit(listing, as_json, _uncontacted_text)


def _uncontacted_text(listing: dict) -> str:
    rows = listing["households"]
    lines = [f"{listing['as_of']}: {len(rows)} monitored households without a contact"]
    lines += [f"  {h['code']} {h['unit'] or ''} {h['head_name'] or ''}" for h in rows]
    if listing["truncated"]:
        lines.append("  … more; narrow with --unit")
    return "\n".join(lines)
