"""Spreadsheet exports of projects and pairings: Chinese headers, frozen header, real numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from io import BytesIO

from openpyxl import Workbook

from gridmap.files.project_pairings import KIND_NAMES
from gridmap.files.projects import CATEGORY_NAMES, STATUS_NAMES
from gridmap.files.reports import add_sheet

PROJECT_HEADERS = [
    ("code", "项目编码"), ("name", "项目名称"), ("year", "年度"), ("category_name", "类别"),
    ("funds_central", "中央资金(万元)"), ("funds_provincial", "省级资金(万元)"),
    ("funds_city", "市级资金(万元)"), ("funds_county", "县级资金(万元)"),
    ("funds_total", "资金合计(万元)"), ("status_name", "状态"), ("approved_on", "批复日期"),
    ("started_on", "开工日期"), ("completed_on", "完工日期"), ("progress", "进度(%)"),
    ("township_code", "乡镇编码"), ("township_name", "乡镇"), ("village_code", "行政村编码"),
    ("village_name", "行政村"), ("lon", "经度"), ("lat", "纬度"),
    ("asset_name", "确权登记"), ("asset_registered_on", "确权日期"),
]  # fmt: skip
PAIRING_HEADERS = [
    ("kind_name", "类型"), ("partner", "结对方"), ("township_code", "乡镇编码"),
    ("township_name", "乡镇"), ("village_code", "行政村编码"), ("village_name", "行政村"),
    ("since", "结对时间"), ("note", "备注"),
]  # fmt: skip


def projects_workbook(rows: Sequence[Mapping], report: Mapping, names: Mapping[str, str]) -> bytes:
    """The projects, the report, its categories and townships as XLSX (Chinese headers)."""
    listed = [
        {
            **r, "category_name": CATEGORY_NAMES[r["category"]],
            "status_name": STATUS_NAMES[r["status"]],
            "asset_name": "是" if r["asset_registered"] else "否",
            "lon": r["lon"] if r["located"] else None, "lat": r["lat"] if r["located"] else None,
        }
        for r in rows
    ]  # fmt: skip
    summary = [
        {"key": "项目数", "value": report["projects"]},
        {"key": "资金合计(万元)", "value": report["funds_wan"]},
        {"key": "产业发展资金占比", "value": report["industry_share"]},
        {"key": "已开工项目占比", "value": report["started_share"]},
        {"key": "已完工项目占比", "value": report["completed_share"]},
        {"key": "已完工未确权登记项目数", "value": report["unregistered_assets"]},
    ]
    categories = [
        {"name": CATEGORY_NAMES[c], **figures} for c, figures in report["by_category"].items()
    ]
    townships = [{**t, "name": names.get(t["code"])} for t in report["by_township"]]
    return workbook([
        ("项目清单", PROJECT_HEADERS, listed),
        ("汇总", [("key", "指标"), ("value", "数值")], summary),
        ("按类别", [("name", "类别"), ("count", "项目数"), ("funds_wan", "资金(万元)"),
                    ("share", "资金占比")], categories),
        ("按乡镇", [("code", "乡镇编码"), ("name", "乡镇"), ("projects", "项目数"),
                    ("funds_wan", "资金(万元)")], townships),
    ])  # fmt: skip


def pairings_workbook(rows: Sequence[Mapping]) -> bytes:
    """Pairings as XLSX (Chinese headers)."""
    listed = [{**r, "kind_name": KIND_NAMES[r["kind"]]} for r in rows]
    return workbook([("结对帮扶", PAIRING_HEADERS, listed)])


def workbook(sheets: list[tuple[str, list[tuple[str, str]], list[dict]]]) -> bytes:
    """XLSX bytes with one sheet per (title, [(key, Chinese header)], rows)."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, headers, rows in sheets:
        add_sheet(wb, title, headers, rows)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
