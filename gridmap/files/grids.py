"""Read grid boundary files (GeoJSON, GeoPackage, Shapefile) into a checked GeoDataFrame."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from gridmap.core import vocab
from gridmap.core.errors import BadInput
from gridmap.files.archives import MAX_UNPACKED_MB, check_unpacked
from gridmap.geo.crs import to_wgs84

#: Accepted header spellings, lower-cased, for each column we need.
COLUMN_ALIASES = {
    "code": ("code", "编码", "代码", "区划代码", "网格编码"),
    "name": ("name", "名称", "网格名称"),
    "level": ("level", "级别", "层级"),
}
LEVEL_BY_CODE_LENGTH = vocab.LEVEL_BY_CODE_LENGTH
_LENGTHS = ",".join(str(n) for n in vocab.CODE_LENGTHS)
#: A generous box around China; coordinates outside it are wrong or swapped.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)
MAX_LISTED = 10


def read_grid_file(
    path: Path, crs_name: str | None = None, *, max_unpacked_mb: int = MAX_UNPACKED_MB
) -> gpd.GeoDataFrame:
    """Read a grid file into code, name, level, parent, feature, geometry (EPSG:4326).

    Refuses files that cannot be read as a grid at all, and zipped files that would unpack to
    more than `max_unpacked_mb` MB; geometry validity and code rules are left to
    `check_importable` or to topology validation.
    """
    raw = _read_any(path, max_unpacked_mb)
    if len(raw) == 0:
        raise BadInput(f"{path.name}: the file has no features. Export the grid layer again.")
    columns = _find_columns(raw, path)
    frame = gpd.GeoDataFrame(
        {
            "code": [_code_text(v) for v in raw[columns["code"]]],
            "name": raw[columns["name"]].fillna("").astype(str).to_numpy(),
            "feature": np.arange(1, len(raw) + 1),
        },
        geometry=raw.geometry.values,
        crs=raw.crs,
    )
    frame["level"] = _levels(raw, columns, frame["code"])
    frame["parent"] = [vocab.parent_of(c) for c in frame["code"]]
    _require_polygons(frame, path)
    frame = to_wgs84(frame, crs_name)
    _require_china(frame, path)
    frame["geometry"] = [_as_multipolygon(g) for g in frame.geometry]
    return frame[["code", "name", "level", "parent", "feature", "geometry"]]


def _read_any(path: Path, max_unpacked_mb: int = MAX_UNPACKED_MB) -> gpd.GeoDataFrame:
    if not path.exists():
        raise BadInput(f"{path}: no such file.")
    check_unpacked(path, max_unpacked_mb)  # GDAL opens zipped Shapefiles itself
    try:
        return pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several types for unreadable input
        raise BadInput(
            f"{path.name}: not a readable GeoJSON, GeoPackage or Shapefile ({exc}). "
            "Export the grid as one of these formats."
        ) from exc


def _find_columns(raw: pd.DataFrame, path: Path) -> dict[str, str]:
    lower = {str(c).strip().lower(): c for c in raw.columns}
    found: dict[str, str] = {}
    for key, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in lower:
                found[key] = lower[alias]
                break
    missing = [k for k in ("code", "name") if k not in found]
    if missing:
        raise BadInput(
            f"{path.name}: missing column(s) {', '.join(missing)}. The file has "
            f"{', '.join(map(str, raw.columns))}; add 'code' and 'name' ('level' is optional)."
        )
    return found


def _code_text(value: object) -> str:
    """Codes may arrive as numbers from Shapefiles; keep them as digit strings."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _levels(raw: pd.DataFrame, columns: dict[str, str], codes: pd.Series) -> list[int]:
    inferred = [LEVEL_BY_CODE_LENGTH.get(len(c), 0) for c in codes]
    if "level" not in columns:
        return inferred
    given = pd.to_numeric(raw[columns["level"]], errors="coerce").to_numpy()
    return [int(g) if not np.isnan(g) else i for g, i in zip(given, inferred, strict=True)]


def _require_polygons(frame: gpd.GeoDataFrame, path: Path) -> None:
    kinds = frame.geometry.geom_type.fillna("None")
    bad = frame[~kinds.isin(["Polygon", "MultiPolygon"])]
    if len(bad):
        listed = "; ".join(
            f"feature {f} (code {c or '?'}) is a {k}"
            for f, c, k in zip(bad["feature"], bad["code"], kinds[bad.index], strict=True)
        )
        raise BadInput(
            f"{path.name}: every unit must be a polygon: {_cap(listed, len(bad))}. "
            "Export polygon boundaries, not points or lines."
        )


def _require_china(frame: gpd.GeoDataFrame, path: Path) -> None:
    bounds = frame.geometry.bounds
    inside = (
        (bounds.minx >= CHINA_LON[0])
        & (bounds.maxx <= CHINA_LON[1])
        & (bounds.miny >= CHINA_LAT[0])
        & (bounds.maxy <= CHINA_LAT[1])
    )
    if inside.all():
        return
    first = frame[~inside].iloc[0]
    swapped = CHINA_LAT[0] <= bounds.minx[~inside].iloc[0] <= CHINA_LAT[1]
    hint = (
        "latitude and longitude look swapped; swap the coordinate columns"
        if swapped
        else "check the file's CRS or pass --crs"
    )
    raise BadInput(
        f"{path.name}: feature {first['feature']} (code {first['code']}) lies outside China "
        f"after reprojection to EPSG:4326 ({(~inside).sum()} feature(s) in all): {hint}."
    )


def _as_multipolygon(geom: shapely.Geometry) -> shapely.Geometry:
    if isinstance(geom, shapely.Polygon):
        return shapely.MultiPolygon([geom])
    return geom


def _cap(listed: str, total: int) -> str:
    parts = listed.split("; ")
    if total <= MAX_LISTED:
        return listed
    return "; ".join(parts[:MAX_LISTED]) + f"; and {total - MAX_LISTED} more"


def check_importable(frame: gpd.GeoDataFrame, source: str) -> None:
    """Refuse a grid that must not be stored: bad codes, duplicates, invalid or empty shapes."""
    problems: list[str] = []
    for feature, code, level in zip(frame["feature"], frame["code"], frame["level"], strict=True):
        if not code.isdigit() or LEVEL_BY_CODE_LENGTH.get(len(code)) != level:
            problems.append(
                f"feature {feature}: code '{code}' is not a {{{_LENGTHS}}}-digit code for level "
                f"{level}; a child's code is its parent's code plus {vocab.CHILD_DIGITS} digits"
            )
    dupes = frame["code"][frame["code"].duplicated()].unique()
    problems += [f"code {c} appears more than once; keep one feature per code" for c in dupes]
    for feature, code, geom in zip(frame["feature"], frame["code"], frame.geometry, strict=True):
        if geom is None or geom.is_empty:
            problems.append(f"feature {feature} (code {code}) has an empty geometry")
        elif not geom.is_valid:
            problems.append(
                f"feature {feature} (code {code}) is not a valid polygon "
                f"({shapely.is_valid_reason(geom)}); fix it in a GIS (e.g. 'Fix geometries')"
            )
    if problems:
        raise BadInput(
            f"{source}: {len(problems)} problem(s); nothing was imported.", details=problems
        )


def read_single_geometry(path: Path, kinds: tuple[str, ...], crs_name: str | None = None):  # type: ignore[no-untyped-def]
    """The one geometry of a small file (a drawn line or shape), in EPSG:4326."""
    raw = _read_any(path)
    if len(raw) != 1:
        raise BadInput(f"{path.name}: expected exactly one feature, found {len(raw)}")
    frame = to_wgs84(gpd.GeoDataFrame(geometry=raw.geometry.values, crs=raw.crs), crs_name)
    geom = frame.geometry.iloc[0]
    if geom is None or geom.geom_type not in kinds:
        kind = "nothing" if geom is None else geom.geom_type
        raise BadInput(f"{path.name}: expected a {' or '.join(kinds)}, found {kind}")
    return geom
