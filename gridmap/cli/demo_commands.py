"""`gridmap demo`: the sample county, loaded and served."""

from __future__ import annotations

import time

import click

from gridmap.cli import current_config, main, os_actor, reports_errors
from gridmap.cli.db_commands import ensure_database
from gridmap.cli.serve_commands import run_server
from gridmap.cli.user_commands import generated_password
from gridmap.core import db
from gridmap.core.clock import today


@main.command("demo")
@click.option("--households", "households_n", default=130_000, show_default=True, type=int)
@click.option("--seed", default=2023, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="load only; do not start the web server")
@click.option("--reload", is_flag=True, help="load the sample again even if data exist")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@reports_errors()
def demo_command(
    households_n: int, seed: int, no_serve: bool, reload: bool, host: str, port: int
) -> None:
    """Load the sample county with generated households and workers, then serve the map."""
    from gridmap.sample import demo

    config = current_config()
    url = ensure_database(config)
    with db.connect(config, url) as conn:
        if demo.is_loaded(conn) and not reload:
            click.echo("the database already holds households; not loading the sample again")
        else:
            started = time.perf_counter()
            click.echo(f"loading the sample county with {households_n:,} households …")
            report = demo.load_demo(
                conn, config, households_n=households_n, seed=seed, today=today(config.timezone)
            )
            assignment = report["assignment"]
            click.echo(
                f"loaded {report['grids']['features']} units, {assignment['households']:,} "
                f"households ({assignment['outside_grid']} outside the grid), "
                f"{report['workers']['rows']:,} workers, {report['visits']['inserted']:,} visits, "
                f"{report['monitoring']['rows']:,} monitored households' periods "
                f"in {time.perf_counter() - started:.0f} s"
            )
            campaign = report["campaign"]
            click.echo(
                f'campaign {campaign["id"]} "{campaign["name"]}" runs {campaign["starts_on"]} '
                f"to {campaign['ends_on']}: see /campaigns/{campaign['id']}"
            )
        _print_accounts(demo.create_demo_accounts(conn, config, os_actor(), _password))
    if not no_serve:
        run_server(config, host, port)


def _password(username: str) -> str:
    return current_config().demo_password or generated_password()


def _print_accounts(created: list[tuple[str, str, str]]) -> None:
    if not created:
        return
    click.echo("demo accounts (the passwords are shown only now):")
    for username, role, password in created:
        click.echo(f"  {role:<10} user {username:<10} password {password}")
