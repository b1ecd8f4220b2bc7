"""Spreadsheet exports of reports: Chinese headers, frozen header row, numbers as numbers."""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # openpyxl loads in half a second: only writing a workbook needs it, not the modules (the
    # coverage report, inspection candidates) that import these headers.
    from openpyxl import Workbook

LEVEL_SHEETS = {1: "县", 2: "乡镇", 3: "行政村", 4: "村民小组"}
COVERAGE_HEADERS = [
    ("code", "网格编码"),
    ("name", "名称"),
    ("parent", "上级编码"),
    ("households", "农户数"),
    ("monitored", "监测对象"),
    ("workers_active", "在岗网格员"),
    ("load_per_worker", "人均户数"),
    ("outside_grid", "网格外"),
    ("no_worker", "无网格员"),
    ("no_contact", "无帮扶联系人"),
    ("overdue", "走访逾期"),
    ("doubtful_visit", "走访签到存疑"),
    ("covered", "已覆盖"),
    # Every household with the problem, whatever else it has (the columns above count each
    # household once, by its first problem).
    ("reasons.outside_grid", "网格外(全部)"),
    ("reasons.no_worker", "无网格员(全部)"),
    ("reasons.no_contact", "无帮扶联系人(全部)"),
    ("reasons.overdue", "走访逾期(全部)"),
    ("uncovered_share", "未覆盖比例"),
    ("gap_area_m2", "空白面积(平方米)"),
]
MISMATCH_HEADERS = [
    ("code", "户编码"),
    ("head_name", "户主姓名"),
    ("declared_group", "登记小组"),
    ("located_unit", "坐标所在网格"),
    ("lon", "经度"),
    ("lat", "纬度"),
]


def _value(row: dict, key: str) -> object:
    """`row[key]`, where "a.b" reads row["a"]["b"]."""
    value: object = row
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def add_sheet(wb: Workbook, title: str, headers: list[tuple[str, str]], rows: list[dict]) -> None:
    """Add a sheet: Chinese headers (frozen), one row per dict, text never turned into formulas."""
    ws = wb.create_sheet(title)
    ws.append([label for _, label in headers])
    for row in rows:
        ws.append([_value(row, key) for key, _ in headers])
        for cell in ws[ws.max_row]:
            # Text such as "=HYPERLINK(...)" from a name must stay text, never a formula.
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    from openpyxl.utils import get_column_letter

    for i, (_, label) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(len(label) * 2 + 2, 12)


def coverage_workbook(report: dict, mismatches: list[dict]) -> bytes:
    """The coverage report as XLSX bytes: a sheet per level and one of location mismatches."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for level, title in LEVEL_SHEETS.items():
        rows = [u for u in report["units"] if u["level"] == level]
        add_sheet(wb, title, COVERAGE_HEADERS, rows)
    add_sheet(wb, "位置不符", MISMATCH_HEADERS, mismatches)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
