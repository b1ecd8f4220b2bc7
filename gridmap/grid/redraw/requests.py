"""Edit requests as the API and the command line send them, turned into plans."""

from __future__ import annotations

from typing import Any

import psycopg
from shapely.geometry import shape

from gridmap.core import vocab
from gridmap.core.errors import BadInput
from gridmap.grid.redraw import plan, versions
from gridmap.grid.redraw.plan import GridState


def _geometry(value: object, kinds: tuple[str, ...], field: str) -> Any:
    """A GeoJSON geometry (or Feature) of one of `kinds`, in EPSG:4326."""
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    try:
        geom = shape(value)  # type: ignore[arg-type]
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        raise BadInput(f"{field} must be a GeoJSON {' or '.join(kinds)}") from exc
    if geom.geom_type not in kinds or geom.is_empty:
        raise BadInput(f"{field} must be a GeoJSON {' or '.join(kinds)}, not {geom.geom_type}")
    return geom


def _code(value: object, field: str) -> str:
    if not isinstance(value, str) or not vocab.is_unit_code(value):
        raise BadInput(f"{field} must be a grid code ({vocab.codes_phrase()} digits)")
    return value


def plan_from_request(conn: psycopg.Connection, code: str, body: dict) -> GridState:
    """Build the plan of an edit of unit `code`; 409 if the `versions` sent are out of date."""
    drawn = versions.parse(body.get("versions"))
    if drawn is None:
        return _plan(conn, code, body)
    others = [body["other"]] if isinstance(body.get("other"), str) else []
    versions.check_named(conn, [code, *others], drawn)
    state = _plan(conn, code, body)
    versions.check_plan(state, drawn)
    return state


def _plan(conn: psycopg.Connection, code: str, body: dict) -> GridState:
    operation = body.get("operation", "edit")
    if operation == "edit":
        geom = _geometry(body.get("geometry"), ("Polygon", "MultiPolygon"), "geometry")
        return plan.plan_edit(conn, code, geom)
    if operation == "move_border":
        line = _geometry(body.get("line"), ("LineString",), "line")
        return plan.plan_move_border(conn, code, _code(body.get("other"), "other"), line)
    if operation == "split":
        line = _geometry(body.get("line"), ("LineString",), "line")
        name = body.get("name") if isinstance(body.get("name"), str) else None
        return plan.plan_split(conn, code, line, name)
    if operation == "merge":
        return plan.plan_merge(conn, code, _code(body.get("other"), "other"))
    raise BadInput(f"unknown operation {operation}; use one of {', '.join(plan.OPERATIONS)}")
