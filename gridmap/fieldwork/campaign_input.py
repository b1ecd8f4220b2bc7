"""A campaign as the form, the API and the command line give it: each value checked, with a
message that says how to fix it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from gridmap.core import vocab
from gridmap.core.errors import BadInput
from gridmap.core.fields import N_, Words, english
from gridmap.files.cells import split_codes
from gridmap.files.households import CATEGORIES

MAX_NAME = 200
DAYS_MSG = N_("Give the first and last day of the campaign as YYYY-MM-DD.")
SPANS_MSG = N_(
    "A campaign covers one county, but its units lie in %(count)s counties: %(counties)s. "
    "Make one campaign per county."
)


@dataclass(frozen=True)
class NewCampaign:
    """A checked campaign, ready to store: its units still need checking against the grid."""

    name: str
    starts_on: date
    ends_on: date
    scope_codes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


def split_list(values: Iterable[str]) -> list[str]:
    """Items given as repeated options and/or separated by , ; 、 or spaces, without repeats."""
    return list(dict.fromkeys(item for value in values for item in split_codes(value)))


def parse_categories(values: Iterable[str]) -> list[str]:
    """Household categories from Chinese or English words; BadInput names an unknown one."""
    words = {k.lower(): v for k, v in CATEGORIES.items()}
    result = []
    for value in split_list(values):
        if value.lower() not in words:
            known = ", ".join(CATEGORIES)
            raise BadInput(f"category '{value}' is not one of {known}")
        result.append(words[value.lower()])
    return sorted(set(result))


def unit_codes(values: Iterable[str]) -> list[str]:
    """The campaign's unit codes; BadInput names one that is not a grid code."""
    codes = split_list(values)
    for code in codes:
        if not vocab.is_unit_code(code):
            raise BadInput(f"scope '{code}' is not a {vocab.codes_phrase()}-digit grid code")
    return codes


def new_campaign(
    name: str, starts_on: date, ends_on: date, scope_codes: Iterable[str] = (),
    categories: Iterable[str] = (), words: Words = english,
) -> NewCampaign:  # fmt: skip
    """A campaign with a name, a window that ends on or after its start, grid codes of one
    county and known categories; BadInput names the first value that is wrong."""
    title = (name or "").strip()
    if not title or len(title) > MAX_NAME:
        raise BadInput(f"the campaign needs a name of 1 to {MAX_NAME} characters")
    if ends_on < starts_on:
        raise BadInput(f"the campaign ends ({ends_on}) before it starts ({starts_on})")
    codes = unit_codes(scope_codes)
    counties = vocab.counties_of(codes)
    if len(counties) > 1:
        listed = ", ".join(counties)
        raise BadInput(words(SPANS_MSG, count=len(counties), counties=listed))
    return NewCampaign(title, starts_on, ends_on, tuple(codes), tuple(parse_categories(categories)))


def listed(form: Mapping, key: str) -> list[str]:
    """A field given as repeated form fields, one text, or a JSON list, as texts."""
    value = form.getlist(key) if hasattr(form, "getlist") else form.get(key) or []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def campaign_days(form: Mapping, words: Words = english) -> tuple[date, date]:
    """The first (`from`) and last (`to`) day, written YYYY-MM-DD."""
    try:
        starts = date.fromisoformat(str(form.get("from") or ""))
        ends = date.fromisoformat(str(form.get("to") or ""))
    except ValueError:
        raise BadInput(words(DAYS_MSG)) from None
    return starts, ends


def parse_campaign(form: Mapping, words: Words = english) -> NewCampaign:
    """A campaign from a form or JSON object (name, from, to, scope, categories), checked."""
    starts, ends = campaign_days(form, words)
    return new_campaign(
        str(form.get("name") or ""), starts, ends, listed(form, "scope"),
        listed(form, "categories"), words,
    )  # fmt: skip
