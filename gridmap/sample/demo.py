"""Loading the sample county with demo households, workers, contacts, visits, monitoring
periods and a visit campaign."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import pandas as pd
import psycopg

from gridmap.access import accounts
from gridmap.access.accounts import Actor, cli_actor
from gridmap.core import clock, vocab
from gridmap.core.clock import os_user
from gridmap.core.config import Config
from gridmap.coverage import report as coverage
from gridmap.fieldwork import campaigns, monitoring
from gridmap.grid import assign, grids
from gridmap.registry import households, people
from gridmap.sample.activity import generate_contacts, generate_visits
from gridmap.sample.county import read_county
from gridmap.sample.lifecycle import SPAN_DAYS, generate_monitoring
from gridmap.sample.population import generate_households, generate_workers
from gridmap.sample.projects import load_demo_projects
from gridmap.store import assignment as assignment_store

SAMPLE_FILE = "sample-county.gpkg"
#: The demo campaign: the county's third visit campaign of the year, over the last 30 days.
CAMPAIGN_NAME = "第三次集中走访"
CAMPAIGN_DAYS = 30
CAMPAIGN_CATEGORIES = ("monitored", "lifted")


def is_loaded(conn: psycopg.Connection) -> bool:
    """True when the database already holds households (the demo does not load twice)."""
    return assignment_store.assignment_counts(conn)["households"] > 0


def load_demo(
    conn: psycopg.Connection, config: Config, *, households_n: int, seed: int, today: date,
    actor: Actor | None = None,
) -> dict:  # fmt: skip
    """Import the sample county and generated records through the ordinary import paths.

    The demo campaign is created and audited as `actor` (default: the command line's admin).
    """
    sample = config.geodata_dir / SAMPLE_FILE
    # The county's grid, households and workers are on record from the start of the sample's
    # history, so a report as of any date in it sees them.
    on_record = today - timedelta(days=SPAN_DAYS)
    report: dict = {
        "grids": grids.import_grid_file(
            conn,
            sample,
            reason="sample county",
            at=clock.start_of_day(on_record, config.timezone),
        )  # fmt: skip
    }
    units = read_county(sample)
    household_rows = generate_households(units, households_n, seed)
    worker_rows = generate_workers(units, household_rows, seed)
    worker_rows["start_date"] = on_record.isoformat()
    contact_rows = generate_contacts(household_rows, seed)
    contact_rows["since"] = (today - timedelta(days=400)).isoformat()
    # Visits end yesterday: a time later today would be refused as lying in the future.
    visit_rows = generate_visits(
        household_rows, worker_rows, today - timedelta(days=1), seed, campaign_days=CAMPAIGN_DAYS
    )
    with tempfile.TemporaryDirectory(prefix="gridmap-demo-") as folder:
        files = _write_csvs(
            Path(folder),
            households=household_rows,
            monitoring=generate_monitoring(household_rows, today, seed),
            workers=worker_rows,
            contacts=contact_rows,
            visits=visit_rows,
        )
        report["households"] = households.import_households(
            conn, files["households"], effective=on_record, timezone=config.timezone
        )
        report["monitoring"] = monitoring.import_monitoring(
            conn, files["monitoring"], config.timezone
        )
        report["workers"] = people.import_workers(conn, files["workers"], timezone=config.timezone)
        report["contacts"] = people.import_contacts(conn, files["contacts"], config.timezone)
        report["visits"] = people.import_visits(conn, files["visits"], config.timezone)
        report["projects"] = load_demo_projects(conn, units, seed)
    report["assignment"] = assign.assign_households(conn)
    report["campaign"] = _create_campaign(conn, actor or cli_actor(os_user()), units, today)
    return report


def _create_campaign(
    conn: psycopg.Connection, actor: Actor, units: gpd.GeoDataFrame, today: date
) -> dict:
    """The county-wide campaign over monitored and lifted households, ending yesterday."""
    county = str(units.code[units.level == vocab.COUNTY].iloc[0])
    return campaigns.create_campaign(
        conn, actor, name=CAMPAIGN_NAME, starts_on=today - timedelta(days=CAMPAIGN_DAYS),
        ends_on=today - timedelta(days=1), scope_codes=[county], categories=CAMPAIGN_CATEGORIES,
    )  # fmt: skip


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
    townships = grids.units_geojson(conn, vocab.TOWNSHIP)["features"]
    township = townships[0]["properties"]["code"] if townships else None
    workers = coverage.workers_list(conn, config, township)
    worker = next((w["code"] for w in workers if w["status"] == "active"), None)
    return [
        (
            role, role, township if role == vocab.ROLE_TOWNSHIP else None,
            worker if role == vocab.ROLE_WORKER else None,
        )
        for role in vocab.ROLES
    ]  # fmt: skip


def create_demo_accounts(
    conn: psycopg.Connection, config: Config, actor: Actor, password_for: Callable[[str], str]
) -> list[tuple[str, str, str]]:
    """Create the missing demo accounts; return (user, role, password) of those created."""
    existing = {a["username"] for a in accounts.list_accounts(conn)}
    created = []
    for username, role, township, worker in demo_accounts(conn, config):
        if username in existing or (role == vocab.ROLE_TOWNSHIP and township is None):
            continue
        if role == vocab.ROLE_WORKER and worker is None:
            continue
        password = password_for(username)
        accounts.create_account(
            conn, config, actor, username=username, role=role, password=password,
            township=township, worker=worker,
        )  # fmt: skip
        created.append((username, role, password))
    return created
