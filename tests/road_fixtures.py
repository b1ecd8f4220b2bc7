"""A small road network around the tiny county (0..8000 × 0..4000 m), written as .osm.pbf.

A river runs west to east at y = 2000; the only bridge is at x = 6000. The south road (y = 1000)
and the north road (y = 3000, posted 10 km/h) run from x = 1000 to 7000. A one-way loop south
of the south road runs east along y = 500 from x = 1000 to 3000. A short road in the north-east
corner joins nothing (an island); a footway north of the north road is no road for a car.
"""

from __future__ import annotations

from pathlib import Path

from tests.osm_fixtures import OsmDraft

RIVER_Y, BRIDGE_X = 2000, 6000
ISLAND_AT = (7700, 3560)


def road_draft() -> OsmDraft:
    """The network described above."""
    d = OsmDraft()
    d.way(1, [(1000, 1000), (3000, 1000), (6000, 1000), (7000, 1000)], {"highway": "residential"})
    d.way(2, [(1000, 3000), (6000, 3000), (7000, 3000)],
          {"highway": "residential", "maxspeed": "10", "name:zh": "北路"})  # fmt: skip
    d.way(3, [(6000, 1000), (6000, 1950)], {"highway": "tertiary"})
    d.way(9, [(6000, 1950), (6000, 2050)], {"highway": "tertiary", "bridge": "yes",
                                            "name:zh": "清河大桥"})  # fmt: skip
    d.way(10, [(6000, 2050), (6000, 3000)], {"highway": "tertiary"})
    d.way(4, [(1000, 500), (3000, 500)], {"highway": "residential", "oneway": "yes"})
    d.way(5, [(1000, 1000), (1000, 500)], {"highway": "residential"})
    d.way(6, [(3000, 500), (3000, 1000)], {"highway": "residential"})
    d.way(7, [(7500, 3500), (7900, 3500)], {"highway": "residential"})
    d.way(8, [(2000, 3400), (2000, 3900)], {"highway": "footway"})
    d.way(20, [(-1000, RIVER_Y), (9000, RIVER_Y)], {"waterway": "river", "name:zh": "清河"})
    return d


def write_roads(folder: Path) -> Path:
    """The network as `folder`/roads.osm.pbf."""
    return road_draft().write(folder / "roads.osm.pbf")
