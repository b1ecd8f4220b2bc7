"""The `gridmap` command: parse, call the domain, print. Reports take --json."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gridmap.core import clock, db
from gridmap.core.clock import os_user
from gridmap.core.config import Config
from gridmap.core.errors import GridmapError

if TYPE_CHECKING:
    import psycopg

    from gridmap.access.accounts import Actor

EXIT_PROBLEMS = 1
EXIT_FAILED = 2


def current_config() -> Config:
    """The configuration of this command run, read once from the environment."""
    return click.get_current_context().ensure_object(dict).setdefault("config", Config.from_env())


def emit(payload: dict, as_json: bool, human: Callable[[dict], str]) -> None:
    """Print one JSON object (with --json) or a human summary."""
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        click.echo(human(payload))


def os_actor() -> Actor:
    """The actor of this command run: an administrator under the operating-system user's name."""
    from gridmap.access.accounts import cli_actor

    return cli_actor(os_user())


#: How the command line chooses counties, for the message that asks for a choice.
COUNTY_CHOICE = "--county CODE (or --county all for every county together)"


def county_option(fn: Callable) -> Callable:
    """Add --county CODE (repeatable): the counties a report covers, or `all` for every one."""
    return click.option(
        "--county", "counties", multiple=True,
        help="county code to report on (repeat for several, or 'all'); needed when the "
        "database holds several counties",
    )(fn)  # fmt: skip


def report_actor(
    conn: psycopg.Connection, counties: Iterable[str], within: str | None = None
) -> Actor:
    """The command line's administrator, seeing only the counties asked (see counties.choose)."""
    from gridmap.access import counties as county_choice

    actor = os_actor()
    scope = county_choice.choose(conn, actor.scope, counties, within=within, how=COUNTY_CHOICE)
    return replace(actor, scope=scope)


@contextmanager
def audited_write(conn: psycopg.Connection, action: str, target: str | None) -> Iterator[None]:
    """Run a command's write in one transaction with its audit row (user: the OS user)."""
    from gridmap.access import audit

    with audit.audited(conn, os_actor(), action, target):
        yield


def effective_option(what: str) -> Callable:
    """The --effective DATE option: the day the change took effect (default: today)."""
    return click.option(
        "--effective", type=click.DateTime(["%Y-%m-%d"]), default=None,
        help=f"the day {what}, YYYY-MM-DD (default: now); not before the last recorded change",
    )  # fmt: skip


#: The --mixed-counties flag of every import.
mixed_counties_option = click.option(
    "--mixed-counties", "mixed_counties", is_flag=True,
    help="import a file whose rows belong to several counties (refused otherwise)",
)  # fmt: skip


def effective_start(effective: datetime | None, timezone: str) -> datetime | None:
    """The start of the `effective` day in `timezone`, or None for now."""
    return None if effective is None else clock.start_of_day(effective.date(), timezone)


def import_summary(report: dict) -> str:
    """One line of an import report's plain figures and its counties."""
    shown = [f"{k}: {v}" for k, v in report.items() if not isinstance(v, list | dict)]
    if "counties" in report:
        shown.append("counties: " + (" ".join(report["counties"]) or "none named"))
    return ", ".join(shown)


def import_file(
    kind: str, file: Path, *, crs_name: str | None = None, reason: str | None = None,
    effective: datetime | None = None, mixed_counties: bool = False,
) -> dict:  # fmt: skip
    """Run the registered import of `kind` (as /admin/import does) with its audit row."""
    from gridmap.registry import uploads

    config = current_config()
    day = None if effective is None else effective.date()
    options = uploads.ImportOptions(
        crs_name=crs_name, reason=reason, effective=day, mixed_counties=mixed_counties
    )
    with db.connect(config) as conn:
        return uploads.run_import(conn, config, os_actor(), kind, file, options=options)


def run_import(
    kind: str, file: Path, as_json: bool, *, crs_name: str | None = None,
    human: Callable[[dict], str] = import_summary, effective: datetime | None = None,
    mixed_counties: bool = False,
) -> None:  # fmt: skip
    """Run one registered import, then print its report."""
    report = import_file(
        kind, file, crs_name=crs_name, effective=effective, mixed_counties=mixed_counties
    )
    emit(report, as_json, human)


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


def _register_commands() -> None:
    # Command modules attach themselves to `main` when imported.
    from gridmap.cli import (  # noqa: F401
        basemap_commands,
        coverage_commands,
        db_commands,
        demo_commands,
        edit_commands,
        field_commands,
        grid_commands,
        history_commands,
        inspect_commands,
        osm_commands,
        project_commands,
        route_commands,
        serve_commands,
        user_commands,
    )


_register_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
