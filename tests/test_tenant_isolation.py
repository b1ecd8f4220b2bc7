"""Three counties in one instance: a city reviewer of two of them and a township user of the
third see exactly their own, by every page, tile, API route and export."""

from __future__ import annotations

import io
import math
import zipfile
from datetime import date

import psycopg
import pytest

from gridmap.core.config import Config
from gridmap.sample import demo
from gridmap.web import create_app
from tests.web_fixtures import FAST_HASHING, add_account, login

TODAY = date(2026, 6, 30)
A, B, C = "341890", "341891", "341892"
#: The city reviewer sees A and B; the township user a township of C.
CITY, TOWNSHIP = "shi", "xiang"
OWN = {CITY: (A, B), TOWNSHIP: (C,)}
OTHERS = {CITY: (C,), TOWNSHIP: (A, B)}

#: Every GET route without a path parameter that an account may read, as the pages link them.
#: Each is asked once per county the account sees (reports need the county chosen).
LISTS = [
    "/", "/map", "/coverage", "/monitoring", "/projects", "/campaigns", "/inspections",
    "/api/v1/units?level=3", "/api/v1/units?level=4", "/api/v1/coverage?level=3",
    "/api/v1/households", "/api/v1/workers", "/api/v1/gaps", "/api/v1/search?q=1",
    "/api/v1/monitoring", "/api/v1/monitoring/uncontacted", "/api/v1/contacts",
    "/api/v1/field/households", "/api/v1/visits", "/api/v1/projects", "/api/v1/campaigns",
    "/api/v1/inspections", "/api/v1/edits",
]  # fmt: skip
EXPORTS = [
    "/api/v1/coverage.xlsx", "/api/v1/monitoring.xlsx", "/api/v1/contacts.xlsx",
    "/api/v1/monitoring/uncontacted.xlsx", "/api/v1/projects.xlsx", "/api/v1/pairings.xlsx",
]  # fmt: skip


def seed(conn: psycopg.Connection) -> None:
    """Three demo counties and the two accounts."""
    demo.load_demo(conn, FAST_HASHING, households_n=400, seed=5, today=TODAY, counties=3)
    township = conn.execute(
        "SELECT min(code) FROM unit_version WHERE valid_to IS NULL AND level = 2 "
        "AND county_code = %s",
        [C],
    ).fetchone()[0]
    add_account(conn, CITY, "city", counties=[A, B])
    add_account(conn, TOWNSHIP, "township", township=township)
    conn.commit()


@pytest.fixture(scope="module")
def three_counties(seeded_template, pg_cluster) -> str:  # type: ignore[no-untyped-def]
    return pg_cluster.url(seeded_template(seed))


@pytest.fixture(scope="module")
def clients(three_counties, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A logged-in test client for the city reviewer and for the township user."""
    config = Config(
        database_url=three_counties, var_dir=tmp_path_factory.mktemp("var"), secret_key="t",
        login_rate_limit="1000 per minute",
    )  # fmt: skip
    app = create_app(config)
    found = {}
    for username in OWN:
        client = app.test_client()
        assert login(client, username).status_code == 302
        found[username] = client
    yield found
    app.extensions["gridmap_pool"].close()


def one_row(url: str, query: str, params: list) -> tuple:
    with psycopg.connect(url) as conn:
        row = conn.execute(query, params).fetchone()
    assert row is not None, (query, params)
    return row


def text_of(body: bytes) -> str:
    """The text a response carries: a spreadsheet's every part unzipped, else the bytes."""
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return body.decode("utf-8", "replace")


def with_county(path: str, county: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}county={county}"


def foreign_codes(text: str, username: str) -> list[str]:
    """Codes of the counties `username` may not see that appear in `text`."""
    return [code for code in OTHERS[username] if code in text]


#: Routes these roles may not read at all (inspection plans are for inspectors and
#: administrators; the edit log is not for township staff): they answer 403 or 404.
HIDDEN = {
    CITY: {"/inspections", "/api/v1/inspections"},
    TOWNSHIP: {"/inspections", "/api/v1/inspections", "/api/v1/edits"},
}


@pytest.mark.parametrize("username", OWN)
@pytest.mark.parametrize("path", LISTS + EXPORTS)
def test_every_list_and_export_holds_only_the_accounts_counties(clients, username, path):
    client = clients[username]
    asked = [with_county(path, c) for c in OWN[username]] if len(OWN[username]) > 1 else [path]
    for url in asked:
        response = client.get(url)
        if path in HIDDEN[username]:
            assert response.status_code in (403, 404), url
            continue
        assert response.status_code == 200, (url, response.status_code)
        assert foreign_codes(text_of(response.data), username) == [], url


@pytest.mark.parametrize("username", OWN)
def test_a_county_outside_the_account_is_not_found(clients, username):
    for county in OTHERS[username]:
        response = clients[username].get(f"/api/v1/coverage?county={county}")
        assert response.status_code == 404


def _tile(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


@pytest.mark.parametrize("username", OWN)
@pytest.mark.parametrize("z", [13, 10, 8])
def test_tiles_over_another_county_hold_nothing_of_it(clients, three_counties, username, z):
    for county in OTHERS[username]:
        lon, lat = one_row(
            three_counties,
            "SELECT ST_X(geom), ST_Y(geom) FROM household WHERE county_code = %s "
            "AND geom IS NOT NULL ORDER BY code LIMIT 1",
            [county],
        )
        for layer in ("households", "units"):
            tile = "/".join(map(str, _tile(lon, lat, z)))
            response = clients[username].get(f"/tiles/{layer}/{tile}.pbf")
            assert response.status_code == 200
            assert foreign_codes(text_of(response.data), username) == [], (layer, z)


@pytest.mark.parametrize("username", OWN)
def test_own_tiles_are_not_empty(clients, three_counties, username):
    county = OWN[username][0]
    lon, lat = one_row(
        three_counties,
        "SELECT ST_X(geom), ST_Y(geom) FROM household WHERE county_code = %s AND unit_code "
        "LIKE %s AND geom IS NOT NULL ORDER BY code LIMIT 1",
        [county, f"{county}%" if username == CITY else "%"],
    )
    tile = "/".join(map(str, _tile(lon, lat, 13)))
    response = clients[username].get(f"/tiles/households/{tile}.pbf")
    assert response.status_code == 200 and len(response.data) > 0


#: Routes naming one object, with the query that finds such an object in a county.
OBJECTS = [
    ("/api/v1/households/{}", "SELECT min(code) FROM household WHERE county_code = %s"),
    ("/api/v1/households/{}/contacts", "SELECT min(code) FROM household WHERE county_code = %s"),
    ("/api/v1/households/{}/monitoring", "SELECT min(household_code) FROM monitoring "
     "WHERE county_code = %s"),
    ("/api/v1/units/{}", "SELECT min(code) FROM unit_version WHERE level = 3 "
     "AND county_code = %s"),
    ("/api/v1/units/{}/history", "SELECT min(code) FROM unit_version WHERE level = 3 "
     "AND county_code = %s"),
    ("/api/v1/units/{}/pairings", "SELECT min(village_code) FROM pairing WHERE county_code = %s"),
    ("/units/{}", "SELECT min(code) FROM unit_version WHERE level = 3 AND county_code = %s"),
    ("/api/v1/projects/{}", "SELECT min(code) FROM project WHERE county_code = %s"),
    ("/campaigns/{}", "SELECT min(id) FROM campaign WHERE county_code = %s"),
    ("/api/v1/campaigns/{}/progress", "SELECT min(id) FROM campaign WHERE county_code = %s"),
    ("/api/v1/campaigns/{}/unvisited", "SELECT min(id) FROM campaign WHERE county_code = %s"),
]  # fmt: skip


@pytest.mark.parametrize("username", OWN)
@pytest.mark.parametrize(("route", "query"), OBJECTS, ids=[r for r, _ in OBJECTS])
def test_an_object_of_another_county_is_not_found(clients, three_counties, username, route,
                                                   query):  # fmt: skip
    for county in OTHERS[username]:
        (key,) = one_row(three_counties, query, [county])
        assert key is not None, (route, county)
        response = clients[username].get(route.format(key))
        assert response.status_code in (403, 404), (route, key, response.status_code)


#: Lists that hold data of every county an account sees (the sample counties all have some).
FILLED = [
    "/api/v1/households", "/api/v1/coverage?level=3", "/api/v1/units?level=4",
    "/api/v1/workers", "/api/v1/projects", "/api/v1/coverage.xlsx", "/api/v1/monitoring.xlsx",
]  # fmt: skip


@pytest.mark.parametrize("username", OWN)
@pytest.mark.parametrize("path", FILLED)
def test_each_list_holds_the_accounts_own_data(clients, username, path):
    for county in OWN[username]:
        url = with_county(path, county) if len(OWN[username]) > 1 else path
        response = clients[username].get(url)
        assert response.status_code == 200
        assert county in text_of(response.data), url
