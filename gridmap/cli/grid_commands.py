"""`gridmap import …` and `gridmap validate`."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from gridmap.cli import (
    EXIT_FAILED,
    EXIT_PROBLEMS,
    county_option,
    current_config,
    effective_option,
    emit,
    import_file,
    main,
    mixed_counties_option,
    report_actor,
    reports_errors,
    run_import,
)
from gridmap.core import db


@main.group("import")
def import_group() -> None:
    """Import grids, households, workers and the bureau's records."""


@import_group.command("grids")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--crs", "crs_name", help="wgs84, cgcs2000, gcj02, bd09 or an EPSG code")
@click.option("--reason", help="why the grid changes (default: the file's name)")
@effective_option("the grid took this shape")
@mixed_counties_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def import_grids(
    file: Path, crs_name: str | None, reason: str | None, effective: datetime | None,
    mixed_counties: bool, as_json: bool,
) -> None:  # fmt: skip
    """Import grid units from GeoJSON, GeoPackage or Shapefile (one transaction)."""
    report = import_file(
        "grids", file, crs_name=crs_name, reason=reason, effective=effective,
        mixed_counties=mixed_counties,
    )  # fmt: skip
    emit(report, as_json, lambda r: (
        f"{r['file']}: {r['features']} units in county {'/'.join(r['counties'])}, "
        f"{len(r['created'])} new, {len(r['changed'])} changed, {r['unchanged']} unchanged"
    ))  # fmt: skip


@main.command("validate")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--crs", "crs_name", help="CRS of FILE when it does not say")
@click.option("--json", "as_json", is_flag=True)
@reports_errors(EXIT_FAILED)
def validate(file: Path | None, crs_name: str | None, as_json: bool) -> None:
    """Check the current grid, or FILE before importing it: exit 0 ok, 1 problems, 2 failed."""
    from gridmap.grid import grids

    config = current_config()
    if file is not None:
        report = grids.validate_file(
            file, config.gap_tolerance_m2, crs_name, max_unpacked_mb=config.upload_max_unpacked_mb
        )
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
        lines.append(
            f"  [{v['rule']}] level {v['level']} {', '.join(v['codes'])}{area}: {v['detail']}"
        )
    return "\n".join(lines)


@import_group.command("households")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--crs", "crs_name", help="wgs84, cgcs2000, gcj02, bd09 or an EPSG code")
@effective_option("the file's facts took effect")
@mixed_counties_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def import_households(
    file: Path, crs_name: str | None, effective: datetime | None, mixed_counties: bool,
    as_json: bool,
) -> None:  # fmt: skip
    """Import households from CSV (UTF-8 or GBK), XLSX or GeoJSON, then assign them."""
    run_import(
        "households", file, as_json, crs_name=crs_name, effective=effective,
        mixed_counties=mixed_counties,
    )  # fmt: skip


@import_group.command("workers")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--crs", "crs_name", help="CRS of the home coordinates")
@mixed_counties_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def import_workers(file: Path, crs_name: str | None, mixed_counties: bool, as_json: bool) -> None:
    """Import grid workers and the villager groups they serve."""
    run_import("workers", file, as_json, crs_name=crs_name, mixed_counties=mixed_counties)


@import_group.command("contacts")
@click.argument("file", type=click.Path(path_type=Path))
@mixed_counties_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def import_contacts(file: Path, mixed_counties: bool, as_json: bool) -> None:
    """Import assistance contacts and the households they assist."""
    run_import("contacts", file, as_json, mixed_counties=mixed_counties)


@import_group.command("visits")
@click.argument("file", type=click.Path(path_type=Path))
@mixed_counties_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def import_visits(file: Path, mixed_counties: bool, as_json: bool) -> None:
    """Import household visits (times local to the configured timezone)."""
    run_import("visits", file, as_json, mixed_counties=mixed_counties)


@main.group("export")
def export_group() -> None:
    """Export the grid."""


@export_group.command("grids")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="the grid as it was at the end of this date (default: now)")  # fmt: skip
@click.option("--level", type=click.IntRange(1, 4), help="only this level")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help=".geojson, .gpkg or .shp")  # fmt: skip
@county_option
@reports_errors()
def export_grids(as_of: object, level: int | None, output: Path, counties: tuple[str, ...]) -> None:
    """Write the grid (as it was on a date) to GeoJSON, GeoPackage or Shapefile."""
    from gridmap.access import audit
    from gridmap.grid import grids

    config = current_config()
    with db.connect(config) as conn:
        day = as_of.date() if as_of else None  # type: ignore[attr-defined]
        actor = report_actor(conn, counties)
        frame = grids.export_grid(conn, config, day, level, actor.scope)
        with conn.transaction():
            grids.write_grid(frame, output)
            audit.record_export(conn, actor, "export.grids", output.name)
    click.echo(f"wrote {len(frame)} units to {output}")
