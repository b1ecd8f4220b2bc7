"""Small OpenStreetMap files around the tiny county, written with pyosmium's writer.

Features are drawn in metres from the test grid's origin (tests/grid_fixtures.py); the tiny
county is the box 0..8000 × 0..4000 m.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import osmium
from osmium.osm.mutable import Node, Relation, Way

from tests.household_fixtures import lonlat_m

Point = tuple[float, float]


@dataclass
class OsmDraft:
    """Nodes, ways and relations to write; ids are handed out in order."""

    nodes: list[Node] = field(default_factory=list)
    ways: list[Way] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    _next_node: int = 1

    def node(self, at_m: Point, tags: dict[str, str] | None = None) -> int:
        """Add a node at a point in metres; return its id."""
        node_id = self._next_node
        self._next_node += 1
        self.nodes.append(Node(id=node_id, location=lonlat_m(*at_m), tags=tags or {}))
        return node_id

    def way(self, way_id: int, points_m: list[Point], tags: dict[str, str]) -> int:
        """Add a way through new nodes at `points_m` (closed when first == last); its id."""
        ids = [self.node(p) for p in points_m]
        if points_m[0] == points_m[-1]:
            ids[-1] = ids[0]
            self.nodes.pop()
            self._next_node -= 1
        self.ways.append(Way(id=way_id, nodes=ids, tags=tags))
        return way_id

    def broken_way(self, way_id: int, tags: dict[str, str]) -> None:
        """A way whose second node is missing from the file, as at an extract's edge."""
        self.ways.append(Way(id=way_id, nodes=[self.node((100, 100)), 999_999], tags=tags))

    def multipolygon(self, rel_id: int, outer_way: int, tags: dict[str, str]) -> None:
        """A multipolygon relation around an existing closed way."""
        members = [("w", outer_way, "outer")]
        self.relations.append(Relation(id=rel_id, members=members, tags=tags))

    def write(self, path: Path) -> Path:
        """Write the draft as .osm.pbf (nodes, then ways, then relations, by id)."""
        path.unlink(missing_ok=True)
        writer = osmium.SimpleWriter(str(path))
        try:
            for node in sorted(self.nodes, key=lambda n: n.id):
                writer.add_node(node)
            for way in sorted(self.ways, key=lambda w: w.id):
                writer.add_way(way)
            for relation in sorted(self.relations, key=lambda r: r.id):
                writer.add_relation(relation)
        finally:
            writer.close()
        return path
