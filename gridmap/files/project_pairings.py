"""Read and check pairing files: enterprises (万企兴万村) and county leaders (联系点) ↔ villages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from gridmap.core import vocab
from gridmap.files import cells, tables
from gridmap.files.archives import MAX_UNPACKED_MB
from gridmap.files.tables import ROW

KIND_NAMES = {"enterprise": "万企兴万村", "leader": "县领导联系点"}
PAIRING_ALIASES: dict[str, tuple[str, ...]] = {
    "kind": ("类型", "结对类型", "结对方式"),
    "partner": ("结对方", "企业名称", "领导姓名", "名称", "partner_name"),
    "village": ("行政村编码", "村编码", "结对村编码", "village_code"),
    "since": ("结对时间", "开始日期", "结对日期"),
    "note": ("备注", "职务"),
}

KIND_WORDS = {
    "万企兴万村": "enterprise", "企业": "enterprise", "企业结对": "enterprise",
    "联系点": "leader", "县领导联系点": "leader", "县领导": "leader", "领导": "leader",
    **{k: k for k in KIND_NAMES},
}  # fmt: skip
_VILLAGE_DIGITS = vocab.CODE_LENGTH[vocab.VILLAGE]
_VILLAGE = re.compile(rf"\d{{{_VILLAGE_DIGITS}}}")


class Pairings(NamedTuple):
    """Checked pairings: kind, partner, village_code, since, note, row."""

    rows: pd.DataFrame


def read_pairings(path: Path, *, max_unpacked_mb: int = MAX_UNPACKED_MB) -> Pairings:
    """Read and check a pairing file (enterprise or leader ↔ village); raise BadInput if bad."""
    raw = tables.read_table(path, max_unpacked_mb=max_unpacked_mb)
    frame = tables.normalise_columns(
        raw, PAIRING_ALIASES, ("kind", "partner", "village"), path.name
    )
    labels = pd.Series([f"row {r}" for r in frame[ROW]], index=frame.index)
    kind, problems = cells.parse_cells(
        frame, "kind", labels, cells.vocabulary(KIND_WORDS),
        "write 万企兴万村 (an enterprise) or 联系点 (a county leader)", "kind (类型)",
    )  # fmt: skip
    since, found = cells.parse_cells(
        frame, "since", labels, cells.parse_date, "write it as 2023-05-01", "since (结对时间)"
    )
    problems += found
    for column, what in (("kind", "kind (类型)"), ("partner", "partner (结对方)")):
        problems += [f"{labels[i]}: {what} is empty" for i in frame.index[frame[column] == ""]]
    problems += [
        f"{labels[i]}: partner (结对方) is longer than 200 characters"
        for i in frame.index[frame["partner"].str.len() > 200]
    ]
    problems += [
        f"{label}: village code '{v}' is not a {_VILLAGE_DIGITS}-digit village code (行政村编码)"
        for label, v in zip(labels.tolist(), frame["village"], strict=True)
        if not _VILLAGE.fullmatch(v)
    ]
    rows = pd.DataFrame(
        {"kind": kind, "partner": frame["partner"], "village_code": frame["village"]}
    )
    rows["since"], rows["note"], rows[ROW] = since, frame["note"].replace("", None), frame[ROW]
    repeated = rows[rows.duplicated(["kind", "partner", "village_code"], keep=False)]
    problems += [
        f"rows {', '.join(map(str, g[ROW]))}: the same pairing appears {len(g)} times; keep one"
        for _, g in repeated.groupby(["kind", "partner", "village_code"])
    ]
    tables.refuse(path.name, problems)
    return Pairings(rows)
