"""The counties of stored households and workers, and of rows an import has staged."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg import sql


def household_counties(conn: psycopg.Connection, codes: Sequence[str]) -> list[tuple[str, str]]:
    """(code, county) of the stored households with these codes."""
    rows = conn.execute(
        "SELECT code, county_code FROM household WHERE code = ANY(%(codes)s::text[])",
        {"codes": list(codes)},
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def worker_counties(conn: psycopg.Connection, codes: Sequence[str]) -> list[tuple[str, str]]:
    """(code, county) of each county whose groups the stored workers with these codes served."""
    rows = conn.execute(
        "SELECT DISTINCT worker_code, county_code FROM worker_group_period "
        "WHERE worker_code = ANY(%(codes)s::text[])",
        {"codes": list(codes)},
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def staged_values(conn: psycopg.Connection, staged: str, column: str) -> dict[int, str | None]:
    """The text `column` of each row of the staged table `staged`, by file row."""
    query = sql.SQL("SELECT file_row, {} FROM {}").format(
        sql.Identifier(column), sql.Identifier(staged)
    )
    return {int(row): value for row, value in conn.execute(query).fetchall()}
