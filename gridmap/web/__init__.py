"""Flask app factory: thin blueprints over the domain modules."""

from __future__ import annotations

import secrets

from flask import Flask, g, jsonify

from gridmap.config import Config
from gridmap.errors import GridmapError
from gridmap.tiles import CountsCache
from gridmap.web.i18n import init_i18n


def create_app(config: Config | None = None, *, db_url: str | None = None) -> Flask:
    """Build the web app for `config` (default: from the environment)."""
    config = config or Config.from_env()
    app = Flask(
        __name__,
        static_folder=str(config.static_dir),
        static_url_path="/static",
    )
    app.config["GRIDMAP"] = config
    # Without a configured key, sessions last until the server restarts.
    app.config["SECRET_KEY"] = config.secret_key or secrets.token_hex(32)
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    from gridmap.db import make_pool

    pool = make_pool(config, db_url)
    app.extensions["gridmap_pool"] = pool
    app.extensions["gridmap_tile_counts"] = CountsCache()

    _register_blueprints(app)
    init_i18n(app)
    _register_error_handlers(app)

    @app.teardown_appcontext
    def _release(exc: BaseException | None) -> None:
        conn = g.pop("db_conn", None)
        if conn is not None:
            conn.rollback()
            pool.putconn(conn)

    return app


def _register_blueprints(app: Flask) -> None:
    from gridmap.web import api, health, pages, tiles

    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(tiles.bp)
    app.register_blueprint(pages.bp)


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(GridmapError)
    def _domain_error(exc: GridmapError):  # type: ignore[no-untyped-def]
        return jsonify(exc.to_dict()), exc.status
