"""The audit log: who did what to which thing, from where, and when."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import psycopg

from gridmap.store import accounts as account_store

if TYPE_CHECKING:
    from gridmap.access.accounts import Actor


def record(
    conn: psycopg.Connection, actor: Actor, action: str, target: str | None,
    detail: dict | None = None,
) -> None:  # fmt: skip
    """Append an audit row for `actor` (in the caller's transaction, if any)."""
    account_store.add_audit(
        conn, username=actor.username, action=action, target=target,
        client=actor.client, detail=detail,
    )  # fmt: skip


def record_export(
    conn: psycopg.Connection, actor: Actor, action: str, target: str | None,
    detail: dict | None = None,
) -> None:  # fmt: skip
    """Append an export's audit row with the counties it covered: those of the actor's scope,
    as chosen for the export (?county=, --county)."""
    # Imported here: the counties module depends on accounts, which depends on this module.
    from gridmap.access.counties import county_choices

    covered = [c["code"] for c in county_choices(conn, actor.scope)]
    record(conn, actor, action, target, {**(detail or {}), "counties": covered})


@contextmanager
def audited(
    conn: psycopg.Connection, actor: Actor, action: str, target: str | None,
    detail: dict | None = None,
) -> Iterator[None]:  # fmt: skip
    """Run a write and its audit row in one transaction: both happen or neither."""
    with conn.transaction():
        yield
        record(conn, actor, action, target, detail)


def audit_log(
    conn: psycopg.Connection, *, username: str | None = None, action: str | None = None,
    limit: int = 200, before_id: int | None = None,
) -> list[dict]:  # fmt: skip
    """Audit rows newest first, filtered by user and action, paged by id."""
    return account_store.audit_rows(
        conn, username=username, action=action, limit=limit, before_id=before_id
    )
