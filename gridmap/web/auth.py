"""Login, sessions with an idle timeout, roles, and the actor behind each request."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from gridmap.access import accounts, audit, counties
from gridmap.access.accounts import Actor, LoginRefused
from gridmap.core import clock, vocab
from gridmap.core.db import enter_scope, scope_for_transaction
from gridmap.web import params
from gridmap.web.context import config, db

bp = Blueprint("auth", __name__)
#: How a request chooses its counties, for the message that asks for a choice.
COUNTY_CHOICE = "?county=CODE (or ?county=all for every county together)"
#: Paths anyone may reach: the login page, assets and the health check.
PUBLIC_ENDPOINTS = {"auth.login", "static", "health.healthz"}
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[])


class User(UserMixin):
    """A logged-in account with its scope and server-side session, loaded for every request."""

    def __init__(self, account: dict, scope: accounts.Scope, session_id: str):
        self.account = account
        self.scope = scope
        self.session_id = session_id

    def get_id(self) -> str:
        """Flask-Login's session key: the server-side session id, revocable in the database."""
        return self.session_id

    @property
    def username(self) -> str:
        """The account's name."""
        return str(self.account["username"])

    @property
    def role(self) -> str:
        """The account's role."""
        return str(self.account["role"])

    def may(self, capability: str) -> bool:
        """True when the account's role has `capability` (see gridmap.core.vocab)."""
        return vocab.may(self.role, capability)


def init_auth(app: Flask) -> None:
    """Set up sessions, Flask-Login, login rate limiting and the login requirement."""
    cfg = app.config["GRIDMAP"]
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=cfg.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=cfg.session_idle_minutes),
        SESSION_REFRESH_EACH_REQUEST=True,
    )
    manager = LoginManager(app)
    manager.user_loader(_load_user)
    manager.unauthorized_handler(_unauthorized)
    limiter.init_app(app)
    app.register_blueprint(bp)
    app.before_request(_require_login)


def _load_user(session_id: str) -> User | None:
    account = accounts.session_account(db(), session_id)
    if account is None:
        return None
    return User(account, _scope_of(account), session_id)


def _scope_of(account: dict) -> accounts.Scope:
    """The account's scope, read before the connection has one."""
    # A worker's groups are county rows, hidden until a scope is set: this one read sees every
    # county, and the connection's own scope (none yet) returns after it.
    with scope_for_transaction(db(), None):
        return accounts.scope_of(db(), account)


def _end_session() -> None:
    """Revoke this request's session in the database and forget the cookie's contents."""
    if current_user.is_authenticated:
        accounts.end_session(db(), current_user.get_id())
    logout_user()
    session.clear()


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/tiles/"))


def _unauthorized() -> Any:
    if _wants_json():
        return jsonify({"error": "login required", "status": 401}), 401
    return redirect(url_for("auth.login", next=request.full_path))


def _require_login() -> Any:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    idle_s = config().session_idle_minutes * 60
    if current_user.is_authenticated and time.time() - session.get("seen", 0) > idle_s:
        _end_session()
    if not current_user.is_authenticated:
        return _unauthorized()
    session["seen"] = time.time()
    # The second lock behind the store's scoping: row-level security shows the request's
    # connection only what the account may see.
    enter_scope(db(), config(), current_user.scope.prefixes)
    return None


def current_actor() -> Actor:
    """The logged-in account as the actor of this request."""
    user: User = current_user  # type: ignore[assignment]
    return Actor(
        username=user.username, role=user.role, scope=user.scope, client=request.remote_addr
    )


def report_actor(within: str | None = None) -> Actor:
    """The actor of a report or list, seeing only the counties asked (?county=; see choose)."""
    actor = current_actor()
    scope = counties.choose(
        db(), actor.scope, params.counties(), within=within, how=COUNTY_CHOICE,
        words=params.wording,
    )  # fmt: skip
    return replace(actor, scope=scope)


def require(capability: str) -> Callable:
    """Allow a view only to the roles with `capability` (403 for other logged-in users)."""

    def wrap(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.may(capability):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return wrap


def _safe_next(target: str | None) -> str:
    """Only a path on this host is followed after login, never another host.

    Browsers drop tabs and newlines and read a backslash as a slash, so `/\t/evil.example`
    would become `//evil.example`: any such character refuses the target outright.
    """
    if target and not any(ch.isspace() or ch == "\\" or not ch.isprintable() for ch in target):
        parts = urlsplit(target)
        if not (parts.scheme or parts.netloc) and parts.path.startswith("/"):
            if not parts.path.startswith("//"):
                return target
    return url_for("pages.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["GRIDMAP"].login_rate_limit, methods=["POST"])
def login() -> Any:
    """Show the login form; on a correct password start a session."""
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()[:40]
        password = request.form.get("password", "")
        try:
            account = accounts.authenticate(db(), config(), username, password, clock.now())
        except LoginRefused:
            # One answer for unknown, disabled, locked and wrong: names cannot be probed.
            error = _("Wrong user name or password.")
        else:
            session.clear()
            session.permanent = True
            session["seen"] = time.time()
            session_id = accounts.start_session(db(), username, request.remote_addr)
            login_user(User(account, _scope_of(account), session_id))
            audit.record(db(), current_actor(), "login", username)
            return redirect(_safe_next(request.args.get("next")))
    status = 401 if error else 200
    return render_template("login.html", error=error), status


@bp.post("/logout")
def logout() -> Response:
    """End the session: revoked in the database, so a copied cookie opens nothing."""
    _end_session()
    return redirect(url_for("auth.login"))
