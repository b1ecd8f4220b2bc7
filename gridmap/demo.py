"""Loading the sample county with demo households, workers, contacts and visits."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import psycopg

from gridmap import accounts, assign, coverage, grids, households, people
from gridmap.accounts import Actor
from gridmap.config import Config
from gridmap.sample.activity import generate_contacts, generate_visits
from gridmap.sample.county import read_county
from gridmap.sample.population import generate_households, generate_workers
from gridmap.sample.projects import load_demo_projects
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
    visit_rows = generate_visits(household_rows, worker_rows, today - timedelta(days=1), seed)
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
        report["projects"] = load_demo_projects(conn, units, seed)
    report["assignment"] = assign.assign_households(conn)
    return report


def _write_csvs(folder: Path, **frames: pd.DataFrame) -> dict[str, Path]:
    paths = {}
    for name, frame in frames.items():
        paths[name] = folder / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    return paths


def demo_accounts(
    conn: psycopg.Connection, config: Config
) -> list[tuple[str, str, str | None, str | None]]:
    """(user name, role, township, worker) of one demo account per role."""
    townships = grids.units_geojson(conn, 2)["features"]
    township = townships[0]["properties"]["code"] if townships else None
    workers = coverage.workers_list(conn, config, township)
    worker = next((w["code"] for w in workers if w["status"] == "active"), None)
    return [
        ("admin", "admin", None, None),
        ("reviewer", "reviewer", None, None),
        ("inspector", "inspector", None, None),
        ("township", "township", township, None),
        ("worker", "worker", None, worker),
    ]


def create_demo_accounts(
    conn: psycopg.Connection, config: Config, actor: Actor, password_for: Callable[[str], str]
) -> list[tuple[str, str, str]]:
    """Create the missing demo accounts; return (user, role, password) of those created."""
    existing = {a["username"] for a in accounts.list_accounts(conn)}
    created = []
    for username, role, township, worker in demo_accounts(conn, config):
        if username in existing or (role == "township" and township is None):
            continue
        if role == "worker" and worker is None:
            continue
        password = password_for(username)
        accounts.create_account(
            conn, config, actor, username=username, role=role, password=password,
            township=township, worker=worker,
        )  # fmt: skip
        created.append((username, role, password))
    return created
