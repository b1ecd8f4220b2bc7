"""Zip-based input (XLSX workbooks, zipped Shapefiles): how large it unpacks, checked unread."""

from __future__ import annotations

import shutil
import zipfile
import zlib
from pathlib import Path

from gridmap.core.config import Config
from gridmap.core.errors import BadInput

MB = 1024 * 1024
#: Members are read through this many bytes at a time, so checking holds no whole member.
CHUNK = MB
#: The unpacked size a zip-based file may have unless the caller's configuration says otherwise.
MAX_UNPACKED_MB = Config.upload_max_unpacked_mb


def check_unpacked(path: Path, max_unpacked_mb: int = MAX_UNPACKED_MB) -> None:
    """Refuse a zip-based file that would unpack to more than `max_unpacked_mb` megabytes.

    The sizes the zip's directory gives are added up first, so a file that admits its size is
    refused without unpacking anything. Every member is then read through in chunks, counting
    what it really unpacks to: a directory that understates a size makes the member longer than
    stated or fail its checksum, and the file is refused as damaged. Only after this do readers
    (openpyxl, GDAL) open the file. Files that are not zips pass unchanged.
    """
    if not zipfile.is_zipfile(path):
        return
    limit = max_unpacked_mb * MB
    try:
        with zipfile.ZipFile(path) as bundle:
            members = bundle.infolist()
            _refuse_above(path, sum(m.file_size for m in members), limit, max_unpacked_mb)
            unpacked = 0
            for member in members:
                with bundle.open(member) as stream:
                    read = 0
                    while chunk := stream.read(CHUNK):
                        read += len(chunk)
                        _refuse_above(path, unpacked + read, limit, max_unpacked_mb)
                if read != member.file_size:
                    raise zipfile.BadZipFile(f"{member.filename} is not {member.file_size} bytes")
                unpacked += read
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise BadInput(
            f"{path.name}: the archive is damaged or uses a kind of zip this program cannot "
            f"read ({exc}). Save or zip the file again and import the new copy."
        ) from exc


def _refuse_above(path: Path, size: int, limit: int, limit_mb: int) -> None:
    if size > limit:
        raise BadInput(
            f"{path.name}: unpacked, this file would take {size / MB:,.0f} MB, more than the "
            f"{limit_mb:,} MB allowed (GRIDMAP_UPLOAD_MAX_UNPACKED_MB). Split the data into "
            "smaller files, or save it again without pictures, unused sheets or layers and "
            "empty formatted rows, and import each file."
        )


def extract_flat(path: Path, folder: Path, max_unpacked_mb: int = MAX_UNPACKED_MB) -> list[Path]:
    """Unpack the files of a zip into `folder` after `check_unpacked`; return where they went.

    Folders inside the zip are dropped: member names never choose where files land.
    """
    check_unpacked(path, max_unpacked_mb)
    written = []
    try:
        with zipfile.ZipFile(path) as bundle:
            for member in bundle.infolist():
                if member.is_dir():
                    continue
                target = folder / Path(member.filename).name
                with bundle.open(member) as source, target.open("wb") as out:
                    shutil.copyfileobj(source, out, CHUNK)
                written.append(target)
    except zipfile.BadZipFile as exc:
        raise BadInput(f"{path.name}: not a readable zip file") from exc
    return written
