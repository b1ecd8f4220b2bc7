"""Every file download (XLSX, CSV, GPX, KML) is sent as an attachment that is never cached."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from gridmap.access.accounts import EVERYTHING, Actor
from gridmap.core.config import Config
from gridmap.fieldwork import campaigns
from gridmap.grid import assign, grids
from gridmap.inspections import plan
from gridmap.inspections.compose import PlanRequest
from gridmap.web import create_app
from tests.household_fixtures import Household, add_households, add_worker
from tests.web_fixtures import add_role_accounts, login

DOWNLOAD_SUFFIXES = (".xlsx", ".csv", ".gpx", ".kml", ".<any(gpx, kml):fmt>")
#: A path of every download route.
DOWNLOADS = {
    "coverage": "/api/v1/coverage.xlsx",
    "monitoring": "/api/v1/monitoring.xlsx",
    "uncontacted": "/api/v1/monitoring/uncontacted.xlsx",
    "contacts": "/api/v1/contacts.xlsx",
    "campaign to-do": "/api/v1/campaigns/{campaign}/unvisited.xlsx",
    "projects": "/api/v1/projects.xlsx",
    "pairings": "/api/v1/pairings.xlsx",
    "plan stops": "/inspections/{plan}/plan.csv",
    "route gpx": "/inspections/{plan}/{team}/{day}.gpx",
    "route kml": "/inspections/{plan}/{team}/{day}.kml",
}


@pytest.fixture(scope="module")
def setup(pg_cluster, template_url, tiny_county_file, tmp_path_factory):  # type: ignore[no-untyped-def]
    """An app on its own database with households, a worker, a campaign and an inspection plan."""
    from tests.conftest import _copy_database

    url = _copy_database(pg_cluster, "t_downloads")
    config = Config(
        database_url=url, var_dir=tmp_path_factory.mktemp("var"), secret_key="t",
        login_rate_limit="1000 per minute",
    )  # fmt: skip
    admin = Actor("x", "admin", EVERYTHING)
    with psycopg.connect(url) as conn:
        grids.import_grid_file(conn, tiny_county_file)
        spots = [(500, 500), (2500, 700), (4500, 600), (6500, 3000)]
        add_households(
            conn, [Household(f"M{i}", at, category="monitored") for i, at in enumerate(spots)]
        )
        add_worker(conn, "W1", ["341890100200001"])
        assign.assign_households(conn)
        add_role_accounts(conn)
        request = PlanRequest("下载测试", date(2023, 6, 23), 1, 1, 8.0, stops=2, seed=5)
        made = plan.create_plan(conn, config, request, admin, date(2023, 6, 1))
        campaign = campaigns.create_campaign(
            conn, admin, name="集中走访", starts_on=date(2023, 6, 1), ends_on=date(2023, 6, 30)
        )
        conn.commit()
    app = create_app(config)
    yield app, made, campaign
    app.extensions["gridmap_pool"].close()


def place_holders(made: dict, campaign: dict) -> dict:
    """What fills the paths of DOWNLOADS: the plan, a team-day with stops, the campaign."""
    route = next(r for r in made["routes"] if r["stops"])
    return {
        "plan": made["id"],
        "team": route["team"],
        "day": route["day"],
        "campaign": campaign["id"],
    }


@pytest.fixture(scope="module")
def admin(setup):  # type: ignore[no-untyped-def]
    app, _made, _campaign = setup
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    return client


@pytest.mark.parametrize("download", list(DOWNLOADS))
def test_downloads_are_attachments_that_are_not_stored(setup, admin, download):
    _app, made, campaign = setup
    path = DOWNLOADS[download].format(**place_holders(made, campaign))
    response = admin.get(path)
    assert response.status_code == 200, path
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"


def test_every_download_route_is_covered(setup):
    app, made, campaign = setup
    adapter = app.url_map.bind("localhost")
    filled = place_holders(made, campaign)
    covered = {adapter.match(path.format(**filled))[0] for path in DOWNLOADS.values()}
    downloads = {
        rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.endswith(DOWNLOAD_SUFFIXES)
    }
    assert downloads == covered
