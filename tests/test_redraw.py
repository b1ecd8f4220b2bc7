"""Boundary edits: border moves at every level, split, merge, preview = save, 409, undo, as-of."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import shapely

from gridmap.access.accounts import cli_actor
from gridmap.core.errors import BadInput, Conflict
from gridmap.grid import assign, grids
from gridmap.grid.redraw import engine, history, plan
from gridmap.grid.redraw.problems import ENGLISH, EditRefused
from gridmap.store import assignment as assignment_store
from gridmap.store import units as unit_store
from tests.household_fixtures import Household, add_households, lonlat_m

ADMIN = cli_actor("tester")
T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)
G1, G2 = "341890100200001", "341890100200002"  # 0..2000 x 0..2000 and 0..2000 x 2000..4000 m
V1, V2 = "341890100200", "341890100201"  # villages 0..2000 and 2000..4000 (x), 0..4000 (y)


def line_m(*points_m: tuple[float, float]) -> shapely.LineString:
    """A line given in metres from the test origin, in EPSG:4326."""
    return shapely.LineString([lonlat_m(x, y) for x, y in points_m])


@pytest.fixture
def county(conn, tiny_county_file):
    """The tiny county imported at T0 with a household in each group."""
    grids.import_grid_file(conn, tiny_county_file, at=T0)
    spots = [(500, 500), (500, 2200), (500, 3500), (2200, 500), (2200, 3500)]
    add_households(conn, [Household(f"H{i}", at) for i, at in enumerate(spots)])
    assign.assign_households(conn)
    return conn


def _save(state, reason="test", at=None, **kwargs):
    token = engine.preview(state, 1.0)["token"]
    return engine.save(state, token=token, reason=reason, actor=ADMIN, tolerance_m2=1.0,
                       at=at, **kwargs)  # fmt: skip


def _validate_ok(conn):
    report = grids.validate_current(conn, 1.0)
    assert report["ok"], report["violations"][:3]


def test_group_border_move_preview_matches_save(county):
    state = plan.plan_move_border(county, G1, G2, line_m((-10, 2500), (2010, 2500)))
    preview = engine.preview(state, 1.0)
    assert preview["ok"] and preview["problems"] == []
    assert preview["area_change_m2"][G1] == pytest.approx(1_000_000, rel=0.01)
    assert preview["area_change_m2"][G2] == pytest.approx(-1_000_000, rel=0.01)
    lon, lat = lonlat_m(500, 2200)  # H1, drawn where it stands
    assert preview["moved"] == [
        {
            "household": "H1",
            "from": G2,
            "to": G1,
            "lon": pytest.approx(lon, abs=1e-6),
            "lat": pytest.approx(lat, abs=1e-6),
        }
    ]
    saved = _save(plan.plan_move_border(county, G1, G2, line_m((-10, 2500), (2010, 2500))))
    assert saved["moved_count"] == 1
    assert assignment_store.household_units(county)["H1"] == G1
    _validate_ok(county)


def test_village_border_move_cascades_to_groups(county):
    state = plan.plan_move_border(county, V1, V2, line_m((2500, -10), (2500, 4010)))
    preview = engine.preview(state, 1.0)
    assert preview["ok"], preview["problems"]
    changed = set(preview["area_change_m2"])
    assert changed == {V1, V2, G1, G2, "341890100201001", "341890100201002"}
    assert {m["household"] for m in preview["moved"]} == {"H3", "H4"}
    moved_to = {m["household"]: m["to"] for m in preview["moved"]}
    assert moved_to == {"H3": G1, "H4": G2}
    _save(plan.plan_move_border(county, V1, V2, line_m((2500, -10), (2500, 4010))))
    _validate_ok(county)
    units = assignment_store.household_units(county)
    assert units["H3"] == G1 and units["H4"] == G2


def test_split_takes_the_next_free_code_and_undo_restores(county):
    before = unit_store.current_units(county).set_index("code").geometry
    saved = _save(plan.plan_split(county, G1, line_m((-10, 1000), (2010, 1000))))
    new_code = "341890100200003"
    assert set(saved["area_change_m2"]) == {G1, new_code}
    _validate_ok(county)
    assert assignment_store.household_units(county)["H0"] == new_code
    undone = history.undo(county, saved["edit"], reason="mistake", actor=ADMIN)
    assert undone["undoes"] == saved["edit"]
    after = unit_store.current_units(county).set_index("code").geometry
    assert set(after.index) == set(before.index)
    assert all(shapely.equals(after[c], before[c]) for c in before.index)
    assert assignment_store.household_units(county)["H0"] == G1
    # A closed code never comes back: the next split takes 004.
    _save(plan.plan_split(county, G1, line_m((-10, 1000), (2010, 1000))))
    assert "341890100200004" in set(unit_store.current_units(county)["code"])


def test_group_merge_moves_households_to_the_first(county):
    saved = _save(plan.plan_merge(county, G1, G2))
    assert saved["moved_count"] == 2
    assert set(unit_store.current_units(county, level=4)["code"]) >= {G1}
    assert G2 not in set(unit_store.current_units(county)["code"])
    _validate_ok(county)


def test_village_merge_recodes_groups_and_keeps_the_mapping(county):
    state = plan.plan_merge(county, V1, V2)
    preview = engine.preview(state, 1.0)
    assert preview["new_codes"] == {
        "341890100201001": "341890100200003",
        "341890100201002": "341890100200004",
    }
    assert preview["moved"] == []  # re-coded households are not moved
    _save(plan.plan_merge(county, V1, V2))
    _validate_ok(county)
    assert assignment_store.household_units(county)["H3"] == "341890100200003"
    mapped = county.execute("SELECT old_code, new_code FROM code_mapping ORDER BY 1").fetchall()
    assert mapped == [
        ("341890100201001", "341890100200003"),
        ("341890100201002", "341890100200004"),
    ]


def test_edit_outside_the_village_is_refused(county):
    grown = shapely.box(*lonlat_m(0, 0), *lonlat_m(2600, 2000))
    state = plan.plan_edit(county, G1, grown)
    preview = engine.preview(state, 1.0)
    assert not preview["ok"]
    assert "outside_parent" in {p["rule"] for p in preview["problems"]}
    with pytest.raises(BadInput):
        engine.save(state, token=preview["token"], reason="x", actor=ADMIN, tolerance_m2=1.0)


def test_shrinking_a_group_opens_a_gap_that_needs_confirmation(county):
    g1 = unit_store.current_units(county).set_index("code").geometry[G1]
    _, cut_lat = lonlat_m(1000, 1800)
    shrunk = shapely.intersection(g1, shapely.box(100, 0, 130, cut_lat))
    preview = engine.preview(plan.plan_edit(county, G1, shrunk), 1.0)
    assert not preview["ok"] and [p["rule"] for p in preview["problems"]] == ["gap"]
    assert preview["problems"][0]["area_m2"] == pytest.approx(400_000, rel=0.01)
    assert engine.preview(plan.plan_edit(county, G1, shrunk), 1.0, confirm_gaps=True)["ok"]


def test_stale_token_gets_409_naming_the_edit(county):
    first = plan.plan_move_border(county, G1, G2, line_m((-10, 2500), (2010, 2500)))
    stale_token = engine.preview(first, 1.0)["token"]
    _save(plan.plan_split(county, G2, line_m((-10, 3500), (2010, 3500))), reason="road moved")
    later = plan.plan_move_border(county, G1, G2, line_m((-10, 2500), (2010, 2500)))
    with pytest.raises(Conflict, match="road moved"):
        engine.save(later, token=stale_token, reason="x", actor=ADMIN, tolerance_m2=1.0)


def test_undo_is_refused_when_later_edits_touched_the_units(county):
    first = _save(plan.plan_move_border(county, G1, G2, line_m((-10, 2500), (2010, 2500))))
    _save(plan.plan_split(county, G2, line_m((-10, 3500), (2010, 3500))))
    with pytest.raises(Conflict, match="later edits"):
        history.undo(county, first["edit"], reason="x", actor=ADMIN)


def test_as_of_between_two_edits_returns_the_earlier_grid(county):
    before = unit_store.current_units(county).set_index("code").geometry
    t1 = T0 + timedelta(days=10)
    _save(plan.plan_move_border(county, G1, G2, line_m((-10, 2500), (2010, 2500))), at=t1)
    on_day_before = history.grid_as_of(
        county, (t1 - timedelta(days=1)).date(), "Asia/Shanghai", None
    )
    earlier = on_day_before.set_index("code").geometry
    assert set(earlier.index) == set(before.index)
    assert all(shapely.equals(earlier[c], before[c]) for c in before.index)
    versions = history.unit_history(county, G1)
    assert [v["kind"] for v in versions] == ["import", "move_border"]


def test_problems_carry_a_code_and_parameters(county):
    g1 = unit_store.current_units(county).set_index("code").geometry[G1]
    _, cut_lat = lonlat_m(1000, 1800)
    shrunk = shapely.intersection(g1, shapely.box(100, 0, 130, cut_lat))
    state = plan.plan_edit(county, G1, shrunk)
    [gap] = engine.preview(state, 1.0)["problems"]
    assert gap["code"] == "gap" and gap["params"]["parent"] == V1
    assert gap["params"]["area_m2"] == gap["area_m2"]
    assert gap["message"] == gap["detail"] and "none of its groups" in gap["message"]
    token = engine.preview(state, 1.0)["token"]
    with pytest.raises(EditRefused) as refused:
        engine.save(state, token=token, reason="x", actor=ADMIN, tolerance_m2=1.0)
    body = refused.value.to_dict()
    assert body["code"] == "breaks_grid" and body["error"] == "the edit breaks the grid"
    assert [p["code"] for p in body["problems"]] == ["gap"]
    assert body["details"] == [gap["message"]] and "geometry" not in body["problems"][0]


def test_refusals_keep_their_english_message_with_a_code(county):
    with pytest.raises(BadInput, match="not two siblings") as refused:
        plan.plan_merge(county, G1, G1)
    assert refused.value.code == "not_siblings" and refused.value.params == {"a": G1, "b": G1}
    assert set(ENGLISH) >= {"stale_by", "undo_blocked", "unit_swallowed"}


def test_a_shape_sent_back_rounded_to_six_decimals_changes_nothing(county):
    g1 = unit_store.current_units(county).set_index("code").geometry[G1]
    rounded = shapely.set_precision(g1, 1e-6)
    assert not shapely.equals(rounded, g1)
    preview = engine.preview(plan.plan_edit(county, G1, rounded), 1.0)
    assert preview["ok"] and preview["problems"] == [] and preview["area_change_m2"] == {}
    # A vertex that really moves still moves, and its neighbours stay where they were.
    corner = shapely.Point(lonlat_m(0, 0))
    moved = shapely.Polygon([lonlat_m(300, 300) if shapely.Point(c).distance(corner) < 1e-5
                             else c for c in rounded.geoms[0].exterior.coords])  # fmt: skip
    problems = engine.preview(plan.plan_edit(county, G1, moved), 1.0)["problems"]
    assert [p["code"] for p in problems] == ["gap"]


def test_a_vertex_added_next_to_a_border_is_put_on_it(county):
    g1 = shapely.set_precision(
        unit_store.current_units(county).set_index("code").geometry[G1], 1e-6
    )
    ring = list(g1.geoms[0].exterior.coords)
    # A page adds a vertex halfway along the border with G2, some 4 cm off the true line.
    k = next(i for i, (a, b) in enumerate(zip(ring, ring[1:], strict=False)) if
             abs(a[1] - lonlat_m(a[0], 2000)[1]) < 1e-5 and abs(b[1] - a[1]) < 1e-5)  # fmt: skip
    a, b = ring[k], ring[k + 1]
    added = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2 + 4e-7)
    shape = shapely.Polygon(ring[: k + 1] + [added] + ring[k + 1 :])
    preview = engine.preview(plan.plan_edit(county, G1, shape), 1.0)
    assert preview["problems"] == [] and preview["ok"]
    assert abs(preview["area_change_m2"].get(G1, 0.0)) < 0.1


def test_a_vertex_edit_reports_the_area_gained_and_the_area_lost(county):
    # G1's corner (2000, 2000) dragged to (1000, 2500): the new edge from (2000, 0) crosses
    # y = 2000 at x = 1200. G1 gains the triangle (0, 2000), (1200, 2000), (1000, 2500):
    # 1200 × 500 / 2 = 300,000 m², and loses (2000, 0), (2000, 2000), (1200, 2000):
    # 800 × 2000 / 2 = 800,000 m²; the net change alone (−500,000) hides both.
    corners = [(0, 0), (2000, 0), (1000, 2500), (0, 2000)]
    dragged = shapely.Polygon([lonlat_m(x, y) for x, y in corners])
    preview = engine.preview(plan.plan_edit(county, G1, dragged), 1.0)
    parts = preview["area_parts"][G1]
    assert parts["gained"]["area_m2"] == pytest.approx(300_000, rel=0.01)
    assert parts["lost"]["area_m2"] == pytest.approx(800_000, rel=0.01)
    assert preview["area_change_m2"][G1] == pytest.approx(-500_000, rel=0.01)
    gained = shapely.geometry.shape(parts["gained"]["geometry"])
    lost = shapely.geometry.shape(parts["lost"]["geometry"])
    assert gained.covers(shapely.Point(lonlat_m(600, 2200)))
    assert not gained.covers(shapely.Point(lonlat_m(1800, 1500)))
    assert lost.covers(shapely.Point(lonlat_m(1800, 1500)))
    assert not lost.covers(shapely.Point(lonlat_m(600, 2200)))


def test_a_border_move_shows_what_one_side_gains_as_the_others_loss(county):
    preview = engine.preview(
        plan.plan_move_border(county, G1, G2, line_m((-10, 2500), (2010, 2500))), 1.0
    )
    g1, g2 = preview["area_parts"][G1], preview["area_parts"][G2]
    assert g1["gained"]["area_m2"] == pytest.approx(1_000_000, rel=0.01)
    assert g1["lost"] == {"geometry": None, "area_m2": 0.0}
    assert g2["lost"]["area_m2"] == g1["gained"]["area_m2"]
    assert g2["gained"] == {"geometry": None, "area_m2": 0.0}


def test_undoing_an_import_is_refused_and_changes_nothing(county):
    imported = history.unit_history(county, G1)[0]
    assert imported["kind"] == "import"
    with pytest.raises(EditRefused) as refused:
        history.undo(county, imported["edit"], reason="wrong file", actor=ADMIN)
    assert refused.value.code == "undo_import" and refused.value.params == {
        "edit": imported["edit"]
    }
    assert "import the grid again" in refused.value.message
    assert [e["kind"] for e in history.edit_log(county)] == ["import"]
    assert history.unit_history(county, G1)[-1]["valid_to"] is None


def test_a_line_ending_on_a_corner_sent_rounded_to_six_decimals_cuts_across(county):
    # A page snaps the line's end to G2's outer corner and sends it rounded, a hair off it.
    corner = [round(c, 6) for c in lonlat_m(2000, 4000)]
    line = shapely.LineString([lonlat_m(-300, 2500), lonlat_m(1000, 3000), corner])
    preview = engine.preview(plan.plan_move_border(county, G1, G2, line), 1.0)
    assert preview["ok"], preview["problems"]
    # G1 gains G2's part under the line: under the first leg (y 2615.4 at x = 0 to 3000 at
    # x = 1000) 807.7 × 1000 m², under the second (3000 to 4000) 1500 × 1000 m².
    gained, lost = preview["area_parts"][G1]["gained"], preview["area_parts"][G2]["lost"]
    assert gained["area_m2"] == pytest.approx(807_692 + 1_500_000, rel=0.01)
    assert lost["area_m2"] == gained["area_m2"]
