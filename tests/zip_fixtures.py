"""Small zip-based files (XLSX, zipped Shapefiles) that unpack to many megabytes."""

from __future__ import annotations

import zipfile
from pathlib import Path

MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"


def _pad(target: zipfile.ZipFile, member: str, head: bytes, pad_mb: int, tail: bytes) -> None:
    """Write `member` as head, `pad_mb` MB of blanks, tail, a megabyte at a time."""
    blank = b" " * MB
    with target.open(member, "w", force_zip64=True) as out:
        out.write(head)
        for _ in range(pad_mb):
            out.write(blank)
        out.write(tail)


def padded_xlsx(workbook: Path, target: Path, pad_mb: int) -> Path:
    """A copy of `workbook` whose sheet holds `pad_mb` MB of blank space between its rows.

    Still a valid workbook with the same rows; a few hundred KB on disk for 300 MB unpacked.
    """
    with (
        zipfile.ZipFile(workbook) as source,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == SHEET:
                head, tail = data.split(b"<sheetData>", 1)
                _pad(bundle, SHEET, head + b"<sheetData>", pad_mb, tail)
            else:
                bundle.writestr(info.filename, data)
    return target


def padded_shapefile_zip(shapefile: Path, target: Path, pad_mb: int) -> Path:
    """The parts of `shapefile` zipped together with a `pad_mb` MB text file of blanks."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        for part in sorted(shapefile.parent.glob(f"{shapefile.stem}.*")):
            bundle.write(part, part.name)
        _pad(bundle, f"{shapefile.stem}.txt", b"", pad_mb, b"")
    return target


def unpacked_size(path: Path) -> int:
    """What the zip's directory says its members take unpacked, in bytes."""
    with zipfile.ZipFile(path) as bundle:
        return sum(info.file_size for info in bundle.infolist())
