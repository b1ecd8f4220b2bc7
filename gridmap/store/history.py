"""The date a transaction's changes take effect, for the history tables' triggers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import psycopg

from gridmap.core.errors import BadInput

#: SQLSTATE the history triggers raise for a change dated before the last one recorded.
_TOO_EARLY = "GM001"


@contextmanager
def taking_effect(conn: psycopg.Connection, day: date, source: str) -> Iterator[None]:
    """Inside the caller's transaction, date the changes written to `day` (a local date).

    Raises BadInput naming `source` when a changed household's last recorded change is later
    than `day`: history is written in the order it happened.
    """
    conn.execute("SELECT set_config('gridmap.effective_on', %s, true)", [day.isoformat()])
    try:
        yield
    except psycopg.Error as error:
        if error.sqlstate != _TOO_EARLY:
            raise
        # The transaction is aborted: the trigger names the latest change in its detail.
        raise BadInput(
            f"{source}: the changes cannot take effect on {day}: some of the households they "
            f"move already changed after that date (last change: {error.diag.message_detail}). "
            "Give a later effective date (--effective)."
        ) from None


def latest_change(conn: psycopg.Connection, counties: list[str] | None = None) -> date | None:
    """The latest date a household of `counties` (None: any) changed place, status or base
    category."""
    row = conn.execute(
        "SELECT max(lower(valid)) FROM household_period "
        "WHERE %(counties)s::text[] IS NULL OR county_code = ANY(%(counties)s::text[])",
        {"counties": counties},
    ).fetchone()
    return row[0] if row else None
