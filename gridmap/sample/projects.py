"""Demo funded projects and pairings for the sample county, as the 2023 work report has them.

77 projects approved in 2023 with 55.5% of the funds for industry, all started by 27 June;
some completed, a few of those without asset registration (确权登记) yet. 27 enterprises are
paired with 27 villages (万企兴万村) and 24 county leaders each keep contact villages (联系点).
Everything is invented.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from shapely.geometry.base import BaseGeometry

from gridmap.core import vocab
from gridmap.projects import funded as projects
from gridmap.sample import names

YEAR = 2023
INDUSTRY_SHARE = 0.555
#: Projects per category (77 in all), by the names the bureau's sheets use.
CATEGORY_COUNTS = {"产业发展": 33, "基础设施": 26, "就业帮扶": 8, "公益岗位": 6, "其他": 4}
#: Mean funds per project in 万元 before industry is scaled to its share.
MEAN_FUNDS = {"产业发展": 150.0, "基础设施": 90.0, "就业帮扶": 40.0, "公益岗位": 60.0, "其他": 30.0}
STARTED_BY = date(YEAR, 6, 27)
COMPLETED_SHARE = 0.45  # of the industry and infrastructure projects
UNREGISTERED_SHARE = 0.2  # of the completed ones
POLYGON_SHARE = 0.35  # of the located industry and infrastructure projects
WORKS = {
    "产业发展": ("茶叶加工厂", "蔬菜大棚", "光伏电站", "食用菌基地", "油茶基地", "特色养殖场",
             "农产品冷库", "竹木加工车间"),
    "基础设施": ("道路硬化工程", "安全饮水工程", "桥梁改造", "灌溉水渠", "人居环境整治", "产业路"),
    "就业帮扶": ("就业帮扶车间", "技能培训", "务工交通补助"),
    "公益岗位": ("乡村公益岗位",),
    "其他": ("小额信贷贴息", "雨露计划补助"),
}  # fmt: skip
ENTERPRISES = 27
LEADERS = 24
TRADES = ("茶业", "农业科技", "食品", "建材", "物流", "生态农业", "竹业", "电子")
POSITIONS = (
    "县委书记",
    "县长",
    "县委副书记",
    "常务副县长",
    "副县长",
    "县委常委",
    "县人大常委会主任",
)
_DEG_M = 111_320.0  # metres per degree of latitude


def generate_projects(
    units: gpd.GeoDataFrame, seed: int = 2023, code_prefix: str = ""
) -> pd.DataFrame:
    """Return the demo projects with the columns (Chinese headers) of a project file, coded
    code_prefix + XJ2023-001, XJ2023-002, …"""
    rng = np.random.default_rng(seed + 21)
    villages = units[units.level == vocab.VILLAGE].sort_values("code").reset_index(drop=True)
    categories = [c for c, n in CATEGORY_COUNTS.items() for _ in range(n)]
    picked = villages.iloc[rng.choice(len(villages), len(categories), replace=False)]
    codes = [f"{code_prefix}XJ{YEAR}-{i:03d}" for i in range(1, len(categories) + 1)]
    frame = pd.DataFrame({"项目编码": codes})
    frame["项目名称"] = [
        name + rng.choice(WORKS[c]) for name, c in zip(picked["name"], categories, strict=True)
    ]
    frame["年度"] = YEAR
    frame["类别"] = categories
    frame = pd.concat([frame, _funds(rng, categories)], axis=1)
    frame = pd.concat([frame, _progress(rng, categories)], axis=1)
    frame["行政村编码"] = picked["code"].to_numpy()
    frame = pd.concat([frame, _sites(rng, categories, picked.geometry.to_numpy())], axis=1)
    return frame


def _funds(rng: np.random.Generator, categories: list[str]) -> pd.DataFrame:
    """Funds by source; industry is scaled so that its share of all funds is INDUSTRY_SHARE."""
    totals = np.array([rng.lognormal(np.log(MEAN_FUNDS[c]), 0.5) for c in categories])
    industry = np.array([c == "产业发展" for c in categories])
    others = totals[~industry].sum()
    totals[industry] *= INDUSTRY_SHARE * others / (1 - INDUSTRY_SHARE) / totals[industry].sum()
    totals = np.round(totals, 2)
    shares = np.column_stack(
        [rng.uniform(0.55, 0.75, len(totals)), rng.uniform(0.1, 0.2, len(totals)),
         rng.uniform(0.0, 0.05, len(totals))]
    )  # fmt: skip
    parts = np.round(totals[:, None] * shares, 2)
    county = np.round(totals - parts.sum(axis=1), 2)
    return pd.DataFrame(
        {
            "中央资金": parts[:, 0],
            "省级资金": parts[:, 1],
            "市级资金": parts[:, 2],
            "县级资金": county,
        }
    )


def _progress(rng: np.random.Generator, categories: list[str]) -> pd.DataFrame:
    """Status, dates, progress and asset registration; every project started by STARTED_BY."""
    rows = []
    for category in categories:
        approved = date(YEAR, 2, 1) + timedelta(days=int(rng.integers(0, 88)))
        started = approved + timedelta(days=int(rng.integers(7, (STARTED_BY - approved).days)))
        builds = category in ("产业发展", "基础设施")  # wages and subsidies leave no asset
        completed = builds and rng.random() < COMPLETED_SHARE
        done = started + timedelta(days=int(rng.integers(30, 150))) if completed else None
        registered = completed and rng.random() >= UNREGISTERED_SHARE
        on = done + timedelta(days=int(rng.integers(10, 60))) if registered and done else None
        rows.append(
            {
                "状态": "已完工" if completed else "已开工", "批复日期": approved,
                "开工日期": started, "完工日期": done,
                "进度": 100 if completed else int(rng.integers(20, 96)),
                "确权登记": "是" if registered else "否",
                "确权日期": on,
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def _sites(rng: np.random.Generator, categories: list[str], villages: np.ndarray) -> pd.DataFrame:
    """A point or a small square inside the village, or no site for wages and subsidies."""
    rows = []
    for category, village in zip(categories, villages, strict=True):
        lon = lat = wkt = None
        if category in ("产业发展", "基础设施", "其他"):
            x, y = _point_in(rng, village)
            if category != "其他" and rng.random() < POLYGON_SHARE:
                half = rng.uniform(40, 120)  # metres
                dx, dy = half / (_DEG_M * np.cos(np.radians(y))), half / _DEG_M
                wkt = shapely.to_wkt(shapely.box(x - dx, y - dy, x + dx, y + dy), 7)
            else:
                lon, lat = round(x, 6), round(y, 6)
        rows.append({"经度": lon, "纬度": lat, "范围": wkt})
    return pd.DataFrame(rows)


def _point_in(rng: np.random.Generator, polygon: BaseGeometry) -> tuple[float, float]:
    """A random point well inside `polygon` (its interior shrunk by ~150 m when possible)."""
    inner = polygon.buffer(-150 / _DEG_M)
    area = inner if not inner.is_empty else polygon
    minx, miny, maxx, maxy = area.bounds
    for _ in range(1000):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if area.contains(shapely.Point(x, y)):
            return float(x), float(y)
    point = area.representative_point()
    return float(point.x), float(point.y)


def generate_pairings(units: gpd.GeoDataFrame, seed: int = 2023) -> pd.DataFrame:
    """Return enterprise (万企兴万村) and county leader (联系点) pairings with villages."""
    rng = np.random.default_rng(seed + 22)
    villages = np.sort(units.loc[units.level == vocab.VILLAGE, "code"].to_numpy())
    paired = rng.choice(villages, ENTERPRISES, replace=False)
    firms = [
        f"{place}{rng.choice(TRADES)}有限公司" for place in names.place_names(rng, ENTERPRISES)
    ]
    rows = [
        {"类型": "万企兴万村", "结对方": firm, "行政村编码": village, "结对时间": "2021-09-01",
         "备注": None}
        for firm, village in zip(firms, paired, strict=True)
    ]  # fmt: skip
    drawn = names.person_names(
        rng, names.surname_indices(rng, 4 * LEADERS), rng.random(4 * LEADERS) < 0.8
    )
    leaders = list(dict.fromkeys(drawn))[:LEADERS]  # distinct names: a name keys the pairing
    for i, leader in enumerate(leaders):
        contact = rng.choice(villages, int(rng.integers(1, 4)), replace=False)
        position = POSITIONS[i] if i < len(POSITIONS) else POSITIONS[4 + i % 2]
        since = date(2021, 7, 1) + timedelta(days=int(rng.integers(0, 700)))
        rows += [
            {"类型": "联系点", "结对方": str(leader), "行政村编码": village, "结对时间": since,
             "备注": position}
            for village in contact
        ]  # fmt: skip
    return pd.DataFrame(rows)


def load_demo_projects(
    conn: psycopg.Connection, units: gpd.GeoDataFrame, seed: int, code_prefix: str = ""
) -> dict:
    """Import the demo projects (codes starting with code_prefix) and pairings through the
    ordinary import paths."""
    with tempfile.TemporaryDirectory(prefix="gridmap-demo-projects-") as folder:
        project_file = Path(folder) / "projects.csv"
        pairing_file = Path(folder) / "pairings.csv"
        generate_projects(units, seed, code_prefix).to_csv(project_file, index=False)
        generate_pairings(units, seed).to_csv(pairing_file, index=False)
        return {
            "projects": projects.import_projects(conn, project_file),
            "pairings": projects.import_pairings(conn, pairing_file),
        }
