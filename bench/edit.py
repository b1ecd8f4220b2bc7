"""Benchmark: preview and save of boundary edits on the demo county, against full assignment.

Prints one JSON object. Border moves are drawn across the shared border of neighbouring
units, slightly tilted from it, as an administrator redrawing along a road would.
"""

from __future__ import annotations

import json
import math
import statistics
import time

import shapely

from bench.common import fresh_database
from gridmap.access.accounts import cli_actor
from gridmap.core.clock import today
from gridmap.core.config import Config
from gridmap.core.errors import BadInput
from gridmap.grid.redraw import engine, plan
from gridmap.sample import demo
from gridmap.store import assignment as assignment_store
from gridmap.store import units as unit_store

ACTOR = cli_actor("bench")
MOVES_PER_LEVEL = {4: 9, 3: 5}


def border_pairs(units, level: int, count: int) -> list[tuple[str, str, shapely.Geometry]]:  # type: ignore[no-untyped-def]
    """Up to `count` sibling pairs of `level` sharing a border, spread over the county."""
    rows = units[units["level"] == level].set_index("code")
    pairs = []
    for _parent, family in rows.groupby("parent"):
        codes = list(family.index)
        for a, b in zip(codes, codes[1:], strict=False):
            border = shapely.line_merge(
                shapely.intersection(rows.at[a, "geometry"], rows.at[b, "geometry"])
            )
            if shapely.length(border) > 0:
                pairs.append((a, b, max(shapely.get_parts(border), key=shapely.length)))
                break
    step = max(1, len(pairs) // count)
    return pairs[::step][:count]


def tilted_line(border: shapely.Geometry, tilt: float = 0.15) -> shapely.LineString:
    """A line through the border's middle, along it but tilted by `tilt` radians."""
    mid = border.interpolate(0.5, normalized=True)
    (x0, y0), (x1, y1) = border.coords[0], border.coords[-1]
    angle = math.atan2(y1 - y0, x1 - x0) + tilt
    reach = 1.5 * shapely.length(border)
    dx, dy = math.cos(angle) * reach, math.sin(angle) * reach
    return shapely.LineString([(mid.x - dx, mid.y - dy), (mid.x + dx, mid.y + dy)])


def time_moves(conn, config, level: int) -> dict:  # type: ignore[no-untyped-def]
    """Median preview and save times (ms) of border moves at `level`."""
    previews, saves, moved, refused = [], [], [], []
    units = unit_store.current_units(conn)
    for a, b, border in border_pairs(units, level, MOVES_PER_LEVEL[level]):
        try:
            started = time.perf_counter()
            state = plan.plan_move_border(conn, a, b, tilted_line(border))
            result = engine.preview(state, config.gap_tolerance_m2, confirm_gaps=True)
            previews.append(time.perf_counter() - started)
            started = time.perf_counter()
            saved = engine.save(
                plan.plan_move_border(conn, a, b, tilted_line(border)), token=result["token"],
                reason="benchmark", actor=ACTOR, tolerance_m2=config.gap_tolerance_m2,
                confirm_gaps=True,
            )  # fmt: skip
            saves.append(time.perf_counter() - started)
            moved.append(saved["moved_count"])
        except BadInput as exc:
            refused.append(exc.message)
    return {
        "moves": len(saves),
        "refused": refused,
        "preview_ms_median": round(statistics.median(previews) * 1000, 1) if previews else None,
        "save_ms_median": round(statistics.median(saves) * 1000, 1) if saves else None,
        "households_moved_median": statistics.median(moved) if moved else None,
    }


def main() -> None:
    """Load the demo county into a throwaway database and time edits."""
    config = Config.from_env()
    with fresh_database(config, "gridmap_bench_edit") as conn:
        conn.autocommit = True
        demo.load_demo(conn, config, households_n=130_000, seed=2023, today=today(config.timezone))
        conn.execute("VACUUM ANALYZE")
        group = time_moves(conn, config, 4)
        village = time_moves(conn, config, 3)
        started = time.perf_counter()
        assignment_store.assign_all(conn)
        full_s = time.perf_counter() - started
    print(json.dumps({
        "bench": "edit", "households": 130_000, "group_border_move": group,
        "village_border_move": village, "full_reassignment_unchanged_ms": round(full_s * 1000, 1),
        "goals": {"group_preview_ms": 100, "group_save_ms": 200},
    }))  # fmt: skip


if __name__ == "__main__":
    main()
