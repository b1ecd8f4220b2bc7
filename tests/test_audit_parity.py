"""Views and exports are audited by the domain call: the command line and the API alike."""

from __future__ import annotations

from dataclasses import replace

import psycopg
import pytest
from click.testing import CliRunner

from gridmap.cli import main
from gridmap.web import create_app
from tests.web_fixtures import add_account, login

AS_OF = "2026-06-30"


@pytest.fixture
def run(cli_env):
    """Run `gridmap ARGS` in-process against the fresh database; return the exit code."""
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), env=cli_env, catch_exceptions=False)


def coverage_exports(url: str) -> list[tuple]:
    """(action, target, client, detail) of the coverage workbook exports, oldest first."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT action, target, client, detail FROM audit "
            "WHERE action LIKE 'export.coverage%' ORDER BY id"
        ).fetchall()


def test_cli_coverage_xlsx_is_audited_as_the_api_download(
    run, config, fresh_db_url, tiny_county_file, tmp_path
):
    assert run("import", "grids", str(tiny_county_file)).exit_code == 0
    workbook = tmp_path / "coverage.xlsx"
    assert run("coverage", "--as-of", AS_OF, "--xlsx", str(workbook)).exit_code == 0
    assert workbook.stat().st_size > 0
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        add_account(conn, "admin", "admin")
    client = create_app(replace(config, login_rate_limit="1000 per minute")).test_client()
    login(client, "admin")
    assert client.get(f"/api/v1/coverage.xlsx?as_of={AS_OF}").status_code == 200
    cli, api = coverage_exports(fresh_db_url)
    assert cli[0] == api[0] == "export.coverage_xlsx"
    assert cli[1] is None and api[1] is None
    assert cli[3] == api[3] == {"as_of": AS_OF, "counties": ["341890"]}
    assert cli[2] == "cli" and api[2] != "cli"


def test_cli_coverage_without_xlsx_is_not_an_export(run, fresh_db_url, tiny_county_file):
    assert run("import", "grids", str(tiny_county_file)).exit_code == 0
    assert run("coverage", "--json").exit_code == 0
    assert coverage_exports(fresh_db_url) == []
