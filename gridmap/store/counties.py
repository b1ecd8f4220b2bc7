"""The counties on record: the county units of the current grid."""

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
