"""The edit log: one row per change to the grid."""

from __future__ import annotations

from datetime import datetime

import psycopg


def open_edit(
    conn: psycopg.Connection, *, kind: str, author: str, reason: str, at: datetime
) -> int:
    """Insert an edit row and return its id."""
    row = conn.execute(
        "INSERT INTO edit (kind, author, reason, at) VALUES (%s, %s, %s, %s) RETURNING id",
        [kind, author, reason, at],
    ).fetchone()
    assert row is not None
    return int(row[0])


def set_households_moved(conn: psycopg.Connection, edit_id: int, moved: int) -> None:
    """Record how many households an edit moved."""
    conn.execute("UPDATE edit SET households_moved = %s WHERE id = %s", [moved, edit_id])


def delete_edit(conn: psycopg.Connection, edit_id: int) -> None:
    """Remove an edit that turned out to change nothing."""
    conn.execute("DELETE FROM edit WHERE id = %s", [edit_id])
