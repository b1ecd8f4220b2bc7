"""The unit versions an editor page drew: an edit drawn on an older grid is a conflict.

A preview's token only covers the time between preview and save; a line drawn on a map
that someone changed before the preview would otherwise land on the new shapes unnoticed.
"""

from __future__ import annotations

import psycopg

from gridmap.core.errors import BadInput
from gridmap.grid.redraw.plan import GridState
from gridmap.grid.redraw.problems import EditConflict
from gridmap.store import edits as edit_store


def parse(value: object) -> dict[str, int] | None:
    """The request's `versions` (code -> version id); None when the client sent none."""
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in value.items()
    ):
        raise BadInput("versions must map unit codes to version numbers")
    return dict(value)


def conflict(conn: psycopg.Connection, codes: list[str]) -> EditConflict:
    """A 409 naming the last edit that changed any of `codes`."""
    last = edit_store.last_change_of(conn, codes)
    if last is None:
        return EditConflict("stale_page")
    return EditConflict("stale_page_by", edit=last["id"], author=last["author"],
                        at=f"{last['at']:%Y-%m-%d %H:%M}", reason=last["reason"])  # fmt: skip


def check_named(conn: psycopg.Connection, codes: list[str], versions: dict[str, int]) -> None:
    """409 when a unit the request names is gone or changed since the page drew it."""
    drawn = {c: versions[c] for c in codes if c in versions}
    current = edit_store.open_version_ids(conn, list(drawn), [])
    stale = sorted(c for c, v in drawn.items() if current.get(c) != v)
    if stale:
        raise conflict(conn, stale)


def check_plan(state: GridState, versions: dict[str, int]) -> None:
    """409 when a unit the edit touches changed since the page drew it."""
    stale = [u.code for u in state.plan.touched()
             if u.code in versions and versions[u.code] != u.version]  # fmt: skip
    if stale:
        raise conflict(state.conn, stale)


def drawn_versions(conn: psycopg.Connection, code: str, parent: str | None) -> dict[str, int]:
    """The versions an editor of `code` draws: the unit, its siblings and its children."""
    return edit_store.open_version_ids(conn, [code], [p for p in (parent, code) if p])
