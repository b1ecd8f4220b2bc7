"""The base map drawn from the counties' OpenStreetMap ground: what each zoom shows (road
classes, water and place kinds, buildings), the tiles and labels, and their ETags."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import psycopg

from gridmap.grid.tiles import check_tile
from gridmap.store import basemap as store
from gridmap.store.basemap import TileContent
from gridmap.store.tiles import EXTENT

#: The first zoom of each road class, major classes first (the drawing rank).
ROAD_MIN_ZOOM: Mapping[str, int] = {
    "motorway": 5, "trunk": 5, "primary": 7, "secondary": 9, "tertiary": 10, "ferry": 10,
    "motorway_link": 11, "trunk_link": 11, "unclassified": 11, "primary_link": 12,
    "secondary_link": 12, "tertiary_link": 12, "residential": 13, "living_street": 13,
    "road": 13, "service": 14, "track": 14, "pedestrian": 14, "cycleway": 14, "footway": 14,
    "bridleway": 14, "path": 14, "steps": 14,
}  # fmt: skip
#: From this zoom every road is drawn, whatever its class.
ALL_ROADS_ZOOM = 14
#: The first zoom of each water kind: rivers and lakes first, ditches last.
WATER_MIN_ZOOM: Mapping[str, int] = {
    "river": 8, "water": 8, "riverbank": 8, "reservoir": 8, "canal": 10, "stream": 12,
    "drain": 13, "ditch": 13,
}  # fmt: skip
ALL_WATER_ZOOM = 13
#: The first zoom of each place kind, most important first (the labels' order): seats of a
#: county or township from a county's view, villages closer, hamlets closer still.
PLACE_MIN_ZOOM: Mapping[str, int] = {
    "city": 6, "county": 6, "town": 8, "township": 8, "suburb": 11, "village": 11,
    "hamlet": 13, "neighbourhood": 13, "isolated_dwelling": 14, "locality": 14,
}  # fmt: skip
ALL_PLACES_ZOOM = 14
BUILDINGS_MIN_ZOOM = 15
#: Below this zoom lines and areas are simplified to the tile's grid.
SIMPLIFY_BELOW_ZOOM = 13
#: Width of the Web Mercator world, in metres.
WORLD_3857_M = 2 * 20037508.342789244


def shown_at(min_zoom: Mapping[str, int], all_from: int, z: int) -> tuple[str, ...] | None:
    """The kinds of `min_zoom` shown at zoom `z` in its order; None (every kind) from `all_from`."""
    if z >= all_from:
        return None
    return tuple(kind for kind, first in min_zoom.items() if z >= first)


def simplify_m(z: int) -> float:
    """Simplification tolerance at zoom `z` in Web Mercator metres: one unit of the tile's
    grid below SIMPLIFY_BELOW_ZOOM (finer detail is snapped away anyway), else none."""
    return WORLD_3857_M / (EXTENT * 2**z) if z < SIMPLIFY_BELOW_ZOOM else 0.0


def content_for_zoom(z: int) -> TileContent:
    """What a base-map tile of zoom `z` holds."""
    return TileContent(
        road_classes=shown_at(ROAD_MIN_ZOOM, ALL_ROADS_ZOOM, z),
        water_kinds=shown_at(WATER_MIN_ZOOM, ALL_WATER_ZOOM, z),
        place_kinds=shown_at(PLACE_MIN_ZOOM, ALL_PLACES_ZOOM, z),
        buildings=z >= BUILDINGS_MIN_ZOOM,
        simplify_m=simplify_m(z),
        road_rank=tuple(ROAD_MIN_ZOOM),
        place_rank=tuple(PLACE_MIN_ZOOM),
    )


def osm_basemap_tile(conn: psycopg.Connection, z: int, x: int, y: int) -> bytes:
    """The base-map vector tile z/x/y of the OSM ground the connection sees (b"" when empty)."""
    check_tile(z, x, y)
    return store.osm_basemap_tile(conn, z, x, y, content_for_zoom(z))


def osm_place_labels(conn: psycopg.Connection, z: int, x: int, y: int) -> list[dict]:
    """The names of the places the tile z/x/y shows, as {"name", "kind", "lon", "lat"}."""
    check_tile(z, x, y)
    return store.osm_place_labels(conn, z, x, y, content_for_zoom(z))


def osm_ground_stamp(conn: psycopg.Connection) -> str | None:
    """The current OSM imports the connection sees; None when no OSM ground is loaded."""
    return store.osm_ground_stamp(conn)


def etag(what: str, stamp: str | None, tile: tuple[int, int, int]) -> str:
    """A strong ETag of a tile or its labels (`what`) that changes with a new import or with
    the zoom's rules."""
    # The rules are part of it: a release that draws a zoom differently must not leave
    # browsers revalidating the old drawing as current.
    raw = f"{what}/{stamp}/{'/'.join(map(str, tile))}/{content_for_zoom(tile[0])!r}"
    return hashlib.sha1(raw.encode()).hexdigest()[:24]
