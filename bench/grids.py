"""Benchmark: import and validation of the sample county, against shapely's coverage check.

Prints one JSON object. Runs in a throwaway database of the checkout's cluster.
"""

from __future__ import annotations

import json
import time

import shapely

from bench.common import fresh_database
from gridmap.core.config import Config
from gridmap.grid import grids
from gridmap.store import units as unit_store


def main() -> None:
    """Time import and validate of the sample county and the shapely reference."""
    config = Config.from_env()
    sample = config.geodata_dir / "sample-county.gpkg"
    with fresh_database(config, "gridmap_bench_grids") as conn:
        started = time.perf_counter()
        report = grids.import_grid_file(conn, sample, reason="benchmark")
        import_s = time.perf_counter() - started

        started = time.perf_counter()
        validation = grids.validate_current(conn, config.gap_tolerance_m2)
        validate_s = time.perf_counter() - started

        units = unit_store.current_units(conn)
    started = time.perf_counter()
    invalid_edges = 0
    for level in (2, 3, 4):
        geoms = units[units["level"] == level].geometry.values
        invalid_edges += int((~shapely.is_empty(shapely.coverage_invalid_edges(geoms))).sum())
    reference_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "bench": "grids",
                "units": report["features"],
                "import_s": round(import_s, 3),
                "validate_s": round(validate_s, 3),
                "validate_ok": validation["ok"],
                "reference_coverage_invalid_edges_s": round(reference_s, 3),
                "reference_invalid_edges": invalid_edges,
                "validate_to_reference_ratio": round(validate_s / reference_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
