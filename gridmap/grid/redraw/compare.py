"""Compare two versions of a unit: the area only the older has and only the newer has."""

from __future__ import annotations

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from gridmap.core.errors import BadInput
from gridmap.geo.areas import geodesic_area_m2


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
    a = shape(by_id[older]["geometry"])
    b = shape(by_id[newer]["geometry"])
    return {"older": older, "newer": newer, **gained_and_lost(a, b)}


def gained_and_lost(old: BaseGeometry | None, new: BaseGeometry | None) -> dict:
    """`lost` (only in `old`) and `gained` (only in `new`) as GeoJSON with areas in m²."""
    # None stands for a unit that does not exist on that side (created or closed).
    a = shapely.MultiPolygon() if old is None else old.buffer(0)
    b = shapely.MultiPolygon() if new is None else new.buffer(0)
    return {"lost": _part(shapely.difference(a, b)), "gained": _part(shapely.difference(b, a))}
