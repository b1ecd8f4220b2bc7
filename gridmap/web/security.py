"""CSRF protection, security headers (a nonce-based CSP) and errors without internals."""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, g, jsonify, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from gridmap.core.errors import GridmapError, NotFound
from gridmap.web.params import API_PREFIXES

csrf = CSRFProtect()
log = logging.getLogger(__name__)


def csp_nonce() -> str:
    """This request's script nonce (made on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


def content_security_policy(nonce: str, basemap_url: str) -> str:
    """Only this host, scripts and style elements only with the nonce; a configured base-map
    host for images."""
    img = ["'self'", "data:", "blob:"]
    if basemap_url:
        parts = urlsplit(basemap_url.replace("{s}", "a"))
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in basemap_url else parts.netloc
        img.append(f"{parts.scheme}://{host}")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            # Style elements only from this host or with the nonce, so injected markup cannot
            # restyle a page; style attributes stay allowed, as folium's popups and map icons
            # are written with them (they load nothing: img-src and font-src still apply).
            f"style-src 'self' 'nonce-{nonce}'",
            f"style-src-elem 'self' 'nonce-{nonce}'",
            "style-src-attr 'unsafe-inline'",
            f"img-src {' '.join(img)}",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_security(app: Flask) -> None:
    """Protect every state-changing request with CSRF and add headers to every response."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.before_request(_refuse_nul_characters)
    csrf.init_app(app)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    basemap_url = app.config["GRIDMAP"].basemap_url

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = content_security_policy(
            csp_nonce(), basemap_url
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "geolocation=(self), camera=(), microphone=()"
        if response.mimetype in ("text/html", "application/json"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    _register_error_handlers(app)


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul() -> bool:
    """True when the path, a query or form field, or a JSON body carries a NUL character."""
    if "\x00" in request.path:
        return True
    fields = list(request.args.items(multi=True))
    if request.mimetype in _FORM_TYPES:
        fields += request.form.items(multi=True)
    if any("\x00" in key or "\x00" in value for key, value in fields):
        return True
    if request.is_json:
        body = request.get_data(cache=True)
        return b"\x00" in body or b"\\u0000" in body
    return False


def _refuse_nul_characters() -> Any:
    # PostgreSQL text cannot hold NUL: refuse it at the door, on every route, with a message.
    if _has_nul():
        return _error(400, "the request contains a NUL character (%00); remove it and try again")
    return None


def _error(status: int, message: str) -> Any:
    if request.path.startswith(API_PREFIXES) or request.is_json:
        return jsonify({"error": message, "status": status}), status
    return Response(f"<!doctype html><title>{status}</title><p>{message}</p>", status=status)


def domain_error(exc: GridmapError) -> Any:
    """A domain error with its status: JSON under /api/ and /tiles/, else an error page."""
    if request.path.startswith(API_PREFIXES):
        return jsonify(exc.to_dict()), exc.status
    template = "not_found.html" if isinstance(exc, NotFound) else "error.html"
    try:
        page = render_template(
            template, message=exc.message, active=None, choices=_county_links(exc)
        )
        return page, exc.status
    except Exception:
        # A page that cannot be drawn (the database is down) still says what went wrong.
        log.exception("error page for %s could not be drawn", request.path)
        body = f"<!doctype html><title>{exc.status}</title><p>{escape(exc.message)}</p>"
        return Response(body, status=exc.status)


def _county_links(exc: GridmapError) -> list[tuple[str, str]]:
    """(name, URL of this page in that county) for a report that needs a county chosen."""
    choices = getattr(exc, "choices", None) or []
    if not choices or request.endpoint is None:
        return []
    args = {k: v for k, v in request.args.lists() if k != "county"}
    return [
        (c["name"] or c["code"],
         url_for(request.endpoint, **(request.view_args or {}), **args, county=c["code"]))
        for c in choices
    ]  # fmt: skip


def _register_error_handlers(app: Flask) -> None:
    app.register_error_handler(GridmapError, domain_error)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        return _error(400, "the form or request is missing a valid CSRF token; reload the page")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        return _error(exc.code or 500, exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        # Users get no internals; the log keeps the trace for the operator.
        log.exception("unhandled error on %s", request.path)
        return _error(500, "internal error")
