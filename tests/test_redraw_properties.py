"""Random sequences of edits never break the grid; previews tell the truth; undo restores."""

from __future__ import annotations

import math

import shapely
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gridmap.access.accounts import cli_actor
from gridmap.core.errors import BadInput
from gridmap.grid import assign, grids
from gridmap.grid.redraw import engine, history, plan
from gridmap.store import assignment as assignment_store
from gridmap.store import units as unit_store
from tests.household_fixtures import Household, add_households

ADMIN = cli_actor("property")
TOLERANCE_M2 = 1.0

operation = st.tuples(
    st.sampled_from(["move2", "move3", "move4", "split", "merge4", "merge3"]),
    st.integers(0, 7),  # which unit / pair
    st.floats(0.15, 0.85),  # where along the border the new line crosses it
    st.floats(-0.6, 0.6),  # the new line's tilt (radians) from the old border
)


def _units(conn):
    return unit_store.current_units(conn).set_index("code")


def _sibling_pairs(units, level):
    """Pairs of current siblings at `level` that share a border."""
    rows = units[units["level"] == level]
    pairs = []
    for a in rows.index:
        for b in rows.index:
            same_parent = rows.at[a, "parent"] == rows.at[b, "parent"]
            if a < b and same_parent:
                border = shapely.intersection(rows.at[a, "geometry"], rows.at[b, "geometry"])
                if shapely.length(border) > 0:
                    pairs.append((a, b, border))
    return pairs


def _line_through(point, angle, reach=0.2):
    dx, dy = math.cos(angle) * reach, math.sin(angle) * reach
    return shapely.LineString([(point.x - dx, point.y - dy), (point.x + dx, point.y + dy)])


def _crossing_line(border, where, tilt):
    """A long line through a shared border at fraction `where`, tilted from the border."""
    merged = shapely.line_merge(border)
    part = max(shapely.get_parts(merged), key=shapely.length)
    point = part.interpolate(where, normalized=True)
    (x0, y0), (x1, y1) = part.coords[0], part.coords[-1]
    along = math.atan2(y1 - y0, x1 - x0)
    return _line_through(point, along + tilt)


def _build(conn, op, index, where, tilt):
    units = _units(conn)
    if op.startswith("move"):
        pairs = _sibling_pairs(units, int(op[-1]))
        if not pairs:
            return None
        a, b, border = pairs[index % len(pairs)]
        return plan.plan_move_border(conn, a, b, _crossing_line(border, where, tilt))
    if op == "split":
        groups = units[units["level"] == 4].index
        code = groups[index % len(groups)]
        point = shapely.point_on_surface(units.at[code, "geometry"])
        return plan.plan_split(conn, code, _line_through(point, tilt + math.pi / 2))
    pairs = _sibling_pairs(units, 4 if op == "merge4" else 3)
    if not pairs:
        return None
    a, b, _ = pairs[index % len(pairs)]
    return plan.plan_merge(conn, a, b)


def _check_grid(conn, ever_closed):
    report = grids.validate_current(conn, TOLERANCE_M2)
    assert report["ok"], report["violations"][:2]
    codes = set(_units(conn).index)
    assert all(len(c) == 6 or c[:-3] in codes for c in codes)
    assert not (codes & ever_closed)
    placed = assignment_store.household_units(conn)
    assert all(u is not None and (len(u) == 15 or u == "341890") for u in placed.values())


def _apply(conn, state):
    """Save a plan; return its preview, the assignment before, and the result."""
    preview = engine.preview(state, TOLERANCE_M2, confirm_gaps=True)
    before = assignment_store.household_units(conn)
    result = engine.save(state, token=preview["token"], reason="property", actor=ADMIN,
                         tolerance_m2=TOLERANCE_M2, confirm_gaps=True)  # fmt: skip
    return preview, before, result


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(operation, min_size=1, max_size=4), seed=st.integers(0, 1000))
# A tilted township border once left a phantom gap: a zero-area sliver along the new border
# gained area when projected (the border is straight in lon/lat, curved in metres).
@example(ops=[("move2", 0, 0.75, 0.5)], seed=0)
# Two township moves left a union that make_valid returned as a polygon plus a line.
@example(ops=[("move2", 0, 0.25, 0.5), ("move4", 1, 0.5, 0.0)], seed=0)
def test_random_edit_sequences_keep_the_grid_whole(conn, tiny_county_file, ops, seed):
    with conn.transaction(force_rollback=True):
        grids.import_grid_file(conn, tiny_county_file)
        add_households(
            conn,
            [Household(f"P{i:02d}", ((seed * 37 + i * 331) % 8000, (i * 577) % 4000))
             for i in range(24)],
        )  # fmt: skip
        assign.assign_households(conn)
        ever_closed: set[str] = set()
        for op in ops:
            try:
                state = _build(conn, *op)
                if state is None or not engine.preview(state, TOLERANCE_M2, True)["ok"]:
                    continue
                before_units = _units(conn)
                preview, before, result = _apply(conn, state)
            except BadInput:
                continue  # a refused edit writes nothing; the checks below still hold
            after = assignment_store.household_units(conn)
            moved = {h for h in after if after[h] != before[h]
                     and preview["new_codes"].get(before[h]) != after[h]}  # fmt: skip
            assert moved == {m["household"] for m in preview["moved"]}
            ever_closed |= set(before_units.index) - set(_units(conn).index)
            _check_grid(conn, ever_closed)
        if ops and "result" in locals():
            _check_undo(conn, result, before_units, before)


def _check_undo(conn, result, before_units, before_assignment):
    history.undo(conn, result["edit"], reason="property undo", actor=ADMIN)
    restored = _units(conn)
    assert set(restored.index) == set(before_units.index)
    for code in before_units.index:
        assert shapely.equals(restored.at[code, "geometry"], before_units.at[code, "geometry"])
    assert assignment_store.household_units(conn) == before_assignment
