"""Shared set-up for benchmarks: a throwaway database in the checkout's cluster."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from gridmap.core import localdb, schema
from gridmap.core.config import Config
from gridmap.core.db import configure_session


@contextmanager
def fresh_database(config: Config, name: str) -> Iterator[psycopg.Connection]:
    """Create (or recreate) database `name`, migrate it and yield an autocommit-off connection."""
    localdb.up(config.var_dir)
    cluster = localdb.recorded(config.var_dir)
    assert cluster is not None
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = cluster.url(name)
    schema.apply_migrations(url, config.migrations_dir)
    with psycopg.connect(url) as conn:
        configure_session(conn, config)  # as the app's and the command line's connections
        conn.commit()
        yield conn
        conn.commit()


def database_url(config: Config, name: str) -> str:
    """The URL of database `name` in the checkout's cluster."""
    cluster = localdb.recorded(config.var_dir)
    assert cluster is not None
    return cluster.url(name)
