"""Benchmark: each import of the sample county's files, end to end, in rows per second.

Prints one JSON object: for each import its rows, seconds and rows/s, and the standing
goals (100,000 rows/s; 130,000 households within 3 s, a year of visits within 5 s).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import fresh_database
from gridmap.core.clock import today
from gridmap.core.config import Config
from gridmap.fieldwork import monitoring
from gridmap.grid import grids
from gridmap.registry import households, people
from gridmap.sample import demo

HOUSEHOLDS = 130_000
GOAL_ROWS_PER_S = 100_000


def timed(fn: Callable[[], dict]) -> tuple[dict, float]:
    """The report of `fn` and its wall time in seconds."""
    started = time.perf_counter()
    report = fn()
    return report, time.perf_counter() - started


def rate(rows: int, seconds: float) -> dict:
    """Rows, seconds and rows per second, rounded for printing."""
    return {"rows": rows, "s": round(seconds, 2), "rows_per_s": round(rows / seconds)}


def main() -> None:
    """Import the sample county's files into a throwaway database, timing each import."""
    config = Config.from_env()
    day, tz = today(config.timezone), config.timezone
    results: dict[str, dict] = {}
    with (
        tempfile.TemporaryDirectory() as folder,
        fresh_database(config, "gridmap_bench_imports") as conn,
    ):
        conn.autocommit = True
        grid, files = demo.sample_files(
            Path(folder), config, households_n=HOUSEHOLDS, seed=2023, today=day
        )
        report, seconds = timed(lambda: grids.import_grid_file(conn, grid))
        results["grids"] = rate(report["features"], seconds)
        imports: dict[str, Callable[[], dict]] = {
            "households": lambda: households.import_households(conn, files["households"]),
            "monitoring": lambda: monitoring.import_monitoring(conn, files["monitoring"], tz),
            "workers": lambda: people.import_workers(conn, files["workers"], timezone=tz),
            "contacts": lambda: people.import_contacts(conn, files["contacts"], tz),
            "visits": lambda: people.import_visits(conn, files["visits"], tz),
        }
        for name, run in imports.items():
            report, seconds = timed(run)
            results[name] = rate(report["rows"], seconds)
    print(json.dumps({
        "bench": "imports",
        "households": HOUSEHOLDS,
        "imports": results,
        "to_goal_rate": {k: round(GOAL_ROWS_PER_S / v["rows_per_s"], 1)
                         for k, v in results.items() if k != "grids"},
        "goals": {"rows_per_s": GOAL_ROWS_PER_S, "households_s": 3, "visits_s": 5},
    }))  # fmt: skip


if __name__ == "__main__":
    main()
