"""Household assignment in PostGIS against an independent shapely assignment."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridmap.grid import assign
from gridmap.registry.households import import_households
from gridmap.store import assignment as assignment_store
from gridmap.store import units as unit_store
from tests.grid_fixtures import METRIC_CRS, box_m
from tests.household_fixtures import (
    Household,
    add_grid,
    add_household,
    add_households,
    import_csv,
    lonlat_m,
)

SIDE_M = 4000.0


def random_grid(seed: int, n_groups: int) -> gpd.GeoDataFrame:
    """County = township = village box; groups are Voronoi cells of random points."""
    rng = np.random.default_rng(seed)
    outline = box_m(0, 0, SIDE_M, SIDE_M)
    xmin, ymin, _, _ = outline.bounds
    seeds = shapely.points(rng.uniform(0, SIDE_M, (n_groups, 2)) + [xmin, ymin])
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=outline)
    # Leave the corner of the village uncovered so gap attribution is exercised.
    hole = box_m(0, 0, 300, 300)
    parts = [
        shapely.difference(shapely.intersection(c, outline), hole) for c in shapely.get_parts(cells)
    ]
    rows = [("341890", 1, outline), ("341890100", 2, outline), ("341890100200", 3, outline)]
    rows += [(f"341890100200{i + 1:03d}", 4, p) for i, p in enumerate(parts) if not p.is_empty]
    frame = gpd.GeoDataFrame(
        {
            "code": [r[0] for r in rows],
            "name": [f"u{r[0]}" for r in rows],
            "level": [r[1] for r in rows],
            "parent": [r[0][:-3] if len(r[0]) > 6 else None for r in rows],
        },
        geometry=[shapely.MultiPolygon(shapely.get_parts(r[2])) for r in rows],
        crs=METRIC_CRS,
    )
    return frame.to_crs("EPSG:4326")


def shapely_assignment(units: gpd.GeoDataFrame, points: dict[str, shapely.Point]) -> dict:
    """Deepest covering unit, lowest code among equals; the county when nothing covers."""
    expected = {}
    ordered = units.sort_values(["level", "code"], ascending=[False, True])
    for code, point in points.items():
        covering = ordered[ordered.geometry.covers(point)]
        expected[code] = covering["code"].iloc[0] if len(covering) else "341890"
    return expected


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), n_groups=st.integers(2, 12))
def test_postgis_assignment_equals_shapely(conn, seed, n_groups):
    units = random_grid(seed, n_groups)
    rng = np.random.default_rng(seed + 1)
    with conn.transaction(force_rollback=True):
        unit_store.stage_units(conn, units)
        unit_store.apply_staged_units(conn, edit_id=_edit(conn), at=_now())
        # Random points in and around the county (some outside, some in the corner gap)...
        spots = rng.uniform(-200, SIDE_M + 200, (40, 2))
        add_households(
            conn, [Household(f"P{i:03d}", (float(x), float(y))) for i, (x, y) in enumerate(spots)]
        )
        # ...and group vertices, exactly as stored: points on shared edges and corners.
        stored = unit_store.current_units(conn)
        group_vertices = shapely.get_coordinates(
            stored[stored["level"] == 4].geometry.boundary.values
        )
        vertices = {
            f"V{j:03d}": (float(lon), float(lat))
            for j, (lon, lat) in enumerate(group_vertices[:: max(1, len(group_vertices) // 8)])
        }
        rows = [[code, "一般农户", lon, lat] for code, (lon, lat) in vertices.items()]
        import_csv(conn, import_households, ["户编码", "户类型", "经度", "纬度"], rows)
        rows = conn.execute("SELECT code, ST_X(geom), ST_Y(geom) FROM household").fetchall()
        assert {code: (x, y) for code, x, y in rows if code in vertices} == vertices
        points = {code: shapely.Point(x, y) for code, x, y in rows}
        assign.assign_households(conn)
        actual = assignment_store.household_units(conn)
        assert actual == shapely_assignment(stored, points)


def _edit(conn) -> int:
    from gridmap.store import edits

    return edits.open_edit(
        conn, counties=["341890"], kind="import", author="test", reason="random grid", at=_now()
    )


def _now():
    from gridmap.core import clock

    return clock.now()


def test_edge_point_goes_to_the_lowest_code_exactly_once(conn, tiny_county_file):
    add_grid(conn, tiny_county_file)
    # x = 2000 m is the border of villages 200 and 201; y = 2000 m splits their groups.
    add_household(conn, "EDGE", (2000, 1000))
    add_household(conn, "CORNER", (2000, 2000))
    add_household(conn, "GAPLESS", (1000, 1000))
    result = assign.assign_households(conn)
    units = assignment_store.household_units(conn)
    assert units["EDGE"] == "341890100200001"
    assert units["CORNER"] == "341890100200001"
    assert result["assigned"] == 3 and result["outside_grid"] == 0


def test_rerun_changes_nothing_and_counts_stay(conn, tiny_county_file):
    add_grid(conn, tiny_county_file)
    spots = [(100, 100), (2100, 100), (9000, 100), None]
    imported = add_households(
        conn,
        [Household(f"R{i}", at, declared_group="341890100200002") for i, at in enumerate(spots)],
    )
    # The import placed the four as a run would: neither run changes anything.
    first = assign.assign_households(conn)
    second = assign.assign_households(conn)
    assert imported["created"] == 4 and first["changed"] == 0 and second["changed"] == 0
    assert second == {**first, "changed": 0}
    assert {key: imported[key] for key in ("assigned", "outside_grid", "no_location")} == {
        key: first[key] for key in ("assigned", "outside_grid", "no_location")
    }
    assert first["outside_grid"] == 1 and first["no_location"] == 1
    # All declare group 002: R0 lies in 001, R1 in another village, R2 outside the county.
    assert first["mismatch"] == 3


def test_incremental_assignment_touches_only_the_area(conn, tiny_county_file):
    add_grid(conn, tiny_county_file)
    add_household(conn, "A", (500, 500))
    add_household(conn, "B", (6500, 500))
    assign.assign_households(conn)
    # A unit no import can give marks the rows the run rewrites: only A, inside the area.
    conn.execute("UPDATE household SET unit_code = 'stale' WHERE code IN ('A', 'B')")
    area = shapely.to_wkb(shapely.Point(*lonlat_m(500, 500)).buffer(0.001))
    changed = assignment_store.assign_within(conn, area, [])
    units = assignment_store.household_units(conn)
    assert changed == 1
    assert units == {"A": "341890100200001", "B": "stale"}
