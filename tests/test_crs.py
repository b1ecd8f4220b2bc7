"""Coordinate systems: CRS names, GCJ-02 / BD-09 conversions and reprojection to EPSG:4326."""

from __future__ import annotations

import os
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import ArrayLike

from gridmap.core.errors import BadInput
from gridmap.geo.crs import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    parse_crs,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

settings.register_profile("ci", max_examples=25, deadline=None)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")

GEOD = pyproj.Geod(ellps="WGS84")
Forward = Callable[..., tuple[np.ndarray, np.ndarray]]
TIANANMEN = (116.404, 39.915)
# Published outputs of the widely used coordtransform library for TIANANMEN
# (github.com/wandergis/coordTransform README); its forward formulas are the standard ones.
PUBLISHED_WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
PUBLISHED_GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)
PUBLISHED_WGS84_TO_BD09 = (116.41662724378733, 39.922699552216216)


def distance_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> np.ndarray:
    """Geodesic distances in metres, broadcasting scalars against arrays."""
    x1, y1, x2, y2 = np.broadcast_arrays(lon1, lat1, lon2, lat2)
    _, _, dist = GEOD.inv(x1, y1, x2, y2)
    return np.asarray(dist)


@pytest.mark.parametrize(
    "func, expected",
    [
        (wgs84_to_gcj02, PUBLISHED_WGS84_TO_GCJ02),
        (gcj02_to_bd09, PUBLISHED_GCJ02_TO_BD09),
        (wgs84_to_bd09, PUBLISHED_WGS84_TO_BD09),
    ],
)
def test_forward_formulas_match_published_values(func: Forward, expected: tuple) -> None:
    lon, lat = func(*TIANANMEN)
    assert float(lon) == pytest.approx(expected[0], abs=1e-9)
    assert float(lat) == pytest.approx(expected[1], abs=1e-9)


def test_gcj02_offset_in_beijing_has_the_well_known_size() -> None:
    lon, lat = wgs84_to_gcj02(116.397, 39.908)
    assert float(lon) - 116.397 == pytest.approx(0.0062, abs=0.0002)
    assert float(lat) - 39.908 == pytest.approx(0.0014, abs=0.0002)


def test_inverse_is_exact_where_the_usual_one_step_inverse_is_not() -> None:
    lon, lat = gcj02_to_wgs84(*TIANANMEN)
    back = wgs84_to_gcj02(lon, lat)
    assert abs(float(back[0]) - TIANANMEN[0]) < 1e-9
    assert abs(float(back[1]) - TIANANMEN[1]) < 1e-9
    # The one-step inverse published with coordtransform, about 3 cm away.
    assert distance_m(lon, lat, 116.39775550083061, 39.91359571849836) < 0.1


@pytest.mark.parametrize("lon, lat", [(2.35, 48.85), (139.69, 35.69), (-74.0, 40.7), (100.5, 2.0)])
def test_outside_china_gcj02_is_identity(lon: float, lat: float) -> None:
    assert out_of_china(lon, lat)
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)


def test_functions_are_vectorised() -> None:
    lon = np.array([[116.4, 121.47], [2.35, 113.26]])
    lat = np.array([[39.9, 31.23], [48.85, 23.13]])
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert glon.shape == glat.shape == (2, 2)
    assert glon[1, 0] == 2.35 and glon[0, 0] != 116.4
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert np.abs(wlon - lon).max() < 1e-8 and np.abs(wlat - lat).max() < 1e-8


china_points = st.lists(
    st.tuples(st.floats(74.0, 134.9), st.floats(18.0, 53.5)), min_size=1, max_size=50
)


@given(china_points)
def test_gcj02_round_trip_within_a_centimetre(points: list) -> None:
    lon, lat = np.array(points).T
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert distance_m(lon, lat, *back).max() < 0.01
    # ... and the shift itself is real: tens to hundreds of metres.
    assert distance_m(lon, lat, *wgs84_to_gcj02(lon, lat)).min() > 1.0


@given(china_points)
def test_bd09_round_trip_within_a_centimetre(points: list) -> None:
    lon, lat = np.array(points).T
    assert distance_m(lon, lat, *bd09_to_wgs84(*wgs84_to_bd09(lon, lat))).max() < 0.01
    assert distance_m(lon, lat, *bd09_to_gcj02(*gcj02_to_bd09(lon, lat))).max() < 0.01


@pytest.mark.parametrize(
    "name, epsg",
    [
        ("wgs84", 4326),
        ("WGS84", 4326),
        (" wgs-84 ", 4326),
        ("cgcs2000", 4326),  # treated as WGS84 at grid precision
        ("EPSG:4490", 4326),
        ("4490", 4326),
        ("EPSG:4326", 4326),
        ("epsg:32650", 32650),
        ("4549", 4549),  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
        ("EPSG:3857", 3857),
    ],
)
def test_parse_crs_accepts_epsg_names(name: str, epsg: int) -> None:
    crs = parse_crs(name)
    assert isinstance(crs, pyproj.CRS) and crs.to_epsg() == epsg


@pytest.mark.parametrize(
    "name, system", [("gcj02", "gcj02"), ("GCJ-02", "gcj02"), ("bd09", "bd09"), ("BD-09", "bd09")]
)
def test_parse_crs_accepts_offset_systems(name: str, system: str) -> None:
    assert parse_crs(name) == system


@pytest.mark.parametrize("name", ["", "foo", "utm50", "EPSG:99999", "EPSG:", "4326x", "gcj03"])
def test_parse_crs_refuses_unknown_names(name: str) -> None:
    with pytest.raises(BadInput) as err:
        parse_crs(name)
    for accepted in ("wgs84", "cgcs2000", "gcj02", "bd09", "EPSG:"):
        assert accepted in err.value.message


SQUARE_M = shapely.box(500_000, 3_320_000, 501_000, 3_321_000)  # 1 km in UTM 50N


def test_to_wgs84_uses_the_file_crs_and_keeps_long_edges_in_place() -> None:
    gdf = gpd.GeoDataFrame({"code": ["1"]}, geometry=[SQUARE_M], crs="EPSG:32650")
    out = to_wgs84(gdf, None)
    assert out.crs.to_epsg() == 4326 and gdf.crs.to_epsg() == 32650  # input left alone
    # Densified before reprojection, so the edge midpoint lies on the reprojected edge.
    mid = gpd.GeoSeries([shapely.Point(500_500, 3_321_000)], crs="EPSG:32650").to_crs(4326)
    assert out.geometry[0].exterior.distance(mid[0]) < 1e-9


def test_to_wgs84_override_and_defaults() -> None:
    lonlat = gpd.GeoDataFrame(geometry=[shapely.box(117.0, 30.0, 117.01, 30.01)])
    assert to_wgs84(lonlat, None).crs.to_epsg() == 4326  # no CRS: assumed WGS84
    out = to_wgs84(lonlat.set_crs(4490), None)
    assert out.crs.to_epsg() == 4326 and out.geometry[0].equals(lonlat.geometry[0])
    metric = gpd.GeoDataFrame(geometry=[SQUARE_M], crs=4326)  # wrongly labelled
    fixed = to_wgs84(metric, "EPSG:32650")
    assert fixed.geometry[0].centroid.x == pytest.approx(117.005, abs=0.001)


@pytest.mark.parametrize("system, forward", [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_to_wgs84_undoes_the_offset(system: str, forward: Forward) -> None:
    # A densely digitised boundary, as an app in that system would have recorded it.
    true = shapely.box(117.0, 30.0, 117.02, 30.02).segmentize(0.0005)
    shifted = shapely.transform(true, forward, interleaved=False)  # type: ignore[arg-type]
    gdf = gpd.GeoDataFrame({"code": ["1"]}, geometry=[shifted], crs=4326)
    out = to_wgs84(gdf, system)
    assert out.crs.to_epsg() == 4326
    coords = shapely.get_coordinates(out.geometry[0])
    for x, y in np.asarray(true.exterior.coords):  # every true vertex is a vertex again
        assert distance_m(coords[:, 0], coords[:, 1], x, y).min() < 0.01
    assert out.geometry[0].symmetric_difference(true).area < 1e-6 * true.area


def test_offset_inverse_densifies_long_edges() -> None:
    # The offsets bend straight edges (BD-09 by metres over 2 km), so long edges get vertices.
    gdf = gpd.GeoDataFrame(geometry=[shapely.box(117.0, 30.0, 117.02, 30.02)], crs=4326)
    assert shapely.get_num_coordinates(to_wgs84(gdf, "bd09").geometry[0]) >= 80


def test_offset_systems_refuse_projected_files() -> None:
    gdf = gpd.GeoDataFrame(geometry=[SQUARE_M], crs="EPSG:32650")
    with pytest.raises(BadInput, match="gcj02"):
        to_wgs84(gdf, "gcj02")
