"""Accounts and the append-only audit log."""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

ACCOUNT_COLUMNS = (
    "username", "role", "township_code", "worker_code", "county_codes", "disabled",
    "failed_logins", "locked_until", "password_set_at", "created_at",
)  # fmt: skip


_COLUMNS_SQL = sql.SQL(", ").join(sql.Identifier(c) for c in ACCOUNT_COLUMNS)


def _account(row: tuple | None) -> dict | None:
    if row is None:
        return None
    account = dict(zip(ACCOUNT_COLUMNS, row[:-1], strict=True))
    account["password_hash"] = row[-1]
    return account


def get_account(conn: psycopg.Connection, username: str) -> dict | None:
    """One account with its password hash, or None."""
    query = sql.SQL("SELECT {}, password_hash FROM account WHERE username = %s")
    row = conn.execute(query.format(_COLUMNS_SQL), [username]).fetchone()
    return _account(row)


def list_accounts(conn: psycopg.Connection) -> list[dict]:
    """Every account (without password hashes), by name."""
    rows = conn.execute(sql.SQL("SELECT {} FROM account ORDER BY username").format(_COLUMNS_SQL))
    return [dict(zip(ACCOUNT_COLUMNS, r, strict=True)) for r in rows]


def insert_account(conn: psycopg.Connection, account: dict) -> None:
    """Create an account: name, password hash, role, township, worker and counties."""
    conn.execute(
        "INSERT INTO account (username, password_hash, role, township_code, worker_code, "
        "county_codes) VALUES (%(username)s, %(password_hash)s, %(role)s, %(township_code)s, "
        "%(worker_code)s, %(county_codes)s)",
        account,
    )


def set_password(conn: psycopg.Connection, username: str, password_hash: str) -> int:
    """Replace a password, unlock the account; return rows changed."""
    return conn.execute(
        "UPDATE account SET password_hash = %s, password_set_at = now(), failed_logins = 0, "
        "locked_until = NULL WHERE username = %s",
        [password_hash, username],
    ).rowcount


def set_disabled(conn: psycopg.Connection, username: str, disabled: bool) -> int:
    """Disable or enable an account; return rows changed."""
    return conn.execute(
        "UPDATE account SET disabled = %s WHERE username = %s", [disabled, username]
    ).rowcount


def record_failure(conn: psycopg.Connection, username: str, limit: int, until: datetime) -> None:
    """Count a failed login; lock the account until `until` once `limit` is reached."""
    conn.execute(
        "UPDATE account SET failed_logins = failed_logins + 1, "
        "locked_until = CASE WHEN failed_logins + 1 >= %s THEN %s ELSE locked_until END "
        "WHERE username = %s",
        [limit, until, username],
    )


def record_success(conn: psycopg.Connection, username: str) -> None:
    """Reset the failure count after a successful login."""
    conn.execute(
        "UPDATE account SET failed_logins = 0, locked_until = NULL WHERE username = %s",
        [username],
    )


def open_session(
    conn: psycopg.Connection, id_sha256: bytes, username: str, client: str | None
) -> None:
    """Record a new login session by the digest of its id."""
    conn.execute(
        "INSERT INTO account_session (id_sha256, username, client) VALUES (%s, %s, %s)",
        [id_sha256, username, client],
    )


def session_account(conn: psycopg.Connection, id_sha256: bytes) -> dict | None:
    """The account of an unrevoked session (with its password hash), or None."""
    query = sql.SQL(
        "SELECT {} , a.password_hash FROM account_session s JOIN account a USING (username) "
        "WHERE s.id_sha256 = %s AND s.revoked_at IS NULL"
    ).format(sql.SQL(", ").join(sql.Identifier("a", c) for c in ACCOUNT_COLUMNS))
    return _account(conn.execute(query, [id_sha256]).fetchone())


def revoke_session(conn: psycopg.Connection, id_sha256: bytes) -> int:
    """Revoke one session; return rows changed."""
    return conn.execute(
        "UPDATE account_session SET revoked_at = now() WHERE id_sha256 = %s AND revoked_at IS NULL",
        [id_sha256],
    ).rowcount


def revoke_sessions_of(conn: psycopg.Connection, username: str) -> int:
    """Revoke every open session of an account; return how many."""
    return conn.execute(
        "UPDATE account_session SET revoked_at = now() WHERE username = %s AND revoked_at IS NULL",
        [username],
    ).rowcount


def worker_groups(conn: psycopg.Connection, worker_code: str, county: str | None) -> list[str]:
    """The groups the worker `worker_code` of `county` serves (None: in any county)."""
    rows = conn.execute(
        "SELECT group_code FROM worker_group WHERE worker_code = %(code)s "
        "AND (%(county)s::text IS NULL OR county_code = %(county)s) ORDER BY group_code",
        {"code": worker_code, "county": county},
    )
    return [r[0] for r in rows]


def worker_counties(conn: psycopg.Connection, worker_code: str) -> list[str]:
    """The counties that have a worker coded `worker_code`, in order."""
    rows = conn.execute(
        "SELECT DISTINCT county_code FROM worker WHERE code = %s ORDER BY 1", [worker_code]
    )
    return [r[0] for r in rows]


def add_audit(
    conn: psycopg.Connection, *, username: str, action: str, target: str | None,
    client: str | None, detail: dict | None,
) -> None:  # fmt: skip
    """Append one audit row."""
    conn.execute(
        "INSERT INTO audit (username, action, target, client, detail) VALUES (%s, %s, %s, %s, %s)",
        [username, action, target, client, Jsonb(detail) if detail is not None else None],
    )


def audit_rows(
    conn: psycopg.Connection, *, username: str | None, action: str | None, limit: int,
    before_id: int | None,
) -> list[dict]:  # fmt: skip
    """Audit rows, newest first, optionally for one user or action, before an id (paging)."""
    rows = conn.execute(
        "SELECT id, at, username, action, target, client, detail FROM audit "
        "WHERE (%(u)s::text IS NULL OR username = %(u)s) "
        "AND (%(a)s::text IS NULL OR action = %(a)s) "
        "AND (%(b)s::bigint IS NULL OR id < %(b)s) ORDER BY id DESC LIMIT %(n)s",
        {"u": username, "a": action, "b": before_id, "n": limit},
    )
    keys = ("id", "at", "username", "action", "target", "client", "detail")
    return [dict(zip(keys, r, strict=True)) for r in rows]
