"""Benchmark: one county's work in a database that grows to a province of counties.

Loads demo counties (county k as `gridmap demo --counties` makes it: its own code, place and
seed) through the ordinary imports into one throwaway database, growing it through the sizes
1, 10, 30 and 100 counties. Before each county it projects the end of the size it is
loading (the load time per county so far, plus the last size's measuring time) and stops when
that passes the budget: before a size it could not finish in time, or within one whose
counties load far slower than the ones before.

Prints progress on stderr and one JSON object at the end. For each size: load time, database
size, memory (this process's RSS; the server's shared_buffers plus the private memory,
RssAnon, of every server process), the province roll-up report (goal < 10 s), and for the
first county, as medians in ms and as ratios to the same county alone (goal <= 1.5x): its
county report as `gridmap coverage --county CODE --level 1` computes it, the busiest household
tile at z13 and z10 as the county's users get it, its full reassignment (unchanged), one
village's reassignment and the preview of moving one group's border.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import psycopg
import shapely

from bench.common import fresh_database
from bench.edit import border_pairs, tilted_line
from bench.map import tile_of
from gridmap.access import counties as county_choice
from gridmap.access.accounts import EVERYTHING
from gridmap.core import vocab
from gridmap.core.clock import today
from gridmap.core.config import Config
from gridmap.coverage import report as coverage
from gridmap.fieldwork import monitoring
from gridmap.grid import grids, tiles
from gridmap.grid.redraw import engine, plan
from gridmap.registry import households, people
from gridmap.sample import MAX_COUNTIES, demo
from gridmap.sample import counties as sample_counties
from gridmap.store import assignment as assignment_store
from gridmap.store import units as unit_store

DB_NAME = "gridmap_bench_province"
SEED = 2023
SIZES = (1, 10, 30, 100)
REPEAT = 5
GOALS = {"ratio_to_one_county": 1.5, "province_rollup_ms": 10_000}
FIGURES = ("coverage_ms", "tile_z13_ms", "tile_z10_ms", "county_assignment_ms",
           "village_assignment_ms", "group_preview_ms")  # fmt: skip


def progress(message: str) -> None:
    """One progress line on stderr."""
    print(message, file=sys.stderr, flush=True)


def sizes_within(
    sizes: Sequence[int], per_county_s: float, measure_s: float, budget_s: float, *,
    loaded: int = 0, elapsed_s: float = 0.0,
) -> list[int]:  # fmt: skip
    """The sizes that run, in order, before the first whose projected end passes the budget:
    the time so far, plus loading the counties it adds, plus measuring it."""
    run = []
    for size in sizes:
        end = elapsed_s + max(size - loaded, 0) * per_county_s + measure_s
        if end > budget_s:
            break
        run.append(size)
        loaded, elapsed_s = max(size, loaded), end
    return run


def median_ms(fn: Callable[[], object], repeat: int = REPEAT) -> float:
    """Median wall time of `fn` in milliseconds over `repeat` runs after one to warm up."""
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def load_county(conn: psycopg.Connection, config: Config, index: int, households_n: int) -> dict:
    """Write the index-th demo county's files and import them: seconds to write them, of
    every import and of all imports, and the households and visits imported."""
    tz = config.timezone
    with tempfile.TemporaryDirectory(prefix="gridmap-bench-province-") as folder:
        started = time.perf_counter()
        grid, files = demo.sample_files(
            Path(folder), config, households_n=households_n, seed=SEED,
            today=today(tz), county=index,
        )  # fmt: skip
        generate_s = time.perf_counter() - started
        imports: dict[str, Callable[[], dict]] = {
            "grids": lambda: grids.import_grid_file(conn, grid),
            "households": lambda: households.import_households(conn, files["households"]),
            "monitoring": lambda: monitoring.import_monitoring(conn, files["monitoring"], tz),
            "workers": lambda: people.import_workers(conn, files["workers"], timezone=tz),
            "contacts": lambda: people.import_contacts(conn, files["contacts"], tz),
            "visits": lambda: people.import_visits(conn, files["visits"], tz),
        }
        seconds, reports = {}, {}
        for name, run in imports.items():
            started = time.perf_counter()
            reports[name] = run()
            seconds[name] = round(time.perf_counter() - started, 1)
    return {"generate_s": round(generate_s, 1), "import_s": round(sum(seconds.values()), 1),
            "imports_s": seconds, "households": reports["households"]["rows"],
            "visits": reports["visits"]["rows"]}  # fmt: skip


def busiest_tile(conn: psycopg.Connection, county: str, z: int) -> tuple[int, int, int]:
    """The tile at zoom `z` that holds most of the county's households."""
    rows = conn.execute(
        "SELECT ST_X(geom), ST_Y(geom) FROM household WHERE county_code = %s AND geom IS NOT NULL",
        [county],
    ).fetchall()
    cells = [tile_of(lon, lat, z) for lon, lat in rows]
    values, counts = np.unique(np.array(cells), axis=0, return_counts=True)
    x, y = values[int(np.argmax(counts))]
    return z, int(x), int(y)


def tile_ms(conn: psycopg.Connection, config: Config, county: str, z: int, day: date) -> float:
    """Median time of the county's busiest households tile at `z`, counts not cached."""
    tile, prefixes = busiest_tile(conn, county, z), [county]
    stamp = tiles.change_stamp(conn, prefixes)
    return median_ms(lambda: tiles.household_tile(
        conn, config, tiles.CountsCache(), tile, as_of=day, prefixes=prefixes, stamp=stamp,
    ))  # fmt: skip


def preview_ms(conn: psycopg.Connection, config: Config, county: str) -> float:
    """Median time of previewing three group border moves in the county (nothing saved),
    after one round to warm up."""
    units = unit_store.current_units(conn)
    units = units[units["code"].str.startswith(county)]
    times = []
    for a, b, border in border_pairs(units, vocab.GROUP, 3) * 2:
        started = time.perf_counter()
        state = plan.plan_move_border(conn, a, b, tilted_line(border))
        engine.preview(state, config.gap_tolerance_m2, confirm_gaps=True)
        times.append(time.perf_counter() - started)
    return round(statistics.median(times[len(times) // 2 :]) * 1000, 1)


def county_figures(conn: psycopg.Connection, config: Config, county: str, day: date) -> dict:
    """The county's figures, each a median in ms (see the module's docstring)."""
    scope = county_choice.choose(conn, EVERYTHING, [county])
    villages = unit_store.current_units(conn, level=vocab.VILLAGE)
    villages = villages[villages["code"].str.startswith(county)]
    village = villages.iloc[100]
    area = shapely.to_wkb(village.geometry)
    return {
        "code": county,
        "coverage_ms": median_ms(lambda: coverage.coverage_report(
            conn, config, day, level=vocab.COUNTY, scope=scope)),
        "tile_z13_ms": tile_ms(conn, config, county, 13, day),
        "tile_z10_ms": tile_ms(conn, config, county, 10, day),
        "county_assignment_ms": median_ms(
            lambda: assignment_store.assign_counties(conn, [county]), repeat=3),
        "village_assignment_ms": median_ms(
            lambda: assignment_store.assign_within(conn, area, [village.code])),
        "group_preview_ms": preview_ms(conn, config, county),
    }  # fmt: skip


def rss_kb(pid: int | str, field: str = "VmRSS") -> int | None:
    """A memory field (kB) of /proc/<pid>/status, or None when it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def memory_mb(conn: psycopg.Connection) -> dict:
    """This process's RSS and peak RSS; the server's shared_buffers plus the RssAnon of the
    postmaster and every process pg_stat_activity lists (None when /proc is unreadable)."""
    shared, backend = conn.execute(
        "SELECT pg_size_bytes(current_setting('shared_buffers')), pg_backend_pid()"
    ).fetchone()  # type: ignore[misc]
    postmaster = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1]
    pids = [row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity")]
    private = [rss_kb(pid, "RssAnon") for pid in [postmaster, *pids]]
    self_kb = rss_kb("self")
    return {
        "bench_rss_mb": round(self_kb / 1024) if self_kb else None,
        "bench_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "server_shared_buffers_mb": round(shared / 2**20),
        "server_private_mb": None if None in private else round(sum(private) / 1024),  # type: ignore[arg-type]
        "server_processes": len(private),
    }


def measure(conn: psycopg.Connection, config: Config, first: str, day: date) -> dict:
    """Settle the database (VACUUM ANALYZE), then every figure of one size."""
    started = time.perf_counter()
    conn.execute("VACUUM ANALYZE")
    settled = time.perf_counter()
    row = {"settle_s": round(settled - started, 1), "first_county": county_figures(
        conn, config, first, day)}  # fmt: skip
    row["province_rollup_ms"] = median_ms(lambda: coverage.coverage_report(
        conn, config, day, level=vocab.PROVINCE, scope=EVERYTHING), repeat=3)  # fmt: skip
    size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]  # type: ignore[index]
    row["database_mb"] = round(size / 2**20)
    row["memory"] = memory_mb(conn)
    row["measure_s"] = round(time.perf_counter() - started, 1)
    return row


def judged(row: dict, alone: dict) -> dict:
    """Add the ratios of the first county's figures to the county alone, and which goals met."""
    ratios = {k: round(row["first_county"][k] / alone[k], 2) for k in FIGURES}
    met = {k: v <= GOALS["ratio_to_one_county"] for k, v in ratios.items()}
    met["province_rollup_ms"] = row["province_rollup_ms"] < GOALS["province_rollup_ms"]
    return {**row, "ratios": ratios, "met": met}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """--budget-min, --sizes and --households."""
    parser = argparse.ArgumentParser(prog="python -m bench.province", description=__doc__)
    parser.add_argument("--budget-min", type=float, default=60, help="default 60")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="counties per size")
    parser.add_argument("--households", type=int, default=100_000, help="per county")
    args = parser.parse_args(argv)
    args.sizes = sorted({int(s) for s in args.sizes.split(",")})
    if args.sizes[0] < 1:
        parser.error("a size is at least one county")
    return args


def stop_reason(
    size: int, loaded: int, elapsed_s: float, load_s: float, measure_s: float, budget_s: float
) -> dict | None:
    """Why the counties still missing for `size` are not loaded (their projected end passes
    the budget, or the demo layout holds fewer counties), or None. With none loaded yet (no
    time per county known) it goes on."""
    if size > MAX_COUNTIES:
        return {"before": size, "reason": f"the demo layout holds {MAX_COUNTIES} counties"}
    if not loaded:
        return None
    per_county = load_s / loaded
    if sizes_within([size], per_county, measure_s, budget_s, loaded=loaded, elapsed_s=elapsed_s):
        return None
    projected = elapsed_s + (size - loaded) * per_county + measure_s
    return {"before": size, "counties_loaded": loaded, "reason": "budget",
            "projected_min": round(projected / 60, 1)}  # fmt: skip


@dataclass
class Run:
    """The time budget and what has been spent of it."""

    budget_s: float
    started: float = field(default_factory=time.perf_counter)
    loaded: int = 0
    load_s: float = 0.0
    measure_s: float = 0.0

    def stop(self, size: int) -> dict | None:
        """Why the next county towards `size` is not loaded, or None (see stop_reason)."""
        elapsed = time.perf_counter() - self.started
        return stop_reason(size, self.loaded, elapsed, self.load_s, self.measure_s, self.budget_s)


def grow(
    conn: psycopg.Connection, config: Config, size: int, households_n: int, run: Run
) -> dict | None:
    """Load counties until there are `size`, checking the budget before each one (a county
    far slower than the ones before stops the run); why it stopped, or None."""
    while run.loaded < size:
        stopped = run.stop(size)
        if stopped:
            return stopped
        report = load_county(conn, config, run.loaded, households_n)
        run.loaded += 1
        run.load_s += report["generate_s"] + report["import_s"]
        progress(f"county {run.loaded}/{size}: {json.dumps(report)}")
    return None


def main(argv: Sequence[str] | None = None) -> None:
    """Grow the database size by size, measuring each, until the budget runs out."""
    args = parse_args(argv)
    config, run = Config.from_env(), Run(args.budget_min * 60)
    day, first = today(config.timezone), sample_counties.county_code(0)
    rows: list[dict] = []
    stopped = None
    with fresh_database(config, DB_NAME) as conn:
        conn.autocommit = True
        for size in args.sizes:
            load_before = run.load_s
            stopped = grow(conn, config, size, args.households, run)
            if stopped:
                break
            row = {"counties": size, "households": conn.execute(
                "SELECT count(*) FROM household").fetchone()[0],  # type: ignore[index]
                "load_s": round(run.load_s - load_before, 1),
                "load_s_per_county": round(run.load_s / run.loaded, 1),
                **measure(conn, config, first, day)}  # fmt: skip
            run.measure_s = row["measure_s"]
            rows.append(judged(row, rows[0]["first_county"] if rows else row["first_county"]))
            progress(f"size {size}: {json.dumps(rows[-1])}")
    total_min = round((time.perf_counter() - run.started) / 60, 1)
    print(json.dumps({
        "bench": "province", "households_per_county": args.households,
        "budget_min": args.budget_min, "total_min": total_min,
        "sizes": rows, "stopped": stopped, "goals": GOALS,
        "memory_note": "bench_*: this process (current VmRSS, peak ru_maxrss); server: "
        "shared_buffers setting plus RssAnon of the postmaster and pg_stat_activity's processes",
    }))  # fmt: skip


if __name__ == "__main__":
    main()
