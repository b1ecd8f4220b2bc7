"""Benchmark: wall time of `gridmap --help` and `gridmap db status`, as a user types them.

Prints one JSON object. Each command runs as a fresh process of the installed `gridmap`
script, with GRIDMAP_VAR_DIR an empty folder, so `db status` finds no cluster.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 10
GOAL_S = 0.3
COMMANDS = {"help": ["--help"], "db_status": ["db", "status"]}


def gridmap_script() -> Path:
    """The `gridmap` entry point next to this interpreter (the venv's)."""
    return Path(sys.executable).with_name("gridmap")


def clean_env(var_dir: str) -> dict[str, str]:
    """The environment with an empty var folder and no configured database server."""
    env = {k: v for k, v in os.environ.items() if k != "GRIDMAP_DATABASE_URL"}
    env["GRIDMAP_VAR_DIR"] = var_dir
    return env


def median_seconds(args: list[str], env: dict[str, str], runs: int = RUNS) -> float:
    """Median wall time of `runs` runs of `gridmap ARGS`, after one warm-up run."""
    command = [str(gridmap_script()), *args]
    subprocess.run(command, env=env, check=True, capture_output=True)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    """Time each command and print the medians against the goal."""
    with tempfile.TemporaryDirectory(prefix="gridmap-bench-startup-") as var_dir:
        env = clean_env(var_dir)
        medians = {name: median_seconds(args, env) for name, args in COMMANDS.items()}
    print(json.dumps({
        "bench": "startup", "runs": RUNS,
        **{f"{name}_s_median": round(s, 3) for name, s in medians.items()},
        "goals": {f"{name}_s_median": GOAL_S for name in COMMANDS},
    }))  # fmt: skip


if __name__ == "__main__":
    main()
