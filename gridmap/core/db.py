"""Connections to the database in use: a pool for the web app, plain ones for the CLI."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from gridmap.core import vocab
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


#: The setting the row-level security policies read (migrations/0016.row-security.sql).
SCOPE_SETTING = "gridmap.scope"


def configure_session(conn: psycopg.Connection, config: Config) -> None:
    """Set the session settings every gridmap connection runs with."""
    conn.execute("SELECT set_config('TimeZone', %s, false)", [config.timezone])
    # psycopg prepares a statement from its sixth run, and PostgreSQL may then plan it once
    # for any value: a report as of a past date took 60 ms instead of 3 on a plan made without
    # its date. Never preparing plans each run with its values; the server's own prepared
    # statements (foreign key checks, triggers) keep their cached plans.
    conn.prepare_threshold = None


def scope_setting(prefixes: Sequence[str] | None) -> str:
    """The value of gridmap.scope for code `prefixes`: `*` for None (every code), else the
    prefixes comma-separated (no prefixes: '', which matches nothing)."""
    if prefixes is None:
        return "*"
    for prefix in prefixes:
        # Anything but digits could change the list's meaning (',' or '*') in the policies.
        if not (prefix.isascii() and prefix.isdigit()):
            raise ValueError(f"{prefix!r} is not a code prefix")
    return ",".join(prefixes)


def set_scope(conn: psycopg.Connection, prefixes: Sequence[str] | None) -> None:
    """Let `conn` see the rows of `prefixes` (None: every county) until set again."""
    # Session-wide: the web app's connections run in autocommit, each statement its own
    # transaction; the pool clears it when the connection comes back.
    conn.execute("SELECT set_config(%s, %s, false)", [SCOPE_SETTING, scope_setting(prefixes)])


def web_role(config: Config, prefixes: Sequence[str] | None) -> str:
    """The web role for `prefixes`: the local one when a prefix is narrower than a county."""
    county_length = vocab.CODE_LENGTH[vocab.COUNTY]
    if prefixes is not None and any(len(p) > county_length for p in prefixes):
        return config.web_db_local_role
    return config.web_db_role


def enter_scope(conn: psycopg.Connection, config: Config, prefixes: Sequence[str] | None) -> None:
    """Switch `conn` to the web role for `prefixes` and let it see their rows until set again."""
    # set_config('role') is SET ROLE; one statement switches both, so neither comes alone.
    conn.execute(
        "SELECT set_config('role', %s, false), set_config(%s, %s, false)",
        [web_role(config, prefixes), SCOPE_SETTING, scope_setting(prefixes)],
    )


@contextmanager
def scope_for_transaction(
    conn: psycopg.Connection, prefixes: Sequence[str] | None
) -> Iterator[None]:
    """Within one transaction let `conn` see `prefixes`; its own scope returns afterwards."""
    with conn.transaction():
        conn.execute("SELECT set_config(%s, %s, true)", [SCOPE_SETTING, scope_setting(prefixes)])
        yield


@contextmanager
def connect(config: Config, url: str | None = None) -> Iterator[psycopg.Connection]:
    """Open one autocommit connection (for the CLI); writes group in `conn.transaction()`."""
    import psycopg

    try:
        conn = psycopg.connect(url or database_url(config), autocommit=True)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(f"Cannot connect to the database: {exc}") from exc
    try:
        configure_session(conn, config)
        yield conn
    finally:
        conn.close()


def make_pool(config: Config, url: str | None = None) -> ConnectionPool:
    """Create the web app's connection pool: its connections run as the web role with an
    empty scope (row-level security shows them nothing), request statements get a timeout."""
    from psycopg_pool import ConnectionPool

    def configure(conn: psycopg.Connection) -> None:
        configure_session(conn, config)
        conn.execute(
            "SELECT set_config('statement_timeout', %s, false)",
            [str(config.statement_timeout_ms)],
        )
        enter_scope(conn, config, ())

    return ConnectionPool(
        url or database_url(config),
        min_size=1,
        max_size=8,
        configure=configure,
        # A request sets its account's role and scope; the next request starts from none.
        reset=lambda conn: enter_scope(conn, config, ()),
        # A connection the server dropped (restart, failover, terminated backend) is replaced
        # before a request gets it, so the first request after an outage succeeds.
        check=ConnectionPool.check_connection,
        open=True,
        # Each write groups its statements in `conn.transaction()`; reads need none.
        kwargs={"autocommit": True},
    )
