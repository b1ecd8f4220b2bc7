"""The one query the health check runs."""

from __future__ import annotations

import psycopg


def ping(conn: psycopg.Connection) -> bool:
    """True when the database answers a trivial query."""
    row = conn.execute("SELECT 1").fetchone()
    return row is not None and row[0] == 1
