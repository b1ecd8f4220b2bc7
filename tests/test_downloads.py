"""Every file download (XLSX, CSV, GPX, KML) is sent as an attachment that is never cached."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from gridmap.access.accounts import EVERYTHING, Actor
from gridmap.fieldwork import campaigns
from gridmap.inspections import plan
from gridmap.inspections.compose import PlanRequest
from gridmap.web import create_app
from tests.web_fixtures import logged_in

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
def setup(monitored_county):  # type: ignore[no-untyped-def]
    """An app on the monitored county with a campaign and an inspection plan."""
    admin = Actor("x", "admin", EVERYTHING)
    with psycopg.connect(monitored_county.database_url) as conn:
        request = PlanRequest("下载测试", date(2023, 6, 23), 1, 1, 8.0, stops=2, seed=5)
        made = plan.create_plan(conn, monitored_county, request, admin, date(2023, 6, 1))
        campaign = campaigns.create_campaign(
            conn, admin, name="集中走访", starts_on=date(2023, 6, 1), ends_on=date(2023, 6, 30)
        )
        conn.commit()
    app = create_app(monitored_county)
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
    return logged_in(app, "admin")


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
