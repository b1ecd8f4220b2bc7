"""Request parameters for pages and API alike: parsed, checked, or refused with BadInput (400).

Messages name the parameter and how to write it. Query parameters are worded in the user's
language on pages and in English for the API and tiles. Form fields (pages and JSON bodies) are
checked by the domain's input functions, which word their refusals with `translated`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime

from flask import has_request_context, request
from flask_babel import gettext

from gridmap.core import vocab
from gridmap.core.clock import today
from gridmap.core.errors import BadInput
from gridmap.core.fields import whole
from gridmap.web.context import config

#: Paths whose answers are JSON or tiles, for scripts: their messages stay in English.
API_PREFIXES = ("/api/", "/tiles/")
#: The highest page number a listing accepts.
MAX_PAGE = 1_000_000
#: The most counties one request may name (a province has about a hundred).
MAX_COUNTIES = 200

DATE_MSG = "Parameter %(name)s must be a date written YYYY-MM-DD, e.g. 2024-06-30."
MOMENT_MSG = "Parameter %(name)s must be an ISO date or time, e.g. 2026-01-31 or 2026-01-31T08:00."
WHOLE_MSG = "Parameter %(name)s must be a whole number from %(low)s to %(high)s."
LEVEL_MSG = "Parameter %(name)s must be a grid level from %(low)s to %(high)s."
CODE_MSG = "Parameter %(name)s must be a grid code of %(digits)s digits."
CHOICE_MSG = "Parameter %(name)s must be one of %(choices)s."
VERSION_MSG = "Parameter %(name)s must be a version number."


def is_api_request() -> bool:
    """True when the request is for JSON or tiles (answered to scripts, in English)."""
    return has_request_context() and request.path.startswith(API_PREFIXES)


def wording(msgid: str, **values: object) -> str:
    """`msgid` with `values`: in the user's language on pages, in English for the API."""
    if not has_request_context() or is_api_request():
        return msgid % values
    return str(gettext(msgid, **values))


def translated(msgid: str, **values: object) -> str:
    """`msgid` with `values` in the user's language (form fields, on pages and API alike)."""
    return str(gettext(msgid, **values))


def raw(name: str, source: Mapping | None = None) -> str | None:
    """The parameter's text, stripped; None when absent or empty."""
    value = (request.args if source is None else source).get(name)
    text = "" if value is None else str(value).strip()
    return text or None


def text(name: str, *, max_length: int) -> str | None:
    """Free text such as a search or a household code, cut to `max_length`; None when absent."""
    found = raw(name)
    return found[:max_length] if found else None


def flag(name: str) -> bool:
    """True when the parameter is 1."""
    return raw(name) == "1"


def day(name: str, default: date | None = None, *, source: Mapping | None = None) -> date | None:
    """A date parameter (YYYY-MM-DD), `default` when absent."""
    text = raw(name, source)
    if text is None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(wording(DATE_MSG, name=name)) from None


def required_day(name: str, default: date, *, source: Mapping | None = None) -> date:
    """A date parameter (YYYY-MM-DD), `default` when absent."""
    found = day(name, default, source=source)
    assert found is not None
    return found


def as_of() -> date:
    """The `as_of` date (YYYY-MM-DD), default today in the county's timezone."""
    return required_day("as_of", today(config().timezone))


def as_of_given() -> tuple[date, str | None]:
    """The `as_of` date (default today) and the text given for it, for links that keep it."""
    return as_of(), raw("as_of")


def moment(name: str) -> datetime | None:
    """An ISO date or date and time, None when absent."""
    text = raw(name)
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(wording(MOMENT_MSG, name=name)) from None


def integer(
    name: str, *, low: int, high: int, default: int | None = None, source: Mapping | None = None
) -> int | None:
    """A whole number within [low, high], `default` when absent."""
    text = raw(name, source)
    if text is None:
        return default
    value = whole(text)
    if value is None or not low <= value <= high:
        raise BadInput(wording(WHOLE_MSG, name=name, low=low, high=high))
    return value


def lenient_integer(name: str) -> int | None:
    """A whole number, None when absent or malformed (cursors a page wrote itself)."""
    text = raw(name)
    return None if text is None else whole(text)


def level(name: str = "level", default: int | None = None) -> int | None:
    """A grid level (1 county to 4 villager group), `default` when absent."""
    text = raw(name)
    if text is None:
        return default
    value = whole(text)
    if value not in vocab.LEVELS:
        low, high = min(vocab.LEVELS), max(vocab.LEVELS)
        raise BadInput(wording(LEVEL_MSG, name=name, low=low, high=high))
    return value


def report_level(name: str = "level") -> int | None:
    """A grid level, or 0 / -1 for the city / province roll-up of a report; None when absent."""
    text = raw(name)
    # whole() reads no sign: -1 is the province.
    for value in vocab.ROLL_UP_CODE_LENGTH:
        if text == str(value):
            return value
    return level(name)


def level_or(default: int, name: str = "level") -> int:
    """A grid level, `default` when absent or not a level (a page's own links)."""
    text = raw(name)
    value = None if text is None else whole(text)
    return value if value is not None and value in vocab.LEVELS else default


def unit_code(name: str) -> str | None:
    """A grid code of some level, None when absent."""
    text = raw(name)
    if text is None:
        return None
    if not vocab.is_unit_code(text):
        raise BadInput(wording(CODE_MSG, name=name, digits=vocab.codes_phrase()))
    return text


def lenient_unit_code(name: str) -> str | None:
    """A grid code, None when absent or malformed (a link that need not hold one)."""
    found = raw(name)
    return found if found is not None and vocab.is_unit_code(found) else None


def page(name: str = "page") -> int:
    """A page number from 1, default 1."""
    found = integer(name, low=1, high=MAX_PAGE, default=1)
    assert found is not None
    return found


def limit(name: str = "limit", *, high: int, default: int) -> int:
    """How many rows to return, from 1 to `high`, `default` when absent."""
    found = integer(name, low=1, high=high, default=default)
    assert found is not None
    return found


def version(name: str) -> int:
    """A required version number of a unit."""
    value = whole(raw(name) or "")
    if value is None:
        raise BadInput(wording(VERSION_MSG, name=name))
    return value


def counties(name: str = "county") -> list[str]:
    """The county codes asked for (the parameter repeated), as given; checked by the domain."""
    found = (str(value).strip() for value in request.args.getlist(name)[:MAX_COUNTIES])
    return [value for value in found if value]


def choice(name: str, choices: Collection[str]) -> str | None:
    """One of `choices`, None when absent."""
    text = raw(name)
    if text is not None and text not in choices:
        raise BadInput(wording(CHOICE_MSG, name=name, choices=", ".join(sorted(choices))))
    return text
