"""Whole-column parsing and binary staging give what the cell-by-cell path gave."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely

from gridmap.files import cells, tables
from gridmap.store import staging

ZONE = "Asia/Shanghai"
TIMES = [
    "2023-05-01 14:30", "2023-5-1 9:30", "", "2023/05/01 10:00", "2023年5月1日 08:05",
    "2023-05-01 14:30:15", "2023-05-01", "2023-05-01T08:00+09:00", "20230501",
    "1990-04-15 02:30",  # skipped by the clock change of that year
    "1990-09-16 01:30",  # twice that night
    "2023-02-30 10:00", "tomorrow",
]  # fmt: skip


def _frame(texts: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    frame = pd.DataFrame({"t": texts, "k": [f"h{i}" for i in range(len(texts))]}, dtype=object)
    frame[tables.ROW] = np.arange(2, len(texts) + 2)
    return frame, tables.row_labels(frame, "k", "household")


def test_datetimes_of_a_column_match_the_cell_parser() -> None:
    frame, labels = _frame(TIMES)
    when, problems = cells.parse_datetimes(frame, "t", labels, ZONE, "fix it", "visit time")
    one_by_one, expected = cells.parse_cells(
        frame, "t", labels, cells.datetime_parser(ZONE), "fix it", "visit time"
    )
    assert problems == expected and len(problems) == 2
    for got, want in zip(when, one_by_one, strict=True):
        if want is None:
            assert pd.isna(got)
        else:  # the same instant (times in a clock change compare unequal across zones)
            assert got.to_pydatetime() - want.astimezone(UTC) == timedelta(0)


def test_parse_cells_reports_each_bad_row_once_per_row() -> None:
    frame, labels = _frame(["1", "x", "2", "x", ""])
    values, problems = cells.parse_cells(frame, "t", labels, cells.whole_number(1), "fix", "n")
    assert values == [1, None, 2, None, None]
    assert problems == [
        "row 3 (household h1): n 'x' is not a whole number from 1 or more; fix",
        "row 5 (household h3): n 'x' is not a whole number from 1 or more; fix",
    ]


def test_csv_cells_are_stripped_and_blank_rows_dropped(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("code, name \n a1 ,  x\n,\n b2,y \n", encoding="utf-8")
    frame = tables.read_table(path)
    assert frame.to_dict("list") == {"code": ["a1", "b2"], "name": ["x", "y"], "row": [2, 4]}
    assert frame["code"].dtype == object


def test_stage_frame_sends_every_kind_of_value(conn: psycopg.Connection) -> None:
    columns = [
        ("file_row", "integer"), ("code", "text PRIMARY KEY"), ("n", "integer"),
        ("on_day", "date"), ("at", "timestamptz"), ("x", "double precision"),
        ("flag", "boolean"), ("geom", "geometry(Point, 4326)"),
    ]  # fmt: skip
    frame = pd.DataFrame({
        "row": [2, 3], "code": ["a", "b"], "n": pd.array([5, None], dtype="Int64"),
        "on_day": [date(2023, 5, 1), None],
        "at": pd.to_datetime(["2023-05-01 06:30", None]).tz_localize("UTC"),
        "x": [1.5, np.nan], "flag": [True, False],
        "geom": gpd.GeoSeries([shapely.Point(117.1, 30.2), None]),
    })  # fmt: skip
    staging.stage_frame(conn, "incoming_test", columns, frame)
    rows = conn.execute(
        "SELECT file_row, code, n, on_day, at, x, flag, ST_AsEWKT(geom) FROM incoming_test "
        "ORDER BY file_row"
    ).fetchall()
    at = datetime(2023, 5, 1, 6, 30, tzinfo=UTC)
    assert rows == [
        (2, "a", 5, date(2023, 5, 1), at, 1.5, True, "SRID=4326;POINT(117.1 30.2)"),
        (3, "b", None, None, None, None, False, None),
    ]
