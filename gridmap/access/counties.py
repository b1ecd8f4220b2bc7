"""Which counties a report covers. One database holds many counties and an account may see
several (city and province reviewers): a report over all it may see needs a choice of county,
or an explicit roll-up; a unit named by the request already says where it is."""

from __future__ import annotations

from collections.abc import Iterable

import psycopg

from gridmap.access.accounts import Scope
from gridmap.core import vocab
from gridmap.core.errors import BadInput, NotFound
from gridmap.core.fields import N_, Words, english
from gridmap.store import counties as county_store

#: Asked for instead of a county code: every county the account may see, rolled up.
ROLL_UP = "all"
COUNTY_LENGTH = vocab.CODE_LENGTH[vocab.COUNTY]

CHOOSE_MSG = N_("Choose a county with %(how)s; this account may see: %(counties)s.")
COUNTY_CODE_MSG = N_("A county is named by its code of %(digits)s digits, not %(code)s.")
NO_COUNTY_MSG = N_("There is no county %(code)s.")


class CountyRequired(BadInput):
    """A report over several counties without a choice: names the counties to choose from."""

    def __init__(self, message: str, choices: list[dict]):
        super().__init__(message, details=[_label(c) for c in choices])
        self.choices = choices


def county_choices(conn: psycopg.Connection, scope: Scope) -> list[dict]:
    """The counties `scope` may choose among, by code: {code, name (None before its import)}."""
    names = dict(county_store.current_counties(conn))
    if scope.prefixes is None:
        codes = set(names)
    else:
        own = {vocab.unit_at(p, vocab.COUNTY) for p in scope.prefixes if len(p) >= COUNTY_LENGTH}
        # Prefixes above the county (a city's, a province's) reach the counties under them.
        codes = own | {code for code in names if scope.overlaps(code)}
    return [{"code": code, "name": names.get(code)} for code in sorted(codes)]


def choose(
    conn: psycopg.Connection, scope: Scope, asked: Iterable[str] = (), *,
    within: str | None = None, how: str = "county=CODE", words: Words = english,
) -> Scope:  # fmt: skip
    """The scope of one report: `scope` within the counties `asked` (codes, or ROLL_UP).

    With none asked, an account that sees several counties must choose (BadInput naming them)
    unless the request names a unit (`within`); a county outside `scope` is NotFound.
    """
    wanted = list(dict.fromkeys(asked))
    if ROLL_UP in wanted:
        return scope
    for code in wanted:
        if not (code.isascii() and code.isdigit() and len(code) == COUNTY_LENGTH):
            raise BadInput(words(COUNTY_CODE_MSG, digits=COUNTY_LENGTH, code=code[:40]))
    choices = county_choices(conn, scope)
    if wanted:
        return _narrowed(scope, wanted, {c["code"] for c in choices}, words)
    # A unit named by the request (a township, a village) lies in one county already.
    if within is not None or len(choices) <= 1:
        return scope
    listed = ", ".join(_label(c) for c in choices)
    raise CountyRequired(words(CHOOSE_MSG, how=how, counties=listed), choices)


def _narrowed(scope: Scope, wanted: list[str], allowed: set[str], words: Words) -> Scope:
    """`scope` within the `wanted` counties; a county outside it is not found, like a unit."""
    prefixes: list[str] = []
    for code in wanted:
        if code not in allowed:
            raise NotFound(words(NO_COUNTY_MSG, code=code))
        prefixes += scope.narrow(code) or []
    return Scope(tuple(prefixes))


def _label(county: dict) -> str:
    return f"{county['code']} {county['name']}" if county["name"] else county["code"]
