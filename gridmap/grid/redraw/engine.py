"""Preview, save and undo of boundary edits: checked, versioned, one transaction each."""

from __future__ import annotations

from datetime import datetime

import geopandas as gpd
import shapely

from gridmap.access import audit
from gridmap.access.accounts import Actor
from gridmap.core import clock, vocab
from gridmap.core.config import Config
from gridmap.geo import areas, topology
from gridmap.grid.redraw.compare import gained_and_lost
from gridmap.grid.redraw.plan import GridState, Unit
from gridmap.grid.redraw.problems import EditConflict, EditRefused, describe
from gridmap.store import assignment as assignment_store
from gridmap.store import edits as edit_store
from gridmap.store import gaps as gap_store
from gridmap.store import history as history_store

REFUSING_RULES = ("invalid_geometry", "outside_parent", "overlap", "bad_code", "empty")


def _families(state: GridState) -> gpd.GeoDataFrame:
    """Every parent of a changed unit with all its children, as they would be after the edit."""
    parents = {u.parent for u in state.plan.changed() if u.parent}
    rows: dict[str, Unit] = {}
    for parent in parents:
        rows[parent] = state.unit(parent)
        for kid in state.children(parent):
            rows[kid.code] = kid
    live = [u for u in rows.values() if u.new is not None]
    return gpd.GeoDataFrame(
        {"code": [u.code for u in live], "name": [u.name for u in live],
         "level": [u.level for u in live]},
        geometry=[u.new for u in live], crs="EPSG:4326",
    )  # fmt: skip


def _problems(state: GridState, tolerance_m2: float) -> list[dict]:
    """Topology violations the edit would leave in the families it touches."""
    report = topology.validate_units(_families(state), tolerance_m2)
    return [describe(v) for v in report["violations"]]


def _new_units(state: GridState, area: shapely.Geometry) -> dict[str, shapely.Geometry]:
    """Every current unit meeting the area, with the shapes it would have after the edit."""
    shapes = {code: shapely.from_wkb(wkb) for code, wkb in
              assignment_store.units_within(state.conn, shapely.to_wkb(area))}  # fmt: skip
    for unit in state.plan.units.values():
        if unit.new is None:
            shapes.pop(unit.code, None)
        else:
            shapes[unit.code] = unit.new
    return shapes


def _is_group(code: str | None) -> bool:
    """True for a villager group's code."""
    return code is not None and vocab.level_of(code) == vocab.GROUP


def _place(point: shapely.Point | None, declared: str | None, county: str,
           shapes: dict[str, shapely.Geometry]) -> str:  # fmt: skip
    """The unit a household would be assigned to (the same rule as the database's)."""
    if point is None:
        return declared if declared in shapes and _is_group(declared) else county
    covering = [c for c, g in shapes.items() if shapely.covers(g, point)]
    if not covering:
        return county
    return min(covering, key=lambda c: (-len(c), c))


def moved_households(state: GridState, area: shapely.Geometry) -> tuple[list[dict], list]:
    """Households whose group the edit changes (re-codings excluded), and all it reassigns."""
    changed = [u.code for u in state.plan.changed()]
    shapes = _new_units(state, area)
    rows = assignment_store.households_within(state.conn, shapely.to_wkb(area), changed)
    moved = []
    for code, unit, lon, lat, declared in rows:
        point = shapely.Point(lon, lat) if lon is not None else None
        after = _place(point, declared, vocab.unit_at(unit or "", vocab.COUNTY), shapes)
        if after == unit or state.plan.new_codes.get(unit or "") == after:
            continue
        moved.append({
            "household": code,
            "from": unit if _is_group(unit) else None,
            "to": after if _is_group(after) else None,
            # Where to draw it; rounded like every map coordinate (under 0.1 m).
            "lon": None if lon is None else round(lon, 6),
            "lat": None if lat is None else round(lat, 6),
        })  # fmt: skip
    return sorted(moved, key=lambda m: m["household"]), rows


def preview(state: GridState, tolerance_m2: float, confirm_gaps: bool = False) -> dict:
    """What the edit would do, writing nothing: problems, area changes, moved households."""
    problems = _problems(state, tolerance_m2)
    blocking = [p for p in problems if p["rule"] in REFUSING_RULES]
    new_gaps = [p for p in problems if p["rule"] == "gap"]
    area = state.plan.area()
    moved, _ = moved_households(state, area)
    return {
        "ok": not blocking and (confirm_gaps or not new_gaps),
        "problems": problems,
        "area_change_m2": _area_changes(state),
        "area_parts": {u.code: gained_and_lost(u.old, u.new) for u in state.plan.changed()},
        "moved": moved,
        "moved_count": len(moved),
        "new_codes": dict(state.plan.new_codes),
        "token": state.plan.token(),
    }


def _area_changes(state: GridState) -> dict[str, float]:
    changes = {}
    for unit in state.plan.changed():
        before = areas.geodesic_area_m2(unit.old) if unit.old is not None else 0.0
        after = areas.geodesic_area_m2(unit.new) if unit.new is not None else 0.0
        changes[unit.code] = round(after - before, 1)
    return changes


def _conflict(state: GridState) -> EditConflict:
    last = edit_store.last_edit_of(state.conn, [u.code for u in state.plan.touched()])
    if last is None:
        return EditConflict("stale")
    return EditConflict("stale_by", edit=last["id"], author=last["author"],
                        at=f"{last['at']:%Y-%m-%d %H:%M}", reason=last["reason"])  # fmt: skip


def save(
    state: GridState, *, token: str, reason: str, actor: Actor, tolerance_m2: float,
    confirm_gaps: bool = False, at: datetime | None = None,
) -> dict:  # fmt: skip
    """Apply a previewed edit in one transaction; 409 when its units changed since the token."""
    if not reason.strip():
        raise EditRefused("reason_required")
    if token != state.plan.token():
        raise _conflict(state)
    result = preview(state, tolerance_m2, confirm_gaps)
    if not result["ok"]:
        raise EditRefused("breaks_grid", problems=result["problems"])
    conn, at = state.conn, at or clock.now()
    day = clock.local_date(at, Config.timezone)
    with (
        audit.audited(conn, actor, f"edit.{state.plan.kind}", ",".join(result["area_change_m2"])),
        history_store.taking_effect(conn, day, f"{state.plan.kind} edit"),
    ):
        counties = vocab.counties_of([*state.plan.units, *state.plan.subjects])
        edit_id = edit_store.open_edit(conn, counties=counties, kind=state.plan.kind,
                                       author=actor.username, reason=reason, at=at)  # fmt: skip
        _write_versions(state, edit_id, at)
        moved = _reassign(state, edit_id)
    return {**result, "edit": edit_id, "moved_count": moved}


def _write_versions(state: GridState, edit_id: int, at: datetime) -> None:
    changed = state.plan.changed()
    versions = [u.version for u in changed if u.version]
    edit_store.require_after_versions(state.conn, versions, at)
    if edit_store.close_versions(state.conn, versions, edit_id, at) != len(versions):
        raise _conflict(state)
    for unit in changed:
        if unit.new is not None:
            edit_store.open_version(
                state.conn, code=unit.code, name=unit.name, parent=unit.parent,
                wkb=shapely.to_wkb(unit.new), edit_id=edit_id, at=at,
            )  # fmt: skip
    for old, new in state.plan.new_codes.items():
        edit_store.add_code_mapping(state.conn, old, new, edit_id)


def _reassign(state: GridState, edit_id: int) -> int:
    """Refresh gaps and reassign the households of the changed area; record how many moved."""
    changed = [u.code for u in state.plan.changed()]
    parents = {u.parent for u in state.plan.changed() if u.parent}
    gap_store.refresh_gaps(state.conn, sorted(parents | set(changed)))
    moved = assignment_store.assign_within(state.conn, shapely.to_wkb(state.plan.area()), changed)
    edit_store.set_households_moved(state.conn, edit_id, moved)
    return moved
