"""Monitoring files in, and the monitoring and campaign to-do spreadsheets out."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from gridmap.core import clock
from gridmap.files import cells, tables
from gridmap.files.archives import MAX_UNPACKED_MB
from gridmap.files.households import MONITOR_KINDS
from gridmap.files.reports import add_sheet
from gridmap.files.tables import ROW

ALIASES: dict[str, tuple[str, ...]] = {
    "household": ("户编码", "户码", "农户编码", "household_code"),
    "kind": ("监测类型", "监测对象类别", "监测类别", "monitor_kind"),
    "identified_on": ("识别日期", "纳入日期", "纳入监测日期", "识别纳入日期", "identified"),
    "found_by": ("发现方式", "识别方式", "how_found"),
    "risk_type": ("风险类型", "致贫风险", "返贫致贫风险", "risk"),
    "measures": ("帮扶措施", "assistance_measures"),
    "eliminated_on": ("风险消除日期", "消除日期", "eliminated"),
}
REQUIRED = ("household", "kind", "identified_on")
FOUND_BY = {
    "农户自主申报": "self_report", "自主申报": "self_report", "self_report": "self_report",
    "干部走访排查": "cadre_visit", "走访排查": "cadre_visit", "cadre_visit": "cadre_visit",
    "部门筛查预警": "department_alert", "筛查预警": "department_alert",
    "department_alert": "department_alert",
}  # fmt: skip
MAX_TEXT = 2000
#: Dates in monitoring files are the county's calendar days.
ZONE = "Asia/Shanghai"


def read_monitoring(
    path: Path, today: date | None = None, *, max_unpacked_mb: int = MAX_UNPACKED_MB
) -> pd.DataFrame:
    """Read and check a monitoring file; raise BadInput listing every bad row (capped).

    Returns row, household_code, kind, identified_on, found_by, risk_type, measures,
    eliminated_on (dates as date, missing values None).
    """
    raw = tables.read_table(path, max_unpacked_mb=max_unpacked_mb)
    frame = tables.normalise_columns(raw, ALIASES, REQUIRED, path.name)
    labels = tables.row_labels(frame, "household", "household")
    problems = tables.empty_key_problems(frame, "household", labels, "the household code (户编码)")
    for column, what in (("kind", "kind (监测类型)"), ("identified_on", "identification date")):
        problems += [f"{labels[i]}: {what} is empty; fill it in"
                     for i in frame.index[frame[column] == ""]]  # fmt: skip
    kind, found = _vocabulary(frame, "kind", labels, MONITOR_KINDS, "kind (监测类型)")
    found_by, found_more = _vocabulary(frame, "found_by", labels, FOUND_BY, "how found (发现方式)")
    identified, eliminated, found_dates = _period(frame, labels, today or clock.today(ZONE))
    problems += found + found_more + found_dates + _long_texts(frame, labels)
    rows = pd.DataFrame({ROW: frame[ROW], "household_code": frame["household"], "kind": kind})
    rows["identified_on"] = pd.Series(identified, index=frame.index, dtype=object)
    tables.refuse(path.name, problems + _repeated(rows))
    rows["found_by"] = found_by
    rows["risk_type"] = frame["risk_type"].replace("", None)
    rows["measures"] = frame["measures"].replace("", None)
    rows["eliminated_on"] = pd.Series(eliminated, index=frame.index, dtype=object)
    return rows


def _period(frame: pd.DataFrame, labels: pd.Series, today: date) -> tuple[list, list, list[str]]:
    """Identification and elimination dates, and what is wrong with them."""
    identified, problems = _dates(frame, "identified_on", labels, "identification date (识别日期)")
    problems += _future(identified, labels, today, "identification date")
    eliminated, found = _dates(
        frame, "eliminated_on", labels, "risk elimination date (风险消除日期)"
    )
    problems += found + _future(eliminated, labels, today, "risk elimination date")
    problems += [
        f"{labels[i]}: risk elimination date {e} is before the identification date {d}; "
        "check both dates"
        for i, d, e in zip(frame.index, identified, eliminated, strict=True)
        if d is not None and e is not None and e < d
    ]
    return identified, eliminated, problems


def _vocabulary(
    frame: pd.DataFrame, column: str, labels: pd.Series, words: dict, what: str
) -> tuple[list, list[str]]:
    fix = "use one of " + ", ".join(w for w in words if not w.isascii())
    return cells.parse_cells(frame, column, labels, cells.vocabulary(words), fix, what)


def _dates(
    frame: pd.DataFrame, column: str, labels: pd.Series, what: str
) -> tuple[list, list[str]]:
    fix = "write it as 2023-05-01"
    return cells.parse_cells(frame, column, labels, cells.parse_date, fix, what)


def _future(values: list, labels: pd.Series, today: date, what: str) -> list[str]:
    return [
        f"{labels[i]}: {what} {value} is in the future; check the date"
        for i, value in zip(labels.index, values, strict=True)
        if value is not None and value > today
    ]


def _long_texts(frame: pd.DataFrame, labels: pd.Series) -> list[str]:
    return [
        f"{labels[i]}: {column} is longer than {MAX_TEXT} characters; shorten it"
        for column in ("risk_type", "measures")
        for i in frame.index[frame[column].str.len() > MAX_TEXT]
    ]


def _repeated(rows: pd.DataFrame) -> list[str]:
    keyed = rows[rows["identified_on"].notna() & (rows["household_code"] != "")]
    twice = keyed[keyed.duplicated(["household_code", "identified_on"], keep=False)]
    return [
        f"rows {', '.join(str(r) for r in group[ROW])}: household {code} is identified on "
        f"{day} more than once; keep one row per household and identification date"
        for (code, day), group in twice.groupby(["household_code", "identified_on"], sort=False)
    ]


MONITORING_HEADERS = [
    ("code", "网格编码"), ("name", "名称"), ("parent", "上级编码"),
    ("identified", "期内识别"), ("identified_self_report", "其中:农户自主申报"),
    ("identified_cadre_visit", "其中:干部走访排查"),
    ("identified_department_alert", "其中:部门筛查预警"),
    ("eliminated", "期内风险消除"), ("at_risk_end", "期末未消除风险"),
]  # fmt: skip
UNVISITED_HEADERS = [
    ("unit", "村民小组编码"), ("unit_name", "村民小组"), ("code", "户编码"),
    ("head_name", "户主姓名"), ("category", "户类型"), ("phone", "联系电话"),
    ("address", "住址"), ("last_visit_on", "最近走访日期"),
]  # fmt: skip
UNCONTACTED_HEADERS = [
    ("unit", "网格编码"), ("unit_name", "网格"), ("code", "户编码"), ("head_name", "户主姓名"),
    ("monitor_kind", "监测类型"), ("last_contact_until", "上一联系人结束日期"),
]  # fmt: skip
CONTACT_HEADERS = [
    ("code", "联系人编号"), ("name", "姓名"), ("organisation", "工作单位"), ("phone", "联系电话"),
    ("households", "帮扶户数"), ("monitored", "其中监测对象(未消除风险)"),
]  # fmt: skip
MONITOR_KIND_NAMES = {k: v for v, k in MONITOR_KINDS.items() if not v.isascii()}
LEVEL_SHEETS = {1: "县", 2: "乡镇", 3: "行政村", 4: "村民小组"}
CATEGORY_NAMES = {"lifted": "脱贫户", "monitored": "监测对象", "ordinary": "一般农户"}


def _saved(wb: Workbook) -> bytes:
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def monitoring_workbook(report: dict) -> bytes:
    """The monitoring counts as XLSX bytes: one sheet per level, the period in the title."""
    wb = Workbook()
    wb.remove(wb.active)
    for level, title in LEVEL_SHEETS.items():
        rows = [u for u in report["units"] if u["level"] == level]
        if rows:
            add_sheet(wb, f"{title} {report['from']}至{report['to']}", MONITORING_HEADERS, rows)
    if not wb.sheetnames:
        add_sheet(wb, LEVEL_SHEETS[1], MONITORING_HEADERS, [])
    return _saved(wb)


def unvisited_workbook(rows: list[dict]) -> bytes:
    """Unvisited households as XLSX bytes: one sheet per village, a worker's to-do list."""
    wb = Workbook()
    wb.remove(wb.active)
    villages: dict[str, list[dict]] = {}
    for row in rows:
        named = {**row, "category": CATEGORY_NAMES.get(row["category"], row["category"])}
        villages.setdefault(row["village"] or "", []).append(named)
    for village, members in villages.items():
        name = members[0]["village_name"] or "网格外"
        add_sheet(wb, _sheet_title(f"{village} {name}", wb.sheetnames), UNVISITED_HEADERS, members)
    if not wb.sheetnames:
        add_sheet(wb, "未走访", UNVISITED_HEADERS, [])
    return _saved(wb)


def uncontacted_workbook(listing: dict) -> bytes:
    """Monitored households without a contact on a date as XLSX bytes (the date in the title)."""
    rows = [
        {**h, "monitor_kind": MONITOR_KIND_NAMES.get(h["monitor_kind"], h["monitor_kind"])}
        for h in listing["households"]
    ]
    wb = Workbook()
    wb.remove(wb.active)
    add_sheet(wb, f"无帮扶联系人 {listing['as_of']}", UNCONTACTED_HEADERS, rows)
    return _saved(wb)


def contacts_workbook(contacts: list[dict], as_of: date) -> bytes:
    """Assistance contacts with the households they assist on `as_of` as XLSX bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    add_sheet(wb, f"帮扶联系人 {as_of.isoformat()}", CONTACT_HEADERS, contacts)
    return _saved(wb)


def _sheet_title(text: str, taken: list[str]) -> str:
    """A unique sheet title: at most 31 characters, none of Excel's forbidden ones."""
    title = re.sub(r"[\[\]:*?/\\]", "_", text).strip()[:31] or "sheet"
    n = 1
    while title in taken:
        n += 1
        title = f"{title[:27]} ({n})"
    return title
