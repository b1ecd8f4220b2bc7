"""Pages of the boundary editor (administrators) and of a unit's version history."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from gridmap.core import vocab
from gridmap.core.errors import BadInput, NotFound
from gridmap.grid import grids
from gridmap.grid.redraw import history, versions
from gridmap.grid.redraw.compare import compare_versions
from gridmap.web import params
from gridmap.web.auth import current_actor
from gridmap.web.basemap_choice import page_basemap
from gridmap.web.context import db

bp = Blueprint("editor", __name__)


def _no_unit(code: str) -> NotFound:
    return NotFound(_("There is no grid unit with the code %(code)s.", code=code[:40]))


def current_unit(code: str) -> dict:
    """A current unit the user may see (code, name, level, parent, bbox), else NotFound."""
    if not vocab.is_unit_code(code):
        raise _no_unit(code)
    found = grids.search_units(db(), code, current_actor().scope)
    unit = next((u for u in found if u["code"] == code), None)
    if unit is None:
        raise _no_unit(code)
    return {**unit, "parent": vocab.parent_of(code)}


def editor_texts() -> dict[str, str]:
    """The editor's and history page's words for the scripts, in the request's language."""
    return {
        "load_failed": _("The map data could not be loaded."),
        "draw_first": _("Draw the line first."),
        "pick_neighbour": _("Pick the neighbouring unit."),
        "no_change": _("Change the shape first."),
        "preview_failed": _("The preview failed:"),
        "save_failed": _("The edit was not saved:"),
        "saved": _("Saved as edit %(edit)s."),
        "reason_required": _("Say why the grid changes."),
        "ok": _("The edit keeps the grid consistent."),
        "blocked": _("The edit cannot be saved until these problems are fixed."),
        "gaps_only": _("The edit leaves gaps. Confirm them to save."),
        "unit": _("Unit"),
        "change_m2": _("Area change (m²)"),
        "gained_m2": _("Area gained (m²)"),
        "lost_m2": _("Area lost (m²)"),
        "household": _("Household"),
        "from": _("From"),
        "to": _("To"),
        "moved_count": _("Households that move: %(count)s"),
        "new_code": _("New unit"),
        "undo_failed": _("The edit was not undone:"),
        "undone": _("Undone as edit %(edit)s."),
        "gained": _("Gained"),
        "undo": _("Undo"),
        "lost": _("Lost"),
    }


def _area(params: dict) -> str:
    value = params.get("area_m2")
    return "" if value is None else f"{value:,.1f}"


def _reason(raw: str) -> str:
    """GEOS's reason for an invalid shape, in the request's language when it is a known one."""
    known = {
        "Self-intersection": _("the border crosses itself"),
        "Ring Self-intersection": _("a ring touches itself"),
        "Hole lies outside shell": _("a hole lies outside the shape"),
        "Too few points": _("too few points"),
        "Interior is disconnected": _("the inside falls apart"),
    }
    return known.get(raw, raw)


#: Each problem or refusal code worded in the request's language (parameters by name).
_TEXTS = {
    "gap": lambda p: _("%(area)s m² of %(parent)s would belong to none of its units", **p),
    "overlap": lambda p: _("%(a)s and %(b)s would overlap by %(area)s m²", **p),
    "outside_parent": lambda p: _("%(area)s m² of %(unit)s would lie outside %(parent)s", **p),
    "invalid_geometry": lambda p: _("The shape of %(unit)s is not valid: %(why)s", **p),
    "empty": lambda p: _("%(unit)s would have no shape", **p),
    "bad_code": lambda p: _("The code of %(unit)s is not valid: %(detail)s", **p),
    "line_not_across": lambda p: _(
        "The line does not cut the area in two: draw it across the area from edge to edge."
    ),
    "not_neighbours": lambda p: _("The two units do not share a border."),
    "border_takes_all": lambda p: _("The new border would give one unit all of the other's area."),
    "split_parts": lambda p: _(
        "The line cuts the unit into %(parts)s parts; a split makes two.", **p
    ),
    "merge_not_neighbours": lambda p: _("Only units that share a border can be merged."),
    "unit_swallowed": lambda p: _(
        "%(unit)s would lie wholly in the moved area; merge it first.", **p
    ),
    "piece_unattached": lambda p: _(
        "A moved piece touches no unit of the gaining side; move less area."
    ),
    "part_not_bordering": lambda p: _(
        "Part of %(unit)s would move to a unit it does not border; draw the new border closer "
        "to the old one.",
        **p,
    ),
    "no_free_code": lambda p: _("%(parent)s has no free code left for a new unit.", **p),
    "not_siblings": lambda p: _("%(a)s and %(b)s are not two units of one parent.", **p),
    "edit_groups_only": lambda p: _(
        "Only a villager group's vertices can be edited; move a shared border instead."
    ),
    "no_area": lambda p: _("The new shape has no area."),
    "split_groups_only": lambda p: _(
        "Only villager groups can be split; move borders to change other levels."
    ),
    "merge_levels": lambda p: _(
        "Only groups of one village, or villages of one township, can be merged."
    ),
    "reason_required": lambda p: _("Say why the grid changes."),
    "breaks_grid": lambda p: _("The edit would break the grid."),
    "stale": lambda p: _("The units changed since the preview; preview again."),
    "stale_by": lambda p: _(
        "The units changed since the preview: edit %(edit)s by %(author)s at %(at)s "
        "(%(reason)s); preview again.",
        **p,
    ),
    "stale_page": lambda p: _("The units changed since this page was loaded; reload it."),
    "stale_page_by": lambda p: _(
        "The units changed since this page was loaded: edit %(edit)s by %(author)s at %(at)s "
        "(%(reason)s); reload the page.",
        **p,
    ),
    "undo_import": lambda p: _(
        "Edit %(edit)s is a grid import and cannot be undone: import the grid again or edit "
        "the units.",
        **p,
    ),
    "undo_reason_required": lambda p: _("Say why the edit is undone."),
    "undo_blocked": lambda p: _(
        "Edit %(edit)s cannot be undone: later edits changed its units: %(later)s", **p
    ),
}


def problem_text(code: str, params: dict) -> str | None:
    """A problem or refusal in the request's language; None for a code without a wording."""
    wording = _TEXTS.get(code)
    if wording is None:
        return None
    words = {**params, "area": _area(params), "why": _reason(str(params.get("reason", "")))}
    return str(wording(words))


def _urls(code: str) -> dict[str, str]:
    return {
        "units": url_for("api.units"),
        "preview": url_for("edits.preview", code=code),
        "save": url_for("edits.save", code=code),
        "history": url_for("edits.unit_history", code=code),
        "undo": url_for("edits.undo", edit_id=0).rsplit("/0/", 1)[0] + "/",
        "historyPage": url_for("editor.history_page", code=code),
        "editPage": url_for("editor.edit_page", code=code),
        "compare": url_for("editor.compare", code=code),
    }


def _settings(unit: dict, **extra: object) -> dict:
    return {
        **extra,
        "unit": unit,
        "urls": _urls(unit["code"]),
        "text": editor_texts(),
        "basemap": page_basemap(),
        "isAdmin": current_user.may(vocab.EDIT_GRID),
    }


@bp.get("/units/<code>/edit")
def edit_page(code: str) -> str:
    """The boundary editor of one unit (administrators; everyone else sees no such page)."""
    if not current_user.may(vocab.EDIT_GRID):
        raise _no_unit(code)
    unit = current_unit(code)
    # Recorded before the page fetches the shapes: a change in between makes the page's
    # edits conflict (reload) rather than land unnoticed on shapes it never drew.
    drawn = versions.drawn_versions(db(), unit["code"], unit["parent"])
    settings = _settings(unit, versions=drawn)
    return render_template("editor.html", active="unit", unit=unit, settings=settings)


def _history_unit(code: str) -> dict:
    """A unit by its history (it may be gone since a merge); NotFound outside the scope."""
    if not vocab.is_unit_code(code):
        raise _no_unit(code)
    if not current_actor().scope.allows(code):
        raise _no_unit(code)
    try:
        versions = history.unit_history(db(), code)
    except NotFound:
        raise _no_unit(code) from None
    last = versions[-1] if versions else {}
    return {"code": code, "name": last.get("name") or code, "level": vocab.level_of(code),
            "parent": vocab.parent_of(code)}  # fmt: skip


@bp.get("/units/<code>/history")
def history_page(code: str) -> str:
    """Every version of a unit: who changed it, when and why; compare two; undo (admins)."""
    unit = _history_unit(code)
    return render_template("history.html", active="unit", unit=unit, settings=_settings(unit))


@bp.get("/units/<code>/history/compare")
def compare(code: str):  # type: ignore[no-untyped-def]
    """GeoJSON of what a unit lost and gained between versions `a` and `b`."""
    _history_unit(code)
    versions = history.unit_history(db(), code)
    try:
        older, newer = params.version("a"), params.version("b")
        return jsonify(compare_versions(versions, older, newer))
    except BadInput as exc:
        # The page's script reads the refusal as JSON.
        return jsonify(exc.to_dict()), exc.status
