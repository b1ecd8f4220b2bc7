"""Loading the sample county with demo households, workers, contacts and visits."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import psycopg

from gridmap import assign, grids, households, people
from gridmap.config import Config
from gridmap.sample.activity import generate_contacts, generate_visits
from gridmap.sample.county import read_county
from gridmap.sample.population import generate_households, generate_workers
from gridmap.store import assignment as assignment_store

SAMPLE_FILE = "sample-county.gpkg"


def is_loaded(conn: psycopg.Connection) -> bool:
    """True when the database already holds households (the demo does not load twice)."""
    return assignment_store.assignment_counts(conn)["households"] > 0


def load_demo(
    conn: psycopg.Connection, config: Config, *, households_n: int, seed: int, today: date
) -> dict:
    """Import the sample county and generated records through the ordinary import paths."""
    sample = config.geodata_dir / SAMPLE_FILE
    report: dict = {"grids": grids.import_grid_file(conn, sample, reason="sample county")}
    units = read_county(sample)
    household_rows = generate_households(units, households_n, seed)
    worker_rows = generate_workers(units, household_rows, seed)
    contact_rows = generate_contacts(household_rows, seed)
    contact_rows["since"] = (today - timedelta(days=400)).isoformat()
    # Visits end yesterday: a time later today would be refused as lying in the future.
    visit_rows = generate_visits(household_rows, today - timedelta(days=1), seed)
    with tempfile.TemporaryDirectory(prefix="gridmap-demo-") as folder:
        files = _write_csvs(
            Path(folder),
            households=household_rows,
            workers=worker_rows,
            contacts=contact_rows,
            visits=visit_rows,
        )
        report["households"] = households.import_households(conn, files["households"])
        report["workers"] = people.import_workers(conn, files["workers"])
        report["contacts"] = people.import_contacts(conn, files["contacts"], config.timezone)
        report["visits"] = people.import_visits(conn, files["visits"], config.timezone)
    report["assignment"] = assign.assign_households(conn)
    return report


def _write_csvs(folder: Path, **frames: pd.DataFrame) -> dict[str, Path]:
    paths = {}
    for name, frame in frames.items():
        paths[name] = folder / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    return paths
