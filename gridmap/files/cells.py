"""Parse the string cells of an input table: vocabularies, numbers, dates, code lists, points.

Each parser works on one column for the whole file and returns the values and a list of
problems, so a file's every bad row is reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd

from gridmap.files.grids import CHINA_LAT, CHINA_LON
from gridmap.geo.crs import to_wgs84

_LIST_SEPARATORS = re.compile(r"[;,、\s；，]+")
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
#: Date-time spellings read for a whole column at once (others go through datetime_parser).
_DATETIME_SPELLINGS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


def parse_cells(
    frame: pd.DataFrame,
    column: str,
    labels: pd.Series,
    parse: Callable[[str], object],
    fix: str,
    what: str | None = None,
) -> tuple[list, list[str]]:
    """Apply `parse` to every non-empty cell (empty gives None); rejected cells become problems.

    `parse` raises ValueError saying what is wrong; the problem reads
    "<label>: <what> '<cell>' <what is wrong>; <fix>" (`what` defaults to the column name).
    """
    codes, texts = pd.factorize(frame[column], sort=False)
    # Columns repeat few distinct values (categories, group codes): parse each value once.
    parsed = np.empty(len(texts), dtype=object)
    errors: dict[int, ValueError] = {}
    for j, text in enumerate(texts):
        try:
            parsed[j] = parse(text) if text != "" else None
        except ValueError as exc:
            errors[j] = exc
    bad = np.zeros(len(texts), dtype=bool)
    bad[list(errors)] = True
    problems = [
        f"{labels[i]}: {what or column} '{texts[j]}' {errors[j]}; {fix}"
        for i, j in zip(frame.index[bad[codes]], codes[bad[codes]], strict=True)
    ]
    return parsed[codes].tolist(), problems


def parse_datetimes(
    frame: pd.DataFrame, column: str, labels: pd.Series, timezone: str, fix: str, what: str
) -> tuple[pd.Series, list[str]]:
    """`datetime_parser(timezone)` over a column as UTC datetimes (NaT where empty), and problems.

    The common spellings are parsed for the whole column at once; the rest cell by cell.
    """
    texts = frame[column]
    naive = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    for spelling in _DATETIME_SPELLINGS:
        todo = naive.isna() & (texts != "")
        if not todo.any():
            break
        naive[todo] = pd.to_datetime(texts[todo], format=spelling, errors="coerce")
    # Times a clock change makes ambiguous or skips are left to the cell-by-cell parser.
    local = naive.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    when = local.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    rest = when.isna() & (texts != "")
    values, problems = parse_cells(
        frame[rest], column, labels, datetime_parser(timezone), fix, what
    )
    if values:
        parsed = pd.Series(values, index=frame.index[rest], dtype=object)
        when[rest] = pd.to_datetime(parsed, utc=True).astype("datetime64[us, UTC]")
    return when, problems


def vocabulary(words: Mapping[str, object]) -> Callable[[str], object]:
    """A parser that maps a cell through `words` (case-insensitive) or rejects it."""
    lower = {k.lower(): v for k, v in words.items()}

    def parse(text: str) -> object:
        if text.lower() not in lower:
            raise ValueError("is not a known value")
        return lower[text.lower()]

    return parse


def whole_number(minimum: int = 0, maximum: int | None = None) -> Callable[[str], int]:
    """A parser for whole numbers in [minimum, maximum]; '12.0' (from Excel) counts as 12."""

    def parse(text: str) -> int:
        match = re.fullmatch(r"\d+(?:\.0*)?", text)
        value = int(float(text)) if match else None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            top = f" to {maximum}" if maximum is not None else " or more"
            raise ValueError(f"is not a whole number from {minimum}{top}")
        return value

    return parse


def parse_date(text: str) -> date:
    """A date as 2023-05-01, 2023/5/1, 2023.5.1, 2023年5月1日, 20230501 or Excel's '… 00:00:00'."""
    match = _DATE.fullmatch(re.split(r"[ T]", text)[0]) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text
    )
    try:
        if match is None:
            raise ValueError
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError("is not a date") from None


def datetime_parser(timezone: str) -> Callable[[str], datetime]:
    """A parser for a date or date-time; without an offset it is local time in `timezone`."""
    zone = ZoneInfo(timezone)

    def parse(text: str) -> datetime:
        cleaned = re.sub(r"(\d{4})[/.年](\d{1,2})[/.月](\d{1,2})日?", r"\1-\2-\3", text)
        cleaned = re.sub(r"-(\d)(?=\D|$)", r"-0\1", cleaned)  # 2023-5-1 -> 2023-05-01
        cleaned = re.sub(r"(?<=[ T])(\d)(?=:)", r"0\1", cleaned)  # 9:30 -> 09:30
        try:
            value = datetime.fromisoformat(cleaned)
        except ValueError:
            raise ValueError("is not a date or date-time such as 2023-05-01 14:30") from None
        return value if value.tzinfo else value.replace(tzinfo=zone)

    return parse


def split_codes(text: str) -> list[str]:
    """Codes from one cell separated by ; , 、 or spaces, in order, without repeats."""
    return list(dict.fromkeys(part for part in _LIST_SEPARATORS.split(text) if part))


def parse_points(
    frame: pd.DataFrame, labels: pd.Series, crs_name: str | None, crs: object = None
) -> tuple[gpd.GeoSeries, list[str]]:
    """Points in EPSG:4326 from the lon/lat cells (None where both are empty), and problems.

    `crs_name` (a --crs value) overrides `crs` (the file's own); coordinates must land in China.
    """
    lon_text, lat_text = frame["lon"], frame["lat"]
    if ((lon_text == "") & (lat_text == "")).all():  # e.g. a file without coordinate columns
        return gpd.GeoSeries([None] * len(frame), index=frame.index, crs=4326), []
    lon = pd.to_numeric(lon_text, errors="coerce").astype(float)
    lat = pd.to_numeric(lat_text, errors="coerce").astype(float)
    one = (lon_text == "") != (lat_text == "")
    given = (lon_text != "") & (lat_text != "")
    numeric = given & np.isfinite(lon) & np.isfinite(lat)
    problems = [
        f"{labels[i]}: only one of longitude and latitude is filled; fill both or leave both empty"
        for i in frame.index[one]
    ]
    problems += [
        f"{labels[i]}: coordinates '{lon_text[i]}', '{lat_text[i]}' are not numbers; "
        "write decimal degrees such as 117.123456, 30.123456"
        for i in frame.index[given & ~numeric]
    ]
    raw = gpd.GeoSeries(gpd.points_from_xy(lon[numeric], lat[numeric]), index=frame.index[numeric])
    converted = to_wgs84(gpd.GeoDataFrame(geometry=raw, crs=crs), crs_name).geometry
    inside = _in_china(converted.x, converted.y)
    problems += [_outside_message(labels[i], lon[i], lat[i]) for i in inside.index[~inside]]
    points = gpd.GeoSeries([None] * len(frame), index=frame.index, crs=4326)
    points[inside.index[inside]] = converted[inside]
    return points, problems


def _in_china(lon: pd.Series, lat: pd.Series) -> pd.Series:
    return lon.between(*CHINA_LON) & lat.between(*CHINA_LAT)


def _outside_message(label: str, lon: float, lat: float) -> str:
    swapped = CHINA_LON[0] <= lat <= CHINA_LON[1] and CHINA_LAT[0] <= lon <= CHINA_LAT[1]
    hint = (
        "longitude and latitude look swapped; swap the two columns"
        if swapped
        else "check the numbers and the coordinate system (--crs)"
    )
    return (
        f"{label}: the point ({lon:g}, {lat:g}) lies outside China "
        f"(longitude {CHINA_LON[0]:g}-{CHINA_LON[1]:g}, "
        f"latitude {CHINA_LAT[0]:g}-{CHINA_LAT[1]:g}): {hint}"
    )
