"""Imports from uploaded files: the same paths as the command line, with size and row limits."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
import pyogrio

from gridmap.access import audit
from gridmap.access.accounts import Actor
from gridmap.core import clock
from gridmap.core.config import Config
from gridmap.core.errors import BadInput
from gridmap.fieldwork import monitoring
from gridmap.files.archives import check_unpacked, extract_flat
from gridmap.files.tables import read_table
from gridmap.grid import grids
from gridmap.projects import funded as projects
from gridmap.registry import households, people

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


@dataclass(frozen=True)
class ImportOptions:
    """What the command line may add to an import: the file's CRS, why the grid changes, when
    the changes took effect and whether the file may span several counties."""

    crs_name: str | None = None
    reason: str | None = None
    #: The day the grid or household changes took effect (None: now).
    effective: date | None = None
    #: Import a file whose rows belong to several counties (refused otherwise).
    mixed_counties: bool = False


Runner = Callable[[psycopg.Connection, Path, Config, Actor, ImportOptions], dict]


def _limits(cfg: Config, actor: Actor, opts: ImportOptions) -> dict:
    """What every import takes alike: the unpacked size limit, whether the file may span
    counties, and the counties its rows may lie in (the actor's)."""
    return {
        "max_unpacked_mb": cfg.upload_max_unpacked_mb,
        "mixed_counties": opts.mixed_counties,
        "scope": actor.scope,
    }


#: The import of each kind, for `gridmap import …` and /admin/import alike; visits are recorded
#: by the importing account (on the command line, the operating-system user), and no row may
#: lie in a county outside its scope.
RUNNERS: dict[str, Runner] = {
    "grids": lambda conn, path, cfg, actor, opts: grids.import_grid_file(
        conn, path, crs_name=opts.crs_name, reason=opts.reason,
        at=None if opts.effective is None else clock.start_of_day(opts.effective, cfg.timezone),
        **_limits(cfg, actor, opts),
    ),
    "households": lambda conn, path, cfg, actor, opts: households.import_households(
        conn, path, opts.crs_name, effective=opts.effective, timezone=cfg.timezone,
        **_limits(cfg, actor, opts),
    ),
    "workers": lambda conn, path, cfg, actor, opts: people.import_workers(
        conn, path, opts.crs_name, timezone=cfg.timezone, **_limits(cfg, actor, opts)
    ),
    "contacts": lambda conn, path, cfg, actor, opts: people.import_contacts(
        conn, path, cfg.timezone, **_limits(cfg, actor, opts)
    ),
    "visits": lambda conn, path, cfg, actor, opts: people.import_visits(
        conn, path, cfg.timezone, checkin_max_m=cfg.checkin_max_m, recorded_by=actor.username,
        **_limits(cfg, actor, opts),
    ),
    "monitoring": lambda conn, path, cfg, actor, opts: monitoring.import_monitoring(
        conn, path, cfg.timezone, **_limits(cfg, actor, opts)
    ),
    "projects": lambda conn, path, cfg, actor, opts: projects.import_projects(
        conn, path, opts.crs_name, **_limits(cfg, actor, opts)
    ),
    "pairings": lambda conn, path, cfg, actor, opts: projects.import_pairings(
        conn, path, **_limits(cfg, actor, opts)
    ),
}  # fmt: skip


def run_import(
    conn: psycopg.Connection, config: Config, actor: Actor, kind: str, path: Path, *,
    options: ImportOptions | None = None, target: str | None = None,
    detail: dict | None = None,
) -> dict:  # fmt: skip
    """Run the import of `kind` on `path` in one transaction with its audit row `import.<kind>`
    (target: the file's name unless given)."""
    if kind not in RUNNERS:
        raise BadInput(f"unknown import {kind}; choose one of {', '.join(RUNNERS)}")
    with audit.audited(conn, actor, f"import.{kind}", target or path.name, detail):
        return RUNNERS[kind](conn, path, config, actor, options or ImportOptions())


def count_rows(path: Path, max_unpacked_mb: int) -> int:
    """Features or table rows in an uploaded file (0 when it cannot be read at all)."""
    try:
        if path.suffix.lower() in GEO_SUFFIXES:
            return int(pyogrio.read_info(str(path))["features"])
        return len(read_table(path, max_unpacked_mb=max_unpacked_mb))
    except Exception:  # unreadable files get the import's own, clearer message
        return 0


def unpack_shapefile(archive: Path, max_unpacked_mb: int) -> Path:
    """Extract a zipped Shapefile next to the archive and return its .shp path."""
    shp = [f for f in extract_flat(archive, archive.parent, max_unpacked_mb)
           if f.suffix.lower() == ".shp"]  # fmt: skip
    if len(shp) != 1:
        raise BadInput(f"{archive.name}: the zip must hold exactly one .shp file")
    return shp[0]


def import_upload(
    conn: psycopg.Connection, config: Config, actor: Actor, *, kind: str, filename: str,
    data: bytes, mixed_counties: bool = False,
) -> dict:  # fmt: skip
    """Run the import of `kind` on an uploaded file; refuse wrong types, too much unpacked, too
    many rows, rows of several counties unless `mixed_counties`, and rows of a county outside
    the actor's scope (Forbidden, before anything is written).

    Zip-based files (XLSX, zipped Shapefiles) are measured before anything unpacks them.
    """
    if kind not in ACCEPTED:
        raise BadInput(f"unknown import {kind}; choose one of {', '.join(ACCEPTED)}")
    name = Path(filename).name or "upload"
    suffix = Path(name).suffix.lower()
    if suffix not in ACCEPTED[kind]:
        raise BadInput(f"{name}: a {kind} file must be one of {', '.join(ACCEPTED[kind])}")
    with tempfile.TemporaryDirectory(prefix="gridmap-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        check_unpacked(path, config.upload_max_unpacked_mb)
        if suffix == ".zip":
            path = unpack_shapefile(path, config.upload_max_unpacked_mb)
        rows = count_rows(path, config.upload_max_unpacked_mb)
        if rows > config.import_max_rows:
            raise BadInput(
                f"{name}: {rows:,} rows is more than the {config.import_max_rows:,} one upload "
                "may hold; split the file or import it with the command line"
            )
        options = ImportOptions(mixed_counties=mixed_counties)
        return run_import(
            conn, config, actor, kind, path, options=options, target=name, detail={"rows": rows}
        )
