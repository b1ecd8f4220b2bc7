"""The base map every map page shares: the base layers offered, their credit, the zoom limit
and the scale. The pages' scripts (static/js/basemap.js) draw every base layer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from gridmap.maps.text import N_

#: Deepest zoom of every map: single houses of a village; the base tiles' usual limit.
MAX_ZOOM = 19

#: The credit OpenStreetMap's licence asks for wherever its data is drawn.
OSM_ATTRIBUTION = "© OpenStreetMap contributors"

#: The id of the "no base map" choice of the switch.
NONE = "none"

#: Where the scripts fetch each base layer's tiles and place names; all on this host.
OSM_TILES_URL = "/tiles/basemap/{z}/{x}/{y}.pbf"
OSM_LABELS_URL = "/tiles/basemap/labels/{z}/{x}/{y}.json"
PACKAGE_TILES_URL = "/tiles/package/{z}/{x}/{y}"
PACKAGE_LABELS_URL = "/tiles/package/labels/{z}/{x}/{y}.json"

#: The OSM vector tiles start where a county fills a screen (below, it is a few pixels).
#: They are fetched at every zoom up to MAX_ZOOM: a tile scaled past its zoom would scale
#: its roads' widths too.
OSM_MIN_ZOOM = 8

#: The switch's name of each choice, as msgids; the web layer translates them.
BASEMAP_TEXT: dict[str, str] = {
    "online": N_("Online map"),
    "package": N_("Offline map"),
    "osm": N_("OpenStreetMap roads and places"),
    NONE: N_("No base map"),
}


class TilePackageInfo(Protocol):
    """What the pages need to know of an opened tile package (gridmap.ground.tile_package)."""

    @property
    def format(self) -> str: ...
    @property
    def vector(self) -> bool: ...
    @property
    def min_zoom(self) -> int: ...
    @property
    def max_zoom(self) -> int: ...
    @property
    def attribution(self) -> str: ...


@dataclass(frozen=True)
class BaseLayer:
    """One base layer a page offers: vector tiles (gridmap's OSM style) or raster images."""

    id: str
    kind: str  # "vector" or "raster"
    url: str
    label: str  # a msgid of BASEMAP_TEXT
    attribution: str = ""
    labels_url: str = ""  # the place names as JSON (vector layers); "" for none
    min_zoom: int = 0
    max_native_zoom: int = MAX_ZOOM


def online_layer(url: str, attribution: str) -> BaseLayer:
    """The configured XYZ image tiles (GRIDMAP_BASEMAP_URL)."""
    return BaseLayer("online", "raster", url, BASEMAP_TEXT["online"], attribution)


def package_layer(package: TilePackageInfo, root: str = "") -> BaseLayer:
    """The configured tile package (GRIDMAP_BASEMAP_FILE), served by this host under `root`."""
    return BaseLayer(
        "package",
        "vector" if package.vector else "raster",
        root + PACKAGE_TILES_URL,
        BASEMAP_TEXT["package"],
        package.attribution,
        labels_url=root + PACKAGE_LABELS_URL if package.vector else "",
        min_zoom=package.min_zoom,
        max_native_zoom=package.max_zoom,
    )


def osm_layer(root: str = "") -> BaseLayer:
    """The county's OpenStreetMap ground as vector tiles from this host under `root`."""
    return BaseLayer(
        "osm", "vector", root + OSM_TILES_URL, BASEMAP_TEXT["osm"], OSM_ATTRIBUTION,
        labels_url=root + OSM_LABELS_URL, min_zoom=OSM_MIN_ZOOM,
    )  # fmt: skip


def choose_layers(
    url: str, attribution: str, package: TilePackageInfo | None, osm_ground: bool,
    root: str = "",
) -> list[BaseLayer]:  # fmt: skip
    """The base layers offered, the default first: an online URL, the tile package, then
    the OSM ground (each only when configured or loaded); `root` is where the app is mounted."""
    layers = []
    if url:
        layers.append(online_layer(url, attribution))
    if package is not None:
        layers.append(package_layer(package, root))
    if osm_ground:
        layers.append(osm_layer(root))
    return layers


def basemap_settings(
    layers: Sequence[BaseLayer], translate: Callable[[str], str] = str
) -> dict[str, object]:
    """The base map as the pages' scripts read it (gridmap.baseMap); `translate` turns the
    layers' msgids into the request's language."""
    return {
        "layers": [_layer_settings(layer, translate) for layer in layers],
        "default": layers[0].id if layers else NONE,
        "noneLabel": translate(BASEMAP_TEXT[NONE]),
        "maxZoom": MAX_ZOOM,
        "scale": {"imperial": False},
    }


def _layer_settings(layer: BaseLayer, translate: Callable[[str], str]) -> dict[str, object]:
    return {
        "id": layer.id,
        "kind": layer.kind,
        "url": layer.url,
        "labelsUrl": layer.labels_url,
        "attribution": layer.attribution,
        "minZoom": layer.min_zoom,
        "maxNativeZoom": layer.max_native_zoom,
        "label": translate(layer.label),
    }
