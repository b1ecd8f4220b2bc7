"""Read and check household files: one row per household, a point and/or a declared group."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from gridmap.core import vocab
from gridmap.core.errors import BadInput
from gridmap.files import cells, tables
from gridmap.files.archives import MAX_UNPACKED_MB
from gridmap.files.tables import ROW

#: Canonical column -> accepted headers (the canonical name itself is accepted too).
ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("户编码", "户码", "农户编码", "household_code"),
    "head_name": ("户主姓名", "户主", "姓名", "name"),
    "category": ("户类型", "类别", "农户类别", "户类别"),
    "monitor_kind": ("监测类型", "监测对象类别", "监测类别"),
    "risk_eliminated": ("风险消除", "是否风险消除", "风险是否消除"),
    "members": ("人口数", "家庭人口", "家庭人口数"),
    "id_number": ("身份证号", "证件号码", "户主身份证号"),
    "phone": ("联系电话", "电话", "手机号"),
    "address": ("住址", "地址", "家庭住址"),
    "lon": ("经度", "lng", "longitude", "x"),
    "lat": ("纬度", "latitude", "y"),
    "group": ("村民小组编码", "所属小组", "小组编码", "group_code", "declared_group"),
    "status": ("状态", "户状态"),
    "status_date": ("状态日期", "变更日期"),
    "status_reason": ("状态原因", "变更原因"),
}
REQUIRED = ("code", "category")

CATEGORIES = {
    "脱贫户": "lifted", "已脱贫户": "lifted", "lifted": "lifted",
    "监测对象": "monitored", "监测户": "monitored", "monitored": "monitored",
    "一般农户": "ordinary", "一般户": "ordinary", "ordinary": "ordinary",
}  # fmt: skip
#: The three kinds of monitored household, stored by their English key.
MONITOR_KINDS = {
    "脱贫不稳定户": "unstable", "unstable": "unstable",
    "边缘易致贫户": "marginal", "marginal": "marginal",
    "突发严重困难户": "sudden_hardship", "sudden_hardship": "sudden_hardship",
}  # fmt: skip
STATUSES = {
    "正常": "active", "active": "active", "迁出": "moved_away", "moved_away": "moved_away",
    "死亡": "deceased", "deceased": "deceased", "合户": "merged", "merged": "merged",
}  # fmt: skip
YES_NO = {
    "是": True, "否": False, "已消除": True, "未消除": False, "true": True, "false": False,
    "1": True, "0": False, "yes": True, "no": False, "y": True, "n": False,
}  # fmt: skip
#: Household columns and the file column each comes from.
_STORED_FROM = {
    "head_name": "head_name", "category": "category", "monitor_kind": "category",
    "risk_eliminated": "risk_eliminated", "members": "members", "id_number": "id_number",
    "phone": "phone", "address": "address", "geom": "lon", "declared_group": "group",
    "status": "status", "status_date": "status_date", "status_reason": "status_reason",
}  # fmt: skip
_TEXT = ("head_name", "id_number", "phone", "address", "status_reason")
_GROUP_DIGITS = vocab.CODE_LENGTH[vocab.GROUP]
_GROUP_CODE = re.compile(rf"\d{{{_GROUP_DIGITS}}}")


class Households(NamedTuple):
    """Checked households: attribute rows, their points, and the columns the file supplied."""

    rows: pd.DataFrame  # code, head_name, category, monitor_kind, …, declared_group, row
    points: gpd.GeoDataFrame  # code, geometry (EPSG:4326) for the rows with coordinates
    supplied: tuple[str, ...]  # household table columns the file sets (others keep their values)


def read_households(
    path: Path, crs_name: str | None = None, *, max_unpacked_mb: int = MAX_UNPACKED_MB
) -> Households:
    """Read and check a household file; raise BadInput listing every bad row (capped)."""
    raw = tables.read_table(path, max_unpacked_mb=max_unpacked_mb)
    return parse_households(raw, path.name, crs_name)


def parse_households(raw: pd.DataFrame, source: str, crs_name: str | None = None) -> Households:
    """Check a table of string cells (as read_table returns) and convert it to households."""
    frame = tables.normalise_columns(raw, ALIASES, REQUIRED, source)
    present = frame.attrs["present"]
    if not ({"lon", "lat"} <= present or "group" in present):
        raise BadInput(
            f"{source}: a household file needs coordinates (经度 and 纬度 columns) or a "
            "villager group code (村民小组编码) column, or both."
        )
    labels = tables.row_labels(frame, "code", "household")
    rows, problems = _attributes(frame, labels)
    points, point_problems = cells.parse_points(frame, labels, crs_name, frame.attrs.get("crs"))
    problems += point_problems + _location_problems(frame, labels)
    tables.refuse(source, problems)
    located = points.notna()
    located_points = gpd.GeoDataFrame(
        {"code": rows["code"][located]}, geometry=points[located], crs=4326
    )
    supplied = tuple(
        col
        for col, source_col in _STORED_FROM.items()
        if source_col in present and (col != "geom" or "lat" in present)
    )
    return Households(rows, located_points, supplied)


def _attributes(frame: pd.DataFrame, labels: pd.Series) -> tuple[pd.DataFrame, list[str]]:
    problems = tables.empty_key_problems(frame, "code", labels, "the household code (户编码)")
    problems += tables.duplicate_problems(frame, "code", "household code")
    category, monitor_kind, found = _categories(frame, labels)
    problems += found
    risk, found = cells.parse_cells(
        frame,
        "risk_eliminated",
        labels,
        cells.vocabulary(YES_NO),
        "write 是 or 否",
        "risk eliminated (风险消除)",
    )
    problems += found
    members, found = cells.parse_cells(
        frame,
        "members",
        labels,
        cells.whole_number(0, 100),
        "write the number of people",
        "members (人口数)",
    )
    problems += found
    status, status_date, found = _statuses(frame, labels)
    problems += found
    rows = pd.DataFrame({"code": frame["code"], "category": category})
    rows["monitor_kind"] = monitor_kind
    rows["risk_eliminated"] = pd.array(risk, dtype="boolean").fillna(False).to_numpy(bool)
    rows["members"] = pd.array(members, dtype="Int64")
    for column in _TEXT:
        rows[column] = frame[column].replace("", None)
    rows["declared_group"] = frame["group"].replace("", None)
    rows["status"], rows["status_date"] = status, status_date
    rows[ROW] = frame[ROW]
    return rows, problems


def _categories(frame: pd.DataFrame, labels: pd.Series) -> tuple[list, list, list[str]]:
    """Category and monitored kind; a monitored kind in either column makes the row monitored."""
    words = {**CATEGORIES, **{k: "monitored" for k in MONITOR_KINDS if not k.isascii()}}
    category, problems = cells.parse_cells(
        frame,
        "category",
        labels,
        cells.vocabulary(words),
        "use one of " + ", ".join(words),
        "category (户类型)",
    )
    kinds_in_category = frame["category"].map(MONITOR_KINDS).astype(object)
    kind, found = cells.parse_cells(
        frame,
        "monitor_kind",
        labels,
        cells.vocabulary(MONITOR_KINDS),
        "use one of " + ", ".join(MONITOR_KINDS) + " or leave it empty",
        "monitored kind (监测类型)",
    )
    problems += found
    problems += [
        f"{labels[i]}: category (户类型) is empty; write 脱贫户, 监测对象 or 一般农户"
        for i in frame.index[frame["category"] == ""]
    ]
    kinds = pd.Series(kind, index=frame.index, dtype=object).fillna(kinds_in_category)
    kinds = kinds.where(kinds.notna(), None)
    monitored = kinds.notna().to_numpy()
    category = np.where(monitored, "monitored", np.array(category, dtype=object)).tolist()
    return category, kinds.tolist(), problems


def _statuses(frame: pd.DataFrame, labels: pd.Series) -> tuple[list, list, list[str]]:
    status, problems = cells.parse_cells(
        frame,
        "status",
        labels,
        cells.vocabulary(STATUSES),
        "use one of " + ", ".join(STATUSES) + " (empty means 正常)",
        "status (状态)",
    )
    status_date, found = cells.parse_cells(
        frame,
        "status_date",
        labels,
        cells.parse_date,
        "write it as 2023-05-01",
        "status date (状态日期)",
    )
    return [s or "active" for s in status], status_date, problems + found


def _location_problems(frame: pd.DataFrame, labels: pd.Series) -> list[str]:
    codes, groups = pd.factorize(frame["group"])  # few distinct groups: check each once
    malformed = np.array([bool(g) and not _GROUP_CODE.fullmatch(g) for g in groups] + [False])
    problems = [
        f"{labels[i]}: group code '{frame['group'][i]}' is not a {_GROUP_DIGITS}-digit villager "
        f"group code; write the group's code from the grid (village code + "
        f"{vocab.CHILD_DIGITS} digits) or leave it empty"
        for i in frame.index[malformed[codes]]
    ]
    nowhere = (frame["lon"] == "") & (frame["lat"] == "") & (frame["group"] == "")
    problems += [
        f"{labels[i]}: has neither coordinates nor a villager group code; fill 经度/纬度 "
        "or 村民小组编码"
        for i in frame.index[nowhere]
    ]
    return problems
