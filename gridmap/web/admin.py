"""Administrators' pages: file imports through the browser and the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from gridmap.access import audit
from gridmap.core import vocab
from gridmap.core.errors import BadInput, GridmapError
from gridmap.registry import uploads
from gridmap.web import params
from gridmap.web.auth import current_actor, require
from gridmap.web.context import config, db

bp = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PAGE_SIZE = 200


def _kinds() -> list[tuple[str, str]]:
    return [
        ("grids", _("Grid units")), ("households", _("Households")), ("workers", _("Workers")),
        ("contacts", _("Assistance contacts")), ("visits", _("Visits")),
        ("monitoring", _("Monitoring periods")), ("projects", _("Funded projects")),
        ("pairings", _("Pairings")),
    ]  # fmt: skip


@bp.route("/import", methods=["GET", "POST"])
@require(vocab.IMPORT)
def import_page() -> Any:
    """Upload a file of any `gridmap import` kind and run the same import as the command line."""
    report, error, status = None, None, 200
    if request.method == "POST":
        try:
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise BadInput(_("Choose a file to upload."))
            report = uploads.import_upload(
                db(), config(), current_actor(), kind=request.form.get("kind", ""),
                filename=upload.filename, data=upload.read(),
                mixed_counties=request.form.get("mixed_counties") == "1",
            )  # fmt: skip
        except RequestEntityTooLarge:
            error = _("The file is larger than %(mb)s MB.", mb=config().upload_max_mb)
            status = 413
        except GridmapError as exc:
            error = exc.message if not exc.details else f"{exc.message}\n" + "\n".join(exc.details)
            status = exc.status
    return render_template(
        "admin_import.html", active="import", kinds=_kinds(), report=report, error=error,
        max_mb=config().upload_max_mb, max_rows=config().import_max_rows,
    ), status  # fmt: skip


@bp.get("/audit")
@require(vocab.READ_AUDIT)
def audit_page() -> str:
    """The audit log, newest first, filtered by user and action."""
    username, action = params.raw("user"), params.raw("action")
    rows = audit.audit_log(
        db(), username=username, action=action, limit=AUDIT_PAGE_SIZE,
        before_id=params.lenient_integer("before"),
    )  # fmt: skip
    return render_template(
        "admin_audit.html", active="audit", rows=rows, user=username or "",
        action=action or "", page_size=AUDIT_PAGE_SIZE,
    )  # fmt: skip
