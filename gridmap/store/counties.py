"""The counties on record: the county units of the current grid, and those holding data."""

from __future__ import annotations

import psycopg

from gridmap.store.scoping import level_params


def current_counties(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(code, name) of the counties of the current grid, by code."""
    rows = conn.execute(
        "SELECT code, name FROM unit_version WHERE valid_to IS NULL AND level = %(county)s "
        "ORDER BY code",
        level_params(),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def report_counties(conn: psycopg.Connection, prefixes: list[str] | None) -> list[str]:
    """The counties a report under `prefixes` reads: those holding or inside a prefix."""
    rows = conn.execute("SELECT county_code FROM change_stamp ORDER BY county_code").fetchall()
    codes = [r[0] for r in rows]
    if prefixes is None:
        return codes
    return [c for c in codes if any(c.startswith(p) or p.startswith(c) for p in prefixes)]
