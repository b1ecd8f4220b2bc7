"""`gridmap demo`: the sample county (or several demo counties), loaded and served."""

from __future__ import annotations

import json
import time

import click

from gridmap.cli import current_config, main, os_actor, reports_errors
from gridmap.cli.db_commands import ensure_database
from gridmap.cli.serve_commands import run_server
from gridmap.cli.user_commands import generated_password
from gridmap.core import db
from gridmap.core.clock import today
from gridmap.sample import MAX_COUNTIES


@main.command("demo")
@click.option(
    "--households", "households_n", default=130_000, show_default=True, type=int,
    help="households per county",
)  # fmt: skip
@click.option(
    "--counties", default=1, show_default=True, type=click.IntRange(1, MAX_COUNTIES),
    help="demo counties, coded 341890, 341891, … and laid out side by side",
)  # fmt: skip
@click.option("--seed", default=2023, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="load only; do not start the web server")
@click.option("--reload", is_flag=True, help="load the sample again even if data exist")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="print what was loaded as one JSON object")
@reports_errors()
def demo_command(
    households_n: int, counties: int, seed: int, no_serve: bool, reload: bool, host: str,
    port: int, as_json: bool,
) -> None:  # fmt: skip
    """Load the sample county with generated households and workers, then serve the map."""
    from gridmap.sample import demo

    config = current_config()
    url = ensure_database(config)
    say = (lambda _text: None) if as_json else click.echo
    outcome: dict = {"loaded": False, "counties": []}
    with db.connect(config, url) as conn:
        if demo.is_loaded(conn) and not reload:
            say("the database already holds households; not loading the sample again")
        else:
            started = time.perf_counter()
            say(_loading_line(counties, households_n))
            report = demo.load_demo(
                conn, config, households_n=households_n, seed=seed,
                today=today(config.timezone), counties=counties,
            )  # fmt: skip
            outcome["loaded"] = True
            outcome["counties"] = [demo.county_summary(c) for c in report["counties"]]
            outcome["seconds"] = round(time.perf_counter() - started, 1)
            for county in outcome["counties"]:
                say(_county_lines(county))
            say(f"loaded in {outcome['seconds']:.0f} s")
        created = demo.create_demo_accounts(conn, config, os_actor(), _password)
    if as_json:
        outcome["accounts"] = [{"username": u, "role": r, "password": p} for u, r, p in created]
        click.echo(json.dumps(outcome, ensure_ascii=False, default=str))
    else:
        _print_accounts(created)
    if not no_serve:
        run_server(config, host, port)


def _loading_line(counties: int, households_n: int) -> str:
    if counties == 1:
        return f"loading the sample county with {households_n:,} households …"
    return f"loading {counties} demo counties with {households_n:,} households each …"


def _county_lines(county: dict) -> str:
    """What one county received, and where to follow its campaign."""
    campaign = county["campaign"]
    return (
        f"{county['code']} {county['name']}: {county['units']:,} units, "
        f"{county['households']:,} households ({county['outside_grid']} outside the grid), "
        f"{county['workers']:,} workers, {county['visits']:,} visits, "
        f"{county['monitoring_periods']:,} monitored households' periods, "
        f"{county['projects']} projects\n"
        f'  campaign {campaign["id"]} "{campaign["name"]}" runs {campaign["starts_on"]} '
        f"to {campaign['ends_on']}: see /campaigns/{campaign['id']}"
    )


def _password(username: str) -> str:
    return current_config().demo_password or generated_password()


def _print_accounts(created: list[tuple[str, str, str]]) -> None:
    if not created:
        return
    click.echo("demo accounts (the passwords are shown only now):")
    for username, role, password in created:
        click.echo(f"  {role:<10} user {username:<10} password {password}")
