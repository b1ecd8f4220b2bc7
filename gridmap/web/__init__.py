"""Flask app factory: thin blueprints over the domain modules."""

from __future__ import annotations

import secrets
from datetime import date

from flask import Flask, g
from flask.json.provider import DefaultJSONProvider

from gridmap.core.config import Config
from gridmap.grid.tiles import CountsCache


class IsoJSONProvider(DefaultJSONProvider):
    """JSON with ISO 8601 dates and Chinese text as it is (not \\u-escaped)."""

    ensure_ascii = False

    @staticmethod
    def default(o: object) -> object:
        """Dates and times as ISO 8601; the rest as Flask does."""
        if isinstance(o, date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


def create_app(config: Config | None = None, *, db_url: str | None = None) -> Flask:
    """Build the web app for `config` (default: from the environment)."""
    from gridmap.core.db import make_pool
    from gridmap.web.auth import init_auth
    from gridmap.web.i18n import init_i18n
    from gridmap.web.proxy import TrustedProxies, parse_networks
    from gridmap.web.security import init_security
    from gridmap.web.tile_package import init_tile_package

    config = config or Config.from_env()
    app = Flask(__name__, static_folder=str(config.static_dir), static_url_path="/static")
    app.config["GRIDMAP"] = config
    # Without a configured key, sessions last until the server restarts.
    app.config["SECRET_KEY"] = config.secret_key or secrets.token_hex(32)
    app.config["MAX_CONTENT_LENGTH"] = config.upload_max_mb * 1024 * 1024
    app.json = IsoJSONProvider(app)

    # Before the pool opens: a tile package that cannot be served stops start-up.
    init_tile_package(app, config)
    pool = make_pool(config, db_url)
    app.extensions["gridmap_pool"] = pool
    app.extensions["gridmap_tile_counts"] = CountsCache()

    trusted = parse_networks(config.trusted_proxies)
    if trusted:
        app.wsgi_app = TrustedProxies(app.wsgi_app, trusted)  # type: ignore[method-assign]
    init_security(app)
    init_i18n(app)
    init_auth(app)
    _register_blueprints(app)

    @app.teardown_appcontext
    def _release(exc: BaseException | None) -> None:
        conn = g.pop("db_conn", None)
        if conn is not None:
            pool.putconn(conn)

    return app


def _register_blueprints(app: Flask) -> None:
    from gridmap.web import (
        admin,
        api,
        basemap,
        editor,
        edits,
        field,
        health,
        inspections,
        monitoring_pages,
        pages,
        projects,
        tile_package,
        tiles,
    )

    app.register_blueprint(health.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(edits.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(tiles.bp)
    app.register_blueprint(tile_package.bp)
    app.register_blueprint(basemap.bp)
    app.register_blueprint(projects.bp)
    app.register_blueprint(editor.bp)
    app.register_blueprint(field.bp)
    app.register_blueprint(inspections.bp)
    app.register_blueprint(monitoring_pages.bp)
    app.register_blueprint(pages.bp)
