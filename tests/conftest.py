"""Test fixtures: a throwaway PostGIS cluster per session, a rolled-back transaction per test."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from hypothesis import settings
from psycopg import sql

from gridmap.core import localdb, schema
from gridmap.core.config import Config
from gridmap.grid import assign
from tests.grid_fixtures import write_tiny_county
from tests.household_fixtures import Household, add_grid, add_households, add_worker
from tests.servers import serving
from tests.web_fixtures import add_role_accounts

settings.register_profile("ci", max_examples=25, deadline=None)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")

TEMPLATE_DB = "gridmap_template"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[localdb.Cluster]:
    """A PostgreSQL cluster in a fresh temporary folder (handed to `postgres` as root)."""
    base = Path(tempfile.mkdtemp(prefix="gridmap-test-"))
    cluster = localdb.cluster_for(base)
    localdb.start(cluster, fast_and_unsafe=True)
    try:
        yield cluster
    finally:
        localdb.stop(cluster)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def template_url(pg_cluster: localdb.Cluster) -> str:
    """A migrated database that per-test databases are copied from."""
    url = localdb.ensure_database(pg_cluster, TEMPLATE_DB)
    schema.apply_migrations(url, Config().migrations_dir)
    return url


@pytest.fixture(scope="session")
def db_url(pg_cluster: localdb.Cluster, template_url: str) -> str:
    """The session's shared test database (tests roll back what they write)."""
    return _copy_database(pg_cluster, "gridmap_shared")


def _copy_database(cluster: localdb.Cluster, name: str, template: str = TEMPLATE_DB) -> str:
    """A new database `name` copied from `template` (default: the migrated one); its URL."""
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return cluster.url(name)


def _test_db_name(request: pytest.FixtureRequest) -> str:
    return "t_" + "".join(ch if ch.isalnum() else "_" for ch in request.node.name)[:50].lower()


@pytest.fixture
def fresh_db_url(pg_cluster: localdb.Cluster, template_url: str, request) -> str:
    """A new migrated database for a test that commits (CLI runs, servers)."""
    return _copy_database(pg_cluster, _test_db_name(request))


@pytest.fixture(scope="module")
def seeded_template(
    pg_cluster: localdb.Cluster, template_url: str, request: pytest.FixtureRequest
) -> Callable[[Callable[[psycopg.Connection], None]], str]:
    """Seed a module's template database once with `seed(conn)`; return its name.

    Tests that commit then copy it (`copy_of`), which is much cheaper than seeding again.
    """
    name = "tpl_" + request.module.__name__.rsplit(".", 1)[-1][:40].lower()

    def seeded(seed: Callable[[psycopg.Connection], None]) -> str:
        url = _copy_database(pg_cluster, name)
        with psycopg.connect(url) as connection:
            seed(connection)
        return name

    return seeded


@pytest.fixture
def copy_of(pg_cluster: localdb.Cluster, request: pytest.FixtureRequest) -> Callable[[str], str]:
    """Copy a seeded template database for this test; return the copy's URL."""
    return lambda template: _copy_database(pg_cluster, _test_db_name(request), template)


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection]:
    """A connection whose work is rolled back after the test."""
    with psycopg.connect(db_url) as connection:
        connection.execute("SET TimeZone = 'Asia/Shanghai'")  # opens the outer transaction
        yield connection
        connection.rollback()


@pytest.fixture
def config(fresh_db_url: str, tmp_path: Path) -> Config:
    """Settings pointing at a fresh database, for CLI and app tests."""
    return Config(database_url=fresh_db_url, var_dir=tmp_path / "var", secret_key="test")


@pytest.fixture
def cli_env(fresh_db_url: str, tmp_path: Path) -> dict[str, str]:
    """Environment for running the `gridmap` command against a fresh database."""
    return {"GRIDMAP_DATABASE_URL": fresh_db_url, "GRIDMAP_VAR_DIR": str(tmp_path / "var")}


@pytest.fixture(scope="session")
def tiny_county_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny hand-made county as a GeoJSON file."""
    return Path(write_tiny_county(str(tmp_path_factory.mktemp("grids") / "tiny.geojson")))


@pytest.fixture(scope="session")
def live_db_url(pg_cluster: localdb.Cluster, template_url: str, tiny_county_file: Path) -> str:
    """The tiny county with four households (one of each problem) and one worker."""
    url = _copy_database(pg_cluster, "gridmap_live")
    with psycopg.connect(url) as connection:
        add_grid(connection, tiny_county_file, reason="test fixture")
        add_households(
            connection,
            [
                Household("H1", (500, 500), head_name="张三", id_number="341890199001011234",
                          phone="13812345678"),
                Household("H2", (600, 500), category="monitored"),
                Household("H3", (2500, 500)),
                Household("H4", (-500, 500)),
            ],
        )  # fmt: skip
        add_worker(connection, "W1", ["341890100200001"], home_m=(550, 550))
        assign.assign_households(connection)
        add_role_accounts(connection)
        connection.commit()
    return url


#: Where the monitored county's households live, in metres from the test grid's origin.
MONITORED_SPOTS = [(500, 500), (2500, 700), (4500, 600), (6500, 3000)]


@pytest.fixture(scope="module")
def monitored_county(
    pg_cluster: localdb.Cluster, template_url: str, tiny_county_file: Path,
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest,
) -> Config:  # fmt: skip
    """Settings on the module's own database: the tiny county with four monitored households,
    worker W1 and an account per role (logins not rate-limited)."""
    url = _copy_database(pg_cluster, "m_" + request.module.__name__.rsplit(".", 1)[-1])
    with psycopg.connect(url) as connection:
        add_grid(connection, tiny_county_file)
        add_households(
            connection,
            [Household(f"M{i}", at, category="monitored") for i, at in enumerate(MONITORED_SPOTS)],
        )
        add_worker(connection, "W1", ["341890100200001"])
        assign.assign_households(connection)
        add_role_accounts(connection)
        connection.commit()
    return Config(
        database_url=url, var_dir=tmp_path_factory.mktemp("var"), secret_key="t",
        login_rate_limit="1000 per minute",
    )  # fmt: skip


@pytest.fixture(scope="session")
def live_app(live_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app on the shared tiny county, for tests that only read (every test logs in again,
    so the login rate limit is raised)."""
    from gridmap.web import create_app

    config = Config(
        database_url=live_db_url, var_dir=tmp_path_factory.mktemp("var"), secret_key="test",
        login_rate_limit="1000 per minute",
    )  # fmt: skip
    application = create_app(config)
    yield application
    application.extensions["gridmap_pool"].close()


@pytest.fixture(scope="session")
def live_server(live_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the app served in a thread, on the tiny county."""
    from gridmap.web import create_app

    config = Config(
        database_url=live_db_url,
        var_dir=tmp_path_factory.mktemp("var"),
        secret_key="test",
    )
    with serving(create_app(config)) as base_url:
        yield base_url
