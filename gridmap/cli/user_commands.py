"""`gridmap users …`: accounts and roles."""

from __future__ import annotations

import secrets
import sys

import click

from gridmap.cli import current_config, emit, main, os_actor, reports_errors
from gridmap.core import db, vocab


def read_password(from_stdin: bool) -> str:
    """The new password: one line from standard input, or asked twice at the terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("password", hide_input=True, confirmation_prompt=True))


def generated_password() -> str:
    """A random password that meets the rules (letters of both cases, digits, a symbol)."""
    return secrets.token_urlsafe(12) + "aA1-"


@main.group("users")
def users_group() -> None:
    """Create, list, disable accounts and set passwords."""


@users_group.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(vocab.ROLES))
@click.option(
    "--township",
    help=f"township code ({vocab.CODE_LENGTH[vocab.TOWNSHIP]} digits) for a township account",
)
@click.option("--worker", help="worker code for a grid worker's account")
@click.option(
    "--county", "counties", multiple=True,
    help=f"county code ({vocab.CODE_LENGTH[vocab.COUNTY]} digits) the account sees (repeat for "
    "several; city and province accounts need one, others default to the database's only one)",
)  # fmt: skip
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@reports_errors()
def users_add(
    username: str, role: str, township: str | None, worker: str | None,
    counties: tuple[str, ...], password_stdin: bool,
) -> None:  # fmt: skip
    """Create an account with a role (and its counties, township or worker)."""
    from gridmap.access import accounts

    config = current_config()
    password = read_password(password_stdin)
    with db.connect(config) as conn:
        accounts.create_account(
            conn, config, os_actor(), username=username, role=role,
            password=password, township=township, worker=worker, counties=counties,
        )  # fmt: skip
    click.echo(f"created {username} ({role})")


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def users_list(as_json: bool) -> None:
    """List accounts with role, scope and state."""
    from gridmap.access import accounts

    with db.connect(current_config()) as conn:
        rows = accounts.list_accounts(conn)
    emit(
        {"users": rows},
        as_json,
        lambda p: "\n".join(
            f"{u['username']:<16} {u['role']:<10} {u['township_code'] or u['worker_code'] or ''}"
            f"{' '.join(u['county_codes'] or [])}"
            f"{'  (disabled)' if u['disabled'] else ''}"
            for u in p["users"]
        ),
    )


@users_group.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="enable the account again")
@reports_errors()
def users_disable(username: str, enable: bool) -> None:
    """Disable an account (its sessions end at their next request)."""
    from gridmap.access import accounts

    with db.connect(current_config()) as conn:
        accounts.set_disabled(conn, os_actor(), username, not enable)
    click.echo(f"{'enabled' if enable else 'disabled'} {username}")


@users_group.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@reports_errors()
def users_passwd(username: str, password_stdin: bool) -> None:
    """Set a new password for an account (and unlock it)."""
    from gridmap.access import accounts

    config = current_config()
    password = read_password(password_stdin)
    with db.connect(config) as conn:
        accounts.change_password(conn, config, os_actor(), username, password)
    click.echo(f"password changed for {username}")
