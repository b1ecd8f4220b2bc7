"""Per-request access to the connection and the configuration."""

from __future__ import annotations

import psycopg
from flask import current_app, g

from gridmap.core.config import Config


def db() -> psycopg.Connection:
    """Return this request's connection from the pool (released at teardown)."""
    if "db_conn" not in g:
        g.db_conn = current_app.extensions["gridmap_pool"].getconn()
    return g.db_conn


def config() -> Config:
    """Return the app's configuration."""
    return current_app.config["GRIDMAP"]
