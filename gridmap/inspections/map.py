"""The plan map: one colour per team, one line style per day, numbered stops with popups."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import folium

from gridmap.inspections.exports import kind_label
from gridmap.maps.basemap import OSM_ATTRIBUTION, basemap_settings
from gridmap.maps.layers import AppStart, PageConfig
from gridmap.maps.pages import (
    JQUERY_JS,
    LEAFLET_CSS,
    LEAFLET_JS,
    PLAN_MAP_ENTRY,
    PLAN_MAP_JS,
    MapFragment,
    base_map,
    map_fragment,
)

#: Distinct on a light background and for the common kinds of colour blindness.
TEAM_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")
#: Day 1 solid, then ever sparser dashes.
DAY_DASHES = (None, "12 6", "4 6", "14 5 3 5", "2 4", "20 8", "8 4 2 4 2 4")


def team_colour(team: int) -> str:
    """The colour of a team (1-based), cycling."""
    return TEAM_COLOURS[(team - 1) % len(TEAM_COLOURS)]


def day_dash(day_index: int) -> str | None:
    """The dash pattern of the plan's day `day_index` (0-based), cycling."""
    return DAY_DASHES[day_index % len(DAY_DASHES)]


def text(value: object) -> str:
    """Escaped for HTML inside folium's JavaScript template strings (no `${` either)."""
    return html.escape(str(value)).replace("$", "&#36;").replace("`", "&#96;")


def _popup(n: int, stop: Mapping, words: Mapping[str, str], layer: str) -> folium.Popup:
    lines = [
        f"<strong>{n}. {text(stop['name'])}</strong>",
        text(layer),
        f"{text(kind_label(stop['kind'], stop['code']))} {text(stop['code'])}",
        text(" ".join(p for p in (stop["place"], stop["address"]) if p)),
        f"{text(words['eta'])}: {text(stop['eta'])}",
        f"{text(words['check'])}: {text(stop['check'])}",
    ]
    return folium.Popup("<br>".join(lines), max_width=320)


def _number_icon(n: int, colour: str) -> folium.DivIcon:
    return folium.DivIcon(
        html=(f'<div class="gm-stop-number" style="background:{colour}">{n}</div>'),
        icon_size=(24, 24),
        icon_anchor=(12, 12),
        class_name="gm-stop-icon",
    )


def _add_route(fmap: folium.Map, plan: Mapping, index: int, route: Mapping, layer: str,
               words: Mapping[str, str]) -> None:  # fmt: skip
    """One team-day as a layer: its line from the seat and back, and its numbered stops."""
    seat = (plan["seat"]["lat"], plan["seat"]["lon"])
    colour = team_colour(route["team"])
    group = folium.FeatureGroup(name=text(layer))
    # The road path when the plan was made on the roads; straight lines between stops else.
    path = route.get("path")
    points = ([(lat, lon) for lon, lat in path] if path
              else [seat, *((s["lat"], s["lon"]) for s in route["stops"]), seat])  # fmt: skip
    folium.PolyLine(
        points, color=colour, weight=4, opacity=0.85, dash_array=day_dash(index),
        tooltip=text(layer),
    ).add_to(group)  # fmt: skip
    for n, stop in enumerate(route["stops"], start=1):
        folium.Marker(
            (stop["lat"], stop["lon"]),
            icon=_number_icon(n, colour),
            popup=_popup(n, stop, words, layer),
        ).add_to(group)
    group.add_to(fmap)


def build_plan_map(
    plan: Mapping,
    *,
    nonce: str,
    layer_names: Mapping[tuple[int, str], str],
    words: Mapping[str, str],
    basemap: Mapping[str, Any] | None = None,
) -> MapFragment:
    """A folium map of `plan` cut into parts for a page template; scripts carry `nonce`.

    `layer_names` names each (team, day); `words` holds the translated "eta", "check" and "seat";
    `basemap` is the page's gridmap.maps.basemap.basemap_settings (default: no base layer).
    """
    seat = (plan["seat"]["lat"], plan["seat"]["lon"])
    basemap = dict(basemap or basemap_settings([]))
    if any(r.get("path") for r in plan["routes"]):
        # The road paths come from OpenStreetMap, whose licence asks to be named on the map.
        basemap["credits"] = [OSM_ATTRIBUTION]
    fmap = base_map(
        basemap, location=seat, zoom_start=10, js=LEAFLET_JS + JQUERY_JS, css=LEAFLET_CSS
    )
    PageConfig({"basemap": basemap}, entry=PLAN_MAP_ENTRY, js=PLAN_MAP_JS).add_to(fmap)
    days = sorted({r["day"] for r in plan["routes"]})
    for route in plan["routes"]:
        if route["stops"]:
            name = layer_names[(route["team"], route["day"])]
            _add_route(fmap, plan, days.index(route["day"]), route, name, words)
    folium.Marker(
        seat, tooltip=text(words["seat"]),
        icon=folium.DivIcon(html='<div class="gm-seat">★</div>', icon_size=(26, 26),
                            icon_anchor=(13, 13), class_name="gm-seat-icon"),
    ).add_to(fmap)  # fmt: skip
    folium.LayerControl(collapsed=False).add_to(fmap)
    AppStart(entry="gridmap.planMap.start").add_to(fmap)
    points = [seat] + [(s["lat"], s["lon"]) for r in plan["routes"] for s in r["stops"]]
    if len(points) > 1:
        fmap.fit_bounds(_bounds(points), padding=(20, 20))
    return map_fragment(fmap, nonce)


def _bounds(points: list[tuple[float, float]]) -> list[list[float]]:
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]
