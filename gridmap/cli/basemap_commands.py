"""`gridmap export basemap`: an offline vector base map from the loaded OSM ground."""

from __future__ import annotations

from pathlib import Path

import click

from gridmap.cli import county_option, current_config, report_actor, reports_errors
from gridmap.cli.grid_commands import export_group
from gridmap.core import db


@export_group.command("basemap")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="the .pmtiles file to write")  # fmt: skip
@county_option
@click.option("--min-zoom", "min_zoom", type=int, default=8, show_default=True)
@click.option("--max-zoom", "max_zoom", type=int, default=15, show_default=True)
@reports_errors()
def export_basemap(output: Path, counties: tuple[str, ...], min_zoom: int, max_zoom: int) -> None:
    """Write the counties' OSM base-map tiles to a PMTiles file (GRIDMAP_BASEMAP_FILE)."""
    from gridmap.access import audit
    from gridmap.access.counties import county_choices
    from gridmap.ground import basemap_export

    config = current_config()
    with db.connect(config) as conn:
        actor = report_actor(conn, counties)
        codes = [c["code"] for c in county_choices(conn, actor.scope)]
        report = basemap_export.export_county_basemap(
            conn, output, codes, min_zoom=min_zoom, max_zoom=max_zoom
        )
        with conn.transaction():
            audit.record_export(
                conn, actor, "export.basemap", output.name, {"tiles": report["tiles"]}
            )
    click.echo(
        f"wrote {report['tiles']} tiles ({report['bytes']} bytes) of counties "
        f"{', '.join(report['counties'])} at zooms {min_zoom}..{max_zoom} to {output}"
    )
