"""JSON API under /api/v1: parse the request, call the domain, return JSON."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from gridmap.errors import BadInput
from gridmap.store import units as unit_store
from gridmap.web.context import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def int_arg(name: str, *, low: int, high: int, default: int | None = None) -> int | None:
    """Read an integer query parameter within [low, high], or refuse with 400."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadInput(f"parameter {name} must be a whole number from {low} to {high}")
    return int(raw)


def code_arg(name: str) -> str | None:
    """Read a grid code query parameter (6 to 15 digits), or refuse with 400."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) not in (6, 9, 12, 15):
        raise BadInput(f"parameter {name} must be a 6, 9, 12 or 15-digit grid code")
    return raw


@bp.get("/units")
def units():  # type: ignore[no-untyped-def]
    """Current units of one level (default townships) as GeoJSON, optionally under a parent."""
    level = int_arg("level", low=1, high=4, default=2)
    assert level is not None
    return jsonify(unit_store.units_geojson(db(), level, code_arg("parent")))
