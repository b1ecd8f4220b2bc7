"""Small hand-made grids for tests, built in a metric CRS and stored in EPSG:4326."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import shapely
import shapely.affinity

from gridmap.geo.crs import to_wgs84

#: A local metric CRS around 117°E (UTM 50N) so squares have exact sides in metres.
METRIC_CRS = "EPSG:32650"
ORIGIN_X, ORIGIN_Y = 500_000.0, 3_320_000.0  # about 117°E, 30°N
XSS_NAME = "<img src=x onerror=alert(1)>"


def box_m(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A rectangle given in metres from the origin."""
    return shapely.box(ORIGIN_X + x0, ORIGIN_Y + y0, ORIGIN_X + x1, ORIGIN_Y + y1)


def tiny_county_rows() -> list[tuple[str, str, shapely.Polygon]]:
    """County 8 km × 4 km: two townships, each two villages, each two groups (all boxes)."""
    rows = [("341890", "测试县", box_m(0, 0, 8000, 4000))]
    for t in range(2):
        t_code = f"341890{100 + t}"
        rows.append((t_code, f"第{t + 1}镇", box_m(4000 * t, 0, 4000 * (t + 1), 4000)))
        for v in range(2):
            v_code = f"{t_code}{200 + v}"
            name = XSS_NAME if (t, v) == (1, 1) else f"{t + 1}{v + 1}村"
            x0 = 4000 * t + 2000 * v
            rows.append((v_code, name, box_m(x0, 0, x0 + 2000, 4000)))
            for g in range(2):
                rows.append(
                    (
                        f"{v_code}{g + 1:03d}",
                        f"{g + 1}组",
                        box_m(x0, 2000 * g, x0 + 2000, 2000 * (g + 1)),
                    )
                )
    return rows


def tiny_county() -> gpd.GeoDataFrame:
    """The tiny county as a GeoDataFrame (code, name, level, geometry) in EPSG:4326."""
    return tiny_county_as("341890", 0.0, lambda _code, name: name)


def tiny_county_as(
    county: str, shift_m: float, rename: Callable[[str, str], str]
) -> gpd.GeoDataFrame:
    """The tiny county under the county code `county`, `shift_m` metres east, each unit
    named rename(code, name), as a GeoDataFrame (code, name, level, geometry) in EPSG:4326."""
    rows = [
        (county + code[6:], rename(code, name), geom) for code, name, geom in tiny_county_rows()
    ]
    frame = gpd.GeoDataFrame(
        {
            "code": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "level": [len(r[0]) // 3 - 1 for r in rows],
        },
        geometry=[shapely.affinity.translate(r[2], xoff=shift_m) for r in rows],
        crs=METRIC_CRS,
    )
    # to_wgs84 adds vertices along long edges first, so shared borders stay shared in 4326.
    return to_wgs84(frame, None)


def write_tiny_county(path: str) -> str:
    """Write the tiny county as GeoJSON (or by extension) and return the path."""
    tiny_county().to_file(path)
    return path
