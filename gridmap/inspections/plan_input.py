"""A plan request as the form, the API and the command line give it: each field checked, with a
message that names the field and how to fix it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from gridmap.core.errors import BadInput
from gridmap.core.fields import N_, Words, english, field_day, field_number, field_whole
from gridmap.inspections import sampling
from gridmap.inspections.inputs import PlanRequest

#: The form's fields as the refusals name them.
LABELS = {
    "first_day": N_("First day"), "days": N_("Days"), "teams": N_("Teams"),
    "hours": N_("Working hours per day"), "stops": N_("Stops in all"),
    "per_township": N_("Stops per township"), "seed": N_("Seed"), "seat": N_("The start point"),
}  # fmt: skip
QUOTAS_MSG = N_('quotas must be an object such as {"households": 20}.')
QUOTA_MSG = N_("The quota for %(source)s must be a whole number.")
WEIGHTS_MSG = N_('weights must be an object such as {"households": 2}.')
WEIGHT_MSG = N_("The weight for %(source)s must be a number, e.g. 2 or 0.5.")
#: How a form or JSON body says yes.
YES = ("1", "on", "true", "yes")
SOURCES_TEXT = ",".join(sampling.SOURCES)


def parse_point(text: str, what: str) -> tuple[float, float]:
    """A "lon,lat" text as a point in the county's longitude and latitude range."""
    try:
        lon, lat = (float(p) for p in text.replace("，", ",").split(","))
    except ValueError as exc:
        raise BadInput(f"{what} must be written lon,lat, e.g. 117.05,30.52") from exc
    if not (73 <= lon <= 136 and 3 <= lat <= 54):
        raise BadInput(f"{what} {text} lies outside China; is it written lon,lat?")
    return lon, lat


def _count(text: str) -> int | None:
    """A quota: a whole number of stops, else None."""
    return int(text) if text.isdigit() else None


def _factor(text: str) -> float | None:
    """A weight multiplier: a number, else None."""
    try:
        return float(text)
    except ValueError:
        return None


def _per_source(
    form: Mapping, key: str, prefix: str, refusal: str, words: Words
) -> list[tuple[str, str]]:
    """(source, text) of a JSON object `key` and the `<prefix>_<source>` fields, empty ones left
    out; BadInput `refusal` when `key` is not an object."""
    given = form.get(key)
    if given is not None and not isinstance(given, dict):
        raise BadInput(words(refusal))
    found = {str(k): v for k, v in (given or {}).items()}
    found.update({s: form[f"{prefix}_{s}"] for s in sampling.SOURCES if f"{prefix}_{s}" in form})
    texts = [(s, "" if value is None else str(value).strip()) for s, value in found.items()]
    return [(source, text) for source, text in texts if text]


def quotas(form: Mapping, words: Words = english) -> tuple[tuple[str, int], ...]:
    """The per-source quotas: `quota_<source>` fields, or a JSON `quotas` object."""
    found = []
    for source, text in _per_source(form, "quotas", "quota", QUOTAS_MSG, words):
        count = _count(text)
        if count is None:
            raise BadInput(words(QUOTA_MSG, source=source))
        found.append((source, count))
    return tuple(found)


def weights(form: Mapping, words: Words = english) -> tuple[tuple[str, float], ...]:
    """The per-source weight multipliers: `weight_<source>` fields, or a JSON `weights` object."""
    found = []
    for source, text in _per_source(form, "weights", "weight", WEIGHTS_MSG, words):
        factor = _factor(text)
        if factor is None:
            raise BadInput(words(WEIGHT_MSG, source=source))
        found.append((source, factor))
    return tuple(found)


def plan_request(form: Mapping, sources: Iterable[str], words: Words = english) -> PlanRequest:
    """The plan request in a submitted form (sources as the boxes ticked), or BadInput naming
    the field."""
    seat = str(form.get("seat") or "").strip()
    chosen = set(sources)
    return PlanRequest(
        name=str(form.get("name") or "").strip(),
        first_day=field_day(form, "first_day", LABELS["first_day"], words=words),
        days=field_whole(form, "days", LABELS["days"], words=words) or 0,
        teams=field_whole(form, "teams", LABELS["teams"], words=words) or 0,
        hours=field_number(form, "hours", LABELS["hours"], words=words),
        stops=field_whole(form, "stops", LABELS["stops"], required=False, words=words),
        per_township=field_whole(
            form, "per_township", LABELS["per_township"], required=False, words=words
        ),  # fmt: skip
        mandatory=str(form.get("mandatory", "")).lower() in YES,
        seed=field_whole(form, "seed", LABELS["seed"], required=False, words=words),
        sources=tuple(s for s in sampling.SOURCES if s in chosen),
        seat=parse_point(seat, words(LABELS["seat"])) if seat else None,
        quotas=quotas(form, words),
        weights=weights(form, words),
    )


def plan_body(body: object, words: Words = english) -> PlanRequest:
    """The plan request in a JSON object with the form's fields (sources as a list, all by
    default; mandatory unless false), or BadInput naming the field."""
    if not isinstance(body, dict):
        raise BadInput("send the plan input as a JSON object")
    sources = body.get("sources") or list(sampling.SOURCES)
    if not isinstance(sources, list):
        raise BadInput("sources must be a list")
    form = {**body, "mandatory": body.get("mandatory", True)}
    return plan_request(form, [str(s) for s in sources], words)


def source_list(text: str) -> tuple[str, ...]:
    """Sources written comma-separated, e.g. households,groups; BadInput for none or an unknown."""
    chosen = tuple(s.strip() for s in text.split(",") if s.strip())
    if not chosen or any(s not in sampling.SOURCES for s in chosen):
        raise BadInput(f"use some of {SOURCES_TEXT}")
    return chosen


def quota_pairs(values: Iterable[str]) -> tuple[tuple[str, int], ...]:
    """Quotas written SOURCE=N, e.g. households=20."""
    found = []
    for value in values:
        source, _sep, number = value.partition("=")
        count = _count(number.strip())
        if count is None:
            raise BadInput(f"'{value}': write SOURCE=N, e.g. households=20, with SOURCE one of "
                           f"{SOURCES_TEXT}")  # fmt: skip
        found.append((source.strip(), count))
    return tuple(found)


def weight_pairs(values: Iterable[str]) -> tuple[tuple[str, float], ...]:
    """Weight multipliers written SOURCE=X, e.g. households=2 or projects=0.5."""
    found = []
    for value in values:
        source, _sep, number = value.partition("=")
        factor = _factor(number)
        if factor is None:
            raise BadInput(f"'{value}': write SOURCE=X, e.g. households=2 or projects=0.5, with "
                           f"SOURCE one of {SOURCES_TEXT}")  # fmt: skip
        found.append((source.strip(), factor))
    return tuple(found)
