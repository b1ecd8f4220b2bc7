"""Vector tiles: /tiles/<layer>/<z>/<x>/<y>.pbf with ETag and caching headers."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from gridmap.access import counties
from gridmap.access.accounts import Scope
from gridmap.core.errors import NotFound
from gridmap.grid import tiles
from gridmap.web import params
from gridmap.web.auth import current_actor
from gridmap.web.context import config, db

bp = Blueprint("tiles", __name__, url_prefix="/tiles")
MVT_TYPE = "application/vnd.mapbox-vector-tile"


def _cache() -> tiles.CountsCache:
    return current_app.extensions["gridmap_tile_counts"]


@bp.get("/<layer>/<int:z>/<int:x>/<int:y>.pbf")
def tile(layer: str, z: int, x: int, y: int) -> Response:
    """One vector tile of `households` or `units`; 304 when the client's copy is current."""
    if layer not in ("households", "units"):
        raise NotFound(f"no tile layer {layer}")
    tiles.check_tile(z, x, y)
    as_of = params.as_of()
    prefixes = tiles.tile_prefixes(_county_scope(), params.unit_code("unit"))
    stamp = tiles.change_stamp(db(), prefixes)
    tag = tiles.etag(layer, stamp, as_of, prefixes, (z, x, y), config())
    if request.if_none_match.contains(tag):
        return _response(b"", tag, status=304)
    if layer == "households":
        body = tiles.household_tile(
            db(), config(), _cache(), (z, x, y), as_of=as_of, prefixes=prefixes, stamp=stamp
        )
    else:
        body = tiles.units_tile(db(), (z, x, y), prefixes)
    return _response(body, tag)


def _county_scope() -> Scope:
    """The account's scope within the counties asked (?county=), else all it sees."""
    # A tile is a place, not a report: it needs no choice, and outside the scope it is empty.
    asked = params.counties() or [counties.ROLL_UP]
    try:
        return counties.choose(db(), current_actor().scope, asked, words=params.wording)
    except NotFound:
        return Scope(())


def _response(body: bytes, tag: str, status: int = 200) -> Response:
    response = Response(body, status=status, mimetype=MVT_TYPE)
    response.set_etag(tag)
    # Tiles are personal-data-bearing: private caches only, always revalidated.
    response.headers["Cache-Control"] = "private, no-cache"
    return response
