"""The `gridmap` command: parse, call the domain, print. Reports take --json."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from gridmap import db, grids, localdb, schema
from gridmap.config import Config
from gridmap.errors import GridmapError

EXIT_PROBLEMS = 1
EXIT_FAILED = 2


def _config() -> Config:
    return click.get_current_context().ensure_object(dict).setdefault("config", Config.from_env())


def emit(payload: dict, as_json: bool, human: Callable[[dict], str]) -> None:
    """Print one JSON object (with --json) or a human summary."""
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        click.echo(human(payload))


def reports_errors(exit_code: int = EXIT_PROBLEMS) -> Callable:
    """Turn domain errors into a clear message on stderr and a non-zero exit."""

    def wrap(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except GridmapError as exc:
                click.echo(f"error: {exc.message}", err=True)
                for line in exc.details:
                    click.echo(f"  - {line}", err=True)
                sys.exit(exit_code)

        return run

    return wrap


@click.group()
def main() -> None:
    """gridmap: county grids, households, workers and coverage."""


# --- database ---------------------------------------------------------------------------------


@main.group("db")
def db_group() -> None:
    """Start, stop and locate the database."""


def ensure_database(config: Config) -> str:
    """Start the embedded cluster when no server is configured, apply migrations; return URL."""
    url = config.database_url or localdb.up(config.var_dir)
    schema.apply_migrations(url, config.migrations_dir)
    return url


@db_group.command("up")
@reports_errors()
def db_up() -> None:
    """Start the local cluster if needed and apply migrations."""
    click.echo(ensure_database(_config()))


@db_group.command("down")
@reports_errors()
def db_down() -> None:
    """Stop the local cluster (nothing to do with GRIDMAP_DATABASE_URL set)."""
    config = _config()
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
    config = _config()
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
    click.echo(db.database_url(_config()))


# --- grids ------------------------------------------------------------------------------------


@main.group("import")
def import_group() -> None:
    """Import grids, households, workers and the bureau's records."""


@import_group.command("grids")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--crs", "crs_name", help="wgs84, cgcs2000, gcj02, bd09 or an EPSG code")
@click.option("--reason", help="why the grid changes (default: the file's name)")
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def import_grids(file: Path, crs_name: str | None, reason: str | None, as_json: bool) -> None:
    """Import grid units from GeoJSON, GeoPackage or Shapefile (one transaction)."""
    config = _config()
    with db.connect(config) as conn:
        report = grids.import_grid_file(conn, file, crs_name=crs_name, reason=reason)
    emit(
        report,
        as_json,
        lambda r: f"{r['file']}: {r['features']} units, {len(r['created'])} new, "
        f"{len(r['changed'])} changed, {r['unchanged']} unchanged",
    )


@main.command("validate")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--crs", "crs_name", help="CRS of FILE when it does not say")
@click.option("--json", "as_json", is_flag=True)
@reports_errors(EXIT_FAILED)
def validate(file: Path | None, crs_name: str | None, as_json: bool) -> None:
    """Check the current grid, or FILE before importing it: exit 0 ok, 1 problems, 2 failed."""
    config = _config()
    if file is not None:
        report = grids.validate_file(file, config.gap_tolerance_m2, crs_name)
    else:
        with db.connect(config) as conn:
            report = grids.validate_current(conn, config.gap_tolerance_m2)
    emit(report, as_json, _validation_text)
    sys.exit(0 if report["ok"] else EXIT_PROBLEMS)


def _validation_text(report: dict) -> str:
    lines = ["ok" if report["ok"] else "problems found"]
    lines += [f"  {rule}: {n}" for rule, n in report["counts"].items()]
    for v in report["violations"][:50]:
        area = f" {v['area_m2']:.1f} m²" if v["area_m2"] is not None else ""
        lines.append(f"  [{v['rule']}] level {v['level']} {', '.join(v['codes'])}{area}: {v['detail']}")
    return "\n".join(lines)


# --- serving ----------------------------------------------------------------------------------


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@reports_errors()
def serve(host: str, port: int) -> None:
    """Serve the web app with a production WSGI server (waitress)."""
    run_server(_config(), host, port)


def run_server(config: Config, host: str, port: int) -> None:
    """Serve the app until interrupted."""
    import waitress

    from gridmap.web import create_app

    click.echo(f"serving http://{host}:{port}/map")
    waitress.serve(create_app(config), host=host, port=port, threads=8, ident="gridmap")


if __name__ == "__main__":  # pragma: no cover
    main()
