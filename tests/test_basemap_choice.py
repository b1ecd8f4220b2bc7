"""The base layers a map page offers: which, in what order, and as the scripts read them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gridmap.maps.basemap import (
    MAX_ZOOM,
    OSM_ATTRIBUTION,
    OSM_MIN_ZOOM,
    basemap_settings,
    choose_layers,
)

ONLINE = "https://t{s}.example.cn/{z}/{x}/{y}.png"


@dataclass(frozen=True)
class Package:
    """What the pages read of an opened tile package."""

    format: str
    vector: bool
    min_zoom: int = 6
    max_zoom: int = 14
    attribution: str = "© 测绘院"


RASTER = Package("png", vector=False)
VECTOR = Package("pbf", vector=True, attribution=OSM_ATTRIBUTION)


@pytest.mark.parametrize(
    ("url", "package", "osm", "ids"),
    [
        ("", None, False, []),
        (ONLINE, None, False, ["online"]),
        ("", RASTER, False, ["package"]),
        ("", None, True, ["osm"]),
        (ONLINE, RASTER, False, ["online", "package"]),
        (ONLINE, None, True, ["online", "osm"]),
        ("", VECTOR, True, ["package", "osm"]),
        (ONLINE, VECTOR, True, ["online", "package", "osm"]),
    ],
)
def test_layers_offered_and_their_default(url: str, package: Package | None, osm: bool,
                                          ids: list[str]):  # fmt: skip
    settings = basemap_settings(choose_layers(url, "© 在线", package, osm))
    assert [layer["id"] for layer in settings["layers"]] == ids
    assert settings["default"] == (ids[0] if ids else "none")
    assert settings["maxZoom"] == MAX_ZOOM
    assert settings["scale"] == {"imperial": False}


@pytest.mark.parametrize(
    ("package", "kind", "labels"),
    [(RASTER, "raster", ""), (VECTOR, "vector", "/gm/tiles/package/labels/{z}/{x}/{y}.json")],
)
def test_a_package_layer_follows_its_format_and_zooms(package: Package, kind: str, labels: str):
    (layer,) = basemap_settings(choose_layers("", "", package, False, root="/gm"))["layers"]
    assert layer == {
        "id": "package", "kind": kind, "url": "/gm/tiles/package/{z}/{x}/{y}",
        "labelsUrl": labels, "attribution": package.attribution, "minZoom": 6,
        "maxNativeZoom": 14, "label": "Offline map",
    }  # fmt: skip


def test_the_osm_layer_is_vector_tiles_with_place_names_and_its_credit():
    (layer,) = basemap_settings(choose_layers("", "", None, True))["layers"]
    assert layer == {
        "id": "osm", "kind": "vector", "url": "/tiles/basemap/{z}/{x}/{y}.pbf",
        "labelsUrl": "/tiles/basemap/labels/{z}/{x}/{y}.json", "attribution": OSM_ATTRIBUTION,
        "minZoom": OSM_MIN_ZOOM, "maxNativeZoom": MAX_ZOOM,
        "label": "OpenStreetMap roads and places",
    }  # fmt: skip


def test_the_online_layer_keeps_its_url_and_credit():
    (layer,) = basemap_settings(choose_layers(ONLINE, "© 在线", None, False, root="/gm"))["layers"]
    assert (layer["kind"], layer["url"], layer["attribution"]) == ("raster", ONLINE, "© 在线")
    assert layer["labelsUrl"] == ""


def test_the_words_are_translated():
    words = {"OpenStreetMap roads and places": "OSM 底图", "No base map": "无底图"}
    settings = basemap_settings(choose_layers("", "", None, True), translate=words.__getitem__)
    assert settings["layers"][0]["label"] == "OSM 底图"
    assert settings["noneLabel"] == "无底图"
