"""The county of each row of an imported file, and the rule that one file holds one county.

A row's codes say its county: a unit code's first six digits, a household code's too when it
follows the numbering scheme (its villager group's code and more digits). Rows that name a
stored household or worker take its county from the database. A file whose rows span several
counties is refused unless the import allows it, so that a mistyped code or two files pasted
together cannot spill one county's records into another's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd
import psycopg

from gridmap.access.accounts import EVERYTHING, Scope
from gridmap.core import vocab
from gridmap.core.errors import BadInput, Forbidden
from gridmap.store import import_counties as county_store

COUNTY_DIGITS = vocab.CODE_LENGTH[vocab.COUNTY]
_GROUP_DIGITS = vocab.CODE_LENGTH[vocab.GROUP]
#: Rows of each county a refusal lists before "and N more".
ROWS_SHOWN = 10
#: A file row and a county it belongs to (None: nothing on the row names a county).
RowCounty = tuple[int, str | None]


def unit_county(code: object) -> str | None:
    """The county of a unit code (its first six digits); None for anything else (an empty cell
    included)."""
    return code[:COUNTY_DIGITS] if isinstance(code, str) and vocab.is_unit_code(code) else None


def household_county(code: object) -> str | None:
    """The county a household code names when it follows the scheme (a group code and more
    digits); None for any other code."""
    if isinstance(code, str) and code.isdigit() and len(code) > _GROUP_DIGITS:
        return code[:COUNTY_DIGITS]
    return None


def one_county(
    source: str, rows: Iterable[RowCounty], *, mixed: bool = False, noun: str = "row",
    scope: Scope = EVERYTHING,
) -> list[str]:  # fmt: skip
    """The counties of a file's rows, in order; raise Forbidden, naming the county and its
    rows, when one lies outside `scope` (the importing account's), and BadInput, naming each
    county's rows, when there are several and `mixed` (--mixed-counties) does not allow it."""
    found = rows_per_county(rows)
    outside = {county: rows for county, rows in found.items() if not scope.allows(county)}
    if outside:
        raise _outside(source, outside, scope, noun)
    if len(found) > 1 and not mixed:
        raise _refusal(source, found, noun)
    return list(found)


def rows_per_county(rows: Iterable[RowCounty]) -> dict[str, list[int]]:
    """The file rows of each county, counties and rows in order (rows naming none left out)."""
    frame = pd.DataFrame(list(rows), columns=["row", "county"], dtype=object).dropna()
    frame = frame.astype({"row": int}).drop_duplicates().sort_values(["county", "row"])
    return {str(c): group.tolist() for c, group in frame.groupby("county", sort=True)["row"]}


def _refusal(source: str, found: Mapping[str, list[int]], noun: str) -> BadInput:
    counts = ", ".join(f"{county} ({_count(len(rows), noun)})" for county, rows in found.items())
    return BadInput(
        f"{source}: the file mixes {len(found)} counties: {counts}; nothing was imported. "
        "Split it into one file per county, or, if it is meant to span counties, import it with "
        "mixed counties allowed (--mixed-counties, or the box on the upload page).",
        details=[f"county {county}: {_listing(rows, noun)}" for county, rows in found.items()],
    )


def _outside(source: str, outside: Mapping[str, list[int]], scope: Scope, noun: str) -> Forbidden:
    # Checked before anything is written: an account may not add to a county it cannot see.
    named = ("county " if len(outside) == 1 else "counties ") + ", ".join(outside)
    own = ", ".join(scope.prefixes or ())
    verb = "is" if len(outside) == 1 else "are"
    return Forbidden(
        f"{source}: {named} {verb} outside the counties this account may import into "
        f"({own or 'none'}); nothing was imported. Import the file with an account of that "
        "county, or remove its rows.",
        details=[f"county {county}: {_listing(rows, noun)}" for county, rows in outside.items()],
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _listing(rows: list[int], noun: str) -> str:
    shown = ", ".join(map(str, rows[:ROWS_SHOWN]))
    more = f" and {len(rows) - ROWS_SHOWN} more" if len(rows) > ROWS_SHOWN else ""
    return f"{noun if len(rows) == 1 else noun + 's'} {shown}{more}"


def of_units(rows: Iterable[tuple[int, str | None]]) -> list[RowCounty]:
    """The county of each (row, unit code)."""
    return [(int(row), unit_county(code)) for row, code in rows]


def of_households(conn: psycopg.Connection, rows: Iterable[tuple[int, str]]) -> list[RowCounty]:
    """The counties of (row, household code) pairs: the stored household's, else the one its
    code names."""
    pairs = pd.DataFrame(list(rows), columns=["row", "code"], dtype=object)
    codes = pairs["code"].drop_duplicates().sort_values().tolist()
    stored = pd.DataFrame(
        county_store.household_counties(conn, codes), columns=["code", "county"], dtype=object
    )
    placed = pairs.merge(stored, on="code", how="left")  # keeps the rows' order
    unknown = placed["county"].isna()
    placed.loc[unknown, "county"] = placed.loc[unknown, "code"].map(household_county)
    county = placed["county"].astype(object).where(placed["county"].notna(), None)
    return list(zip(placed["row"].astype(int).tolist(), county.tolist(), strict=True))


def of_workers(
    conn: psycopg.Connection, rows: Iterable[tuple[int, str]], groups: Iterable[tuple[int, str]]
) -> list[RowCounty]:
    """The counties of a worker file: each (row, group code)'s, and for (row, worker code) rows
    without a group those of the groups the stored worker served."""
    grouped = of_units(groups)
    with_groups = {row for row, _ in grouped}
    rest = [(int(row), code) for row, code in rows if int(row) not in with_groups]
    stored = county_store.worker_counties(conn, sorted({code for _, code in rest}))
    return grouped + _by_code(rest, stored, lambda _code: None)


def of_household_file(
    conn: psycopg.Connection, rows: Iterable[tuple[int, str, str | None]], staged: str
) -> list[RowCounty]:
    """The county of each (row, household code, declared group) of a household file: the
    group's, else the one the code names, else the one its staged row was placed in."""
    frame = pd.DataFrame(list(rows), columns=["row", "code", "group"], dtype=object)
    placed = pd.Series(of_staged(conn, staged, "county_code"), dtype=object)
    county = _per_value(frame["group"], unit_county)
    county = county.fillna(_per_value(frame["code"], household_county))
    county = county.fillna(frame["row"].astype(int).map(placed))
    county = county.astype(object).where(county.notna(), None)
    return list(zip(frame["row"].astype(int).tolist(), county.tolist(), strict=True))


def of_staged(conn: psycopg.Connection, staged: str, column: str) -> dict[int, str | None]:
    """The county of the unit code in `column` of each staged row, by file row."""
    values = county_store.staged_values(conn, staged, column)
    counties = _per_value(pd.Series(list(values.values()), dtype=object), unit_county)
    return dict(zip(values, counties.tolist(), strict=True))


def _per_value(column: pd.Series, county: Callable[[object], str | None]) -> pd.Series:
    """`county` of each cell, called once per distinct value (None for missing cells)."""
    codes, values = pd.factorize(column)  # a missing cell gets -1: the None appended below
    found = np.array([county(v) for v in values] + [None], dtype=object)
    return pd.Series(found[codes], index=column.index, dtype=object)


def _first(*counties: str | None) -> str | None:
    return next((county for county in counties if county is not None), None)


def _by_code(
    pairs: list[tuple[int, str]], stored: Iterable[tuple[str, str]],
    named: Callable[[str], str | None],
) -> list[RowCounty]:  # fmt: skip
    known: dict[str, set[str | None]] = defaultdict(set)
    for code, county in stored:
        known[code].add(county)
    return [(row, county) for row, code in pairs for county in known.get(code) or {named(code)}]
