"""`gridmap assign …` and `gridmap coverage`: who is where, and who is uncovered."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from gridmap.cli import (
    audited_write,
    county_option,
    current_config,
    emit,
    main,
    report_actor,
    reports_errors,
)  # fmt: skip
from gridmap.core import db, vocab
from gridmap.core.clock import today


def as_of_option(fn):  # type: ignore[no-untyped-def]
    """Add --as-of DATE (default: today in the configured timezone)."""
    return click.option(
        "--as-of",
        "as_of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="report as on this date (YYYY-MM-DD); default today",
    )(fn)


def resolve_as_of(value: object) -> date:
    """The as-of date given on the command line, or today."""
    if value is None:
        return today(current_config().timezone)
    return value.date()  # type: ignore[attr-defined]


@main.group("assign", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@reports_errors()
def assign_group(ctx: click.Context, as_json: bool) -> None:
    """Assign every household to the villager group that covers it."""
    if ctx.invoked_subcommand is not None:
        return
    from gridmap.grid import assign

    with db.connect(current_config()) as conn, audited_write(conn, "assign.households", None):
        result = assign.assign_households(conn)
    emit(result, as_json, lambda r: ", ".join(f"{k}: {v}" for k, v in r.items()))


@assign_group.command("workers")
@click.option("--suggest", is_flag=True, required=True, help="propose workers for empty groups")
@click.option("--apply", "apply_", is_flag=True, help="assign the proposed workers")
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def assign_workers(suggest: bool, apply_: bool, as_json: bool) -> None:
    """Propose active workers for groups without one, within capacity, nearest first."""
    from gridmap.grid import assign

    config = current_config()
    with db.connect(config) as conn:
        if apply_:
            with audited_write(conn, "assign.workers", None):
                result = assign.suggest_workers(conn, config, apply=True)
        else:
            result = assign.suggest_workers(conn, config)
    emit(result, as_json, _suggestion_text)


def _suggestion_text(result: dict) -> str:
    lines = [
        f"group {s['group']} <- worker {s['worker']} ({s['distance_m']:.0f} m, "
        f"load {s['load_after']})"
        for s in result["suggestions"]
    ]
    lines.append(f"groups still without a worker: {result['unstaffed_after']}")
    lines += [
        f"worker {d['worker']} due for replacement ({d['reason']}); "
        f"candidates: {', '.join(d['candidates']) or 'none'}"
        for d in result["due_for_replacement"]
    ]
    return "\n".join(lines)


@main.command("coverage")
@click.option(
    "--level", type=click.IntRange(-1, 4),
    help="only units of this level; 0 and -1 roll the counties up to cities and provinces",
)  # fmt: skip
@as_of_option
@click.option("--xlsx", "xlsx_path", type=click.Path(path_type=Path), help="also write XLSX")
@county_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def coverage_command(
    level: int | None, as_of: object, xlsx_path: Path | None, counties: tuple[str, ...],
    as_json: bool,
) -> None:  # fmt: skip
    """Coverage report per unit: households, workers, and who is uncovered and why."""
    from gridmap.access import counties as county_choice
    from gridmap.coverage import report as coverage

    config = current_config()
    with db.connect(config) as conn:
        # A city or province roll-up is over every county seen; no county needs choosing.
        rolled_up = level is not None and level < vocab.COUNTY and not counties
        actor = report_actor(conn, (county_choice.ROLL_UP,) if rolled_up else counties)
        report = coverage.coverage_report(
            conn, config, resolve_as_of(as_of), level=level, scope=actor.scope
        )
        if xlsx_path is not None:
            xlsx_path.write_bytes(coverage.export_workbook(conn, actor, report))
    emit(report, as_json, _coverage_text)


def _coverage_text(report: dict) -> str:
    lines = [f"coverage as of {report['as_of']}"]
    for u in report["units"]:
        if u["level"] <= vocab.TOWNSHIP:
            lines.append(
                f"{'  ' * max(u['level'] - 1, 0)}{u['code']} {u['name']}: "
                f"{u['households']} households, "
                f"{u['covered']} covered, uncovered {u['uncovered_share']:.1%}, "
                f"outside grid {u['outside_grid']}, no worker {u['no_worker']}"
            )
    return "\n".join(lines)
