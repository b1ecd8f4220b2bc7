"""Imports from uploaded files: the same paths as the command line, with size and row limits."""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import psycopg
import pyogrio

from gridmap import audit, grids, households, monitoring, people, projects
from gridmap.accounts import Actor
from gridmap.config import Config
from gridmap.errors import BadInput
from gridmap.io.tables import read_table

TABLES = (".csv", ".xlsx")
#: What may be uploaded for each kind of import.
ACCEPTED = {
    "grids": (".geojson", ".json", ".gpkg", ".zip"),
    "households": (*TABLES, ".geojson", ".json"),
    "workers": (*TABLES, ".geojson", ".json"),
    "contacts": TABLES,
    "visits": TABLES,
    "monitoring": TABLES,
    "projects": (*TABLES, ".geojson", ".json"),
    "pairings": TABLES,
}
GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip")

Runner = Callable[[psycopg.Connection, Path, Config, Actor], dict]
#: The import functions of the `gridmap import …` commands, called as those commands call them;
#: visits are recorded by the uploading account, as the command records them by the OS user.
RUNNERS: dict[str, Runner] = {
    "grids": lambda conn, path, _cfg, _actor: grids.import_grid_file(conn, path),
    "households": lambda conn, path, _cfg, _actor: households.import_households(conn, path),
    "workers": lambda conn, path, _cfg, _actor: people.import_workers(conn, path),
    "contacts": lambda conn, path, cfg, _actor: people.import_contacts(conn, path, cfg.timezone),
    "visits": lambda conn, path, cfg, actor: people.import_visits(
        conn, path, cfg.timezone, checkin_max_m=cfg.checkin_max_m, recorded_by=actor.username
    ),
    "monitoring": lambda conn, path, cfg, _actor: monitoring.import_monitoring(
        conn, path, cfg.timezone
    ),
    "projects": lambda conn, path, _cfg, _actor: projects.import_projects(conn, path),
    "pairings": lambda conn, path, _cfg, _actor: projects.import_pairings(conn, path),
}


def count_rows(path: Path) -> int:
    """Features or table rows in an uploaded file (0 when it cannot be read at all)."""
    try:
        if path.suffix.lower() in GEO_SUFFIXES:
            return int(pyogrio.read_info(str(path))["features"])
        return len(read_table(path))
    except Exception:  # unreadable files get the import's own, clearer message
        return 0


def unpack_shapefile(archive: Path) -> Path:
    """Extract a zipped Shapefile next to the archive and return its .shp path."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = [m for m in bundle.namelist() if not m.endswith("/")]
            shp = [m for m in members if m.lower().endswith(".shp")]
            if len(shp) != 1:
                raise BadInput(f"{archive.name}: the zip must hold exactly one .shp file")
            for member in members:
                # Flatten: member names never choose where files land.
                (archive.parent / Path(member).name).write_bytes(bundle.read(member))
    except zipfile.BadZipFile as exc:
        raise BadInput(f"{archive.name}: not a readable zip file") from exc
    return archive.parent / Path(shp[0]).name


def import_upload(
    conn: psycopg.Connection, config: Config, actor: Actor, *, kind: str, filename: str,
    data: bytes,
) -> dict:  # fmt: skip
    """Run the import of `kind` on an uploaded file; refuse wrong types and too many rows."""
    if kind not in ACCEPTED:
        raise BadInput(f"unknown import {kind}; choose one of {', '.join(ACCEPTED)}")
    name = Path(filename).name or "upload"
    suffix = Path(name).suffix.lower()
    if suffix not in ACCEPTED[kind]:
        raise BadInput(f"{name}: a {kind} file must be one of {', '.join(ACCEPTED[kind])}")
    with tempfile.TemporaryDirectory(prefix="gridmap-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        if suffix == ".zip":
            path = unpack_shapefile(path)
        rows = count_rows(path)
        if rows > config.import_max_rows:
            raise BadInput(
                f"{name}: {rows:,} rows is more than the {config.import_max_rows:,} one upload "
                "may hold; split the file or import it with the command line"
            )
        with audit.audited(conn, actor, f"import.{kind}", name, {"rows": rows}):
            return RUNNERS[kind](conn, path, config, actor)
