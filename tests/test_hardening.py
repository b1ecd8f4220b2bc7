"""Defects found by attacking the running service: sessions, redirects, NUL bytes, proxies."""

from __future__ import annotations

import re

import psycopg
import pytest

from gridmap.access import accounts
from gridmap.access.accounts import cli_actor
from gridmap.core.config import Config
from gridmap.core.errors import BadInput
from gridmap.web import create_app
from gridmap.web.proxy import client_address, parse_networks
from tests.web_fixtures import add_account, csrf_token, login

COUNTY = "341890"
UNIT = f"/api/v1/units/{COUNTY}"


@pytest.fixture
def app(fresh_db_url, tmp_path):
    """The app on an empty fresh database with a few accounts of its own."""
    with psycopg.connect(fresh_db_url) as conn:
        for name in ("clerk", "boss"):
            add_account(conn, name, "reviewer", counties=[COUNTY])
        add_account(conn, "root-admin", "admin", counties=[COUNTY])
        conn.commit()
    application = create_app(
        Config(database_url=fresh_db_url, var_dir=tmp_path / "var", secret_key="t")
    )
    yield application
    application.extensions["gridmap_pool"].close()


def _logged_in(app, username: str = "clerk"):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _stolen_copy(app, client):  # type: ignore[no-untyped-def]
    """A second client holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_copied_cookie_opens_nothing_after_logout(app):
    client = _logged_in(app)
    thief = _stolen_copy(app, client)
    assert thief.get(UNIT).status_code in (200, 404)  # logged in: the unit is simply absent
    token = csrf_token(client.get("/login").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert thief.get(UNIT).status_code == 401
    assert client.get(UNIT).status_code == 401


@pytest.mark.parametrize("change", ["password", "disable"])
def test_password_change_and_disabling_end_every_session(app, fresh_db_url, change):
    first, second, other = _logged_in(app), _logged_in(app), _logged_in(app, "boss")
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        if change == "password":
            accounts.change_password(conn, Config(), cli_actor("t"), "clerk", "New-password-77")
        else:
            accounts.set_disabled(conn, cli_actor("t"), "clerk", True)
    assert first.get(UNIT).status_code == second.get(UNIT).status_code == 401
    assert other.get(UNIT).status_code != 401  # another account keeps its session


def test_sessions_are_stored_as_digests_only(app, fresh_db_url):
    client = _logged_in(app)
    with psycopg.connect(fresh_db_url) as conn:
        rows = conn.execute("SELECT id_sha256, username FROM account_session").fetchall()
    assert [r[1] for r in rows] == ["clerk"] and len(rows[0][0]) == 32
    assert rows[0][0].hex() not in client.get_cookie("session").value


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example/x",
        "/%0a/evil.example/x",
        "//evil.example/x",
        "/\\evil.example/x",
        "%5C%5Cevil.example",
        "https://evil.example/x",
        "http:/evil.example",
        "/%0d%0a//evil.example",
    ],
)
def test_login_never_redirects_off_the_host(app, target):
    response = login(app.test_client(), "clerk", path=f"/login?next={target}")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/" or location == "http://localhost/", location


@pytest.mark.parametrize("target", ["/map?unit=341890", "/units/341890100", "/coverage"])
def test_login_follows_a_path_on_this_host(app, target):
    response = login(app.test_client(), "clerk", query_string={"next": target})
    assert response.headers["Location"] == target


def _nul_urls(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every GET route, path parameters and common query parameters set to a NUL byte."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        path = re.sub(r"<int:[^>]+>", "1", rule.rule)
        path = re.sub(r"<any\([^)]*\):[^>]+>", "gpx", path)
        path = re.sub(r"<[^>]+>", "%00", path)
        urls.append(path + "?q=%00&unit=%00&household=%00&user=%00&as_of=%00&level=%00")
    return urls


def test_a_nul_byte_gets_400_on_every_route(app):
    client = _logged_in(app, "root-admin")
    urls = _nul_urls(app)
    assert len(urls) > 40
    answers = {url: client.get(url) for url in urls}
    wrong = {url: r.status_code for url, r in answers.items() if r.status_code != 400}
    assert wrong == {}
    assert all("NUL" in r.text for r in answers.values())


@pytest.mark.parametrize(
    "path",
    ["/api/v1/households/%00", "/api/v1/search?q=%00", "/api/v1/visits?household=%00"],
)
def test_a_nul_byte_in_the_path_or_query_alone_gets_400(app, path):
    response = _logged_in(app).get(path)
    assert response.status_code == 400 and "NUL" in response.json["error"]


def test_a_nul_byte_in_a_login_name_or_a_json_body_gets_400(app):
    named = login(app.test_client(), "cl\x00erk")
    assert named.status_code == 400
    admin = _logged_in(app, "root-admin")
    token = csrf_token(admin.get("/admin/import").text)
    body = admin.post(
        "/api/v1/campaigns", headers={"X-CSRFToken": token},
        json={"name": "a\x00b", "from": "2026-01-01", "to": "2026-01-31"},
    )  # fmt: skip
    assert body.status_code == 400 and "NUL" in body.json["error"]


def test_the_first_request_after_the_database_drops_connections_succeeds(app, fresh_db_url):
    client = _logged_in(app)
    assert client.get("/healthz").status_code == 200
    pool = app.extensions["gridmap_pool"]
    with psycopg.connect(fresh_db_url, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert killed >= 1 and pool.get_stats()["pool_size"] >= 1
    assert client.get("/healthz").status_code == 200
    assert client.get(UNIT).status_code in (200, 404)


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "client"),
    [
        ("203.0.113.9", "198.51.100.7", "", "203.0.113.9"),  # no proxy configured
        ("203.0.113.9", "198.51.100.7", "10.0.0.1", "203.0.113.9"),  # not from the proxy
        ("10.0.0.1", "198.51.100.7", "10.0.0.1", "198.51.100.7"),
        ("10.0.0.1", "1.2.3.4, 198.51.100.7", "10.0.0.1", "198.51.100.7"),  # spoofed left part
        ("10.0.0.1", "198.51.100.7, 10.0.0.2", "10.0.0.0/24", "198.51.100.7"),  # two proxies
        ("10.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.0/24", "10.0.0.3"),  # all trusted
        ("10.0.0.1", "junk", "10.0.0.1", "10.0.0.1"),
        ("10.0.0.1", "", "10.0.0.1", "10.0.0.1"),
        ("::1", "2001:db8::5", "::1", "2001:db8::5"),
    ],
)
def test_client_address_trusts_only_configured_proxies(remote, forwarded, trusted, client):
    assert client_address(remote, forwarded, parse_networks(trusted)) == client


def test_a_wrong_trusted_proxy_setting_is_named():
    with pytest.raises(BadInput, match="'10.0.0.x'.*GRIDMAP_TRUSTED_PROXIES|GRIDMAP.*10.0.0.x"):
        parse_networks("10.0.0.1, 10.0.0.x")


@pytest.fixture
def proxied_app(fresh_db_url, tmp_path):
    """The app behind a trusted proxy at 10.0.0.1, three logins a minute per client."""
    with psycopg.connect(fresh_db_url) as conn:
        add_account(conn, "clerk", "reviewer", counties=[COUNTY])
        add_account(conn, "boss", "reviewer", counties=[COUNTY])
        conn.commit()
    config = Config(
        database_url=fresh_db_url, var_dir=tmp_path / "var", secret_key="t",
        trusted_proxies="10.0.0.1", login_rate_limit="3 per minute",
    )  # fmt: skip
    application = create_app(config)
    yield application
    application.extensions["gridmap_pool"].close()


def _login_from(app, remote: str, forwarded: str):  # type: ignore[no-untyped-def]
    env = {"REMOTE_ADDR": remote}
    headers = {"X-Forwarded-For": forwarded}
    return login(app.test_client(), "clerk", "wrong-Password-1", environ_base=env, headers=headers)


def test_rate_limit_and_audit_see_the_client_behind_the_proxy(proxied_app, fresh_db_url):
    for _ in range(3):
        assert _login_from(proxied_app, "10.0.0.1", "198.51.100.7").status_code == 401
    assert _login_from(proxied_app, "10.0.0.1", "198.51.100.7").status_code == 429
    # Another client behind the same proxy is not limited by the first one's attempts,
    assert _login_from(proxied_app, "10.0.0.1", "198.51.100.8").status_code == 401
    # and a client talking to the server directly cannot pose as someone else.
    for _ in range(3):
        assert _login_from(proxied_app, "203.0.113.9", "192.0.2.1").status_code == 401
    assert _login_from(proxied_app, "203.0.113.9", "192.0.2.2").status_code == 429
    env, headers = {"REMOTE_ADDR": "10.0.0.1"}, {"X-Forwarded-For": "198.51.100.9"}
    login(proxied_app.test_client(), "boss", environ_base=env, headers=headers)
    with psycopg.connect(fresh_db_url) as conn:
        row = conn.execute("SELECT client FROM audit WHERE action = 'login'").fetchone()
    assert row == ("198.51.100.9",)


def test_style_elements_need_the_nonce_while_style_attributes_stay_allowed(app):
    client = _logged_in(app)
    directives = dict(
        part.strip().split(" ", 1)
        for part in client.get("/").headers["Content-Security-Policy"].split(";")
    )
    nonce = re.search(r"'nonce-([^']+)'", directives["script-src"]).group(1)
    for name in ("style-src", "style-src-elem"):
        assert directives[name].split() == ["'self'", f"'nonce-{nonce}'"]
    assert directives["style-src-attr"] == "'unsafe-inline'"
