"""Who sees which campaign: a campaign is visible where its units overlap the account's scope."""

from __future__ import annotations

import re
from collections.abc import Iterator

import psycopg
import pytest
from flask.testing import FlaskClient

from gridmap.access.accounts import EVERYTHING, Actor, Scope
from gridmap.core.config import Config
from gridmap.core.errors import NotFound
from gridmap.fieldwork import campaigns
from tests.conftest import _copy_database
from tests.household_fixtures import add_worker
from tests.test_campaigns import ACTOR, END, G1, START, seed
from tests.test_visits import field_app
from tests.web_fixtures import add_account, login

TOWNSHIP = "341890100"
OTHER_TOWNSHIP = "341890101"
#: key -> (name, the campaign's units; empty: the whole county).
CAMPAIGNS = {
    "own-township": ("本镇走访", [TOWNSHIP]),
    "other-township": ("他镇走访", [OTHER_TOWNSHIP]),
    "county": ("全县走访", []),
    "own-village": ("本镇12村走访", ["341890100201"]),
    "own-group": ("本组走访", [G1]),
    "both-townships": ("跨镇走访", ["341890101200", "341890100200"]),
}
#: account -> the campaigns it sees. The township account sees township 341890100, worker W1
#: the group G1, "township101" township 341890101 and "idle" is a worker without groups.
VISIBLE = {
    "admin": set(CAMPAIGNS),
    "reviewer": set(CAMPAIGNS),
    "inspector": set(CAMPAIGNS),
    "township": {"own-township", "county", "own-village", "own-group", "both-townships"},
    "township101": {"other-township", "county", "both-townships"},
    "worker": {"own-township", "county", "own-group", "both-townships"},
    "idle": set(),
}
DETAIL_ROUTES = [
    "/campaigns/{id}",
    "/api/v1/campaigns/{id}/progress",
    "/api/v1/campaigns/{id}/unvisited",
    "/api/v1/campaigns/{id}/visited",
    "/api/v1/campaigns/{id}/unvisited.xlsx",
]


# --- the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefixes", "codes", "visible"),
    [
        (None, [OTHER_TOWNSHIP], True),  # county-wide accounts see everything
        (None, [], True),
        ((TOWNSHIP,), [], True),  # a campaign without units covers the county
        ((G1,), [], True),
        ((), [], False),  # a worker without groups sees nothing
        ((), [TOWNSHIP], False),
        ((TOWNSHIP,), [TOWNSHIP], True),
        ((TOWNSHIP,), ["341890100201"], True),  # a campaign inside the scope
        ((G1,), [TOWNSHIP], True),  # a campaign containing the scope
        ((TOWNSHIP,), [OTHER_TOWNSHIP], False),
        ((G1,), ["341890100201"], False),  # a sibling village
        ((G1,), ["341890100200002"], False),  # a sibling group
        ((TOWNSHIP,), ["341890101200", "341890100200"], True),  # one unit of several
        (("341890101200001", G1), ["341890100201"], False),
        (("341890101200001", G1), ["341890100200"], True),
    ],
)
def test_the_visibility_rule(prefixes, codes, visible):
    campaign = {"scope_codes": codes, "county_code": "341890"}
    assert campaigns.visible_to(campaign, Scope(prefixes)) is visible


@pytest.fixture
def stored(conn: psycopg.Connection, tiny_county_file) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The tiny county and CAMPAIGNS (rolled back): key -> id."""
    seed(conn, tiny_county_file)
    return add_campaigns(conn)


def add_campaigns(conn: psycopg.Connection) -> dict[str, int]:
    """Create CAMPAIGNS through the domain; return key -> id."""
    return {
        key: campaigns.create_campaign(
            conn, ACTOR, name=name, starts_on=START, ends_on=END, scope_codes=codes
        )["id"]
        for key, (name, codes) in CAMPAIGNS.items()
    }


SCOPES = [
    EVERYTHING,
    Scope(()),
    Scope((TOWNSHIP,)),
    Scope((OTHER_TOWNSHIP,)),
    Scope((G1,)),
    Scope(("341890100201002",)),
    Scope(("341890101200001", G1)),
]


def scope_id(scope: Scope) -> str:
    return "county" if scope.prefixes is None else ",".join(scope.prefixes) or "none"


@pytest.mark.parametrize("scope", SCOPES, ids=scope_id)
def test_the_database_applies_the_rule(stored, conn, scope):
    everything = campaigns.list_campaigns(conn, EVERYTHING)
    expected = [c["id"] for c in everything if campaigns.visible_to(c, scope)]
    assert [c["id"] for c in campaigns.list_campaigns(conn, scope)] == expected
    for campaign in everything:
        if campaign["id"] in expected:
            assert campaigns.get_campaign(conn, campaign["id"], scope) == campaign
        else:
            with pytest.raises(NotFound) as info:
                campaigns.get_campaign(conn, campaign["id"], scope)
            assert info.value.message == f"no campaign {campaign['id']}"


@pytest.mark.parametrize("call", ["progress", "unvisited", "visited", "unvisited_list"])
def test_domain_functions_refuse_an_invisible_campaign(stored, conn, call):
    config, other = Config(), stored["other-township"]
    township = Scope((TOWNSHIP,))
    calls = {
        "progress": lambda: campaigns.campaign_progress(conn, config, other, township),
        "unvisited": lambda: campaigns.unvisited_geojson(conn, config, other, township),
        "visited": lambda: campaigns.visited_geojson(conn, config, other, township),
        "unvisited_list": lambda: campaigns.unvisited_list(
            conn, config, other, Actor("t", "township", township)
        ),
    }
    with pytest.raises(NotFound):
        calls[call]()


# --- the web app ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(pg_cluster, template_url, tiny_county_file, tmp_path_factory) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    """(campaign key -> id, account -> logged-in client) on one seeded database."""
    url = _copy_database(pg_cluster, "field_campaign_scope")
    with psycopg.connect(url) as conn:
        seed(conn, tiny_county_file)
        add_worker(conn, "W9", [])
        add_account(conn, "township101", "township", township=OTHER_TOWNSHIP)
        add_account(conn, "idle", "worker", worker="W9")
        ids = add_campaigns(conn)
    config = Config(database_url=url, var_dir=tmp_path_factory.mktemp("var"), secret_key="t")
    app = field_app(config)
    clients: dict[str, FlaskClient] = {}
    for account in VISIBLE:
        client = app.test_client()
        assert login(client, account).status_code == 302
        clients[account] = client
    yield ids, clients
    app.extensions["gridmap_pool"].close()


@pytest.mark.parametrize("route", DETAIL_ROUTES)
@pytest.mark.parametrize("key", CAMPAIGNS)
@pytest.mark.parametrize("account", VISIBLE)
def test_detail_routes_answer_404_for_a_campaign_outside_the_scope(site, account, key, route):
    ids, clients = site
    response = clients[account].get(route.format(id=ids[key]))
    if key in VISIBLE[account]:
        assert response.status_code == 200
    else:
        assert response.status_code == 404
        assert CAMPAIGNS[key][0] not in response.get_data(as_text=True)


@pytest.mark.parametrize("account", VISIBLE)
def test_campaign_lists_leave_out_campaigns_outside_the_scope(site, account):
    ids, clients = site
    expected = {ids[key] for key in VISIBLE[account]}
    listed = clients[account].get("/api/v1/campaigns")
    assert listed.status_code == 200
    assert {c["id"] for c in listed.json["campaigns"]} == expected
    page = clients[account].get("/campaigns")
    assert page.status_code == 200
    assert {int(i) for i in re.findall(r'<tr data-id="(\d+)"', page.text)} == expected
    assert {ids[k] for k, (name, _codes) in CAMPAIGNS.items() if name in page.text} == expected


def test_an_unknown_campaign_answers_like_an_invisible_one(site):
    ids, clients = site
    hidden = clients["township"].get(f"/api/v1/campaigns/{ids['other-township']}/progress")
    missing = clients["township"].get("/api/v1/campaigns/9999/progress")
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.json["error"].replace(str(ids["other-township"]), "N") == missing.json[
        "error"
    ].replace("9999", "N")
