"""The edit log: one row per change to the grid."""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg import sql

from gridmap.core import vocab
from gridmap.core.errors import BadInput


def open_edit(
    conn: psycopg.Connection,
    *,
    counties: list[str],
    kind: str,
    author: str,
    reason: str,
    at: datetime,
    undoes: int | None = None,
) -> int:
    """Insert an edit of the units of `counties` and return its id.

    Each county keeps its own row of the edit, under one id, so a unit version only ever
    refers to an edit row of its own county.
    """
    row = conn.execute(
        "WITH next AS (SELECT nextval(pg_get_serial_sequence('edit', 'id')) AS id) "
        "INSERT INTO edit (county_code, id, kind, author, reason, at, undoes) "
        "SELECT c, next.id, %s, %s, %s, %s, %s FROM next, unnest(%s::text[]) c "
        "RETURNING id",
        [kind, author, reason, at, undoes, sorted(set(counties))],
    ).fetchone()
    if row is None:
        raise ValueError("an edit needs at least one county")
    return int(row[0])


def edit_counties(conn: psycopg.Connection, edit_id: int) -> list[str]:
    """The counties an edit keeps a row in, in order."""
    rows = conn.execute(
        "SELECT county_code FROM edit WHERE id = %s ORDER BY county_code", [edit_id]
    ).fetchall()
    return [r[0] for r in rows]


def set_households_moved(conn: psycopg.Connection, edit_id: int, moved: int) -> None:
    """Record how many households an edit moved (on each of its counties' rows)."""
    conn.execute("UPDATE edit SET households_moved = %s WHERE id = %s", [moved, edit_id])


def delete_edit(conn: psycopg.Connection, edit_id: int) -> None:
    """Remove an edit that turned out to change nothing."""
    conn.execute("DELETE FROM edit WHERE id = %s", [edit_id])


EDIT_COLUMNS = ("id", "kind", "author", "reason", "at", "households_moved", "undoes")
# One row per edit: the rows an edit keeps for each of its counties differ only in the county.
_EDITS = (
    "(SELECT DISTINCT ON (id) id, kind, author, reason, at, households_moved, undoes "
    "FROM edit ORDER BY id, county_code)"
)


_VERSION_KEYS = ("code", "version", "name", "level", "parent", "wkb")


def _open_versions(conn: psycopg.Connection, column: str, values: list[str]) -> dict[str, dict]:
    query = sql.SQL(
        "SELECT code, id, name, level, parent_code, ST_AsBinary(geom) FROM unit_version "
        "WHERE valid_to IS NULL AND {} = ANY(%s)"
    ).format(sql.Identifier(column))
    rows = conn.execute(query, [values]).fetchall()
    return {r[0]: dict(zip(_VERSION_KEYS, r, strict=True)) for r in rows}


def current_versions(conn: psycopg.Connection, codes: list[str]) -> dict[str, dict]:
    """The open version of each code: version id, name, level, parent, WKB geometry."""
    return _open_versions(conn, "code", codes)


def children_versions(conn: psycopg.Connection, parents: list[str]) -> dict[str, dict]:
    """The open versions of every child of `parents`, keyed by code."""
    return _open_versions(conn, "parent_code", parents)


def last_edit_of(conn: psycopg.Connection, codes: list[str]) -> dict | None:
    """The most recent edit that opened a version of any of `codes`."""
    row = conn.execute(
        "SELECT e.id, e.kind, e.author, e.reason, e.at, e.households_moved, e.undoes "
        "FROM edit e JOIN unit_version v ON v.county_code = e.county_code "
        "AND v.opened_by = e.id WHERE v.code = ANY(%s) ORDER BY e.id DESC LIMIT 1",
        [codes],
    ).fetchone()
    return dict(zip(EDIT_COLUMNS, row, strict=True)) if row else None


def require_after_versions(conn: psycopg.Connection, version_ids: list[int], at) -> None:  # type: ignore[no-untyped-def]
    """Raise BadInput when `at` is before the start of any of the versions (history in order)."""
    row = conn.execute(
        "SELECT max(valid_from) FROM unit_version WHERE id = ANY(%s)", [version_ids]
    ).fetchone()
    latest = row[0] if row else None
    if latest is not None and at < latest:
        raise BadInput(
            f"the edit cannot take effect at {at:%Y-%m-%d %H:%M}: a unit it changes has a "
            f"version from {latest:%Y-%m-%d %H:%M}; give a later effective date (--effective)"
        )


def close_versions(conn: psycopg.Connection, version_ids: list[int], edit_id: int, at) -> int:  # type: ignore[no-untyped-def]
    """Close open versions by id; return how many were still open (the rest changed meanwhile)."""
    return conn.execute(
        "UPDATE unit_version SET valid_to = %s, closed_by = %s "
        "WHERE id = ANY(%s) AND valid_to IS NULL",
        [at, edit_id, version_ids],
    ).rowcount


def open_version(
    conn: psycopg.Connection, *, code: str, name: str, parent: str | None, wkb: bytes,
    edit_id: int, at,  # type: ignore[no-untyped-def]
) -> None:  # fmt: skip
    """Open a new current version of a unit."""
    conn.execute(
        "INSERT INTO unit_version "
        "(county_code, code, name, level, parent_code, geom, valid_from, opened_by) "
        "VALUES (%s, %s, %s, %s, %s, ST_Multi(ST_GeomFromWKB(%s, 4326)), %s, %s)",
        [vocab.county_of(code), code, name, vocab.level_of(code), parent, wkb, at, edit_id],
    )


def used_codes(conn: psycopg.Connection, parent: str) -> set[str]:
    """Every code ever used directly under `parent` (closed codes are never reused)."""
    rows = conn.execute(
        "SELECT DISTINCT code FROM unit_version WHERE parent_code = %s", [parent]
    ).fetchall()
    return {r[0] for r in rows}


def add_code_mapping(conn: psycopg.Connection, old: str, new: str, edit_id: int) -> None:
    """Record that an edit gave unit `old` the code `new`."""
    conn.execute(
        "INSERT INTO code_mapping (county_code, old_code, new_code, edit_id) "
        "VALUES (%s, %s, %s, %s)",
        [vocab.county_of(old), old, new, edit_id],
    )


def edit_versions(conn: psycopg.Connection, edit_id: int) -> dict[str, list[dict]]:
    """Versions an edit opened and closed (code, version, name, parent, WKB, still open)."""
    rows = conn.execute(
        "SELECT opened_by = %(e)s, code, id, name, parent_code, ST_AsBinary(geom), "
        "valid_to IS NULL FROM unit_version WHERE opened_by = %(e)s OR closed_by = %(e)s "
        "ORDER BY code",
        {"e": edit_id},
    ).fetchall()
    keys = ("code", "version", "name", "parent", "wkb", "open")
    result: dict[str, list[dict]] = {"opened": [], "closed": []}
    for opened, *values in rows:
        result["opened" if opened else "closed"].append(dict(zip(keys, values, strict=True)))
    return result


def get_edit(conn: psycopg.Connection, edit_id: int) -> dict | None:
    """One edit row."""
    row = conn.execute(
        sql.SQL("SELECT * FROM {} e WHERE id = %s").format(sql.SQL(_EDITS)),
        [edit_id],
    ).fetchone()
    return dict(zip(EDIT_COLUMNS, row, strict=True)) if row else None


def later_edits_touching(conn: psycopg.Connection, edit_id: int, codes: list[str]) -> list[dict]:
    """Edits after `edit_id` that opened or closed a version of any of `codes`."""
    rows = conn.execute(
        sql.SQL(
            "SELECT * FROM {} e WHERE e.id > %s AND EXISTS (SELECT 1 FROM unit_version v "
            "WHERE e.id IN (v.opened_by, v.closed_by) AND v.code = ANY(%s)) ORDER BY e.id"
        ).format(sql.SQL(_EDITS)),
        [edit_id, codes],
    ).fetchall()
    return [dict(zip(EDIT_COLUMNS, r, strict=True)) for r in rows]


def edit_log(conn: psycopg.Connection, since) -> list[dict]:  # type: ignore[no-untyped-def]
    """Edits at or after `since` (all when None), oldest first."""
    rows = conn.execute(
        sql.SQL(
            "SELECT * FROM {} e "
            "WHERE %(since)s::timestamptz IS NULL OR at >= %(since)s::timestamptz ORDER BY id"
        ).format(sql.SQL(_EDITS)),
        {"since": since},
    ).fetchall()
    return [dict(zip(EDIT_COLUMNS, r, strict=True)) for r in rows]


def unit_history(conn: psycopg.Connection, code: str) -> list[dict]:
    """Every version of a unit, oldest first, with the edit that opened it."""
    rows = conn.execute(
        "SELECT v.id, v.name, v.valid_from, v.valid_to, e.id, e.kind, e.author, e.reason, "
        "e.households_moved, ST_AsGeoJSON(v.geom, 6)::json FROM unit_version v "
        "JOIN edit e ON e.county_code = v.county_code AND e.id = v.opened_by "
        "WHERE v.code = %s ORDER BY v.valid_from, v.id",
        [code],
    ).fetchall()
    keys = ("version", "name", "valid_from", "valid_to", "edit", "kind", "author", "reason",
            "households_moved", "geometry")  # fmt: skip
    return [dict(zip(keys, r, strict=True)) for r in rows]


def open_version_ids(conn: psycopg.Connection, codes: list[str], parents: list[str]) -> dict:
    """The open version id of each of `codes` and of every child of `parents`, by code."""
    rows = conn.execute(
        "SELECT code, id FROM unit_version WHERE valid_to IS NULL "
        "AND (code = ANY(%s) OR parent_code = ANY(%s))",
        [codes, parents],
    ).fetchall()
    return {r[0]: int(r[1]) for r in rows}


def last_change_of(conn: psycopg.Connection, codes: list[str]) -> dict | None:
    """The most recent edit that opened or closed a version of any of `codes`."""
    row = conn.execute(
        "SELECT e.id, e.kind, e.author, e.reason, e.at, e.households_moved, e.undoes "
        "FROM edit e JOIN unit_version v ON v.county_code = e.county_code "
        "AND e.id IN (v.opened_by, v.closed_by) WHERE v.code = ANY(%s) "
        "ORDER BY e.id DESC LIMIT 1",
        [codes],
    ).fetchone()
    return dict(zip(EDIT_COLUMNS, row, strict=True)) if row else None
