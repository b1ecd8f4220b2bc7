"""Importing household files: every format and encoding, placement, upserts, bad input refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from pyproj import Transformer

from gridmap.core.errors import BadInput
from gridmap.geo.crs import wgs84_to_gcj02
from gridmap.registry.households import import_households
from tests.grid_fixtures import METRIC_CRS, ORIGIN_X, ORIGIN_Y, XSS_NAME, tiny_county
from tests.household_fixtures import add_grid
from tests.zip_fixtures import MB, padded_xlsx, unpacked_size

COUNTY = "341890"
GROUP_A = "341890100200001"  # x 0-2000 m, y 0-2000 m
GROUP_B = "341890100201002"  # x 2000-4000 m, y 2000-4000 m
GROUP_C = "341890101200001"  # x 4000-6000 m, y 0-2000 m
HEADERS = ["户编码", "户主姓名", "户类型", "经度", "纬度", "村民小组编码", "人口数", "联系电话"]
_TO_WGS84 = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)


def lonlat(x_m: float, y_m: float) -> tuple[float, float]:
    """WGS84 lon/lat of a point given in metres from the tiny county's south-west corner."""
    lon, lat = _TO_WGS84.transform(ORIGIN_X + x_m, ORIGIN_Y + y_m)
    return round(lon, 8), round(lat, 8)


def good_rows() -> list[list[str]]:
    """Four households: two located, one placed only by its group, one monitored kind."""
    a, b = lonlat(1000, 1000), lonlat(3000, 3000)
    c = lonlat(5000, 500)
    return [
        ["H001", "张三", "脱贫户", str(a[0]), str(a[1]), GROUP_A, "3", "13800000001"],
        ["H002", "李四", "监测对象", str(b[0]), str(b[1]), "", "2", ""],
        ["H003", "王五", "一般农户", "", "", GROUP_C, "5", ""],
        ["H004", "赵六", "边缘易致贫户", str(c[0]), str(c[1]), GROUP_C, "1", ""],
    ]


def write_csv(path: Path, rows: list[list[str]], headers=HEADERS, encoding="utf-8-sig") -> Path:
    """Write a CSV the way Excel does (comma separated, given encoding)."""
    pd.DataFrame(rows, columns=headers).to_csv(path, index=False, encoding=encoding)
    return path


def write_xlsx(path: Path, rows: list[list[str]], headers=HEADERS) -> Path:
    """Write an XLSX workbook with numbers stored as numbers, as Excel users type them."""
    frame = pd.DataFrame(rows, columns=headers)
    for column in ("经度", "纬度", "人口数"):
        frame[column] = pd.to_numeric(frame[column]).astype(object)
        frame.loc[frame[column].isna(), column] = None
    frame.to_excel(path, index=False, engine="openpyxl")
    return path


def write_geojson(path: Path, rows: list[list[str]], headers=HEADERS) -> Path:
    """Write GeoJSON points (null geometry where a row has no coordinates)."""
    features = []
    for row in rows:
        props = dict(zip(headers, row, strict=True))
        lon, lat = props.pop("经度"), props.pop("纬度")
        geometry = {"type": "Point", "coordinates": [float(lon), float(lat)]} if lon else None
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


WRITERS = {
    "csv_gbk": lambda p, rows: write_csv(p.with_suffix(".csv"), rows, encoding="gbk"),
    "csv_utf8_bom": lambda p, rows: write_csv(p.with_suffix(".csv"), rows),
    "csv_utf8": lambda p, rows: write_csv(p.with_suffix(".csv"), rows, encoding="utf-8"),
    "xlsx": lambda p, rows: write_xlsx(p.with_suffix(".xlsx"), rows),
    "geojson": lambda p, rows: write_geojson(p.with_suffix(".geojson"), rows),
}


def snapshot(conn: psycopg.Connection) -> tuple | None:
    """Row count and a digest of every household, to prove a refused file wrote nothing."""
    return conn.execute(
        "SELECT count(*), md5(coalesce(string_agg(h::text, '|' ORDER BY code), '')) "
        "FROM household h"
    ).fetchone()


def stored(conn: psycopg.Connection) -> dict[str, tuple]:
    """code -> (category, monitor_kind, county_code, unit_code, declared_group)."""
    rows = conn.execute(
        "SELECT code, category, monitor_kind, county_code, unit_code, declared_group "
        "FROM household ORDER BY code"
    ).fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


@pytest.fixture
def grid(conn, tiny_county_file):
    """The tiny county imported into the test's transaction."""
    add_grid(conn, tiny_county_file)
    return conn


@pytest.mark.parametrize("kind", list(WRITERS))
def test_every_format_gives_the_same_households(grid, tmp_path, kind):
    path = WRITERS[kind](tmp_path / "households", good_rows())
    report = import_households(grid, path)
    assert report == {
        "file": path.name,
        "rows": 4,
        "counties": [COUNTY],
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "assigned": 4,
        "outside_grid": 0,
        "no_location": 1,
        "mismatch": 0,
    }
    assert stored(grid) == {
        "H001": ("lifted", None, COUNTY, GROUP_A, GROUP_A),
        "H002": ("monitored", None, COUNTY, GROUP_B, None),
        "H003": ("ordinary", None, COUNTY, GROUP_C, GROUP_C),
        "H004": ("monitored", "marginal", COUNTY, GROUP_C, GROUP_C),
    }
    members, phone = grid.execute(
        "SELECT members, phone FROM household WHERE code = 'H001'"
    ).fetchone()
    assert (members, phone) == (3, "13800000001")


def test_row_without_coordinates_is_placed_by_declared_group(grid, tmp_path):
    rows = [["H9", "孙七", "脱贫户", "", "", GROUP_B, "", ""]]
    report = import_households(grid, write_csv(tmp_path / "h.csv", rows, encoding="gbk"))
    assert report["no_location"] == 1 and report["assigned"] == 1
    assert stored(grid)["H9"][3] == GROUP_B


def test_point_outside_every_group_goes_to_the_county(grid, tmp_path):
    lon, lat = lonlat(-3000, 1000)  # west of the county box
    rows = [["H1", "周八", "一般农户", str(lon), str(lat), "", "", ""]]
    report = import_households(grid, write_csv(tmp_path / "h.csv", rows))
    assert report["outside_grid"] == 1 and report["assigned"] == 0
    assert stored(grid)["H1"][2:4] == (COUNTY, COUNTY)


def test_declared_group_disagreeing_with_point_is_a_mismatch(grid, tmp_path):
    lon, lat = lonlat(1000, 1000)  # inside GROUP_A
    rows = [["H1", "吴九", "一般农户", str(lon), str(lat), GROUP_C, "", ""]]
    report = import_households(grid, write_csv(tmp_path / "h.csv", rows))
    assert report["mismatch"] == 1
    assert stored(grid)["H1"][3:] == (GROUP_A, GROUP_C)


def test_gcj02_coordinates_are_converted_to_within_a_centimetre(grid, tmp_path):
    lon, lat = lonlat(1234.5, 1678.9)
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    rows = [["H1", "郑十", "脱贫户", repr(float(g_lon)), repr(float(g_lat)), "", "", ""]]
    import_households(grid, write_csv(tmp_path / "h.csv", rows), crs_name="gcj02")
    (distance,) = grid.execute(
        "SELECT ST_Distance(geom::geography, ST_SetSRID(ST_Point(%s, %s), 4326)::geography) "
        "FROM household WHERE code = 'H1'",
        [lon, lat],
    ).fetchone()
    assert distance < 0.01
    assert stored(grid)["H1"][3] == GROUP_A


def test_reimport_updates_instead_of_duplicating(grid, tmp_path):
    path = write_csv(tmp_path / "h.csv", good_rows())
    import_households(grid, path)
    changed = good_rows()
    changed[0][2] = "监测对象"
    changed[1][3], changed[1][4] = map(str, lonlat(5000, 3000))  # moves into 341890101200002
    report = import_households(grid, write_csv(tmp_path / "h2.csv", changed))
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 2, 2)
    assert grid.execute("SELECT count(*) FROM household").fetchone() == (4,)
    assert stored(grid)["H001"][0] == "monitored"
    assert stored(grid)["H002"][2:4] == (COUNTY, "341890101200002")


def test_columns_missing_from_a_reimport_keep_their_values(grid, tmp_path):
    import_households(grid, write_csv(tmp_path / "h.csv", good_rows()))
    slim = [[r[0], r[2], r[5]] for r in good_rows() if r[5]]
    import_households(
        grid, write_csv(tmp_path / "slim.csv", slim, ["户编码", "户类型", "小组编码"])
    )
    row = grid.execute(
        "SELECT head_name, phone, members, geom IS NOT NULL FROM household WHERE code = 'H001'"
    ).fetchone()
    assert row == ("张三", "13800000001", 3, True)


def test_status_and_risk_columns_are_mapped(grid, tmp_path):
    headers = ["户编码", "户类型", "监测类型", "风险消除", "小组编码", "状态", "状态日期"]
    rows = [["H1", "监测户", "突发严重困难户", "是", GROUP_A, "迁出", "2023/6/1"]]
    import_households(grid, write_csv(tmp_path / "h.csv", rows, headers))
    row = grid.execute(
        "SELECT category, monitor_kind, risk_eliminated, status, status_date::text "
        "FROM household WHERE code = 'H1'"
    ).fetchone()
    assert row == ("monitored", "sudden_hardship", True, "moved_away", "2023-06-01")


def test_title_row_above_the_header_is_skipped(grid, tmp_path):
    path = tmp_path / "h.xlsx"
    table = [["测试县农户花名册", "", "", "", "", "", "", ""], HEADERS, *good_rows()]
    pd.DataFrame(table).to_excel(path, index=False, header=False, engine="openpyxl")
    assert import_households(grid, path)["rows"] == 4


def test_english_headers_are_accepted(grid, tmp_path):
    headers = ["household_code", "Name", "Category", "Longitude", "Latitude", "group_code"]
    lon, lat = lonlat(1000, 1000)
    rows = [["H1", "Zhang", "lifted", str(lon), str(lat), GROUP_A]]
    assert import_households(grid, write_csv(tmp_path / "h.csv", rows, headers))["assigned"] == 1


def _with(row_index: int, column: int, value: str):
    def mutate(rows):
        rows[row_index][column] = value
        return rows

    return mutate


def _swap(rows):
    rows[0][3], rows[0][4] = rows[0][4], rows[0][3]
    return rows


BAD_ROWS = [
    ("swapped", _swap, "swapped"),
    ("duplicate", lambda rows: [*rows, rows[0]], "rows 2, 6: household code H001"),
    ("unknown_category", _with(1, 2, "贫困户"), "'贫困户' is not a known value; use one of 脱贫户"),
    ("empty_code", _with(2, 0, ""), "row 4 (no household code)"),
    ("only_lon", _with(1, 4, ""), "only one of longitude and latitude"),
    ("text_coordinates", _with(1, 3, "东经117度"), "are not numbers"),
    ("outside_china", _with(0, 3, "10.5"), "outside China"),
    ("short_group", _with(2, 5, "3418901002"), "not a 15-digit villager group code"),
    ("negative_members", _with(0, 6, "-2"), "members (人口数) '-2'"),
    ("nowhere", lambda rows: [*rows, ["H9", "", "脱贫户", "", "", "", "", ""]], "neither"),
]


@pytest.mark.parametrize(("label", "mutate", "message"), BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_bad_rows_are_refused_and_nothing_written(grid, tmp_path, label, mutate, message):
    import_households(grid, write_csv(tmp_path / "first.csv", good_rows()[:1]))
    before = snapshot(grid)
    path = write_csv(tmp_path / f"{label}.csv", mutate(good_rows()), encoding="gbk")
    with pytest.raises(BadInput) as info:
        import_households(grid, path)
    assert path.name in info.value.message
    assert message in " ".join(info.value.details)
    assert snapshot(grid) == before


def _file(name: str, data: bytes | str):
    """A writer of a file with exactly these bytes (str: UTF-8)."""

    def write(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path

    return write


_RING = [[117, 30], [117.1, 30], [117.1, 30.1], [117, 30]]
POLYGON = {"type": "Polygon", "coordinates": [_RING]}
POLYGONS = json.dumps(
    {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"户编码": "H1", "户类型": "脱贫户"}, "geometry": POLYGON}
    ]}
)  # fmt: skip
BAD_FILES = [
    ("missing_column", _file("m.csv", "户编码,户主姓名\nH1,张三\n"), "missing column(s): category"),
    ("no_location_columns", _file("n.csv", "户编码,户类型\nH1,脱贫户\n"), "needs coordinates"),
    ("empty", _file("e.csv", b""), "the file is empty"),
    ("header_only", _file("h.csv", ",".join(HEADERS) + "\n"), "no data rows"),
    ("binary", _file("b.csv", b"\x80\x81\xff\x00" * 20), "neither UTF-8 nor GBK"),
    ("utf16_no_bom", _file("u.csv", ",".join(HEADERS).encode("utf-16-le")), "neither UTF-8"),
    (
        "extra_cells",
        _file("x.csv", f"户编码,户类型,小组编码\nH1,脱贫户,{GROUP_A},多\n"),
        "more cells",
    ),
    (
        "xlsx_named_csv",
        lambda d: write_xlsx(d / "w.xlsx", good_rows()).rename(d / "w.csv"),
        "rename it to .xlsx",
    ),  # fmt: skip
    ("polygon", _file("p.geojson", POLYGONS), "feature 1 is a Polygon"),
    ("old_excel", _file("o.xls", b"\xd0\xcf\x11\xe0"), "XLSX (not the old .xls)"),
]


@pytest.mark.parametrize(("label", "write", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_are_refused_and_nothing_written(grid, tmp_path, label, write, message):
    import_households(grid, write_csv(tmp_path / "first.csv", good_rows()[:1]))
    before = snapshot(grid)
    with pytest.raises(BadInput, match=re.escape(message)):
        import_households(grid, write(tmp_path))
    assert snapshot(grid) == before


def test_a_workbook_unpacking_past_the_limit_is_refused_before_it_is_read(grid, tmp_path):
    plain = write_xlsx(tmp_path / "plain.xlsx", good_rows())
    bomb = padded_xlsx(plain, tmp_path / "households.xlsx", 300)
    assert bomb.stat().st_size < MB and unpacked_size(bomb) > 300 * MB
    before = snapshot(grid)
    with pytest.raises(BadInput) as info:
        import_households(grid, bomb)
    message = info.value.message
    assert message.startswith("households.xlsx: unpacked, this file would take 300 MB")
    assert "more than the 250 MB allowed (GRIDMAP_UPLOAD_MAX_UNPACKED_MB)" in message
    assert "Split the data into smaller files" in message
    assert snapshot(grid) == before


def test_the_unpacked_limit_is_a_parameter(grid, tmp_path):
    plain = write_xlsx(tmp_path / "plain.xlsx", good_rows())
    padded = padded_xlsx(plain, tmp_path / "households.xlsx", 3)
    with pytest.raises(BadInput, match="would take 3 MB, more than the 2 MB allowed"):
        import_households(grid, padded, max_unpacked_mb=2)
    assert snapshot(grid)[0] == 0
    assert import_households(grid, padded, max_unpacked_mb=4)["created"] == 4


def test_missing_column_message_lists_the_file_headers(grid, tmp_path):
    path = write_csv(tmp_path / "h.csv", [["H1", "张三"]], ["户编码", "户主"])
    with pytest.raises(BadInput, match="The file's headers are: 户编码, 户主"):
        import_households(grid, path)


def test_many_problems_are_capped(grid, tmp_path):
    rows = [[f"H{i}", "", "未知", "", "", GROUP_A, "", ""] for i in range(80)]
    with pytest.raises(BadInput) as info:
        import_households(grid, write_csv(tmp_path / "h.csv", rows))
    assert "80 problem(s)" in info.value.message
    assert len(info.value.details) == 51 and info.value.details[-1] == "and 30 more"
    assert info.value.details[0].startswith("row 2 (household H0)")


def test_household_outside_every_county_needs_a_group(grid, tmp_path):
    second = tiny_county().iloc[[0]].assign(code="341891", name="邻县")
    second["geometry"] = second.geometry.translate(xoff=0.2)
    import_grid = tmp_path / "second.geojson"
    second.to_file(import_grid)
    add_grid(grid, import_grid)
    inside_second = lonlat(500, 500)[0] + 0.2, lonlat(500, 500)[1]
    far = lonlat(-30000, 1000)
    rows = [["H1", "", "脱贫户", str(inside_second[0]), str(inside_second[1]), "", "", ""]]
    import_households(grid, write_csv(tmp_path / "ok.csv", rows))
    assert stored(grid)["H1"][2:4] == ("341891", "341891")
    before = snapshot(grid)
    rows = [["H2", "", "脱贫户", str(far[0]), str(far[1]), "", "", ""]]
    with pytest.raises(BadInput) as info:
        import_households(grid, write_csv(tmp_path / "far.csv", rows))
    assert "row 2 (household H2): cannot tell which county" in info.value.details[0]
    assert snapshot(grid) == before


def test_html_in_a_name_is_stored_verbatim(grid, tmp_path):
    rows = good_rows()
    rows[0][1] = XSS_NAME
    import_households(grid, write_csv(tmp_path / "h.csv", rows))
    assert grid.execute("SELECT head_name FROM household WHERE code = 'H001'").fetchone() == (
        XSS_NAME,
    )


def test_households_need_a_grid_first(conn, tmp_path):
    with pytest.raises(BadInput, match="import the grid first"):
        import_households(conn, write_csv(tmp_path / "h.csv", good_rows()))
    assert snapshot(conn)[0] == 0


def test_unknown_crs_is_refused(grid, tmp_path):
    with pytest.raises(BadInput, match="unknown coordinate system"):
        import_households(grid, write_csv(tmp_path / "h.csv", good_rows()), crs_name="mars")


def test_the_planner_knows_the_households_after_an_import(grid, tmp_path):
    # A later import (contacts, visits) in the same load plans its joins from these figures.
    import_households(grid, write_csv(tmp_path / "h.csv", good_rows()))
    (known,) = grid.execute("SELECT reltuples FROM pg_class WHERE relname = 'household'").fetchone()
    assert known == len(good_rows())
