"""A visit as the field form and the API send it: each field checked, with a message that
names the field and how to fix it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from gridmap.core import vocab
from gridmap.core.errors import BadInput
from gridmap.files.cells import datetime_parser
from gridmap.files.grids import CHINA_LAT, CHINA_LON

KINDS = vocab.VISIT_KINDS
MAX_NOTE = 2000
MAX_CODE = 40


@dataclass(frozen=True)
class NewVisit:
    """A checked visit, ready to store."""

    household: str
    visitor: str
    visited_at: datetime
    kind: str
    note: str | None
    lon: float | None
    lat: float | None
    plan_id: int | None = None


def _text(payload: dict, key: str, limit: int) -> str | None:
    value = payload.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadInput(f"{key} must be text")
    value = value.strip()
    if len(value) > limit:
        raise BadInput(f"{key} is longer than {limit} characters; shorten it")
    return value or None


def _time(payload: dict, timezone: str, now: datetime) -> datetime:
    raw = _text(payload, "time", 40)
    if raw is None:
        return now
    try:
        when = datetime_parser(timezone)(raw)
    except ValueError as exc:
        raise BadInput(f"time '{raw}' {exc}") from None
    if when > now:
        raise BadInput(f"time '{raw}' is in the future; record visits that have happened")
    return when


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadInput(f"{name} must be a number in decimal degrees")
    try:
        number = float(value)
    except ValueError:
        raise BadInput(f"{name} must be a number in decimal degrees") from None
    if not math.isfinite(number):
        raise BadInput(f"{name} must be a number in decimal degrees")
    return number


def _checkin(payload: dict) -> tuple[float | None, float | None]:
    lon, lat = payload.get("lon"), payload.get("lat")
    if lon in (None, "") and lat in (None, ""):
        return None, None
    if lon in (None, "") or lat in (None, ""):
        raise BadInput("give both lon and lat of the check-in, or neither")
    x, y = _number(lon, "lon"), _number(lat, "lat")
    if not (CHINA_LON[0] <= x <= CHINA_LON[1] and CHINA_LAT[0] <= y <= CHINA_LAT[1]):
        swapped = CHINA_LON[0] <= y <= CHINA_LON[1] and CHINA_LAT[0] <= x <= CHINA_LAT[1]
        hint = "lon and lat look swapped" if swapped else "check the coordinates"
        raise BadInput(f"the check-in point ({x:g}, {y:g}) lies outside China; {hint}")
    return x, y


def parse_visit(
    payload: object, timezone: str, now: datetime, default_visitor: str | None = None
) -> NewVisit:
    """Check a visit sent as JSON; BadInput says which field is wrong and how to fix it."""
    if not isinstance(payload, dict):
        raise BadInput("send the visit as a JSON object")
    household = _text(payload, "household", MAX_CODE)
    if household is None:
        raise BadInput("household is missing; give the household code")
    visitor = _text(payload, "visitor", MAX_CODE) or default_visitor
    if visitor is None:
        raise BadInput("visitor is missing; give the worker's or contact's code")
    kind = _text(payload, "kind", 20) or vocab.ROUTINE_VISIT
    if kind not in KINDS:
        raise BadInput(f"kind '{kind}' is not one of {', '.join(KINDS)}")
    lon, lat = _checkin(payload)
    note = _text(payload, "notes", MAX_NOTE) or _text(payload, "note", MAX_NOTE)
    when = _time(payload, timezone, now)
    return NewVisit(household, visitor, when, kind, note, lon, lat, _plan_id(payload, kind))


def _plan_id(payload: dict, kind: str) -> int | None:
    raw = payload.get("plan_id")
    if raw is None or raw == "":
        return None  # an inspection visit without a plan is refused by check_plan
    if kind != vocab.INSPECTION_VISIT:
        raise BadInput(f"only inspection visits name a plan; drop plan_id from this {kind} "
                       "visit, or set kind to inspection")  # fmt: skip
    text = str(raw).strip()
    if isinstance(raw, bool) or not text.isdigit() or int(text) < 1:
        raise BadInput(f"plan_id '{raw}' must be a plan number such as 12")
    return int(text)
