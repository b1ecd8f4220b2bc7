"""`gridmap import projects`, `gridmap import pairings` and `gridmap projects report`."""

from __future__ import annotations

from pathlib import Path

import click

from gridmap.cli import (
    county_option,
    current_config,
    emit,
    main,
    mixed_counties_option,
    report_actor,
    reports_errors,
    run_import,
)
from gridmap.cli.grid_commands import import_group
from gridmap.core import db


@import_group.command("projects")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--crs", "crs_name", help="wgs84, cgcs2000, gcj02, bd09 or an EPSG code")
@mixed_counties_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def import_projects(file: Path, crs_name: str | None, mixed_counties: bool, as_json: bool) -> None:
    """Import funded projects (衔接资金项目) from CSV (UTF-8 or GBK), XLSX or GeoJSON."""
    run_import("projects", file, as_json, crs_name=crs_name, mixed_counties=mixed_counties)


@import_group.command("pairings")
@click.argument("file", type=click.Path(path_type=Path))
@mixed_counties_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def import_pairings(file: Path, mixed_counties: bool, as_json: bool) -> None:
    """Import enterprise (万企兴万村) and county leader (联系点) pairings with villages."""
    run_import("pairings", file, as_json, mixed_counties=mixed_counties)


@main.group("projects")
def projects_group() -> None:
    """Funded projects (衔接资金项目)."""


@projects_group.command("report")
@click.option("--year", type=click.IntRange(2000, 2100), help="only the projects of this year")
@county_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def report(year: int | None, counties: tuple[str, ...], as_json: bool) -> None:
    """Count, funds by category, industry share, progress and unregistered assets."""
    from gridmap.projects import funded as projects

    with db.connect(current_config()) as conn:
        payload = projects.project_report(conn, report_actor(conn, counties).scope, year)
    emit(payload, as_json, _report_text)


def _report_text(report: dict) -> str:
    from gridmap.files.projects import CATEGORY_NAMES

    lines = [f"projects: {report['projects']}, funds: {report['funds_wan']:,.2f} 万元"]
    for category, figures in report["by_category"].items():
        lines.append(
            f"  {CATEGORY_NAMES[category]} ({category}): {figures['count']} projects, "
            f"{figures['funds_wan']:,.2f} 万元, {figures['share']:.1%}"
        )
    lines.append(
        f"industry share {report['industry_share']:.1%}, started {report['started_share']:.1%}, "
        f"completed {report['completed_share']:.1%}, completed without asset registration: "
        f"{report['unregistered_assets']}"
    )
    lines.append("by township:")
    lines += [
        f"  {t['code']}: {t['projects']} projects, {t['funds_wan']:,.2f} 万元"
        for t in report["by_township"]
    ]
    return "\n".join(lines)
