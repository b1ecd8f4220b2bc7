"""Scripted boundary edits: edit, move-border, split, merge, undo, the edit log, exports."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gridmap.cli import (
    EXIT_PROBLEMS,
    current_config,
    effective_option,
    effective_start,
    emit,
    main,
    os_actor,
    reports_errors,
)
from gridmap.core import db

if TYPE_CHECKING:
    import psycopg

    from gridmap.grid.redraw.plan import GridState

POLYGONS = ("Polygon", "MultiPolygon")


def edit_options(fn: Callable) -> Callable:
    """Options every edit command shares."""
    for option in reversed(
        [
            click.option("--reason", required=True, help="why the grid changes"),
            click.option("--dry-run", is_flag=True, help="print the preview; change nothing"),
            click.option("--yes", is_flag=True, help="accept new gaps the edit opens"),
            click.option("--crs", "crs_name", help="CRS of the drawn geometry file"),
            effective_option("the edit took effect"),
        ]
    ):
        fn = option(fn)
    return reports_errors()(fn)


def run_edit(build: Callable[[psycopg.Connection], GridState], reason: str, dry_run: bool,
             yes: bool, effective: datetime | None) -> None:  # fmt: skip
    """Preview an edit (printing it with --dry-run) or save it, as one transaction.

    The edit takes effect at the start of the `effective` day (default: now).
    """
    from gridmap.grid.redraw import engine

    config = current_config()
    with db.connect(config) as conn:
        state = build(conn)
        preview = engine.preview(state, config.gap_tolerance_m2, confirm_gaps=yes)
        if dry_run or not preview["ok"]:
            emit(preview, True, str)
            sys.exit(0 if preview["ok"] or dry_run else EXIT_PROBLEMS)
        result = engine.save(
            state, token=preview["token"], reason=reason, actor=os_actor(),
            tolerance_m2=config.gap_tolerance_m2, confirm_gaps=yes,
            at=effective_start(effective, config.timezone),
        )  # fmt: skip
    click.echo(f"edit {result['edit']}: {len(result['area_change_m2'])} units changed, "
               f"{result['moved_count']} households moved")  # fmt: skip


@main.command("edit")
@click.argument("code")
@click.option("--geometry", "geometry_file", required=True, type=click.Path(path_type=Path))
@edit_options
def edit(code: str, geometry_file: Path, reason: str, dry_run: bool, yes: bool,
         crs_name: str | None, effective: datetime | None) -> None:  # fmt: skip
    """Give one villager group a new shape drawn in FILE."""
    from gridmap.files.grids import read_single_geometry
    from gridmap.grid.redraw import plan

    geom = read_single_geometry(geometry_file, POLYGONS, crs_name)
    run_edit(lambda conn: plan.plan_edit(conn, code, geom), reason, dry_run, yes, effective)


@main.command("move-border")
@click.argument("code1")
@click.argument("code2")
@click.option("--line", "line_file", required=True, type=click.Path(path_type=Path))
@edit_options
def move_border(code1: str, code2: str, line_file: Path, reason: str, dry_run: bool, yes: bool,
                crs_name: str | None, effective: datetime | None) -> None:  # fmt: skip
    """Redraw the border of two sibling units along a line (children follow)."""
    from gridmap.files.grids import read_single_geometry
    from gridmap.grid.redraw import plan

    line = read_single_geometry(line_file, ("LineString",), crs_name)
    build = lambda conn: plan.plan_move_border(conn, code1, code2, line)  # noqa: E731
    run_edit(build, reason, dry_run, yes, effective)


@main.command("split")
@click.argument("code")
@click.option("--line", "line_file", required=True, type=click.Path(path_type=Path))
@click.option("--name", help="name of the new group")
@edit_options
def split(code: str, line_file: Path, name: str | None, reason: str, dry_run: bool, yes: bool,
          crs_name: str | None, effective: datetime | None) -> None:  # fmt: skip
    """Split a villager group in two along a line; the new part gets the next free code."""
    from gridmap.files.grids import read_single_geometry
    from gridmap.grid.redraw import plan

    line = read_single_geometry(line_file, ("LineString",), crs_name)
    run_edit(lambda conn: plan.plan_split(conn, code, line, name), reason, dry_run, yes, effective)


@main.command("merge")
@click.argument("code1")
@click.argument("code2")
@edit_options
def merge(code1: str, code2: str, reason: str, dry_run: bool, yes: bool,
          crs_name: str | None, effective: datetime | None) -> None:  # fmt: skip
    """Merge CODE2 into CODE1 (two groups of a village, or two villages of a township)."""
    from gridmap.grid.redraw import plan

    run_edit(lambda conn: plan.plan_merge(conn, code1, code2), reason, dry_run, yes, effective)


@main.command("undo")
@click.argument("edit_id", type=int)
@click.option("--reason", required=True)
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def undo(edit_id: int, reason: str, as_json: bool) -> None:
    """Reverse a whole edit (refused when later edits changed the same units)."""
    from gridmap.grid.redraw import history

    with db.connect(current_config()) as conn:
        result = history.undo(conn, edit_id, reason=reason, actor=os_actor())
    emit(result, as_json, lambda r: f"edit {r['edit']} undoes edit {r['undoes']}")


@main.command("edits")
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def edits(as_json: bool) -> None:
    """The edit log: every change to the grid with who, when, why."""
    from gridmap.grid.redraw import history

    with db.connect(current_config()) as conn:
        rows = history.edit_log(conn)
    emit({"edits": rows}, as_json, lambda p: "\n".join(
        f"{e['id']:>5} {e['at']:%Y-%m-%d %H:%M} {e['kind']:<12} {e['author']:<12} "
        f"{e['households_moved']:>5} moved  {e['reason']}" for e in p["edits"]))  # fmt: skip
