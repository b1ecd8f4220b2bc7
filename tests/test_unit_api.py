"""/api/v1/units/<code>: a village's groups without an active worker."""

from __future__ import annotations

import psycopg
import pytest

from gridmap.web import create_app
from tests.household_fixtures import add_grid, add_worker
from tests.web_fixtures import login

VILLAGE = "341890100200"
UNSTAFFED = {"code": "341890100200002", "name": "2组"}


@pytest.fixture(scope="module")
def app(live_app):  # type: ignore[no-untyped-def]
    """The app on the shared tiny county (W1 serves group 001 of village 341890100200)."""
    return live_app


def logged_in(app, username: str):  # type: ignore[no-untyped-def]
    """A test client logged in as `username`."""
    client = app.test_client()
    login(client, username)
    return client


@pytest.mark.parametrize("username", ["reviewer", "township"])
def test_village_lists_its_groups_without_a_worker(app, username):
    figures = logged_in(app, username).get(f"/api/v1/units/{VILLAGE}").json
    assert figures["groups_without_worker"] == [UNSTAFFED]
    assert figures["no_worker"] >= 0


def test_every_group_of_a_village_without_workers_is_listed(app):
    figures = logged_in(app, "reviewer").get("/api/v1/units/341890100201").json
    assert [g["code"] for g in figures["groups_without_worker"]] == [
        "341890100201001", "341890100201002",
    ]  # fmt: skip


def test_only_villages_list_groups(app):
    client = logged_in(app, "reviewer")
    for code in ("341890", "341890100", "341890100200001"):
        assert "groups_without_worker" not in client.get(f"/api/v1/units/{code}").json


def test_a_new_worker_takes_the_group_off_the_list(config, tiny_county_file):
    from tests.web_fixtures import add_role_accounts

    with psycopg.connect(config.database_url) as conn:
        add_grid(conn, tiny_county_file)
        add_worker(conn, "W1", ["341890100200001"])
        add_role_accounts(conn)
        conn.commit()
    application = create_app(config)
    try:
        client = logged_in(application, "reviewer")
        assert client.get(f"/api/v1/units/{VILLAGE}").json["groups_without_worker"] == [UNSTAFFED]
        with psycopg.connect(config.database_url) as conn:
            add_worker(conn, "W2", [UNSTAFFED["code"]])
            conn.commit()
        assert client.get(f"/api/v1/units/{VILLAGE}").json["groups_without_worker"] == []
    finally:
        application.extensions["gridmap_pool"].close()
