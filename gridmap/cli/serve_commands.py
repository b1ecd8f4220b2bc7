"""`gridmap serve`: the web app behind waitress."""

from __future__ import annotations

import click

from gridmap.cli import current_config, main, reports_errors
from gridmap.core.config import Config


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@reports_errors()
def serve(host: str, port: int) -> None:
    """Serve the web app with a production WSGI server (waitress)."""
    run_server(current_config(), host, port)


def run_server(config: Config, host: str, port: int) -> None:
    """Serve the app until interrupted."""
    import waitress

    from gridmap.web import create_app

    click.echo(f"serving http://{host}:{port}/map")
    waitress.serve(create_app(config), host=host, port=port, threads=8, ident="gridmap")
