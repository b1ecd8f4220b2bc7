"""Compare two versions of a unit: the area only the older has and only the newer has."""

from __future__ import annotations

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from gridmap.areas import geodesic_area_m2
from gridmap.errors import BadInput


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    kinds = ("Polygon", "MultiPolygon")
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in kinds]
    return shapely.union_all(parts) if parts else shapely.MultiPolygon()


def _part(geom: BaseGeometry) -> dict:
    geom = _polygonal(geom)
    return {
        "geometry": None if geom.is_empty else mapping(geom),
        "area_m2": 0.0 if geom.is_empty else round(geodesic_area_m2(geom), 1),
    }


def compare_versions(versions: list[dict], older: int, newer: int) -> dict:
    """`lost` (only in version `older`) and `gained` (only in `newer`) as GeoJSON with areas."""
    by_id = {v["version"]: v for v in versions}
    if older not in by_id or newer not in by_id:
        raise BadInput("pick two versions of this unit")
    a = shape(by_id[older]["geometry"]).buffer(0)
    b = shape(by_id[newer]["geometry"]).buffer(0)
    return {
        "older": older,
        "newer": newer,
        "lost": _part(shapely.difference(a, b)),
        "gained": _part(shapely.difference(b, a)),
    }
