"""Form fields of pages and JSON bodies, checked for the domain; refusals are worded by `words`.

`words(msgid, **values)` gives a message in the reader's language: the web layer passes its
translator, the command line and tests get English.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Protocol

from gridmap.core.errors import BadInput


class Words(Protocol):
    """A message id with its values, worded for the reader."""

    def __call__(self, msgid: str, /, **values: object) -> str: ...


def N_(message: str) -> str:
    """Mark `message` for extraction (pybabel's N_ keyword) without translating it here."""
    return message


FIELD_WHOLE_MSG = N_("%(field)s must be a whole number.")
FIELD_NUMBER_MSG = N_("%(field)s must be a number, e.g. 8 or 7.5.")
FIELD_DATE_MSG = N_("%(field)s must be a date written YYYY-MM-DD, e.g. 2024-06-30.")


def english(msgid: str, /, **values: object) -> str:
    """`msgid` with `values` filled in, untranslated."""
    return msgid % values if values else msgid


def raw(source: Mapping, name: str) -> str | None:
    """The field's text, stripped; None when absent or empty."""
    value = source.get(name)
    text = "" if value is None else str(value).strip()
    return text or None


def whole(text: str) -> int | None:
    """`text` as a non-negative whole number written in ASCII digits, else None."""
    return int(text) if text.isascii() and text.isdigit() else None


def field_whole(
    source: Mapping, name: str, label: str, *, required: bool = True, words: Words = english
) -> int | None:
    """A field holding a whole number (`label` names it in the refusal); None when optional."""
    text = raw(source, name) or ""
    if not text and not required:
        return None
    value = whole(text)
    if value is None:
        raise BadInput(words(FIELD_WHOLE_MSG, field=words(label)))
    return value


def field_number(source: Mapping, name: str, label: str, *, words: Words = english) -> float:
    """A field holding a number such as 8 or 7.5."""
    try:
        return float(raw(source, name) or "")
    except ValueError:
        raise BadInput(words(FIELD_NUMBER_MSG, field=words(label))) from None


def field_day(source: Mapping, name: str, label: str, *, words: Words = english) -> date:
    """A field holding a date written YYYY-MM-DD."""
    try:
        return date.fromisoformat(raw(source, name) or "")
    except ValueError:
        raise BadInput(words(FIELD_DATE_MSG, field=words(label))) from None
