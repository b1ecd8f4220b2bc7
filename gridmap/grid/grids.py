"""Importing and validating grids: the file checks, the parent rules, the versioning."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import geopandas as gpd
import psycopg

from gridmap.access.accounts import EVERYTHING, Scope
from gridmap.core import clock, vocab
from gridmap.core.config import Config
from gridmap.core.errors import BadInput
from gridmap.files.grids import check_importable, read_grid_file
from gridmap.geo import topology
from gridmap.registry import counties
from gridmap.store import assignment as assignment_store
from gridmap.store import edits as edit_store
from gridmap.store import gaps as gap_store
from gridmap.store import history as history_store
from gridmap.store import units as unit_store


def import_grid_file(
    conn: psycopg.Connection,
    path: Path,
    *,
    crs_name: str | None = None,
    reason: str | None = None,
    author: str | None = None,
    at: datetime | None = None,
    max_unpacked_mb: int = Config.upload_max_unpacked_mb,
    mixed_counties: bool = False,
    scope: Scope = EVERYTHING,
) -> dict:
    """Import a grid file in one transaction; changed units get a new version.

    Returns {"file", "features", "counties", "created", "changed", "unchanged", "edit"};
    raises BadInput (and writes nothing) when any feature is wrong, the units span several
    counties without `mixed_counties` or a zipped file would unpack to more than
    `max_unpacked_mb` MB, and Forbidden when a unit lies in a county outside `scope`.
    """
    frame = read_grid_file(path, crs_name, max_unpacked_mb=max_unpacked_mb)
    check_importable(frame, path.name)
    features = zip(frame["feature"], frame["code"], strict=True)
    found = counties.one_county(
        path.name, counties.of_units(features), mixed=mixed_counties, noun="feature", scope=scope
    )
    at = at or clock.now()
    day = clock.local_date(at, Config.timezone)
    with conn.transaction(), history_store.taking_effect(conn, day, path.name):
        _require_parents(conn, frame, path.name)
        edit_id = edit_store.open_edit(
            conn, counties=vocab.counties_of(frame["code"]), kind="import",
            author=author or clock.os_user(), reason=reason or path.name, at=at,
        )  # fmt: skip
        unit_store.stage_units(conn, frame)
        outcome = unit_store.apply_staged_units(conn, edit_id, at)
        touched_codes = outcome["created"] + outcome["changed"]
        if touched_codes:
            moved = _after_grid_change(conn, touched_codes)
            edit_store.set_households_moved(conn, edit_id, moved)
        else:
            # Nothing changed: an edit that opened no version is not history.
            edit_store.delete_edit(conn, edit_id)
    touched = len(outcome["created"]) + len(outcome["changed"])
    return {
        "file": path.name,
        "features": len(frame),
        "counties": found,
        "created": outcome["created"],
        "changed": outcome["changed"],
        "unchanged": len(frame) - touched,
        "edit": edit_id if touched else None,
    }


def _after_grid_change(conn: psycopg.Connection, touched_codes: list[str]) -> int:
    """Refresh the gaps around changed units and reassign households; return how many moved."""
    parents = {p for p in map(vocab.parent_of, touched_codes) if p is not None}
    gap_store.refresh_gaps(conn, sorted(parents | set(touched_codes)))
    return assignment_store.assign_counties(conn, vocab.counties_of(touched_codes))


def _require_parents(conn: psycopg.Connection, frame: gpd.GeoDataFrame, source: str) -> None:
    """Every unit below the county needs its parent in the file or in the database."""
    known = set(frame["code"]) | unit_store.current_codes(conn)
    orphans = frame[frame["parent"].notna() & ~frame["parent"].isin(known)]
    if len(orphans):
        details = [
            f"feature {f} (code {c}): parent {p} is neither in the file nor in the database; "
            "import the parent level first or fix the code"
            for f, c, p in zip(orphans["feature"], orphans["code"], orphans["parent"], strict=True)
        ]
        raise BadInput(
            f"{source}: {len(orphans)} unit(s) have no parent; nothing was imported.",
            details=details[:20],
        )


def validate_current(conn: psycopg.Connection, tolerance_m2: float) -> dict:
    """Topology report of the current grid in the database."""
    return topology.validate_units(unit_store.current_units(conn), tolerance_m2)


def validate_file(
    path: Path, tolerance_m2: float, crs_name: str | None = None, *,
    max_unpacked_mb: int = Config.upload_max_unpacked_mb,
) -> dict:  # fmt: skip
    """Topology report of a grid file before it is imported."""
    frame = read_grid_file(path, crs_name, max_unpacked_mb=max_unpacked_mb)
    return topology.validate_units(frame, tolerance_m2)


def units_geojson(
    conn: psycopg.Connection, level: int, parent: str | None = None, scope: Scope = EVERYTHING
) -> dict:
    """Current units of one level under `parent` within scope, as GeoJSON."""
    return unit_store.units_geojson(conn, level, scope.narrow(parent))


def search_units(conn: psycopg.Connection, text: str, scope: Scope = EVERYTHING) -> list[dict]:
    """Units in scope matching a code prefix or part of a name, for the map's search box."""
    text = text.strip()
    if not text:
        return []
    return unit_store.search_units(conn, text[:40], scope.narrow(None))


EXPORT_DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".shp": None}


def export_grid(
    conn: psycopg.Connection, config: Config, day: date | None, level: int | None,
    scope: Scope = EVERYTHING,
) -> gpd.GeoDataFrame:  # fmt: skip
    """The current grid, or the grid at the end of `day`, optionally one level, in `scope`."""
    if day is None:
        frame = unit_store.current_units(conn, level)
    else:
        frame = unit_store.units_as_of(conn, clock.end_of_day(day, config.timezone), level)
    if scope.prefixes is None:
        return frame
    return frame[frame["code"].map(scope.allows).astype(bool)].reset_index(drop=True)


def write_grid(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write units to a file whose extension picks the format (GeoJSON, GeoPackage, Shapefile)."""
    suffix = path.suffix.lower()
    if suffix not in EXPORT_DRIVERS:
        raise BadInput(f"{path.name}: write .geojson, .gpkg or .shp")
    out = frame.copy()
    out["parent"] = out["parent"].where(out["parent"].notna(), None)
    out.to_file(path, driver=EXPORT_DRIVERS[suffix], encoding="utf-8")
