"""The three-county database of test_counties with campaigns, inspection plans and more
accounts: for the records that belong to one county (campaigns, plans, imports, exports)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import psycopg
from click.testing import CliRunner
from flask.testing import FlaskClient
from psycopg import sql

from gridmap.access.accounts import Actor, Scope, cli_actor
from gridmap.cli import main
from gridmap.core.config import Config
from gridmap.fieldwork import campaigns
from gridmap.inspections import plan
from gridmap.inspections.compose import PlanRequest
from gridmap.web import create_app
from tests.conftest import _copy_database
from tests.household_fixtures import Household, add_households
from tests.test_counties import ACCOUNTS, TOWNSHIP_A, TOWNSHIP_B, A, B, C, seed_counties
from tests.web_fixtures import add_account, csrf_token, login

#: A household of county A whose code follows the numbering scheme (its group's code and
#: more digits): its county shows in its code even to an account that cannot see it.
SCHEME_A = f"{A}1002000010001"
#: Accounts beside test_counties.ACCOUNTS: role, township, worker, counties.
MORE_ACCOUNTS = {
    "inspector_ab": ("inspector", None, None, [A, B]),
    "inspector_a": ("inspector", None, None, [A]),
    "township_b": ("township", TOWNSHIP_B, None, []),
}
USERS = {**ACCOUNTS, **MORE_ACCOUNTS}
#: Campaign key -> (the scope of the account that made it, its units). "a_whole" names no unit:
#: an account of county A alone made it, so it covers county A.
CAMPAIGNS = {
    "a_whole": ((A,), []),
    "a_town": (None, [TOWNSHIP_A]),
    "b_whole": (None, [B]),
    "c_town": (None, [f"{C}101"]),
}
CAMPAIGN_DAYS = (date(2024, 1, 1), date(2024, 1, 31))
#: Plan key -> the county it covers.
PLANS = {"plan_a": A, "plan_b": B}
PLAN_DAY = date(2024, 3, 1)
ADMIN = cli_actor("tester")


def plan_request(name: str, **changes: object) -> PlanRequest:
    """One team for one day of 8 hours, 3 stops, seed 3."""
    values: dict = dict(name=name, first_day=PLAN_DAY, days=1, teams=1, hours=8.0, stops=3, seed=3)
    return PlanRequest(**{**values, **changes})


def seed_records(conn: psycopg.Connection, tiny: Path, folder: Path) -> None:
    """test_counties' three counties, SCHEME_A, MORE_ACCOUNTS, CAMPAIGNS and PLANS."""
    seed_counties(conn, tiny, folder)
    add_households(conn, [Household(SCHEME_A, (600, 600), category="monitored")])
    for username, (role, township, worker, codes) in MORE_ACCOUNTS.items():
        add_account(conn, username, role, township, worker, counties=codes)
    start, end = CAMPAIGN_DAYS
    for key, (prefixes, units) in CAMPAIGNS.items():
        actor = ADMIN if prefixes is None else replace(ADMIN, scope=Scope(prefixes))
        campaigns.create_campaign(
            conn, actor, name=f"走访 {key}", starts_on=start, ends_on=end, scope_codes=units
        )
    for key, county in PLANS.items():
        actor = Actor("planner", "admin", Scope((county,)))
        plan.create_plan(conn, Config(), plan_request(f"暗访 {key}"), actor, PLAN_DAY)
    conn.commit()


def ids_of(url: str, table: str) -> dict[str, int]:
    """Key -> id of the seeded campaigns or plans (their names end with the key)."""
    with psycopg.connect(url) as conn:
        query = sql.SQL("SELECT name, id FROM {}").format(sql.Identifier(table))
        rows = conn.execute(query).fetchall()
    return {name.split(" ")[-1]: ident for name, ident in rows}


def site_on(pg_cluster, template: str, name: str, var_dir: Path):  # type: ignore[no-untyped-def]
    """(url, app, account -> logged-in client) on a copy `name` of the seeded `template`."""
    url = _copy_database(pg_cluster, name, template)
    config = Config(database_url=url, var_dir=var_dir, secret_key="t",
                    login_rate_limit="1000 per minute")  # fmt: skip
    app = create_app(config)
    return url, app, logged_in_clients(app, USERS)


def cli_runner(url: str, var_dir: Path):  # type: ignore[no-untyped-def]
    """Run `gridmap ARGS` on the database `url`: (exit code, stdout, stderr)."""
    env = {"GRIDMAP_DATABASE_URL": url, "GRIDMAP_VAR_DIR": str(var_dir)}
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def logged_in_clients(app, usernames) -> dict[str, FlaskClient]:  # type: ignore[no-untyped-def]
    """A logged-in test client per account, sending its CSRF token with JSON posts."""
    found = {}
    for username in usernames:
        client = app.test_client()
        assert login(client, username).status_code == 302
        client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client.get("/login").text)
        found[username] = client
    return found


def csv_bytes(headers: list[str], rows: list[list[object]]) -> bytes:
    """A UTF-8 CSV file of `rows` under `headers`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([["" if v is None else str(v) for v in row] for row in rows])
    return out.getvalue().encode("utf-8")
