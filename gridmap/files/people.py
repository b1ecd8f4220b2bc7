"""Read and check the files about people: grid workers, assistance contacts and their visits."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from gridmap.core import clock, vocab
from gridmap.files import cells, tables
from gridmap.files.archives import MAX_UNPACKED_MB
from gridmap.files.tables import ROW

WORKER_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("编号", "工号", "网格员编号", "worker_code"),
    "name": ("姓名", "网格员姓名", "网格员"),
    "phone": ("电话", "联系电话", "手机号"),
    "birth_year": ("出生年份", "出生年"),
    "status": ("状态", "在岗状态"),
    "capacity": ("承载户数", "负责户数上限"),
    "lon": ("经度", "lng", "longitude", "x"),
    "lat": ("纬度", "latitude", "y"),
    "groups": ("服务小组", "小组编码", "村民小组编码", "group_codes", "group"),
    # The row's groups and status hold from this date (empty: the import date) ...
    "since": ("上岗日期", "开始日期", "start_date"),
    # ... and the worker left on this one (离岗), ending every group link.
    "until": ("离岗日期", "结束日期", "end_date"),
}
CONTACT_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("编号", "联系人编号", "contact_code"),
    "name": ("姓名", "帮扶联系人", "联系人"),
    "organisation": ("单位", "工作单位", "organization"),
    "phone": ("电话", "联系电话", "手机号"),
    "households": ("帮扶户", "户编码", "帮扶户编码", "household_codes", "household"),
    "since": ("开始日期", "帮扶开始日期", "start_date"),
    # Ends the link without a successor; alone on a row (no start date) it ends the open link.
    "until": ("结束日期", "帮扶结束日期", "end_date"),
}
VISIT_ALIASES: dict[str, tuple[str, ...]] = {
    "household": ("户编码", "household_code"),
    "visitor": ("走访人", "走访人编号", "visitor_code"),
    "time": ("走访时间", "走访日期", "visited_at", "date"),
    "kind": ("类型", "走访类型"),
    "note": ("备注", "走访情况"),
    # The visitor's check-in point (phone geolocation), WGS84 degrees.
    "lon": ("签到经度", "经度", "checkin_lon", "longitude"),
    "lat": ("签到纬度", "纬度", "checkin_lat", "latitude"),
    # The inspection plan an unannounced visit (暗访) was made under.
    "plan_id": ("暗访计划", "计划编号", "plan"),
}
WORKER_STATUSES = {
    "在岗": "active", "active": "active", "暂停": "inactive", "离岗": "inactive",
    "inactive": "inactive",
    "离职": "left", "left": "left",
}  # fmt: skip
VISIT_KINDS = {
    "日常走访": "routine", "routine": "routine", "集中走访": "campaign", "campaign": "campaign",
    "暗访": "inspection", "inspection": "inspection",
}  # fmt: skip
_GROUP_DIGITS = vocab.CODE_LENGTH[vocab.GROUP]
_GROUP_CODE = re.compile(rf"\d{{{_GROUP_DIGITS}}}")


class Workers(NamedTuple):
    """Checked workers, their homes, their groups (None: the file has no groups column)."""

    rows: pd.DataFrame  # code, name, phone, birth_year, status, capacity, since, until, row
    homes: gpd.GeoDataFrame  # code, geometry (EPSG:4326) for workers with a home location
    groups: pd.DataFrame | None  # row, worker_code, group_code
    supplied: tuple[str, ...]  # worker table columns the file sets (others keep their values)


class Contacts(NamedTuple):
    """Checked assistance contacts and the households each one assists."""

    rows: pd.DataFrame  # code, name, organisation, phone, row
    pairings: pd.DataFrame  # row, contact_code, household_code, since, until (dates or None)
    supplied: tuple[str, ...]


class Visits(NamedTuple):
    """Checked visits, without the rows that repeat another row of the file exactly."""

    # row, household_code, visitor_code, visited_at (aware), kind, note, checkin_lon, checkin_lat,
    # plan_id
    rows: pd.DataFrame
    repeated: int
    has_checkin: bool  # the file has check-in columns


def read_workers(
    path: Path, crs_name: str | None = None, *, max_unpacked_mb: int = MAX_UNPACKED_MB
) -> Workers:
    """Read and check a worker file; raise BadInput listing every bad row (capped)."""
    raw = tables.read_table(path, max_unpacked_mb=max_unpacked_mb)
    frame = tables.normalise_columns(raw, WORKER_ALIASES, ("code", "name"), path.name)
    labels = tables.row_labels(frame, "code", "worker")
    problems = _key_problems(frame, labels, "worker", "the worker code (编号)")
    problems += _empty(frame, "name", labels, "name (姓名)")
    this_year = clock.today("Asia/Shanghai").year
    birth, found = cells.parse_cells(
        frame,
        "birth_year",
        labels,
        cells.whole_number(1900, this_year),
        "write the 4-digit year of birth",
        "birth year (出生年份)",
    )
    problems += found
    status, found = cells.parse_cells(
        frame,
        "status",
        labels,
        cells.vocabulary(WORKER_STATUSES),
        "use one of " + ", ".join(WORKER_STATUSES) + " (empty means 在岗)",
        "status (状态)",
    )
    problems += found
    capacity, found = cells.parse_cells(
        frame,
        "capacity",
        labels,
        cells.whole_number(1),
        "write how many households, or leave it empty for the default",
        "capacity (承载户数)",
    )
    problems += found
    dates, found = _worker_dates(frame, labels)
    problems += found
    homes, found = cells.parse_points(frame, labels, crs_name, frame.attrs.get("crs"))
    groups, found_groups = _worker_groups(frame, labels)
    tables.refuse(path.name, problems + found + found_groups)
    rows = pd.DataFrame({"code": frame["code"], "name": frame["name"]})
    rows["phone"] = frame["phone"].replace("", None)
    rows["birth_year"] = pd.array(birth, dtype="Int64")
    rows["status"] = [s or "active" for s in status]
    rows["capacity"] = pd.array(capacity, dtype="Int64")
    rows["since"], rows["until"] = dates
    rows[ROW] = frame[ROW]
    located = homes.notna()
    home_frame = gpd.GeoDataFrame({"code": frame["code"][located]}, geometry=homes[located])
    present = frame.attrs["present"]
    supplied = [c for c in ("name", "phone", "birth_year", "status", "capacity") if c in present]
    supplied += ["home"] if {"lon", "lat"} <= present else []
    return Workers(rows, home_frame, groups if "groups" in present else None, tuple(supplied))


def _worker_dates(frame: pd.DataFrame, labels: pd.Series) -> tuple[tuple[list, list], list[str]]:
    """Each row's start (上岗日期) and end (离岗日期) dates, None where empty."""
    fix = "write it as 2023-05-01 or leave it empty"
    since, problems = cells.parse_cells(
        frame, "since", labels, cells.parse_date, fix, "start date (上岗日期)"
    )
    until, found = cells.parse_cells(
        frame, "until", labels, cells.parse_date, fix, "end date (离岗日期)"
    )
    problems += found + [
        f"{labels[i]}: end date (离岗日期) {end} is not after the start date (上岗日期) "
        f"{start}; fix one of them"
        for i, start, end in zip(frame.index, since, until, strict=True)
        if start is not None and end is not None and end <= start
    ]
    return (since, until), problems


def _worker_groups(frame: pd.DataFrame, labels: pd.Series) -> tuple[pd.DataFrame, list[str]]:
    pairs, problems = [], []
    columns = zip(labels.tolist(), frame[ROW], frame["code"], frame["groups"], strict=True)
    for label, row, worker, text in columns:
        for code in cells.split_codes(text):
            if not _GROUP_CODE.fullmatch(code):
                problems.append(
                    f"{label}: group code '{code}' is not a {_GROUP_DIGITS}-digit villager group "
                    "code; "
                    "separate several codes with ; , 、 or spaces"
                )
            pairs.append((row, worker, code))
    return pd.DataFrame(pairs, columns=[ROW, "worker_code", "group_code"]), problems


def read_contacts(path: Path, *, max_unpacked_mb: int = MAX_UNPACKED_MB) -> Contacts:
    """Read and check a contact file; since is None where the file gives no start date."""
    raw = tables.read_table(path, max_unpacked_mb=max_unpacked_mb)
    frame = tables.normalise_columns(raw, CONTACT_ALIASES, ("code", "name"), path.name)
    labels = tables.row_labels(frame, "code", "contact")
    problems = _key_problems(frame, labels, "contact", "the contact code (编号)")
    problems += _empty(frame, "name", labels, "name (姓名)")
    since, found = cells.parse_cells(
        frame,
        "since",
        labels,
        cells.parse_date,
        "write it as 2023-05-01 or leave it empty",
        "start date (开始日期)",
    )
    problems += found
    until, found = cells.parse_cells(
        frame, "until", labels, cells.parse_date, "write it as 2023-05-01 or leave it empty",
        "end date (结束日期)",
    )  # fmt: skip
    problems += found + [
        f"{labels[i]}: end date (结束日期) {end} is not after the start date (开始日期) {start}; "
        "fix one of them"
        for i, start, end in zip(frame.index, since, until, strict=True)
        if start is not None and end is not None and end <= start
    ]
    tables.refuse(path.name, problems)
    columns = zip(frame[ROW], frame["code"], frame["households"], since, until, strict=True)
    pairs = [
        (row, code, household, start, end)
        for row, code, text, start, end in columns
        for household in cells.split_codes(text)
    ]
    names = [ROW, "contact_code", "household_code", "since", "until"]
    pairings = pd.DataFrame(pairs, columns=names)
    rows = frame[["code", "name", "organisation", "phone", ROW]].replace("", None)
    present = frame.attrs["present"]
    supplied = tuple(c for c in ("name", "organisation", "phone") if c in present)
    return Contacts(rows, pairings, supplied)


def read_visits(
    path: Path, timezone: str = "Asia/Shanghai", now: datetime | None = None, *,
    max_unpacked_mb: int = MAX_UNPACKED_MB,
) -> Visits:  # fmt: skip
    """Read and check a visit file; times without an offset are local time in `timezone`."""
    raw = tables.read_table(path, max_unpacked_mb=max_unpacked_mb)
    frame = tables.normalise_columns(raw, VISIT_ALIASES, ("household", "time"), path.name)
    labels = tables.row_labels(frame, "household", "household")
    problems = tables.empty_key_problems(frame, "household", labels, "the household code (户编码)")
    problems += _empty(frame, "time", labels, "visit time (走访时间)")
    when, found = cells.parse_datetimes(
        frame, "time", labels, timezone, "write it as 2023-05-01 14:30", "visit time (走访时间)"
    )
    problems += found
    problems += [
        f"{labels[i]}: visit time '{frame['time'][i]}' is in the future; check the date"
        for i in frame.index[when > pd.Timestamp(now or clock.now())]
    ]
    kind, found = cells.parse_cells(
        frame,
        "kind",
        labels,
        cells.vocabulary(VISIT_KINDS),
        "use one of " + ", ".join(VISIT_KINDS) + " (empty means 日常走访)",
        "kind (类型)",
    )
    kinds = pd.Series(kind, index=frame.index, dtype=object).fillna("routine")
    points, found_points = cells.parse_points(frame, labels, None)
    plans, found_plans = _plan_ids(frame, labels, kinds)
    tables.refuse(path.name, problems + found + found_points + found_plans)
    rows = pd.DataFrame({ROW: frame[ROW], "household_code": frame["household"]})
    rows["visitor_code"] = frame["visitor"].replace("", None)
    rows["visited_at"] = when
    rows["kind"] = kinds
    rows["note"] = frame["note"].replace("", None)
    rows["checkin_lon"], rows["checkin_lat"] = _coordinates(points)
    rows["plan_id"] = plans
    repeated = rows.drop(columns=ROW).duplicated()
    has_checkin = {"lon", "lat"} <= frame.attrs["present"]
    return Visits(rows[~repeated].reset_index(drop=True), int(repeated.sum()), has_checkin)


def _plan_ids(frame: pd.DataFrame, labels: pd.Series, kinds: pd.Series) -> tuple[pd.Series, list]:
    """Each row's plan number (<NA> where empty); inspection visits, and only they, name one."""
    fix = "write the plan number, e.g. 12"
    plans, problems = cells.parse_cells(
        frame, "plan_id", labels, cells.whole_number(1), fix, "plan (暗访计划)"
    )
    plan = pd.Series(plans, index=frame.index, dtype="Int64")
    inspection = kinds == "inspection"
    problems += [
        f"{labels[i]}: only inspection visits (暗访) name a plan; set the kind (类型) to 暗访 "
        "or empty the plan (暗访计划)"
        for i in frame.index[plan.notna().to_numpy(bool) & ~inspection]
    ]
    # As in the API: an inspection visit stays hidden until its plan closes, so it needs one.
    problems += [
        f"{labels[i]}: an inspection visit (暗访) must name its plan; write the number of the "
        "open inspection plan in the plan column (暗访计划), or set the kind (类型) to 日常走访 "
        "or 集中走访"
        for i in frame.index[inspection & (frame["plan_id"] == "")]
    ]
    return plan, problems


def _coordinates(points: gpd.GeoSeries) -> tuple[pd.Series, pd.Series]:
    """Longitude and latitude of each point (NaN where there is no point)."""
    located = points.notna().to_numpy()
    lon = pd.Series(np.nan, index=points.index)
    lat = pd.Series(np.nan, index=points.index)
    lon[located] = points[located].x.to_numpy()
    lat[located] = points[located].y.to_numpy()
    return lon, lat


def _key_problems(frame: pd.DataFrame, labels: pd.Series, noun: str, header: str) -> list[str]:
    problems = tables.empty_key_problems(frame, "code", labels, header)
    return problems + tables.duplicate_problems(frame, "code", f"{noun} code")


def _empty(frame: pd.DataFrame, column: str, labels: pd.Series, what: str) -> list[str]:
    return [f"{labels[i]}: {what} is empty; fill it in" for i in frame.index[frame[column] == ""]]
