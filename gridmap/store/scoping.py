"""The SQL filter that limits a query to an account's code prefixes."""

from __future__ import annotations


def prefix_filter(column: str) -> str:
    """A predicate on `column` (a fixed column name) bound to the prefix parameters."""
    return f"(%(prefixes)s::text[] IS NULL OR {column} LIKE ANY(%(patterns)s::text[]))"


def prefix_params(prefixes: list[str] | None) -> dict:
    """Parameters for prefix_filter: None means every code, [] means none."""
    if prefixes is None:
        return {"prefixes": None, "patterns": None}
    patterns = [p.replace("%", "").replace("_", "") + "%" for p in prefixes]
    return {"prefixes": list(prefixes), "patterns": patterns}
