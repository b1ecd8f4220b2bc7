"""`gridmap import osm`: a county's OpenStreetMap ground."""

from __future__ import annotations

from pathlib import Path

import click

from gridmap.cli import audited_write, current_config, emit, reports_errors
from gridmap.cli.grid_commands import import_group
from gridmap.core import db


@import_group.command("osm")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--clip", help="county code to keep the surroundings of (default: the only county)")
@click.option("--buildings", is_flag=True, help="keep buildings too (many rows in a town)")
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def import_osm(file: Path, clip: str | None, buildings: bool, as_json: bool) -> None:
    """Import roads, water and places of an .osm.pbf extract around a county (one transaction)."""
    from gridmap.ground.importer import import_osm_file

    config = current_config()
    with db.connect(config) as conn, audited_write(conn, "import.osm", file.name):
        report = import_osm_file(
            conn, file, clip=clip, margin_m=config.osm_margin_m, buildings=buildings
        )
    emit(report, as_json, _summary)


def _summary(report: dict) -> str:
    counts = ", ".join(f"{n} {layer}" for layer, n in report["counts"].items())
    skipped = f"; {report['skipped']} incomplete skipped" if report["skipped"] else ""
    return (
        f"{report['file']}: county {report['county']} (margin {report['margin_m']:g} m): "
        f"{counts}{skipped}"
    )
