"""The base map from the counties' OpenStreetMap ground: /tiles/basemap/<z>/<x>/<y>.pbf and
the place names of a tile, /tiles/basemap/labels/<z>/<x>/<y>.json, with ETags."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from gridmap.grid.tiles import check_tile
from gridmap.ground import basemap_tiles
from gridmap.web.context import db

bp = Blueprint("basemap", __name__, url_prefix="/tiles/basemap")
MVT_TYPE = "application/vnd.mapbox-vector-tile"


@bp.get("/<int:z>/<int:x>/<int:y>.pbf")
def tile(z: int, x: int, y: int) -> Response:
    """One base-map vector tile; 304 when the client's copy is current."""
    check_tile(z, x, y)
    # Row-level security limits the stamp, like the tile, to the counties the account sees.
    stamp = basemap_tiles.osm_ground_stamp(db())
    tag = basemap_tiles.etag("tile", stamp, (z, x, y))
    if request.if_none_match.contains(tag):
        return _cached(Response(b"", status=304, mimetype=MVT_TYPE), tag)
    body = basemap_tiles.osm_basemap_tile(db(), z, x, y) if stamp else b""
    return _cached(Response(body, mimetype=MVT_TYPE), tag)


@bp.get("/labels/<int:z>/<int:x>/<int:y>.json")
def labels(z: int, x: int, y: int) -> Response:
    """The names of the places in one base-map tile, {"labels": [{name, kind, lon, lat}]}."""
    check_tile(z, x, y)
    stamp = basemap_tiles.osm_ground_stamp(db())
    tag = basemap_tiles.etag("labels", stamp, (z, x, y))
    if request.if_none_match.contains(tag):
        return _cached(Response(b"", status=304, mimetype="application/json"), tag)
    found = basemap_tiles.osm_place_labels(db(), z, x, y) if stamp else []
    return _cached(jsonify({"labels": found}), tag)


def _cached(response: Response, tag: str) -> Response:
    response.set_etag(tag)
    # The ground is no personal data, but it is a county's: private caches only; an hour
    # before revalidating, a new import shows within that time.
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
