"""`gridmap route`: travel between two points as inspection plans reckon it."""

from __future__ import annotations

import click

from gridmap.cli import county_option, current_config, emit, main, report_actor, reports_errors
from gridmap.core import db
from gridmap.core.errors import BadInput


def _point(value: str, hint: str) -> tuple[float, float]:
    """LON,LAT as a point, or a usage error of argument `hint`."""
    from gridmap.inspections.plan_input import parse_point

    try:
        return parse_point(value, hint)
    except BadInput as exc:
        raise click.BadParameter(exc.message, param_hint=hint) from None


@main.command("route")
@click.argument("origin", metavar="LON,LAT")
@click.argument("destination", metavar="LON,LAT")
@county_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def route_command(origin: str, destination: str, counties: tuple[str, ...], as_json: bool) -> None:
    """Travel from one point to another under the county's model: its roads when loaded, else
    the straight line times the detour factor."""
    from gridmap.inspections import plan, travel_models

    a, b = _point(origin, "LON,LAT"), _point(destination, "LON,LAT")
    config = current_config()
    with db.connect(config) as conn:
        county = plan.plan_county(conn, report_actor(conn, counties).scope)
        model = travel_models.for_county(conn, config, county)
    emit(travel_models.between(model, a, b), as_json, _route_text)


def _route_text(r: dict) -> str:
    minutes = r["seconds"] / 60
    text = f"{r['meters'] / 1000:.2f} km, {minutes:.0f} min ({r['model']})"
    return text + (f", of which {r['snap_meters']:.0f} m on foot to and from the road"
                   if r["snap_meters"] else "")  # fmt: skip
