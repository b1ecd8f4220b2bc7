"""Every connection gridmap opens runs with the same session settings."""

from __future__ import annotations

from gridmap.core import db
from gridmap.core.config import Config

SETTINGS = {"plan_cache_mode": "force_custom_plan", "TimeZone": Config.timezone}


def test_a_command_line_connection_plans_each_run_with_its_values(db_url):
    config = Config(database_url=db_url, secret_key="t")
    with db.connect(config) as conn:
        found = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in SETTINGS}
    assert found == SETTINGS


def test_the_web_pool_connections_plan_each_run_with_their_values(db_url):
    config = Config(database_url=db_url, secret_key="t")
    pool = db.make_pool(config)
    try:
        with pool.connection() as conn:
            found = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in SETTINGS}
    finally:
        pool.close()
    assert found == SETTINGS
