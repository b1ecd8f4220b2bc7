"""The command line starts without the heavy libraries; the commands load what they use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("psycopg", "pandas", "geopandas", "shapely", "pyproj", "folium", "scipy", "pyvrp",
         "openpyxl", "flask")  # fmt: skip

#: Runs ARGS through `main` in a fresh interpreter and prints the heavy modules then loaded.
PROBE = """
import json, sys
import gridmap.cli.db_commands
from gridmap.cli import main
code = main(sys.argv[1:], standalone_mode=False)
heavy = json.loads(sys.stdin.read())
loaded = sorted({n.split(".")[0] for n in sys.modules} & set(heavy))
print(json.dumps({"code": code, "loaded": loaded}))
"""


def probe(args: list[str], var_dir: Path) -> tuple[dict, list[str]]:
    """Run `gridmap ARGS` in a subprocess: its exit code and heavy modules, then its output."""
    env = {k: v for k, v in os.environ.items() if k != "GRIDMAP_DATABASE_URL"}
    env["GRIDMAP_VAR_DIR"] = str(var_dir)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], input=json.dumps(HEAVY), env=env,
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    *output, last = done.stdout.splitlines()
    return json.loads(last), output


def test_help_loads_no_heavy_library(tmp_path):
    found, output = probe(["--help"], tmp_path)
    assert found == {"code": 0, "loaded": []}
    assert any(line.split()[:1] == ["db"] for line in output)


def test_db_status_loads_no_heavy_library(tmp_path):
    found, output = probe(["db", "status", "--json"], tmp_path)
    assert found == {"code": None, "loaded": []}
    status = json.loads(output[0])
    assert status == {"embedded": True, "running": False, "url": None, "data_dir": None}
