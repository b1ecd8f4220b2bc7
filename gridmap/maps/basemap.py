"""The base map every map page shares: tiles, their credit, the zoom limit and the scale."""

from __future__ import annotations

#: Deepest zoom of every map: single houses of a village; the base tiles' usual limit.
MAX_ZOOM = 19


def basemap_settings(url: str, attribution: str) -> dict[str, object]:
    """The base map as the pages read it: folium's maps here, the others in gridmap.baseMap."""
    return {
        "url": url,
        "attribution": attribution,
        "maxZoom": MAX_ZOOM,
        "scale": {"imperial": False},
    }
