"""Read tabular input (CSV, XLSX, GeoJSON) as string cells; name columns; report bad rows.

Readers keep a `row` column with the number the user sees: the spreadsheet line (header = 1)
or the GeoJSON feature number, so every complaint can point at the row to fix.
"""

from __future__ import annotations

import codecs
import io
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from gridmap.core.errors import BadInput
from gridmap.files.archives import MAX_UNPACKED_MB, check_unpacked

ROW = "row"
MAX_DETAILS = 50
#: Header rows are looked for this far down: official sheets often start with a title row.
HEADER_SEARCH_ROWS = 5
_KINDS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
_KINDS |= {".geojson": "geo", ".json": "geo", ".gpkg": "geo", ".shp": "geo"}


def read_table(path: Path, *, max_unpacked_mb: int = MAX_UNPACKED_MB) -> pd.DataFrame:
    """Read a CSV (UTF-8/GBK), XLSX or GeoJSON file into stripped string cells plus `row`.

    GeoJSON point geometry becomes lon/lat columns and the file's CRS goes to attrs["crs"];
    CSV text encoding goes to attrs["encoding"]. Raises BadInput for a missing, unreadable
    or empty file, and for a workbook that would unpack to more than `max_unpacked_mb` MB.
    """
    if not path.exists():
        raise BadInput(f"{path}: no such file.")
    kind = _KINDS.get(path.suffix.lower())
    if kind is None:
        raise BadInput(
            f"{path.name}: cannot read '{path.suffix}' files; save the table as CSV "
            "(UTF-8 or GBK), XLSX (not the old .xls) or GeoJSON."
        )
    if path.stat().st_size == 0:
        raise BadInput(f"{path.name}: the file is empty.")
    if kind == "xlsx":
        check_unpacked(path, max_unpacked_mb)
    frame = {"csv": _read_csv, "xlsx": _read_xlsx, "geo": _read_geo}[kind](path)
    frame = _tidy(frame)
    if len(frame) == 0:
        raise BadInput(f"{path.name}: the file has no data rows below the header.")
    return frame


def _decode(raw: bytes, name: str) -> tuple[str, str]:
    if raw.startswith(b"PK\x03\x04"):
        raise BadInput(f"{name}: this is an Excel workbook, not CSV text; rename it to .xlsx.")
    utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    for encoding in ("utf-16",) if utf16 else ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text, encoding
    raise BadInput(
        f"{name}: the text is neither UTF-8 nor GBK/GB18030 (or the file is binary). "
        "Save it from Excel as 'CSV UTF-8' or as CSV in GBK, and import it again."
    )


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    text, encoding = _decode(raw, path.name)
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    separator = max(",\t;", key=header.count)  # Excel exports use ',' or, as "Unicode text", tab
    try:
        with warnings.catch_warnings():
            # pandas only warns when a row has more cells than the header, then drops them.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.BytesIO(raw),  # pandas reads bytes faster than the decoded text
                encoding=encoding,
                sep=separator,
                dtype=object,  # plain str cells: pandas' string dtype is slower to work with
                keep_default_na=False,
                index_col=False,  # never take the first column as an index
                skip_blank_lines=False,  # keeps line numbers equal to the spreadsheet's
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        raise BadInput(
            f"{path.name}: some rows have more cells than the header has columns ({exc}); "
            "put names and addresses that contain commas in quotes, or save the file from Excel."
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise BadInput(f"{path.name}: the file has no header row.") from exc
    frame[ROW] = np.arange(2, len(frame) + 2)
    frame.attrs["encoding"] = encoding
    return frame


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    except Exception as exc:  # zipfile, openpyxl and pandas each raise their own types
        raise BadInput(
            f"{path.name}: not a readable XLSX workbook ({exc}). Open it in Excel or WPS and "
            "save it again as .xlsx."
        ) from exc
    frame[ROW] = np.arange(2, len(frame) + 2)
    return frame


def _read_geo(path: Path) -> pd.DataFrame:
    try:
        raw = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several types for unreadable input
        raise BadInput(f"{path.name}: not a readable GeoJSON file ({exc}).") from exc
    is_geo = isinstance(raw, gpd.GeoDataFrame)
    geoms = raw.geometry if is_geo else gpd.GeoSeries([None] * len(raw), index=raw.index)
    kinds = geoms.geom_type.fillna("Point")
    if (kinds != "Point").any():
        feature = int(np.flatnonzero(kinds != "Point")[0]) + 1
        kind = kinds.iloc[feature - 1]
        raise BadInput(
            f"{path.name}: feature {feature} is a {kind}; every feature must be a point."
        )
    columns = [c for c in raw.columns if not is_geo or c != raw.geometry.name]
    frame = pd.DataFrame({c: [_cell_text(v) for v in raw[c]] for c in columns}, dtype=object)
    located = np.asarray(geoms.notna() & ~geoms.is_empty)
    for name, coord in (("lon", geoms.x), ("lat", geoms.y)):
        existing = frame[name] if name in frame else pd.Series("", index=frame.index)
        frame[name] = np.where(located, [repr(float(v)) for v in coord.fillna(0)], existing)
    frame[ROW] = np.arange(1, len(frame) + 1)
    frame.attrs["crs"] = raw.crs if is_geo else None
    return frame


def _cell_text(value: object) -> str:
    """Typed GeoJSON properties back to text; whole floats lose their '.0' (codes, counts)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    attrs = dict(frame.attrs)
    rows = frame.pop(ROW)
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    if ROW in frame.columns:  # the user's own 'row' column must not hide the line numbers
        frame = frame.rename(columns={ROW: f"{ROW} (file)"})
    frame = pd.DataFrame({c: _stripped(frame[c]) for c in frame.columns}, index=frame.index)
    frame[ROW] = rows.to_numpy()
    blank = (frame.drop(columns=ROW) == "").all(axis=1)
    frame = frame[~blank].reset_index(drop=True)
    frame.attrs.update(attrs)
    return frame


def _stripped(column: pd.Series) -> pd.Series:
    """The column's cells as stripped text ("" for None)."""
    if pd.api.types.infer_dtype(column, skipna=False) == "string":  # CSV cells: all text
        cells = column.to_numpy(dtype=object)
        return pd.Series(list(map(str.strip, cells)), index=column.index, dtype=object)
    return column.astype(object).map(lambda v: "" if v is None else str(v).strip())


def _header_key(text: str) -> str:
    return re.sub(r"[\s_*\-]", "", str(text)).lower()


def normalise_columns(
    frame: pd.DataFrame,
    aliases: Mapping[str, Sequence[str]],
    required: Sequence[str],
    source: str,
) -> pd.DataFrame:
    """Rename the file's headers to canonical names (case-insensitive aliases).

    Returns the canonical columns (absent ones filled with "") plus `row`; attrs["present"]
    holds the canonical names the file has. Raises BadInput naming missing required columns.
    """
    found = _match_headers(frame.columns, aliases)
    if not set(required) <= set(found):
        header_at = _header_row(frame, aliases, required)
        if header_at is not None:  # a title row above the real header
            frame = _reheader(frame, header_at)
            found = _match_headers(frame.columns, aliases)
    missing = [name for name in required if name not in found]
    if missing:
        raise BadInput(_missing_message(frame, aliases, missing, source))
    blank = pd.Series("", index=frame.index, dtype=object)
    out = pd.DataFrame({name: frame[found[name]] if name in found else blank for name in aliases})
    out[ROW] = frame[ROW].to_numpy()
    out.attrs = {**frame.attrs, "present": frozenset(found)}
    return out


def _match_headers(headers: Iterable[object], aliases: Mapping[str, Sequence[str]]) -> dict:
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(_header_key(str(header)), str(header))
    found: dict[str, str] = {}
    for name, spellings in aliases.items():
        for spelling in (name, *spellings):
            if _header_key(spelling) in by_key and str(by_key[_header_key(spelling)]) != ROW:
                found[name] = by_key[_header_key(spelling)]
                break
    return found


def _header_row(frame: pd.DataFrame, aliases: Mapping, required: Sequence[str]) -> int | None:
    for position in range(min(HEADER_SEARCH_ROWS, len(frame))):
        cells = frame.drop(columns=ROW).iloc[position].tolist()
        if set(required) <= set(_match_headers(cells, aliases)):
            return position
    return None


def _reheader(frame: pd.DataFrame, position: int) -> pd.DataFrame:
    body = frame.iloc[position + 1 :].reset_index(drop=True)
    headers = [h or f"column {i + 1}" for i, h in enumerate(frame.drop(columns=ROW).iloc[position])]
    seen: dict[str, int] = {}
    for i, header in enumerate(headers):  # repeated headers would make a column ambiguous
        seen[header] = seen.get(header, 0) + 1
        headers[i] = header if seen[header] == 1 else f"{header}.{seen[header] - 1}"
    body.columns = [*headers, ROW]
    body.attrs = dict(frame.attrs)
    return body


def _missing_message(frame: pd.DataFrame, aliases: Mapping, missing: list[str], source: str) -> str:
    wanted = "; ".join(f"{m} ({' / '.join(aliases[m])})" for m in missing)
    headers = ", ".join(str(c) for c in frame.columns if c != ROW) or "none"
    message = f"{source}: missing column(s): {wanted}. The file's headers are: {headers}."
    if frame.attrs.get("encoding") == "gb18030":
        message += (
            " (The file was read as GBK text; if the headers look garbled, save it as CSV UTF-8.)"
        )
    return message


def row_labels(frame: pd.DataFrame, key: str, noun: str) -> pd.Series:
    """Per-row prefix for messages: 'row 7 (household 3418…)' or 'row 7 (no household code)'."""
    return pd.Series(
        [
            f"row {r} ({noun} {k})" if k else f"row {r} (no {noun} code)"
            for r, k in zip(frame[ROW].tolist(), frame[key].tolist(), strict=True)
        ],
        index=frame.index,
        dtype=object,
    )


def empty_key_problems(frame: pd.DataFrame, key: str, labels: pd.Series, header: str) -> list[str]:
    """One problem per row whose key cell is empty."""
    return [
        f"{labels[i]}: {header} is empty; fill it in or delete the row"
        for i in frame.index[frame[key] == ""]
    ]


def duplicate_problems(frame: pd.DataFrame, key: str, noun: str) -> list[str]:
    """One problem per key value that appears on more than one row, naming those rows."""
    keys = frame[key]
    repeated = frame[(keys != "") & keys.duplicated(keep=False)]
    return [
        f"rows {', '.join(str(r) for r in group[ROW])}: {noun} {value} appears "
        f"{len(group)} times; keep one row per {noun} or give each its own code"
        for value, group in repeated.groupby(key, sort=False)
    ]


def refuse(source: str, problems: list[str]) -> None:
    """Raise BadInput listing the problems in row order (at most MAX_DETAILS) if there are any."""
    if not problems:
        return
    details = sorted(problems, key=_row_number)[:MAX_DETAILS]
    if len(problems) > MAX_DETAILS:
        details.append(f"and {len(problems) - MAX_DETAILS} more")
    raise BadInput(
        f"{source}: {len(problems)} problem(s); nothing was imported. "
        "Fix the rows listed and import the file again.",
        details=details,
    )


def _row_number(problem: str) -> int:
    """Sort key: problems in file order, whichever check found them."""
    match = re.match(r"rows? (\d+)", problem)
    return int(match[1]) if match else 0
