"""Loading the sample county (or several demo counties made from it) with demo households,
workers, contacts, visits, monitoring periods, projects and a visit campaign each."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import pandas as pd
import psycopg

from gridmap.access import accounts
from gridmap.access.accounts import EVERYTHING, Actor, cli_actor
from gridmap.access.counties import county_choices
from gridmap.core import clock, vocab
from gridmap.core.clock import os_user
from gridmap.core.config import Config
from gridmap.coverage import report as coverage
from gridmap.fieldwork import campaigns, monitoring
from gridmap.grid import assign, grids
from gridmap.ground.importer import import_osm_file
from gridmap.registry import households, people
from gridmap.sample import MAX_COUNTIES
from gridmap.sample import counties as sample_counties
from gridmap.sample.activity import generate_contacts, generate_visits
from gridmap.sample.county import read_county, write_county
from gridmap.sample.lifecycle import SPAN_DAYS, generate_monitoring
from gridmap.sample.population import generate_households, generate_workers
from gridmap.sample.projects import load_demo_projects
from gridmap.sample.roads import write_roads
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
    actor: Actor | None = None, counties: int = 1,
) -> dict:  # fmt: skip
    """Import `counties` sample counties, each with households_n generated households and the
    other generated records, through the ordinary import paths.

    Returns {"counties": [one report per county: code, name and the report of each import,
    "grids" to "projects", and "campaign"], "assignment": the final assignment counts}. Each
    county's demo campaign is created and audited as `actor` (default: the command line's
    admin). Raises ValueError unless 1 <= counties <= MAX_COUNTIES.
    """
    if not 1 <= counties <= MAX_COUNTIES:
        raise ValueError(f"the demo loads 1 to {MAX_COUNTIES} counties")
    sample = _Sample(config.geodata_dir / SAMPLE_FILE, households_n, today, config.timezone)
    reports = [
        _load_county(conn, sample, i, sample_counties.county_seed(seed, i)) for i in range(counties)
    ]
    report = {"counties": reports, "assignment": assign.assign_households(conn)}
    actor = actor or cli_actor(os_user())
    for county in reports:
        county["campaign"] = _create_campaign(conn, actor, county, today)
    return report


class _Sample:
    """The sample county's file and units, and what every demo county shares."""

    def __init__(self, path: Path, households_n: int, today: date, timezone: str):
        self.path, self.units = path, read_county(path)
        self.households_n, self.today, self.timezone = households_n, today, timezone
        # The grid, households and workers are on record from the start of the sample's
        # history, so a report as of any date in it sees them.
        self.on_record = today - timedelta(days=SPAN_DAYS)


def _load_county(conn: psycopg.Connection, sample: _Sample, index: int, seed: int) -> dict:
    """Import the index-th demo county's grid and generated records (not yet its campaign)."""
    units = sample_counties.relocated(sample.units, index)
    county = units[units.level == vocab.COUNTY].iloc[0]
    report: dict = {"code": str(county["code"]), "name": str(county["name"])}
    with tempfile.TemporaryDirectory(prefix="gridmap-demo-") as folder:
        # The sample county comes from its own file; the others from a file written for each.
        grid_file = sample.path if index == 0 else write_county(
            units, Path(folder) / f"sample-county-{report['code']}.gpkg"
        )  # fmt: skip
        report["grids"] = grids.import_grid_file(
            conn, grid_file, reason="sample county",
            at=clock.start_of_day(sample.on_record, sample.timezone),
        )  # fmt: skip
        # The road network goes in as a user's extract does, after the grid it is clipped to.
        roads = write_roads(units, Path(folder) / f"roads-{report['code']}.osm.pbf", seed)
        report["osm"] = import_osm_file(
            conn, roads, clip=report["code"],
            at=clock.start_of_day(sample.on_record, sample.timezone),
        )  # fmt: skip
        files = _write_csvs(Path(folder), **_records(sample, units, seed, report["code"]))
        report.update(_import_records(conn, sample, files))
    report["projects"] = load_demo_projects(
        conn, units, seed, sample_counties.record_prefix(report["code"])
    )
    return report


def _records(sample: _Sample, units: gpd.GeoDataFrame, seed: int, code: str) -> dict:
    """The generated import files' rows of one county, by import."""
    household_rows = generate_households(units, sample.households_n, seed)
    worker_rows = generate_workers(units, household_rows, seed)
    worker_rows["start_date"] = sample.on_record.isoformat()
    contact_rows = generate_contacts(household_rows, seed, sample_counties.record_prefix(code))
    contact_rows["since"] = (sample.today - timedelta(days=400)).isoformat()
    # Visits end yesterday: a time later today would be refused as lying in the future.
    yesterday = sample.today - timedelta(days=1)
    return {
        "households": household_rows,
        "monitoring": generate_monitoring(household_rows, sample.today, seed),
        "workers": worker_rows,
        "contacts": contact_rows,
        "visits": generate_visits(
            household_rows, worker_rows, yesterday, seed, campaign_days=CAMPAIGN_DAYS
        ),
    }


def _import_records(conn: psycopg.Connection, sample: _Sample, files: dict[str, Path]) -> dict:
    """Import one county's files in the order their references need."""
    timezone = sample.timezone
    return {
        "households": households.import_households(
            conn, files["households"], effective=sample.on_record, timezone=timezone
        ),
        "monitoring": monitoring.import_monitoring(conn, files["monitoring"], timezone),
        "workers": people.import_workers(conn, files["workers"], timezone=timezone),
        "contacts": people.import_contacts(conn, files["contacts"], timezone),
        "visits": people.import_visits(conn, files["visits"], timezone),
    }


def _create_campaign(conn: psycopg.Connection, actor: Actor, county: dict, today: date) -> dict:
    """The county-wide campaign over monitored and lifted households, ending yesterday."""
    return campaigns.create_campaign(
        conn, actor, name=CAMPAIGN_NAME, starts_on=today - timedelta(days=CAMPAIGN_DAYS),
        ends_on=today - timedelta(days=1), scope_codes=[county["code"]],
        categories=CAMPAIGN_CATEGORIES,
    )  # fmt: skip


def county_summary(county: dict) -> dict:
    """What was loaded into one demo county: code, name, counts per kind and its campaign."""
    campaign = county["campaign"]
    return {
        "code": county["code"],
        "name": county["name"],
        "units": county["grids"]["features"],
        "households": county["households"]["rows"],
        "outside_grid": county["households"]["outside_grid"],
        "monitoring_periods": county["monitoring"]["rows"],
        "workers": county["workers"]["rows"],
        "contacts": county["contacts"]["rows"],
        "visits": county["visits"]["inserted"],
        "projects": county["projects"]["projects"]["rows"],
        "pairings": county["projects"]["pairings"]["rows"],
        "roads": county["osm"]["counts"]["road"],
        "campaign": {k: campaign[k] for k in ("id", "name", "starts_on", "ends_on")},
    }


def sample_files(
    folder: Path, config: Config, *, households_n: int, seed: int, today: date, county: int = 0
) -> tuple[Path, dict[str, Path]]:
    """The grid file of the county-th demo county (0: the sample county itself) and its
    generated import files written into `folder` (households, monitoring, workers, contacts,
    visits: the order their imports need; then `roads`, its .osm.pbf road network); codes,
    place and seed as `gridmap demo` gives it."""
    sample = _Sample(config.geodata_dir / SAMPLE_FILE, households_n, today, config.timezone)
    units = sample_counties.relocated(sample.units, county)
    code = str(units.code[units.level == vocab.COUNTY].iloc[0])
    grid = (
        sample.path if county == 0 else write_county(units, folder / f"sample-county-{code}.gpkg")
    )
    records = _records(sample, units, sample_counties.county_seed(seed, county), code)
    files = _write_csvs(folder, **records)
    files["roads"] = write_roads(
        units, folder / f"roads-{code}.osm.pbf", sample_counties.county_seed(seed, county)
    )
    return grid, files


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
    # Demo accounts above the township see every demo county.
    every_county = [c["code"] for c in county_choices(conn, EVERYTHING)]
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
            counties=every_county if role in vocab.COUNTY_ROLES else (),
        )  # fmt: skip
        created.append((username, role, password))
    return created
