"""What OpenStreetMap tags mean for gridmap: which objects are kept, and their attributes
normalised a column at a time (classes, names, direction of travel, speed limits, bridges)."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The tags read from each object; every other tag is ignored.
KEYS = (
    "highway", "route", "waterway", "natural", "landuse", "place", "building",
    "name", "name:zh", "oneway", "junction", "maxspeed", "bridge",
)  # fmt: skip
#: highway values that are roads or paths one can travel (not platforms, stops or plans).
ROAD_CLASSES = frozenset({
    "motorway", "trunk", "primary", "secondary", "tertiary",
    "motorway_link", "trunk_link", "primary_link", "secondary_link", "tertiary_link",
    "unclassified", "residential", "living_street", "service", "road", "track",
    "pedestrian", "path", "footway", "cycleway", "bridleway", "steps",
})  # fmt: skip
#: The class under which a route=ferry way is stored with the roads.
FERRY = "ferry"
#: waterway values drawn as lines.
WATER_LINES = frozenset({"river", "stream", "canal", "drain", "ditch"})
#: Water drawn as areas, as (key, value) → the kind stored.
WATER_AREAS = {("natural", "water"): "water", ("waterway", "riverbank"): "riverbank",
               ("landuse", "reservoir"): "reservoir"}  # fmt: skip
_FORWARD = {"yes", "1", "true"}
_BACKWARD = {"-1", "reverse"}
_ROUNDABOUTS = {"roundabout", "circular"}
#: km/h per unit of a speed limit; a bare number is km/h in OpenStreetMap.
_SPEED_UNITS = {"": 1.0, "km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": 1.609344, "knots": 1.852}
_SPEED = r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$"


def road_class(highway: str | None, route: str | None) -> str | None:
    """The stored class of a way with these tags, or None when it is no road."""
    if highway in ROAD_CLASSES:
        return highway
    return FERRY if route == FERRY else None


def water_line(waterway: str | None) -> str | None:
    """The kind of a waterway drawn as a line, or None."""
    return waterway if waterway in WATER_LINES else None


def water_area(tags: dict[str, str | None]) -> str | None:
    """The kind of a water area (natural=water, waterway=riverbank, landuse=reservoir), or None."""
    for (key, value), kind in WATER_AREAS.items():
        if tags.get(key) == value:
            return kind
    return None


def names(frame: pd.DataFrame) -> pd.Series:
    """The Chinese name of each object (`name:zh`, else `name`), None when it has neither."""
    chosen = frame["name:zh"].where(_filled(frame["name:zh"]), frame["name"])
    return chosen.where(_filled(chosen), None)


def oneway(frame: pd.DataFrame) -> pd.Series:
    """Direction of travel: 1 forward only, -1 backward only, 0 both (smallint)."""
    value = frame["oneway"].fillna("").str.strip().str.lower()
    roundabout = frame["junction"].isin(_ROUNDABOUTS)
    # A roundabout (or a motorway) is one-way unless tagged otherwise.
    implied = (value == "") & (roundabout | (frame["highway"] == "motorway"))
    direction = np.select(
        [value.isin(_FORWARD) | implied, value.isin(_BACKWARD)], [1, -1], default=0
    )
    return pd.Series(direction, index=frame.index, dtype="int16")


def maxspeed_kmh(frame: pd.DataFrame) -> pd.Series:
    """Speed limits in km/h from "60", "60 km/h" or "30 mph"; NaN when absent or unparsable
    (a zone such as "CN:urban", "none", "signals", several values)."""
    parts = frame["maxspeed"].fillna("").str.lower().str.extract(_SPEED)
    number = pd.to_numeric(parts[0], errors="coerce")
    factor = parts[1].fillna("").map(_SPEED_UNITS)
    speed = (number * factor).round(1)
    return speed.where(speed > 0)


def bridge(frame: pd.DataFrame) -> pd.Series:
    """True for a way on a bridge (bridge=yes, viaduct, aqueduct, …), False otherwise."""
    value = frame["bridge"].fillna("no").str.strip().str.lower()
    return ~value.isin({"no", "", "false", "0"})


def _filled(column: pd.Series) -> pd.Series:
    return column.notna() & (column.fillna("").str.strip() != "")
