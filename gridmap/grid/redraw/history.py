"""The grid's history: the edit log, a unit's versions, the grid on a date, and undo."""

from __future__ import annotations

from datetime import date, datetime

import geopandas as gpd
import psycopg
import shapely

from gridmap.access import audit
from gridmap.access.accounts import Actor, Scope
from gridmap.core import clock
from gridmap.core.config import Config
from gridmap.core.errors import NotFound
from gridmap.grid.redraw.problems import EditConflict, EditRefused
from gridmap.store import assignment as assignment_store
from gridmap.store import edits as edit_store
from gridmap.store import gaps as gap_store
from gridmap.store import history as history_store
from gridmap.store import units as unit_store


def grid_as_of(
    conn: psycopg.Connection, day: date, timezone: str, level: int | None
) -> gpd.GeoDataFrame:
    """The units as they were at the end of `day` (optionally one level)."""
    return unit_store.units_as_of(conn, clock.end_of_day(day, timezone), level)


def grid_as_of_geojson(
    conn: psycopg.Connection, day: date, timezone: str, level: int, scope: Scope
) -> dict:
    """The units of one level in scope as they were at the end of `day`, as GeoJSON."""
    return unit_store.units_geojson_as_of(
        conn, clock.end_of_day(day, timezone), level, scope.narrow(None)
    )


def unit_history(conn: psycopg.Connection, code: str) -> list[dict]:
    """Every version of a unit with its edit; NotFound for a code never used."""
    versions = edit_store.unit_history(conn, code)
    if not versions:
        raise NotFound(f"no unit {code} in the grid's history")
    return versions


def edit_log(conn: psycopg.Connection, since: datetime | None = None) -> list[dict]:
    """The edits since a time (all when None), oldest first."""
    return edit_store.edit_log(conn, since)


def undo(
    conn: psycopg.Connection, edit_id: int, *, reason: str, actor: Actor,
    at: datetime | None = None,
) -> dict:  # fmt: skip
    """Reverse a whole edit as a new edit; refused for imports and when later edits touched it."""
    if not reason.strip():
        raise EditRefused("undo_reason_required")
    edit = edit_store.get_edit(conn, edit_id)
    if edit is None:
        raise NotFound(f"no edit {edit_id}")
    if edit["kind"] == "import":
        # Undoing an import would close every unit it opened and leave no grid at all.
        raise EditRefused("undo_import", edit=edit_id)
    versions = edit_store.edit_versions(conn, edit_id)
    codes = sorted({v["code"] for v in versions["opened"] + versions["closed"]})
    later = edit_store.later_edits_touching(conn, edit_id, codes)
    if later:
        names = ", ".join(f"{e['id']} ({e['author']}: {e['reason']})" for e in later)
        raise EditConflict("undo_blocked", edit=edit_id, later=names)
    at = at or clock.now()
    day = clock.local_date(at, Config.timezone)
    with (
        audit.audited(conn, actor, "edit.undo", str(edit_id)),
        history_store.taking_effect(conn, day, f"undo of edit {edit_id}"),
    ):
        edit_store.require_after_versions(conn, [v["version"] for v in versions["opened"]], at)
        new_id = edit_store.open_edit(
            conn, counties=edit_store.edit_counties(conn, edit_id), kind="undo",
            author=actor.username,
            reason=reason, at=at, undoes=edit_id,
        )  # fmt: skip
        edit_store.close_versions(conn, [v["version"] for v in versions["opened"]], new_id, at)
        for v in versions["closed"]:
            edit_store.open_version(conn, code=v["code"], name=v["name"], parent=v["parent"],
                                    wkb=v["wkb"], edit_id=new_id, at=at)  # fmt: skip
        area = shapely.union_all([shapely.from_wkb(v["wkb"]) for v in
                                  versions["opened"] + versions["closed"]])  # fmt: skip
        parents = {v["parent"] for v in versions["opened"] + versions["closed"] if v["parent"]}
        gap_store.refresh_gaps(conn, sorted(parents | set(codes)))
        moved = assignment_store.assign_within(conn, shapely.to_wkb(area), codes)
        edit_store.set_households_moved(conn, new_id, moved)
    return {"edit": new_id, "undoes": edit_id, "moved_count": moved, "units": codes}
