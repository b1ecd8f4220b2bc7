"""Accounts and logged-in clients for web tests."""

from __future__ import annotations

import re

import psycopg

from gridmap.access import accounts
from gridmap.access.accounts import cli_actor
from gridmap.core.config import Config

PASSWORD = "Correct-horse-42"
#: One account per role; the township account sees township 341890100 only,
#: the worker account the groups of worker W1.
ROLE_ACCOUNTS = {
    "admin": ("admin", None, None),
    "reviewer": ("reviewer", None, None),
    "inspector": ("inspector", None, None),
    "township": ("township", "341890100", None),
    "worker": ("worker", None, "W1"),
}


#: Test accounts hash their password cheaply: a login checks the hash the account was made with.
FAST_HASHING = Config(password_hash_method="pbkdf2:sha256:1000")


def add_account(  # type: ignore[no-untyped-def]
    conn: psycopg.Connection, username: str, role: str, township=None, worker=None, counties=()
):
    """Create an account with the test password (`counties`: default the database's only one)."""
    accounts.create_account(
        conn, FAST_HASHING, cli_actor("test"), username=username, role=role, password=PASSWORD,
        township=township, worker=worker, counties=counties,
    )  # fmt: skip


def add_role_accounts(conn: psycopg.Connection) -> None:
    """Create ROLE_ACCOUNTS (the worker W1 must exist)."""
    for username, (role, township, worker) in ROLE_ACCOUNTS.items():
        add_account(conn, username, role, township, worker)


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD, path: str = "/login", **request):  # type: ignore[no-untyped-def]
    """Log a Flask test client in through the login form at `path`; return the response.

    `request` (query_string, headers, environ_base) goes with both the GET and the POST.
    """
    page = client.get(path, **request)
    return client.post(
        path,
        data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
        **request,
    )


def logged_in(app, role: str):  # type: ignore[no-untyped-def]
    """A test client of `app` logged in as the `role` account, sending its CSRF token."""
    client = app.test_client()
    assert login(client, role).status_code == 302
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client.get("/login").text)
    return client
