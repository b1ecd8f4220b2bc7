"""Every connection gridmap opens runs with the same session settings, and plans each
statement with its values (a statement prepared once may be planned for any value)."""

from __future__ import annotations

import psycopg

from gridmap.core import db
from gridmap.core.config import Config

#: A statement a report runs again and again, with a date that decides its plan.
REPEATED = "SELECT count(*) FROM household_period WHERE valid @> %s::date"


def settings_and_prepared(conn: psycopg.Connection) -> tuple[str, int]:
    """The session's time zone, and how many statements it holds prepared after running the
    same one ten times."""
    for _ in range(10):
        conn.execute(REPEATED, ["2024-06-30"])
    zone = conn.execute("SHOW TimeZone").fetchone()
    prepared = conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()
    assert zone is not None and prepared is not None
    return zone[0], prepared[0]


def test_a_command_line_connection_never_prepares(db_url):
    config = Config(database_url=db_url, secret_key="t")
    with db.connect(config) as conn:
        assert settings_and_prepared(conn) == (Config.timezone, 0)


def test_the_web_pool_connections_never_prepare(db_url):
    config = Config(database_url=db_url, secret_key="t")
    pool = db.make_pool(config)
    try:
        with pool.connection() as conn:
            db.enter_scope(conn, config, None)
            found = settings_and_prepared(conn)
    finally:
        pool.close()
    assert found == (Config.timezone, 0)
