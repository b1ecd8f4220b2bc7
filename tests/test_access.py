"""Who may see what: every API route and tile for every role, inside and outside scope."""

from __future__ import annotations

import re

import psycopg
import pytest

from gridmap.core.config import Config
from gridmap.web import create_app
from tests.web_fixtures import PASSWORD, ROLE_ACCOUNTS, csrf_token, login

ROLES = list(ROLE_ACCOUNTS)
COUNTY_WIDE = {"admin", "reviewer", "inspector"}
TOWNSHIP_IN, TOWNSHIP_OUT = "341890100200", "341890101200"  # villages
GROUP_IN, GROUP_OUT = "341890100200001", "341890100200002"  # W1 serves only GROUP_IN


@pytest.fixture(scope="module")
def app(live_db_url, tmp_path_factory):
    """The app on the shared test county (households H1-H4, worker W1, one account per role)."""
    application = create_app(
        Config(database_url=live_db_url, var_dir=tmp_path_factory.mktemp("var"), secret_key="t")
    )
    yield application
    application.extensions["gridmap_pool"].close()


@pytest.fixture(scope="module")
def clients(app):
    """A logged-in test client per role."""
    result = {}
    for role in ROLES:
        client = app.test_client()
        assert login(client, role).status_code == 302
        result[role] = client
    return result


def visible(role: str, code: str) -> bool:
    """Expected visibility of a unit code for a role."""
    if role in COUNTY_WIDE:
        return True
    if role == "township":
        return code.startswith("341890100")
    return code.startswith(GROUP_IN)


UNIT_CODES = ["341890", "341890100", TOWNSHIP_OUT, TOWNSHIP_IN, GROUP_IN, GROUP_OUT]
# household -> the unit it is assigned to
HOUSEHOLDS = {"H1": GROUP_IN, "H3": "341890100201001", "H4": "341890"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("code", UNIT_CODES)
def test_unit_figures_only_in_scope(clients, role, code):
    response = clients[role].get(f"/api/v1/units/{code}")
    assert response.status_code == (200 if visible(role, code) else 404)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("household", list(HOUSEHOLDS))
def test_household_detail_only_in_scope(clients, role, household):
    response = clients[role].get(f"/api/v1/households/{household}")
    assert response.status_code == (200 if visible(role, HOUSEHOLDS[household]) else 404)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/households?unit={code}",
        "/api/v1/workers?unit={code}",
        "/api/v1/gaps?unit={code}",
        "/api/v1/units?level=4&parent={code}",
        "/api/v1/coverage?parent={code}",
        "/api/v1/coverage.xlsx?parent={code}",
    ],
)
@pytest.mark.parametrize("code", ["341890100", TOWNSHIP_OUT])
def test_filtered_lists_and_exports_refuse_other_scopes(clients, role, path, code):
    response = clients[role].get(path.format(code=code))
    inside = visible(role, code) or (role == "worker" and code == "341890100")
    assert response.status_code == (200 if inside else 404)


@pytest.mark.parametrize("role", ROLES)
def test_lists_hold_only_what_is_in_scope(clients, role):
    households = clients[role].get("/api/v1/households").json["features"]
    codes = {f["properties"]["code"] for f in households}
    expected = {h for h, unit in HOUSEHOLDS.items() if visible(role, unit)}
    expected |= {"H2"} if visible(role, GROUP_IN) else set()
    assert codes == expected
    units = clients[role].get("/api/v1/coverage?level=3").json["units"]
    assert all(visible(role, u["code"]) for u in units)
    groups = clients[role].get("/api/v1/units?level=4").json["features"]
    assert {f["properties"]["code"] for f in groups} == {
        c for c in _all_groups() if visible(role, c)
    }


def _all_groups() -> set[str]:
    return {f"341890{t}{v}{g:03d}" for t in (100, 101) for v in (200, 201) for g in (1, 2)}


@pytest.mark.parametrize("role", ROLES)
def test_tiles_outside_scope_are_empty_not_errors(clients, role):
    import mapbox_vector_tile

    from tests.household_fixtures import lonlat_m
    from tests.test_tiles import tile_of

    z, x, y = tile_of(*lonlat_m(600, 500), 14)
    inside = clients[role].get(f"/tiles/households/{z}/{x}/{y}.pbf")
    outside = clients[role].get(f"/tiles/households/{z}/{x}/{y}.pbf?unit={TOWNSHIP_OUT}")
    assert inside.status_code == 200 and outside.status_code == 200
    if role in COUNTY_WIDE:
        return
    assert mapbox_vector_tile.decode(outside.data) == {}
    codes = {
        f["properties"]["code"]
        for f in mapbox_vector_tile.decode(inside.data)["households"]["features"]
    }
    assert codes == ({"H1", "H2", "H3"} if role == "township" else {"H1", "H2"})


@pytest.mark.parametrize("role", ROLES)
def test_personal_values_masked_for_everyone_but_admin(clients, role, live_db_url):
    detail = clients[role].get("/api/v1/households/H1").json
    if role == "admin":
        assert detail["id_number"] == "341890199001011234" and detail["phone"] == "13812345678"
        with psycopg.connect(live_db_url) as conn:
            row = conn.execute(
                "SELECT username, client FROM audit WHERE action = 'personal.view' "
                "AND target = 'H1' ORDER BY id DESC LIMIT 1"
            ).fetchone()
        assert row is not None and row[0] == "admin"
    else:
        assert detail["id_number"] == "3418**********1234" and detail["phone"] == "138****5678"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/units?level=2",
        "/api/v1/units/341890",
        "/api/v1/coverage",
        "/api/v1/households",
        "/api/v1/households/H1",
        "/api/v1/workers",
        "/api/v1/gaps",
        "/api/v1/search?q=1",
        "/api/v1/coverage.xlsx",
        "/tiles/households/10/843/423.pbf",
        "/tiles/units/10/843/423.pbf",
    ],
)
def test_api_and_tiles_need_login(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 401 and "login" in response.json["error"]


@pytest.mark.parametrize("path", ["/", "/map"])
def test_pages_redirect_to_login(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_health_is_open_and_says_nothing_about_data(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.json == {"ok": True}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/households?unit=1%27%20OR%201%3D1",
        "/api/v1/households?status=covered%27%20--",
        "/api/v1/units?level=1%3BDROP%20TABLE%20household",
        "/api/v1/coverage?parent=341890%25",
        "/api/v1/households?page=-1",
        "/api/v1/households/H1%27%20OR%20%271%27%3D%271",
        "/api/v1/units/341890%27--",
        "/tiles/households/14/1/1.pbf?as_of=2026-01-01%27",
    ],
)
def test_injection_strings_get_400_or_404(clients, path):
    assert clients["township"].get(path).status_code in (400, 404)


@pytest.mark.parametrize("text", ["' OR '1'='1", "%", "_", "1%' --"])
def test_search_with_injection_strings_finds_nothing_more(clients, text):
    response = clients["township"].get("/api/v1/search", query_string={"q": text})
    assert response.status_code == 200
    assert all(u["code"].startswith("341890100") for u in response.json["units"])
    assert response.json["units"] == [] or text == "_"


def test_post_without_csrf_token_is_refused(app):
    client = app.test_client()
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400
    login(client, "admin")
    assert client.post("/logout").status_code == 400
    token = csrf_token(client.get("/login").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_security_headers_and_cookie_flags(app):
    client = app.test_client()
    response = login(client, "reviewer")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/api/v1/units?level=2")
    csp = page.headers["Content-Security-Policy"]
    assert (
        "script-src 'self' 'nonce-" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_idle_session_expires(app):
    client = app.test_client()
    login(client, "reviewer")
    assert client.get("/api/v1/units?level=2").status_code == 200
    with client.session_transaction() as session:
        session["seen"] -= 31 * 60
    assert client.get("/api/v1/units?level=2").status_code == 401


def test_wrong_password_then_lockout(fresh_db_url, tmp_path):
    from tests.web_fixtures import add_account

    with psycopg.connect(fresh_db_url) as conn:
        add_account(conn, "clerk", "reviewer", counties=["341890"])
        conn.commit()
    app = create_app(Config(database_url=fresh_db_url, var_dir=tmp_path, secret_key="t"))
    client = app.test_client()
    client.get("/login?lang=en")
    for _ in range(5):
        assert login(client, "clerk", "wrong-Password-1").status_code == 401
    # Locked: even the right password is refused now, in the words an unknown name gets.
    locked = login(client, "clerk")
    unknown = login(client, "nobody-here", "wrong-Password-1")
    assert locked.status_code == unknown.status_code == 401
    without_token = re.compile(r'name="csrf_token" value="[^"]*"')
    assert without_token.sub("", locked.text) == without_token.sub("", unknown.text)
    assert "Wrong user name or password" in locked.text and "locked" not in locked.text
    app.extensions["gridmap_pool"].close()


@pytest.mark.parametrize(
    ("method", "prefix"),
    [("scrypt", "scrypt:32768:8:1$"), ("pbkdf2:sha256:1000", "pbkdf2:sha256:1000$")],
)
def test_passwords_are_hashed_with_the_configured_method(conn, method, prefix):
    from gridmap.access import accounts
    from gridmap.access.accounts import cli_actor

    config = Config(password_hash_method=method)
    accounts.create_account(conn, config, cli_actor("t"), username="hashed", role="reviewer",
                            password=PASSWORD, counties=["341890"])  # fmt: skip
    (stored,) = conn.execute(
        "SELECT password_hash FROM account WHERE username = 'hashed'"
    ).fetchone()
    assert stored.startswith(prefix)
    accounts.change_password(conn, config, cli_actor("t"), "hashed", PASSWORD + "x")
    (changed,) = conn.execute(
        "SELECT password_hash FROM account WHERE username = 'hashed'"
    ).fetchone()
    assert changed.startswith(prefix) and changed != stored
