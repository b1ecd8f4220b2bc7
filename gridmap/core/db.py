"""Connections to the database in use: a pool for the web app, plain ones for the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from gridmap.core.config import Config
from gridmap.core.errors import DatabaseUnavailable

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool


def database_url(config: Config) -> str:
    """Return the URL of the database in use: the configured one or the embedded cluster's."""
    if config.database_url:
        return config.database_url
    from gridmap.core import localdb

    url = localdb.recorded_url(config.var_dir)
    if url is None:
        raise DatabaseUnavailable(
            "The local database is not running. Start it with `gridmap db up`, "
            "or set GRIDMAP_DATABASE_URL to a PostGIS server."
        )
    return url


def _configure(conn: psycopg.Connection, config: Config) -> None:
    conn.execute("SELECT set_config('TimeZone', %s, false)", [config.timezone])


@contextmanager
def connect(config: Config, url: str | None = None) -> Iterator[psycopg.Connection]:
    """Open one autocommit connection (for the CLI); writes group in `conn.transaction()`."""
    import psycopg

    try:
        conn = psycopg.connect(url or database_url(config), autocommit=True)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(f"Cannot connect to the database: {exc}") from exc
    try:
        _configure(conn, config)
        yield conn
    finally:
        conn.close()


def make_pool(config: Config, url: str | None = None) -> ConnectionPool:
    """Create the web app's connection pool; request statements get a timeout."""
    from psycopg_pool import ConnectionPool

    def configure(conn: psycopg.Connection) -> None:
        _configure(conn, config)
        conn.execute(
            "SELECT set_config('statement_timeout', %s, false)",
            [str(config.statement_timeout_ms)],
        )

    return ConnectionPool(
        url or database_url(config),
        min_size=1,
        max_size=8,
        configure=configure,
        # A connection the server dropped (restart, failover, terminated backend) is replaced
        # before a request gets it, so the first request after an outage succeeds.
        check=ConnectionPool.check_connection,
        open=True,
        # Each write groups its statements in `conn.transaction()`; reads need none.
        kwargs={"autocommit": True},
    )
