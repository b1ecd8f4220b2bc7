"""OpenStreetMap ground for the base map's tests: the test road network with named places."""

from __future__ import annotations

from pathlib import Path

from tests.road_fixtures import road_draft

#: Named places around the tiny county (metres from the test grid's origin), by kind.
PLACES = {
    "石门镇": ((4000, 2500), "town"),
    "清河村": ((2500, 1500), "village"),
}


def write_ground(folder: Path) -> Path:
    """The road network of tests/road_fixtures.py with PLACES, as `folder`/ground.osm.pbf."""
    draft = road_draft()
    for name, (at_m, kind) in PLACES.items():
        draft.node(at_m, {"place": kind, "name:zh": name, "name": name})
    return draft.write(folder / "ground.osm.pbf")
