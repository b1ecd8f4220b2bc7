"""The base layers this request's map pages offer: the configured URL and tile package, and
the OpenStreetMap ground when the account sees any."""

from __future__ import annotations

from flask import current_app, g, request
from flask_babel import gettext as _

from gridmap.ground.basemap_tiles import osm_ground_stamp
from gridmap.maps.basemap import basemap_settings, choose_layers
from gridmap.web.context import config, db


def page_basemap() -> dict[str, object]:
    """The base map settings of this request's map (gridmap.maps.basemap), in its language.

    Looked up once per request: a page may build several maps, and the base.html context
    offers this to every template without querying for pages that show no map.
    """
    if "gm_basemap" not in g:
        cfg = config()
        package = current_app.extensions.get("gridmap_tile_package")
        osm_ground = osm_ground_stamp(db()) is not None
        layers = choose_layers(
            cfg.basemap_url, cfg.basemap_attribution, package, osm_ground, request.script_root
        )
        g.gm_basemap = basemap_settings(layers, translate=_)
    return dict(g.gm_basemap)
