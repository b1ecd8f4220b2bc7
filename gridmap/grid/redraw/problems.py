"""Why an edit is flagged or refused: stable codes with parameters, plus English for the API.

The web layer turns a code and its parameters into the reader's language; the English
`message` stays for API clients and the command line.
"""

from __future__ import annotations

import re
from typing import Any

from gridmap.core.errors import BadInput, Conflict, GridmapError

#: English wording of every refusal code; parameters in braces.
ENGLISH: dict[str, str] = {
    "line_not_across": "the line does not cut the area in two: draw it from one edge of the "
    "area to another, crossing it completely",
    "not_neighbours": "the two units do not share a border",
    "border_takes_all": "the new border would give one unit all of the other's area",
    "split_parts": "the line cuts the unit into {parts} parts; a split makes exactly two",
    "merge_not_neighbours": "only units that share a border can be merged",
    "unit_swallowed": "unit {unit} would lie wholly in the moved area; merge it first",
    "piece_unattached": "a moved piece touches no unit of the gaining side; move less area",
    "part_not_bordering": "part of {unit} would move to a unit it does not border; "
    "draw the new border closer to the old one",
    "no_free_code": "unit {parent} has no free child code left",
    "not_siblings": "{a} and {b} are not two siblings of one parent",
    "edit_groups_only": "a free edit changes one villager group; move a shared border instead",
    "no_area": "the new shape has no area",
    "split_groups_only": "only villager groups are split; move borders to change other levels",
    "merge_levels": "groups of one village, or villages of one township, can be merged",
    "reason_required": "say why the grid changes (a reason is required)",
    "breaks_grid": "the edit breaks the grid",
    "stale": "the units changed since the preview; preview again",
    "stale_by": "the units changed since the preview: edit {edit} by {author} at {at} "
    "({reason}); preview again",
    "stale_page": "the units changed since the page was loaded; reload it",
    "stale_page_by": "the units changed since the page was loaded: edit {edit} by {author} at "
    "{at} ({reason}); reload the page",
    "undo_import": "edit {edit} is a grid import and cannot be undone: import the grid again "
    "or edit the units",
    "undo_reason_required": "say why the edit is undone (a reason is required)",
    "undo_blocked": "edit {edit} cannot be undone: later edits changed its units: {later}",
}

_POINT = re.compile(r"\s*\[[^\]]*\]")


class CodedError(GridmapError):
    """An error with a stable code and parameters, so a page can word it in its language."""

    def __init__(self, code: str, *, problems: list[dict] | None = None, **params: Any):
        self.code = code
        self.params = params
        self.problems = [_brief(p) for p in problems or []]
        details = [p["message"] for p in self.problems]
        super().__init__(ENGLISH[code].format(**params), details=details)

    def to_dict(self) -> dict:
        """The API body: the English error and details, with the code and parameters."""
        return {**super().to_dict(), "code": self.code, "params": self.params,
                "problems": self.problems}  # fmt: skip


class EditRefused(CodedError, BadInput):
    """The edit cannot be made as asked (400)."""


class EditConflict(CodedError, Conflict):
    """The units changed since the edit was previewed, or later edits block an undo (409)."""


def _brief(problem: dict) -> dict:
    return {k: problem[k] for k in ("rule", "code", "params", "message") if k in problem}


def describe(violation: dict) -> dict:
    """A topology violation with its stable `code`, `params` and English `message`."""
    rule, codes, area = violation["rule"], violation["codes"], violation["area_m2"]
    params: dict[str, Any] = {"unit": codes[0] if codes else ""}
    if rule == "gap":
        params = {"parent": codes[0], "units": codes[1:], "area_m2": area}
    elif rule == "overlap":
        params = {"a": codes[0], "b": codes[1], "area_m2": area}
    elif rule == "outside_parent":
        params = {"unit": codes[0], "parent": codes[1], "area_m2": area}
    elif rule == "invalid_geometry":
        params["reason"] = _POINT.sub("", violation["detail"]).strip()
    elif rule == "bad_code":
        params["detail"] = violation["detail"]
    return {**violation, "code": rule, "params": params, "message": violation["detail"]}
