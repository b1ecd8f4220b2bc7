"""Topology report: hand-made cases per rule, and random subdivisions with random defects."""

from __future__ import annotations

import json
import os

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gridmap.core.errors import BadInput
from gridmap.geo.areas import areas_m2, geodesic_area_m2
from gridmap.geo.topology import RULES, empty_report, validate_units

settings.register_profile("ci", max_examples=25, deadline=None)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")

METRIC_CRS = "EPSG:32650"  # UTM 50N; x = 500 km is its central meridian, 117°E
X0, Y0 = 500_000.0, 3_320_000.0  # about 117°E, 30°N
TOLERANCE_M2 = 1.0

C = "341122"  # county
T1, T2 = C + "001", C + "002"  # townships
V1 = T1 + "001"


def box_m(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A rectangle in metres from the origin, in METRIC_CRS."""
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def frame(rows: list[tuple]) -> gpd.GeoDataFrame:
    """Units (code, level, geometry in METRIC_CRS) as the EPSG:4326 frame validate_units takes."""
    # Edges straight in UTM bend in lon/lat (4.5 cm over 2 km here); dense vertices keep a
    # child's vertex on its parent's long edge, as in real, densely digitised boundaries.
    geoms = np.array([r[2] for r in rows], dtype=object)
    # Densifying may hide an invalid ring's defect, so invalid test shapes stay as they are.
    geoms = np.where(shapely.is_valid(geoms), shapely.segmentize(geoms, 10.0), geoms)
    gdf = gpd.GeoDataFrame(
        {"code": [r[0] for r in rows], "name": "n", "level": [r[1] for r in rows]},
        geometry=geoms,
        crs=METRIC_CRS,
    )
    return gdf.to_crs(4326)


def two_townships(t1: shapely.Geometry | None = None, t2: shapely.Geometry | None = None) -> list:
    """A 2 km × 1 km county split into two 1 km squares, either replaceable."""
    return [
        (C, 1, box_m(0, 0, 2000, 1000)),
        (T1, 2, box_m(0, 0, 1000, 1000) if t1 is None else t1),
        (T2, 2, box_m(1000, 0, 2000, 1000) if t2 is None else t2),
    ]


def summary(report: dict) -> list[tuple]:
    return sorted((v["rule"], v["level"], tuple(v["codes"])) for v in report["violations"])


def test_empty_report_lists_every_rule() -> None:
    assert RULES == ("invalid_geometry", "outside_parent", "overlap", "gap", "bad_code", "empty")
    assert empty_report() == {"ok": True, "counts": dict.fromkeys(RULES, 0), "violations": []}


def test_clean_grid_is_ok() -> None:
    assert validate_units(frame(two_townships())) == empty_report()


def test_no_units_is_ok() -> None:
    assert validate_units(frame([])) == empty_report()


T2_HOLED = shapely.Polygon(
    box_m(1000, 0, 2000, 1000).exterior,
    [box_m(1200, 200, 1300, 300).exterior, box_m(1600, 600, 1650, 700).exterior],
)
T2_TABS = shapely.union_all(
    [box_m(1000, 0, 2000, 1000), box_m(950, 100, 1000, 200), box_m(950, 600, 1000, 700)]
)


def spiked_square() -> shapely.Polygon:
    """T1's dense square with a zero-width spike at (500, 1000): invalid, yet the same area."""
    ring = list(box_m(0, 0, 1000, 1000).segmentize(10.0).exterior.coords)
    k = int(np.argmin([np.hypot(x - X0 - 500, y - Y0 - 1000) for x, y in ring]))
    x, y = ring[k]
    return shapely.Polygon([*ring[: k + 1], (x, y + 200), (x, y), *ring[k + 1 :]])


SPIKED = spiked_square()

# (rows, [(rule, level, codes, area_m2 or None)]); areas are exact in the metric CRS.
CASES = {
    "overlap": (
        two_townships(t1=box_m(0, 0, 1010, 1000)),
        [("overlap", 2, [T1, T2], 10_000.0)],
    ),
    "overlap in two pieces": (
        two_townships(t2=T2_TABS),
        [("overlap", 2, [T1, T2], 5_000.0), ("overlap", 2, [T1, T2], 5_000.0)],
    ),
    "gap": (
        two_townships(t1=box_m(0, 0, 990, 1000)),
        [("gap", 2, [C, T1, T2], 10_000.0)],
    ),
    "gap in two pieces": (
        two_townships(t2=T2_HOLED),
        [("gap", 2, [C, T2], 10_000.0), ("gap", 2, [C, T2], 5_000.0)],
    ),
    "outside parent": (
        two_townships(t1=box_m(-20, 0, 1000, 1000)),
        [("outside_parent", 2, [T1, C], 20_000.0)],
    ),
    "sliver below tolerance": (two_townships(t1=box_m(0, 0, 1000.0005, 1000)), []),
    "non-digit code": (
        [*two_townships(), (V1[:-1] + "X", 3, box_m(0, 0, 1000, 1000))],
        [("bad_code", 3, [V1[:-1] + "X"], None)],
    ),
    "code too long": (
        [*two_townships(), (V1 + "0", 3, box_m(0, 0, 1000, 1000))],
        [("bad_code", 3, [V1 + "0"], None)],
    ),
    "level does not match code": (
        [*two_townships(), (V1, 2, box_m(0, 0, 1000, 1000))],
        [("bad_code", 2, [V1], None)],
    ),
    "level out of range": (
        [*two_townships(), (V1 + "001", 5, box_m(0, 0, 1000, 1000))],
        [("bad_code", None, [V1 + "001"], None)],
    ),
    "parent missing": (
        [*two_townships(), (C + "009001", 3, box_m(0, 0, 1000, 1000))],
        [("bad_code", 3, [C + "009001"], None)],
    ),
    "duplicate code": (
        [*two_townships(), (T2, 2, box_m(1000, 0, 2000, 1000))],
        [("overlap", 2, [T2, T2], 1_000_000.0), ("bad_code", 2, [T2], None)],
    ),
    "empty geometry": (
        two_townships(t2=shapely.Polygon()),
        [("gap", 2, [C, T1], 1_000_000.0), ("empty", 2, [T2], None)],
    ),
    "missing geometry": (
        two_townships(t2=None) + [(T2 + "001", 3, None)],
        [("empty", 3, [T2 + "001"], None)],
    ),
    "invalid geometry": (
        two_townships(t1=SPIKED),
        [("invalid_geometry", 2, [T1], None)],
    ),
}


@pytest.mark.parametrize("rows, expected", CASES.values(), ids=CASES.keys())
def test_rule_cases(rows: list, expected: list) -> None:
    report = validate_units(frame(rows), tolerance_m2=TOLERANCE_M2)
    assert json.loads(json.dumps(report)) == report  # plain JSON, as the CLI and API send it
    assert set(report) == {"ok", "counts", "violations"}
    assert report["ok"] is (not expected)
    assert summary(report) == sorted((r, lv, tuple(c)) for r, lv, c, _ in expected)
    assert report["counts"] == {r: sum(e[0] == r for e in expected) for r in RULES}
    got = sorted((v["rule"], v["area_m2"] or 0.0) for v in report["violations"])
    want = sorted((e[0], e[3] or 0.0) for e in expected)
    for (_, area), (_, want_area) in zip(got, want, strict=True):
        assert area == pytest.approx(want_area, rel=0.005)
    for v in report["violations"]:
        assert set(v) == {"rule", "level", "codes", "area_m2", "detail", "geometry"}
        assert v["detail"]
        if v["rule"] in ("bad_code", "empty", "invalid_geometry"):
            assert v["area_m2"] is None
        if v["rule"] in ("overlap", "gap", "outside_parent"):
            assert v["geometry"]["type"] in ("Polygon", "MultiPolygon")
            assert v["codes"][1:] == sorted(v["codes"][1:]) or v["rule"] == "outside_parent"


def test_invalid_geometry_names_reason_and_place() -> None:
    (v,) = validate_units(frame(two_townships(t1=SPIKED)))["violations"]
    assert "Self-intersection" in v["detail"]
    assert v["geometry"]["type"] == "Point"
    line = shapely.LineString([(X0 + 500, Y0 + 1000), (X0 + 500, Y0 + 1200)])
    spike = gpd.GeoSeries([line], crs=METRIC_CRS).to_crs(4326)
    assert shapely.Point(v["geometry"]["coordinates"]).distance(spike[0]) < 1e-6


def test_non_polygon_is_invalid_geometry() -> None:
    rows = [*two_townships(), (V1, 3, shapely.Point(X0 + 10, Y0 + 10))]
    report = validate_units(frame(rows))
    assert summary(report) == [("invalid_geometry", 3, (V1,))]


def test_tolerance_is_respected() -> None:
    rows = two_townships(t1=box_m(0, 0, 1000.01, 1000))  # 10 m² overlap
    assert validate_units(frame(rows), tolerance_m2=1.0)["counts"]["overlap"] == 1
    assert validate_units(frame(rows), tolerance_m2=20.0)["counts"]["overlap"] == 0


def test_projected_input_is_reprojected() -> None:
    gdf = frame(two_townships(t1=box_m(0, 0, 990, 1000))).to_crs(METRIC_CRS)
    (v,) = validate_units(gdf)["violations"]
    assert v["area_m2"] == pytest.approx(10_000, rel=0.005)


def test_missing_columns_are_bad_input() -> None:
    gdf = frame(two_townships()).drop(columns=["level"])
    with pytest.raises(BadInput, match="level"):
        validate_units(gdf)


def test_metric_areas_agree_with_the_ellipsoid() -> None:
    square = gpd.GeoSeries([box_m(0, 0, 3000, 2000)], crs=METRIC_CRS).to_crs(4326)[0]
    assert areas_m2([square])[0] == pytest.approx(geodesic_area_m2(square), rel=1e-3)


# --- a nested grid built from Voronoi cells, as real boundaries meet: shared exact vertices ---


def voronoi_children(parent: shapely.Polygon, points: list[tuple[float, float]]) -> list:
    """Voronoi cells of the points (metres from the origin) clipped to the parent."""
    pts = shapely.multipoints([(X0 + x, Y0 + y) for x, y in points])
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=parent))
    cells = shapely.intersection(cells, parent)
    return [c for c in cells if c.area > 0]


def nested_grid(seed: int) -> list[tuple]:
    """A county of 3 townships, each of villages, each of groups, sharing exact edges."""
    rng = np.random.default_rng(seed)
    county = box_m(0, 0, 6000, 4000)
    rows: list[tuple] = [(C, 1, county)]
    edges = shapely.union_all(shapely.boundary(voronoi_children(county, _pts(rng, 3, county))))
    for ti, town in enumerate(_polygons(edges, county)):
        t_code = f"{C}{ti + 1:03d}"
        rows.append((t_code, 2, town))
        villages = voronoi_children(town, _pts(rng, 4, town))
        for vi, village in enumerate(villages):
            v_code = f"{t_code}{vi + 1:03d}"
            rows.append((v_code, 3, village))
            for gi, group in enumerate(voronoi_children(village, _pts(rng, 5, village))):
                rows.append((f"{v_code}{gi + 1:03d}", 4, group))
    return rows


def _pts(rng: np.random.Generator, n: int, within: shapely.Geometry) -> list:
    x0, y0, x1, y1 = shapely.bounds(within)
    pts = rng.uniform([x0, y0], [x1, y1], size=(n * 20, 2))
    inside = shapely.contains_xy(within, pts[:, 0], pts[:, 1])
    return [(x - X0, y - Y0) for x, y in pts[inside][:n]]


def _polygons(edges: shapely.Geometry, county: shapely.Geometry) -> list:
    lines = shapely.union_all([edges, shapely.boundary(county)])
    return list(shapely.get_parts(shapely.polygonize(shapely.get_parts(lines))))


def test_nested_voronoi_grid_is_clean() -> None:
    rows = nested_grid(seed=7)
    assert len(rows) > 40
    assert validate_units(frame(rows)) == empty_report()


def test_nested_grid_missing_group_leaves_a_gap_of_its_area() -> None:
    rows = nested_grid(seed=11)
    k = next(i for i, r in enumerate(rows) if r[1] == 4)
    code, _, lost = rows.pop(k)
    report = validate_units(frame(rows))
    (v,) = report["violations"]
    assert (v["rule"], v["level"], v["codes"][0]) == ("gap", 4, code[:12])
    assert v["area_m2"] == pytest.approx(lost.area, rel=0.005)
    neighbours = [r[0] for r in rows if r[1] == 4 and r[2].intersection(lost).length > 0]
    assert set(neighbours) <= set(v["codes"][1:])


# --- random subdivisions with random defects ---

coords = st.floats(min_value=1.0, max_value=1999.0, allow_nan=False, allow_infinity=False)
point_sets = st.lists(st.tuples(coords, coords), min_size=3, max_size=12, unique=True).filter(
    lambda pts: (
        min(np.hypot(a[0] - b[0], a[1] - b[1]) for i, a in enumerate(pts) for b in pts[i + 1 :])
        > 5.0
    )
)
PARENT = box_m(0, 0, 2000, 2000)


def child_rows(children: list) -> list[tuple]:
    return [(T1, 2, PARENT), *((f"{T1}{i + 1:03d}", 3, c) for i, c in enumerate(children))]


def expected_pieces(children: list) -> dict[str, list[tuple[tuple, float, shapely.Geometry]]]:
    """Each rule's violations computed directly in the metric CRS: (codes, area, piece)."""
    codes = [f"{T1}{i + 1:03d}" for i in range(len(children))]
    out: dict[str, list] = {"overlap": [], "gap": [], "outside_parent": []}
    for i in range(len(children)):
        for j in range(i + 1, len(children)):
            for piece in _polys(children[i].intersection(children[j])):
                out["overlap"].append(((codes[i], codes[j]), piece.area, piece))
        outside = [p for p in _polys(children[i].difference(PARENT)) if p.area > TOLERANCE_M2]
        if outside:
            area = sum(p.area for p in outside)
            out["outside_parent"].append(((codes[i], T1), area, shapely.union_all(outside)))
    for piece in _polys(PARENT.difference(shapely.union_all(children))):
        out["gap"].append(((T1,), piece.area, piece))
    return out


def _polys(geom: shapely.Geometry) -> list[shapely.Polygon]:
    parts = shapely.get_parts(shapely.get_parts(geom))
    return [p for p in parts if p.geom_type == "Polygon"]


def assert_report_matches(report: dict, children: list) -> None:
    """Reported overlaps/gaps/outside match the directly computed ones, areas within 1%."""
    expected = expected_pieces(children)
    assert report["counts"]["bad_code"] == report["counts"]["empty"] == 0
    for rule, pieces in expected.items():
        got = [v for v in report["violations"] if v["rule"] == rule]
        for v in got:  # everything reported is real ...
            key = tuple(v["codes"][:1]) if rule == "gap" else tuple(v["codes"])
            areas = [a for k, a, _ in pieces if k == key]
            assert any(v["area_m2"] == pytest.approx(a, rel=0.01, abs=0.02) for a in areas), v
        for key, area, _piece in pieces:  # ... and everything clearly real is reported
            if area > 2 * TOLERANCE_M2:
                assert any(
                    (tuple(v["codes"][:1]) if rule == "gap" else tuple(v["codes"])) == key
                    and v["area_m2"] == pytest.approx(area, rel=0.01, abs=0.02)
                    for v in got
                ), (rule, key, area)
    for v in report["violations"]:
        if v["rule"] == "gap":
            assert_gap_neighbours(v, children)


def assert_gap_neighbours(v: dict, children: list) -> None:
    codes = [f"{T1}{i + 1:03d}" for i in range(len(children))]
    assert v["codes"][0] == T1 and v["codes"][1:] == sorted(v["codes"][1:])
    piece = gpd.GeoSeries([shapely.geometry.shape(v["geometry"])], crs=4326).to_crs(METRIC_CRS)
    for code, child in zip(codes, children, strict=True):
        if child.intersection(piece[0].buffer(0.01)).area > 0.5:  # shares an edge with the gap
            assert code in v["codes"], (code, v["codes"])
        if code in v["codes"]:
            assert child.distance(piece[0]) < 0.05


@given(point_sets)
def test_random_subdivision_is_clean(points: list) -> None:
    children = voronoi_children(PARENT, points)
    report = validate_units(frame(child_rows(children)))
    assert report == empty_report()


@given(
    point_sets,
    st.sampled_from(["grow", "shrink"]),
    st.floats(min_value=2.0, max_value=30.0),
    st.integers(min_value=0, max_value=11),
)
@settings(suppress_health_check=[HealthCheck.filter_too_much])
def test_buffered_child_is_reported(points: list, how: str, dist_m: float, pick: int) -> None:
    children = voronoi_children(PARENT, points)
    k = pick % len(children)
    if how == "grow":
        # Clipped to the parent, so only overlaps arise.
        children[k] = children[k].buffer(dist_m, join_style="mitre").intersection(PARENT)
    else:
        k = int(np.argmax([c.area for c in children]))  # large enough to survive the shrink
        children[k] = children[k].buffer(-dist_m, join_style="mitre")
    assume(not children[k].is_empty)
    report = validate_units(frame(child_rows(children)), tolerance_m2=TOLERANCE_M2)
    assert not report["ok"]
    assert report["counts"]["overlap" if how == "grow" else "gap"] >= 1
    assert report["counts"]["gap" if how == "grow" else "overlap"] == 0
    assert_report_matches(report, children)


@given(
    point_sets,
    st.integers(min_value=0, max_value=11),
    st.integers(min_value=0, max_value=100),
    st.tuples(st.floats(-40.0, 40.0), st.floats(-40.0, 40.0)),
)
@settings(suppress_health_check=[HealthCheck.filter_too_much])
def test_moved_vertex_is_reported(points: list, pick: int, vertex: int, shift: tuple) -> None:
    children = voronoi_children(PARENT, points)
    k = pick % len(children)
    ring = np.asarray(children[k].exterior.coords)[:-1]
    inner = [
        i for i, (x, y) in enumerate(ring) if PARENT.exterior.distance(shapely.Point(x, y)) > 1
    ]
    assume(inner and np.hypot(*shift) > 1.0)
    ring[inner[vertex % len(inner)]] += shift  # only in this child: its neighbours keep theirs
    moved = shapely.Polygon(ring)
    assume(moved.is_valid)
    children[k] = moved
    report = validate_units(frame(child_rows(children)), tolerance_m2=TOLERANCE_M2)
    assert_report_matches(report, children)
