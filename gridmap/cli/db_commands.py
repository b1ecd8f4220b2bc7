"""`gridmap db …`: the database's life cycle."""

from __future__ import annotations

import click

from gridmap.cli import current_config, emit, main, reports_errors
from gridmap.core import db, localdb
from gridmap.core.config import Config


@main.group("db")
def db_group() -> None:
    """Start, stop and locate the database."""


def ensure_database(config: Config) -> str:
    """Start the embedded cluster when no server is configured, apply migrations; return URL."""
    from gridmap.core import schema

    url = config.database_url or localdb.up(config.var_dir)
    schema.apply_migrations(url, config.migrations_dir)
    return url


@db_group.command("up")
@reports_errors()
def db_up() -> None:
    """Start the local cluster if needed and apply migrations."""
    click.echo(ensure_database(current_config()))


@db_group.command("down")
@reports_errors()
def db_down() -> None:
    """Stop the local cluster (nothing to do with GRIDMAP_DATABASE_URL set)."""
    config = current_config()
    cluster = localdb.recorded(config.var_dir)
    if config.database_url or cluster is None:
        click.echo("no local cluster to stop")
        return
    localdb.stop(cluster)
    click.echo(f"stopped {cluster.data_dir}")


@db_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def db_status(as_json: bool) -> None:
    """Say where the database is and whether it runs."""
    config = current_config()
    cluster = None if config.database_url else localdb.recorded(config.var_dir)
    running = bool(config.database_url) or (cluster is not None and localdb.is_running(cluster))
    payload = {
        "embedded": not config.database_url,
        "running": running,
        "url": db.database_url(config) if running else None,
        "data_dir": cluster.data_dir if cluster else None,
    }
    emit(payload, as_json, lambda p: "\n".join(f"{k}: {v}" for k, v in p.items()))


@db_group.command("url")
@reports_errors()
def db_url() -> None:
    """Print the connection URL of the database in use."""
    click.echo(db.database_url(current_config()))
