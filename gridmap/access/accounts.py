"""Accounts, roles and the scope of what each account may see."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import psycopg
from werkzeug.security import check_password_hash, generate_password_hash

from gridmap.access import audit
from gridmap.core import vocab
from gridmap.core.config import Config
from gridmap.core.errors import BadInput, Conflict, GridmapError, NotFound
from gridmap.store import accounts as account_store
from gridmap.store import counties as county_store

ROLES = vocab.ROLES
_REFUSED = "wrong user name or password"
_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")


class LoginRefused(GridmapError):
    """Wrong name or password, a disabled or a locked account (one message for all)."""

    status = 401


@dataclass(frozen=True)
class Scope:
    """The code prefixes an account may see (counties, a township or groups); None means the
    whole database."""

    prefixes: tuple[str, ...] | None

    def allows(self, code: str) -> bool:
        """True when the unit `code` lies inside the scope."""
        return self.prefixes is None or any(code.startswith(p) for p in self.prefixes)

    def overlaps(self, code: str) -> bool:
        """True when the unit `code` lies inside the scope or contains part of it."""
        return self.prefixes is None or any(
            code.startswith(p) or p.startswith(code) for p in self.prefixes
        )

    def narrow(self, code: str | None) -> list[str] | None:
        """Prefixes to query for a request about `code` (None: everything); NotFound outside."""
        if self.prefixes is None:
            return None if code is None else [code]
        if code is None:
            return list(self.prefixes)
        if self.allows(code):
            return [code]
        inner = [p for p in self.prefixes if p.startswith(code)]
        if inner:
            return inner
        raise NotFound(f"no unit {code}")


EVERYTHING = Scope(None)


@dataclass(frozen=True)
class Actor:
    """Who acts: an account, its role and scope, and where the request came from."""

    username: str
    role: str
    scope: Scope
    client: str | None = None

    @property
    def is_admin(self) -> bool:
        """True for the roles that see full personal values (administrators)."""
        return self.may(vocab.SEE_PERSONAL)

    def may(self, capability: str) -> bool:
        """True when the actor's role has `capability` (see gridmap.core.vocab)."""
        return vocab.may(self.role, capability)


def cli_actor(os_user: str) -> Actor:
    """The command line acts as an administrator under the operating-system user's name."""
    return Actor(username=os_user, role=vocab.ROLE_ADMIN, scope=EVERYTHING, client="cli")


def check_password_rules(password: str, min_length: int) -> None:
    """Refuse a password shorter than `min_length` or with fewer than three character kinds."""
    kinds = sum(1 for pattern in _CLASSES if re.search(pattern, password))
    if len(password) < min_length or kinds < 3:
        raise BadInput(
            f"the password needs at least {min_length} characters and three of: lower-case "
            "letters, upper-case letters, digits, other characters"
        )


def create_account(
    conn: psycopg.Connection, config: Config, actor: Actor, *, username: str, role: str,
    password: str, township: str | None = None, worker: str | None = None,
    counties: Iterable[str] = (),
) -> None:  # fmt: skip
    """Create an account after checking its role, scope and password rules."""
    if role not in ROLES:
        raise BadInput(f"unknown role {role}; use one of {', '.join(ROLES)}")
    needs_township, needs_worker = role == vocab.ROLE_TOWNSHIP, role == vocab.ROLE_WORKER
    if needs_township != (township is not None) or needs_worker != (worker is not None):
        raise BadInput("a township account needs --township CODE, a worker account --worker CODE")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{2,40}", username):
        raise BadInput("a user name has 2 to 40 letters, digits, '.', '_' or '-'")
    check_password_rules(password, config.password_min_length)
    county_codes = (
        worker_county(conn, worker, counties)
        if worker is not None
        else account_counties(conn, role, counties)
    )
    if account_store.get_account(conn, username) is not None:
        raise Conflict(f"user {username} exists already")
    detail = {"role": role, "township": township, "counties": county_codes}
    with audit.audited(conn, actor, "user.add", username, detail):
        account_store.insert_account(
            conn,
            {
                "username": username,
                "password_hash": generate_password_hash(password, config.password_hash_method),
                "role": role, "township_code": township, "worker_code": worker,
                "county_codes": county_codes,
            },
        )  # fmt: skip


def worker_county(conn: psycopg.Connection, worker: str, counties: Iterable[str]) -> list[str]:
    """The one county of the worker coded `worker` (within `counties` when given): worker codes
    may repeat across counties, so a worker account names its worker's county."""
    asked = sorted(set(counties))
    found = [c for c in account_store.worker_counties(conn, worker) if not asked or c in asked]
    if not found:
        where = f" in county {', '.join(asked)}" if asked else ""
        raise NotFound(f"no worker {worker}{where}; import the worker first")
    if len(found) > 1:
        raise BadInput(f"worker code {worker} names a worker in each of the counties "
                       f"{', '.join(found)}; give --county CODE")  # fmt: skip
    return found


def account_counties(
    conn: psycopg.Connection, role: str, counties: Iterable[str]
) -> list[str] | None:
    """The counties a new account of `role` sees: those given, else the database's only one."""
    codes = sorted(set(counties))
    if role not in vocab.COUNTY_ROLES:
        if codes:
            raise BadInput("the county of a township or worker account follows from its "
                           "township or groups; leave out --county")  # fmt: skip
        return None
    county_length = vocab.CODE_LENGTH[vocab.COUNTY]
    for code in codes:
        if not (code.isascii() and code.isdigit() and len(code) == county_length):
            raise BadInput(f"--county {code} is not a county code of {county_length} digits")
    if codes:
        return codes
    if role in vocab.MULTI_COUNTY_ROLES:
        raise BadInput(f"a {role} account needs at least one --county CODE")
    present = [code for code, _name in county_store.current_counties(conn)]
    if len(present) == 1:
        return present
    # Guessing would give an account counties nobody chose for it.
    held = f"several counties ({', '.join(present)})" if present else "no county yet"
    raise BadInput(f"the database holds {held}: name the account's counties with --county CODE")


def change_password(
    conn: psycopg.Connection, config: Config, actor: Actor, username: str, password: str
) -> None:
    """Set a new password (and unlock the account)."""
    check_password_rules(password, config.password_min_length)
    with audit.audited(conn, actor, "user.passwd", username):
        if not account_store.set_password(
            conn, username, generate_password_hash(password, config.password_hash_method)
        ):
            raise NotFound(f"no user {username}")
        # Whoever held a session under the old password is logged out everywhere.
        account_store.revoke_sessions_of(conn, username)


def set_disabled(conn: psycopg.Connection, actor: Actor, username: str, disabled: bool) -> None:
    """Disable (or enable again) an account."""
    with audit.audited(conn, actor, "user.disable" if disabled else "user.enable", username):
        if not account_store.set_disabled(conn, username, disabled):
            raise NotFound(f"no user {username}")
        if disabled:
            account_store.revoke_sessions_of(conn, username)


def list_accounts(conn: psycopg.Connection) -> list[dict]:
    """Every account without its password hash, with the counties it sees (None: every one)."""
    return [{**a, "counties": _counties_seen(conn, a)} for a in account_store.list_accounts(conn)]


def _counties_seen(conn: psycopg.Connection, account: dict) -> list[str] | None:
    prefixes = scope_of(conn, account).prefixes
    if prefixes is None:
        return None
    return sorted({vocab.unit_at(p, vocab.COUNTY) for p in prefixes})


def authenticate(
    conn: psycopg.Connection, config: Config, username: str, password: str, now: datetime
) -> dict:
    """Return the account for a correct password; count failures and lock after too many.

    Unknown, disabled, locked and wrong all raise the same LoginRefused after the same work
    (one password hash check), so neither the answer nor its timing tells names apart.
    """
    account = account_store.get_account(conn, username)
    stored_hash = (
        account["password_hash"]
        if account is not None
        else _dummy_hash(config.password_hash_method)
    )
    password_ok = check_password_hash(stored_hash, password)
    if account is None or account["disabled"]:
        raise LoginRefused(_REFUSED)
    if account["locked_until"] is not None and account["locked_until"] > now:
        raise LoginRefused(_REFUSED)
    if not password_ok:
        until = now + timedelta(minutes=config.lockout_minutes)
        with conn.transaction():
            account_store.record_failure(conn, username, config.login_max_failures, until)
        raise LoginRefused(_REFUSED)
    with conn.transaction():
        account_store.record_success(conn, username)
    return account


@cache
def _dummy_hash(method: str) -> str:
    """A hash of no account's password, checked for unknown names to spend the same time."""
    return generate_password_hash(secrets.token_hex(16), method)


def _digest(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode("utf-8")).digest()


def start_session(conn: psycopg.Connection, username: str, client: str | None) -> str:
    """Open a server-side session for `username`; return its random id (for the cookie)."""
    session_id = secrets.token_urlsafe(32)
    with conn.transaction():
        account_store.open_session(conn, _digest(session_id), username, client)
    return session_id


def session_account(conn: psycopg.Connection, session_id: str) -> dict | None:
    """The account behind an unrevoked session, or None when revoked, unknown or disabled."""
    account = account_store.session_account(conn, _digest(session_id))
    if account is None or account["disabled"]:
        return None
    return account


def end_session(conn: psycopg.Connection, session_id: str) -> None:
    """Revoke one session (logging out); a copy of its cookie opens nothing afterwards."""
    with conn.transaction():
        account_store.revoke_session(conn, _digest(session_id))


def scope_of(conn: psycopg.Connection, account: dict) -> Scope:
    """What an account may see: its counties, one township, or a worker's own groups."""
    if vocab.may(account["role"], vocab.SEE_COUNTY):
        counties = account.get("county_codes")
        # Accounts made before counties were recorded keep the whole database.
        return EVERYTHING if counties is None else Scope(tuple(counties))
    if account["role"] == vocab.ROLE_TOWNSHIP:
        return Scope((account["township_code"],))
    # A worker without groups sees nothing: an empty prefix tuple matches no code. Accounts
    # made before counties were recorded name no county: their worker's groups anywhere.
    county = (account.get("county_codes") or [None])[0]
    groups = account_store.worker_groups(conn, account["worker_code"], county)
    return Scope(tuple(groups))
