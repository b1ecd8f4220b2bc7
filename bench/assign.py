"""Benchmark: household assignment and the coverage report on the demo county.

Prints one JSON object, with geopandas `sjoin` of the same points and polygons
as the in-process reference and every PostGIS time as a ratio to it.
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import timedelta

import geopandas as gpd
import shapely

from bench.common import fresh_database
from gridmap.core.clock import today
from gridmap.core.config import Config
from gridmap.coverage import report as coverage
from gridmap.sample import demo
from gridmap.store import assignment as assignment_store
from gridmap.store import units as unit_store

HOUSEHOLDS = 130_000


def timed(fn, repeat: int = 1) -> float:  # type: ignore[no-untyped-def]
    """Median wall time of `fn` in seconds over `repeat` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def sjoin_reference(conn) -> float:  # type: ignore[no-untyped-def]
    """Time geopandas sjoin of every located household with the current groups."""
    groups = unit_store.current_units(conn, level=4)[["code", "geometry"]]
    rows = conn.execute("SELECT code, ST_AsBinary(geom) FROM household WHERE geom IS NOT NULL")
    rows = rows.fetchall()
    points = gpd.GeoDataFrame(
        {"code": [r[0] for r in rows]}, geometry=shapely.from_wkb([r[1] for r in rows]), crs=4326
    )
    return timed(lambda: gpd.sjoin(points, groups, predicate="within", how="left"), repeat=3)


def village_area(conn, code: str) -> bytes:  # type: ignore[no-untyped-def]
    """WKB of one village's current polygon."""
    units = unit_store.current_units(conn, level=3)
    return shapely.to_wkb(units.loc[units["code"] == code, "geometry"].iloc[0])


def main() -> None:
    """Load the demo county into a throwaway database and time the assignment paths."""
    config = Config.from_env()
    with fresh_database(config, "gridmap_bench_assign") as conn:
        conn.autocommit = True
        demo.load_demo(
            conn, config, households_n=HOUSEHOLDS, seed=2023, today=today(config.timezone)
        )
        conn.execute("UPDATE household SET unit_code = NULL")
        conn.execute("VACUUM ANALYZE household")
        full_s = timed(lambda: assignment_store.assign_all(conn))
        conn.execute("VACUUM ANALYZE household")
        rerun_s = timed(lambda: assignment_store.assign_all(conn), repeat=3)
        village = unit_store.current_units(conn, level=3)["code"].iloc[100]
        area = village_area(conn, village)
        village_s = timed(lambda: assignment_store.assign_within(conn, area, [village]), repeat=5)
        # The timing runs above rewrote every row; reports are timed on a compact table, as
        # after an import (imports write rows already assigned).
        conn.execute("VACUUM FULL ANALYZE household")
        as_of = today(config.timezone)
        report_s = timed(lambda: coverage.coverage_report(conn, config, as_of), repeat=5)
        # Six months back the households are read from their periods (every one changed since).
        past = as_of - timedelta(days=182)
        past_s = timed(lambda: coverage.coverage_report(conn, config, past), repeat=3)
        sjoin_s = sjoin_reference(conn)
        periods = conn.execute("SELECT count(*) FROM household_period").fetchone()[0]
    result = {
        "bench": "assign",
        "households": HOUSEHOLDS,
        "sjoin_reference_s": round(sjoin_s, 3),
        "full_assignment_s": round(full_s, 3),
        "rerun_unchanged_s": round(rerun_s, 3),
        "one_village_ms": round(village_s * 1000, 1),
        "coverage_report_ms": round(report_s * 1000, 1),
        "coverage_report_six_months_back_ms": round(past_s * 1000, 1),
        "household_periods": periods,
        "past_to_today": round(past_s / report_s, 2),
        "full_to_sjoin": round(full_s / sjoin_s, 2),
        "rerun_to_sjoin": round(rerun_s / sjoin_s, 2),
        "goals": {"full_to_sjoin": 6, "rerun_to_sjoin": 3, "one_village_ms": 10,
                  "coverage_report_ms": 150, "past_to_today": 2},
    }  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
