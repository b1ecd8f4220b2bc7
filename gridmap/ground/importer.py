"""`gridmap import osm`: a county's OpenStreetMap ground, clipped to the county and a margin,
replacing the county's previous import in one transaction."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import psycopg
import shapely

from gridmap.core import clock
from gridmap.core.config import Config
from gridmap.core.errors import BadInput
from gridmap.geo.areas import buffer_m
from gridmap.ground import osm
from gridmap.store import counties as county_store
from gridmap.store import osm as osm_store

LAYER_WORDS = "roads, waterways, water areas or places"


def import_osm_file(
    conn: psycopg.Connection, path: Path, *, clip: str | None = None,
    margin_m: float = Config.osm_margin_m, buildings: bool = False,
    at: datetime | None = None, by: str | None = None,
) -> dict:  # fmt: skip
    """Import an .osm.pbf extract for the county `clip` (default: the database's only county).

    Keeps what lies within `margin_m` metres of the county, lines cut at that edge. Returns
    {"file", "county", "import", "margin_m", "counts" per layer, "closed" per layer,
    "skipped"}; raises BadInput, writing nothing, for an unreadable file, an unknown county
    or a file with nothing around the county.
    """
    county = choose_county(conn, clip)
    outline = osm_store.county_outline(conn, county)
    assert outline is not None  # choose_county names a current county
    area = buffer_m(shapely.from_wkb(outline), margin_m)
    clipped, read = osm.read_clipped(path, area, buildings=buildings)
    if not any(read.counts.values()):
        raise BadInput(
            f"{path.name}: holds no {LAYER_WORDS}" + (" or buildings" if buildings else "")
            + "; is it an extract of the right region? Download one that covers the county."
        )  # fmt: skip
    if not any(clipped.count().values()):
        raise _nothing_around(path, county, read, area, margin_m)
    at = at or clock.now()
    with conn.transaction():
        import_id = osm_store.open_import(
            conn, county, file_name=path.name, file_bytes=path.stat().st_size,
            margin_m=margin_m, with_buildings=buildings, clip_wkb=shapely.to_wkb(area),
            at=at, by=by or clock.os_user(),
        )  # fmt: skip
        written = {
            layer: osm_store.replace_layer(conn, layer, county, import_id, _staged(frame), at)
            for layer, frame in clipped.layers.items()
        }
        counts = {layer: w["opened"] for layer, w in written.items()}
        osm_store.set_counts(conn, county, import_id, {**counts, "skipped": clipped.skipped})
    return {
        "file": path.name, "county": county, "import": import_id, "margin_m": margin_m,
        "counts": counts, "closed": {layer: w["closed"] for layer, w in written.items()},
        "skipped": clipped.skipped,
    }  # fmt: skip


def choose_county(conn: psycopg.Connection, clip: str | None) -> str:
    """The county to import for: `clip`, or the only county; BadInput naming the counties
    when `clip` is none of them, or is missing while there are several."""
    counties = county_store.current_counties(conn)
    listed = ", ".join(f"{code} {name}" for code, name in counties)
    if not counties:
        raise BadInput("the database holds no county yet: import the grid first "
                       "(gridmap import grids FILE), then its OpenStreetMap data.")  # fmt: skip
    if clip is None:
        if len(counties) > 1:
            raise BadInput(f"the database holds several counties; choose one with --clip "
                           f"CODE: {listed}")  # fmt: skip
        return counties[0][0]
    if clip not in dict(counties):
        raise BadInput(f"--clip {clip[:20]} is not a county of the grid; choose one of: {listed}")
    return clip


def _staged(frame: pd.DataFrame) -> pd.DataFrame:
    """The layer's columns with its geometry as `geom`, as the store stages them."""
    out = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    out["geom"] = frame.geometry.to_numpy()
    return out


def _nothing_around(
    path: Path, county: str, read: osm.Tally, area: shapely.Geometry, margin_m: float
) -> BadInput:
    """The refusal of a file none of whose features lie near the county, with both extents."""
    west, south, east, north = read.bounds or (0.0, 0.0, 0.0, 0.0)
    cw, cs, ce, cn = shapely.bounds(area)
    return BadInput(
        f"{path.name}: none of its {sum(read.counts.values())} features lies within "
        f"{margin_m:g} m of county {county}. The file covers longitude {west:.3f} to "
        f"{east:.3f}, latitude {south:.3f} to {north:.3f}; the county with its margin "
        f"needs {cw:.3f} to {ce:.3f}, {cs:.3f} to {cn:.3f}. Import an extract of the "
        "county's region (or name the right county with --clip CODE).",
    )
