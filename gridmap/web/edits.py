"""Boundary edits over HTTP: preview, save with If-Match, undo, history, edit log, as-of."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from gridmap.core import vocab
from gridmap.core.errors import BadInput, NotFound, PreconditionRequired
from gridmap.grid.redraw import engine, history
from gridmap.grid.redraw.problems import CodedError
from gridmap.grid.redraw.requests import plan_from_request
from gridmap.web import params
from gridmap.web.auth import current_actor, require
from gridmap.web.context import config, db
from gridmap.web.editor import problem_text

bp = Blueprint("edits", __name__, url_prefix="/api/v1")


def _worded(problems: list[dict]) -> list[dict]:
    """Problems with a `text` in the request's language next to their English `message`."""
    return [{**p, "text": problem_text(p["code"], p["params"]) or p["message"]} for p in problems]


@bp.errorhandler(CodedError)
def _refused(exc: CodedError) -> Any:
    """A refused edit or undo: the English error for scripts, `text` for the reader."""
    body = exc.to_dict()
    body["text"] = problem_text(exc.code, exc.params) or exc.message
    body["problems"] = _worded(exc.problems)
    return jsonify(body), exc.status


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadInput("send the edit as a JSON object")
    return body


def _unit_code(code: str) -> str:
    if not vocab.is_unit_code(code):
        raise NotFound(f"no unit {code[:40]}")
    return code


@bp.post("/units/<code>/preview")
@require(vocab.EDIT_GRID)
def preview(code: str) -> Any:
    """What an edit would do, writing nothing."""
    body = _body()
    state = plan_from_request(db(), _unit_code(code), body)
    result = engine.preview(state, config().gap_tolerance_m2, bool(body.get("confirm_gaps")))
    return jsonify({**result, "problems": _worded(result["problems"])})


@bp.put("/units/<code>")
@require(vocab.EDIT_GRID)
def save(code: str) -> Any:
    """Save an edit previewed with the token sent as If-Match; 409 if its units changed."""
    tokens = [t.strip('"') for t in request.headers.get("If-Match", "").split(",") if t.strip()]
    if not tokens:
        raise PreconditionRequired("send the preview's token as If-Match")
    body = _body()
    state = plan_from_request(db(), _unit_code(code), body)
    result = engine.save(
        state, token=tokens[0], reason=str(body.get("reason", "")), actor=current_actor(),
        tolerance_m2=config().gap_tolerance_m2, confirm_gaps=bool(body.get("confirm_gaps")),
    )  # fmt: skip
    return jsonify(result)


@bp.post("/edits/<int:edit_id>/undo")
@require(vocab.EDIT_GRID)
def undo(edit_id: int) -> Any:
    """Reverse a whole edit as a new edit (reason required)."""
    reason = str(_body().get("reason", ""))
    return jsonify(history.undo(db(), edit_id, reason=reason, actor=current_actor()))


@bp.get("/units/<code>/history")
def unit_history(code: str) -> Any:
    """Every version of a unit with the edit that made it."""
    code = _unit_code(code)
    if not current_actor().scope.allows(code):
        raise NotFound(f"no unit {code}")
    return jsonify({"code": code, "versions": history.unit_history(db(), code)})


@bp.get("/edits")
@require(vocab.SEE_COUNTY)
def edit_log() -> Any:
    """The edit log since `since` (an ISO date or time), oldest first."""
    return jsonify({"edits": history.edit_log(db(), params.moment("since"))})
