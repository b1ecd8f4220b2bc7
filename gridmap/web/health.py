"""Liveness check: says whether the service can reach its database, nothing about data."""

from __future__ import annotations

from flask import Blueprint, jsonify

from gridmap.store import health as health_store
from gridmap.web.context import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    """Answer 200 with {"ok": true} when the database answers, else 503."""
    try:
        ok = health_store.ping(db())
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        ok = False
    return jsonify({"ok": ok}), 200 if ok else 503
