"""Read and check files of funded projects (衔接资金项目): funds, status, location, assets."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
import shapely.errors
from shapely.geometry.base import BaseGeometry

from gridmap.core import vocab
from gridmap.core.errors import BadInput
from gridmap.files import cells, tables
from gridmap.files.archives import MAX_UNPACKED_MB
from gridmap.files.grids import CHINA_LAT, CHINA_LON
from gridmap.files.tables import ROW
from gridmap.geo.crs import to_wgs84

#: Official Chinese names, as the bureau's sheets write them; keys are stored.
CATEGORY_NAMES = {
    "industry": "产业发展", "infrastructure": "基础设施", "employment": "就业帮扶",
    "public_jobs": "公益岗位", "other": "其他",
}  # fmt: skip
STATUS_NAMES = {"approved": "已批复", "started": "已开工", "completed": "已完工"}
FUND_SOURCES = ("funds_central", "funds_provincial", "funds_city", "funds_county")
ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("项目编码", "项目编号", "编号", "project_code"),
    "name": ("项目名称", "名称", "project_name"),
    "year": ("年度", "年份", "项目年度"),
    "category": ("类别", "项目类别", "项目类型", "类型"),
    "funds_central": ("中央资金", "中央衔接资金", "中央", "central"),
    "funds_provincial": ("省级资金", "省级衔接资金", "省级", "provincial"),
    "funds_city": ("市级资金", "市级衔接资金", "市级", "city"),
    "funds_county": ("县级资金", "县级衔接资金", "县级", "county"),
    "status": ("状态", "项目状态", "实施状态"),
    "approved_on": ("批复日期", "立项日期", "approved"),
    "started_on": ("开工日期", "started"),
    "completed_on": ("完工日期", "竣工日期", "completed"),
    "progress": ("进度", "进度(%)", "完成进度", "项目进度"),
    "village": ("行政村编码", "村编码", "实施村编码", "village_code"),
    "lon": ("经度", "lng", "longitude", "x"),
    "lat": ("纬度", "latitude", "y"),
    "wkt": ("范围", "边界", "几何", "geometry"),
    "asset_registered": ("确权登记", "资产确权", "是否确权登记", "asset"),
    "asset_registered_on": ("确权日期", "确权登记日期", "登记日期"),
}
REQUIRED = ("code", "name", "year", "category", "status")
_WORDS = {"产业": "industry", "基础设施建设": "infrastructure", "就业": "employment"}
CATEGORY_WORDS = {
    **{v: k for k, v in CATEGORY_NAMES.items()},
    **_WORDS,
    **{k: k for k in CATEGORY_NAMES},
}
STATUS_WORDS = {
    "已批复": "approved", "批复": "approved", "已立项": "approved", "未开工": "approved",
    "已开工": "started", "开工": "started", "在建": "started", "实施中": "started",
    "已完工": "completed", "完工": "completed", "已竣工": "completed", "竣工": "completed",
    **{s: s for s in STATUS_NAMES},
}  # fmt: skip
YES_NO = {
    "是": True, "否": False, "已确权": True, "未确权": False, "已登记": True, "未登记": False,
    "true": True, "false": False, "1": True, "0": False, "yes": True, "no": False,
}  # fmt: skip
#: Project columns and the file column each comes from (geom: any location column).
STORED_FROM = {
    "name": "name", "year": "year", "category": "category", "status": "status",
    "approved_on": "approved_on", "started_on": "started_on", "completed_on": "completed_on",
    "progress": "progress", "village_code": "village", "asset_registered": "asset_registered",
    "asset_registered_on": "asset_registered_on", **{s: s for s in FUND_SOURCES},
}  # fmt: skip
MAX_FUNDS_WAN = Decimal(1_000_000)
_CENT = Decimal("0.01")
_VILLAGE_DIGITS = vocab.CODE_LENGTH[vocab.VILLAGE]
_VILLAGE = re.compile(rf"\d{{{_VILLAGE_DIGITS}}}")


def _funds(text: str) -> Decimal:
    cleaned = re.sub(r"[,，\s]|万元$|万$", "", text)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("is not a number") from None
    if not value.is_finite():
        raise ValueError("is not a number")
    if value < 0:
        raise ValueError("is negative: funds cannot be below 0")
    if value > MAX_FUNDS_WAN:
        raise ValueError("is more than 1,000,000 万元: the figures must be in 万元, not 元")
    return value.quantize(_CENT)


def _progress(text: str) -> int:
    try:
        value = float(text.rstrip("%％").strip())
    except ValueError:
        raise ValueError("is not a number") from None
    if not 0 <= value <= 100:
        raise ValueError("is not between 0 and 100")
    return round(value)


_DATE_FIX = "write it as 2023-05-01"
_FUNDS_FIX = "write 万元 as a number such as 120.5 (empty means 0)"
#: (column, parser, how to fix, what the cell is) for each checked project column.
_PARSERS: list[tuple[str, Callable[[str], object], str, str]] = [
    ("year", cells.whole_number(2000, 2100), "write the year, e.g. 2023", "year (年度)"),
    ("category", cells.vocabulary(CATEGORY_WORDS),
     "use one of " + "、".join(CATEGORY_NAMES.values()), "category (类别)"),
    ("status", cells.vocabulary(STATUS_WORDS),
     "use one of " + "、".join(STATUS_NAMES.values()), "status (状态)"),
    ("progress", _progress, "write a percentage from 0 to 100", "progress (进度)"),
    ("asset_registered", cells.vocabulary(YES_NO), "write 是 or 否", "asset registered (确权登记)"),
    ("approved_on", cells.parse_date, _DATE_FIX, "approval date (批复日期)"),
    ("started_on", cells.parse_date, _DATE_FIX, "start date (开工日期)"),
    ("completed_on", cells.parse_date, _DATE_FIX, "completion date (完工日期)"),
    ("asset_registered_on", cells.parse_date, _DATE_FIX, "registration date (确权日期)"),
    ("funds_central", _funds, _FUNDS_FIX, "central funds (中央资金)"),
    ("funds_provincial", _funds, _FUNDS_FIX, "provincial funds (省级资金)"),
    ("funds_city", _funds, _FUNDS_FIX, "city funds (市级资金)"),
    ("funds_county", _funds, _FUNDS_FIX, "county funds (县级资金)"),
]  # fmt: skip


class Projects(NamedTuple):
    """Checked projects: one row per project, its location (or None), the columns supplied."""

    rows: pd.DataFrame  # code, name, year, category, funds_*, status, dates, …, village_code, row
    geoms: gpd.GeoSeries  # EPSG:4326, aligned with rows; None where the file gives no location
    supplied: tuple[str, ...]  # project columns the file sets (others keep their values)


def read_projects(
    path: Path, crs_name: str | None = None, *, max_unpacked_mb: int = MAX_UNPACKED_MB
) -> Projects:
    """Read and check a project file (CSV, XLSX or GeoJSON); raise BadInput listing bad rows."""
    if path.suffix.lower() in (".geojson", ".json") and path.exists():
        raw, shapes, crs = _read_features(path)
        return parse_projects(raw, path.name, crs_name, shapes, crs)
    raw = tables.read_table(path, max_unpacked_mb=max_unpacked_mb)
    return parse_projects(raw, path.name, crs_name)


def _read_features(path: Path) -> tuple[pd.DataFrame, dict[int, BaseGeometry], object]:
    """GeoJSON properties as text cells plus `row`; geometries (points or polygons) by row."""
    try:
        raw = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several types for unreadable input
        raise BadInput(f"{path.name}: not a readable GeoJSON file ({exc}).") from exc
    if len(raw) == 0:
        raise BadInput(f"{path.name}: the file has no features.")
    is_geo = isinstance(raw, gpd.GeoDataFrame)
    columns = [c for c in raw.columns if not is_geo or c != raw.geometry.name]
    frame = pd.DataFrame({str(c): [_cell_text(v) for v in raw[c]] for c in columns})
    frame[ROW] = np.arange(1, len(raw) + 1)
    geoms = list(raw.geometry) if is_geo else [None] * len(raw)
    shapes = {int(r): g for r, g in zip(frame[ROW], geoms, strict=True) if g is not None}
    return frame, shapes, raw.crs if is_geo else None


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_projects(
    raw: pd.DataFrame, source: str, crs_name: str | None = None,
    shapes: dict[int, BaseGeometry] | None = None, crs: object = None,
) -> Projects:  # fmt: skip
    """Check a table of text cells (plus geometries by row) and convert it to projects.

    Whether each project has a village or a site is checked against the grid and the stored
    projects when the rows are staged.
    """
    frame = tables.normalise_columns(raw, ALIASES, REQUIRED, source)
    labels = tables.row_labels(frame, "code", "project")
    rows, problems = _attributes(frame, labels)
    problems += _consistency(rows, labels)
    geoms, found = _locations(frame, labels, crs_name, shapes or {}, crs)
    problems += found
    tables.refuse(source, problems)
    present = frame.attrs["present"]
    located = bool(shapes) or {"lon", "lat"} <= present or "wkt" in present
    supplied = tuple(col for col, src in STORED_FROM.items() if src in present)
    supplied += ("geom",) if located else ()
    return Projects(rows, geoms, supplied)


def _attributes(frame: pd.DataFrame, labels: pd.Series) -> tuple[pd.DataFrame, list[str]]:
    problems = tables.empty_key_problems(frame, "code", labels, "the project code (项目编码)")
    problems += tables.duplicate_problems(frame, "code", "project code")
    problems += [
        f"{labels[i]}: the project code is longer than 40 characters; shorten it"
        for i in frame.index[frame["code"].str.len() > 40]
    ]
    problems += [
        f"{labels[i]}: {what} is empty; fill it in"
        for column, what in (("name", "name (项目名称)"), ("year", "year (年度)"))
        for i in frame.index[frame[column] == ""]
    ]
    rows = pd.DataFrame({"code": frame["code"], "name": frame["name"]})
    for column, parse, fix, what in _PARSERS:
        values, found = cells.parse_cells(frame, column, labels, parse, fix, what)
        rows[column] = pd.Series(values, index=frame.index, dtype=object)
        problems += found
    for column in ("category", "status"):
        problems += [
            f"{labels[i]}: {column} is empty; fill it in" for i in frame.index[frame[column] == ""]
        ]
    for source in FUND_SOURCES:
        amounts = [v if v is not None else Decimal(0) for v in rows[source]]
        rows[source] = pd.Series(amounts, index=rows.index, dtype=object)
    problems += [
        f"{label}: village code '{v}' is not a {_VILLAGE_DIGITS}-digit village code; write the "
        "village's code from the grid or leave it empty when the project has coordinates"
        for label, v in zip(labels, frame["village"], strict=True)
        if v and not _VILLAGE.fullmatch(v)
    ]
    rows["village_code"] = frame["village"].replace("", None)
    rows[ROW] = frame[ROW]
    return rows, problems


def _consistency(rows: pd.DataFrame, labels: pd.Series) -> list[str]:
    """Status, dates, progress and asset registration must tell the same story."""
    problems = [
        f"{label}: {problem}"
        for label, row in zip(labels.tolist(), rows.to_dict("records"), strict=True)
        for problem in _row_consistency(row)
    ]
    rows["progress"] = pd.Series(
        [
            {"approved": 0, "completed": 100}.get(s, p) if p is None else p
            for s, p in zip(rows["status"], rows["progress"], strict=True)
        ],
        index=rows.index,
        dtype=object,
    )
    rows["asset_registered"] = [
        bool(a) or d is not None
        for a, d in zip(rows["asset_registered"], rows["asset_registered_on"], strict=True)
    ]
    return problems


def _row_consistency(r: dict) -> list[str]:
    status, progress, problems = r["status"], r["progress"], []
    if status == "approved" and (r["started_on"] or r["completed_on"]):
        problems.append("has a start or completion date but status 已批复")
    if r["completed_on"] and status not in (None, "completed"):
        problems.append("has a completion date but is not 已完工")
    dates = [d for d in (r["approved_on"], r["started_on"], r["completed_on"]) if d]
    if dates != sorted(dates):
        problems.append("dates out of order; approval ≤ start ≤ completion")
    if status == "approved" and progress not in (None, 0):
        problems.append(f"progress {progress}% but status 已批复 (not started)")
    if status == "completed" and progress not in (None, 100):
        problems.append(f"status 已完工 but progress is {progress}%, not 100%")
    if r["asset_registered_on"] and r["asset_registered"] is False:
        problems.append("has a registration date but 确权登记 is 否")
    return problems


def _locations(
    frame: pd.DataFrame, labels: pd.Series, crs_name: str | None,
    shapes: dict[int, BaseGeometry], crs: object,
) -> tuple[gpd.GeoSeries, list[str]]:  # fmt: skip
    """One geometry per row in EPSG:4326 from lon/lat, a WKT boundary or the file's features."""
    points, problems = cells.parse_points(frame, labels, crs_name, crs)
    label_list = labels.tolist()
    drawn: list[BaseGeometry | None] = [shapes.get(int(r)) for r in frame[ROW]]
    for pos, text in enumerate(frame["wkt"].tolist()):
        try:
            drawn[pos] = shapely.from_wkt(text) if text else drawn[pos]
        except shapely.errors.GEOSException:
            problems.append(f"{label_list[pos]}: 范围 is not WKT such as POLYGON((117.1 30.1, …))")
    kept: list[BaseGeometry | None] = [None] * len(frame)
    for pos, geom in enumerate(drawn):
        if geom is None or geom.is_empty:
            continue
        problem = _shape_problem(geom, points.iloc[pos] is not None)
        if problem:
            problems.append(f"{label_list[pos]}: {problem}")
        else:
            kept[pos] = geom
    geoms, found = _convert_drawn(kept, label_list, crs_name, crs, frame.index)
    located = points.notna()
    geoms[located] = points[located]
    return geoms, problems + found


def _shape_problem(geom: BaseGeometry, has_point: bool) -> str | None:
    if has_point:
        return "has both coordinates and a boundary; keep one"
    if geom.geom_type not in ("Point", "Polygon", "MultiPolygon"):
        return f"is a {geom.geom_type}; give a point or a polygon"
    if not geom.is_valid:
        return f"not a valid polygon ({shapely.is_valid_reason(geom)}); fix it in a GIS"
    return None


def _convert_drawn(
    kept: list[BaseGeometry | None], labels: list[str], crs_name: str | None, crs: object,
    index: pd.Index,
) -> tuple[gpd.GeoSeries, list[str]]:  # fmt: skip
    """Drawn geometries in EPSG:4326 (None elsewhere) and complaints about those outside China."""
    geoms = gpd.GeoSeries([None] * len(kept), index=index, crs=4326)
    positions = [pos for pos, geom in enumerate(kept) if geom is not None]
    if not positions:
        return geoms, []
    source = gpd.GeoSeries([kept[p] for p in positions], index=index[positions], crs=crs)
    converted = to_wgs84(gpd.GeoDataFrame(geometry=source), crs_name).geometry
    bounds = converted.bounds
    inside = bounds.minx.ge(CHINA_LON[0]) & bounds.maxx.le(CHINA_LON[1])
    inside &= bounds.miny.ge(CHINA_LAT[0]) & bounds.maxy.le(CHINA_LAT[1])
    geoms[converted.index[inside]] = converted[inside]
    return geoms, [
        f"{labels[pos]}: the location lies outside China; check the coordinates and the "
        "coordinate system (--crs), or swap longitude and latitude"
        for pos, ok in zip(positions, inside.tolist(), strict=True)
        if not ok
    ]
