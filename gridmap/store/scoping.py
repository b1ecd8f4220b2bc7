"""The SQL filter that limits a query to an account's code prefixes, and the unit levels and
code lengths as SQL values."""

from __future__ import annotations

from psycopg import sql

from gridmap.core import vocab


def level_params() -> dict[str, int]:
    """Bound parameters of each level (`village`) and its code length (`village_length`)."""
    params = {}
    for level, name in vocab.LEVEL_NAMES.items():
        params[name] = level
        params[f"{name}_length"] = vocab.CODE_LENGTH[level]
    return params


def code_length(level: int) -> sql.Literal:
    """The code length of `level` as an SQL value (for expressions grouped by)."""
    return sql.Literal(vocab.CODE_LENGTH[level])


def prefix_filter(column: str) -> sql.Composed:
    """A predicate on `column` (`alias.column` or `column`) bound to the prefix parameters."""
    return sql.SQL("(%(prefixes)s::text[] IS NULL OR {} LIKE ANY(%(patterns)s::text[]))").format(
        sql.Identifier(*column.split("."))
    )


def prefix_params(prefixes: list[str] | None) -> dict:
    """Parameters for prefix_filter: None means every code, [] means none."""
    if prefixes is None:
        return {"prefixes": None, "patterns": None}
    patterns = [p.replace("%", "").replace("_", "") + "%" for p in prefixes]
    return {"prefixes": list(prefixes), "patterns": patterns}
