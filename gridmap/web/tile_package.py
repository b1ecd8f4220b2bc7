"""The offline tile package (GRIDMAP_BASEMAP_FILE): /tiles/package/<z>/<x>/<y> and its labels."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, jsonify

from gridmap.core.config import Config
from gridmap.core.errors import NotFound
from gridmap.ground.tile_package import TilePackage, open_package

bp = Blueprint("tile_package", __name__, url_prefix="/tiles/package")
EXTENSION = "gridmap_tile_package"
#: The package changes only when the server restarts with another file: a day in the
#: browser's cache is safe, and saves an intranet server most of its tile traffic.
CACHE_CONTROL = "private, max-age=86400"


def init_tile_package(app: Flask, config: Config) -> None:
    """Open the configured package once (None when none is); a bad file stops start-up."""
    app.extensions[EXTENSION] = open_package(config.basemap_file) if config.basemap_file else None


def _package() -> TilePackage:
    package: TilePackage | None = current_app.extensions.get(EXTENSION)
    if package is None:
        raise NotFound("no tile package is configured (GRIDMAP_BASEMAP_FILE)")
    return package


@bp.get("/<int:z>/<int:x>/<int:y>")
def tile(z: int, x: int, y: int) -> Response:
    """One tile of the package, in its own format; 404 where the package has none."""
    package = _package()
    body = package.tile(z, x, y)
    if body is None:
        raise NotFound(f"the tile package has no tile {z}/{x}/{y}")
    response = Response(body, mimetype=package.content_type)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


@bp.get("/labels/<int:z>/<int:x>/<int:y>.json")
def labels(z: int, x: int, y: int) -> Response:
    """The place names in one tile of a vector package: {"labels": [...]}."""
    package = _package()
    if not package.vector:
        raise NotFound("the tile package holds images, which carry their own labels")
    if not package.min_zoom <= z <= package.max_zoom:
        raise NotFound(f"the tile package has no tiles at zoom {z}")
    response = jsonify({"labels": package.labels(z, x, y)})
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response
