"""The editor's problems and refusals, worded in Chinese by default and in English on request."""

from __future__ import annotations

import pytest
import shapely
from flask_babel import force_locale

from gridmap.core.config import Config
from gridmap.geo import topology
from gridmap.grid.redraw.problems import ENGLISH
from gridmap.web.editor import problem_text
from tests.household_fixtures import lonlat_m
from tests.test_editor_pages import G1, G2, app, client_for, line_json, with_editor  # noqa: F401

V1 = G1[:12]
MOVE = {"operation": "move_border", "other": G2, "line": line_json((-10, 2500), (2010, 2500))}


def _shrunk_g1(client) -> dict:  # type: ignore[no-untyped-def]
    """G1 without its south-west corner vertex, as a page sends it: a gap in its village."""
    units = client.get(f"/api/v1/units?level=4&parent={V1}").json["features"]
    g1 = next(f["geometry"] for f in units if f["properties"]["code"] == G1)
    corner = shapely.Point(lonlat_m(0, 0))
    ring = [c for c in g1["coordinates"][0][0] if shapely.Point(c).distance(corner) > 1e-5]
    return {"operation": "edit", "geometry": {"type": "Polygon", "coordinates": [ring + ring[:1]]}}


def test_preview_words_a_gap_in_chinese_by_default(app):  # noqa: F811
    admin = client_for(app, "admin")
    body = _shrunk_g1(admin)
    [gap] = admin.post(f"/api/v1/units/{G1}/preview", json=body).json["problems"]
    assert gap["code"] == "gap" and gap["params"]["parent"] == V1
    assert gap["area_m2"] == pytest.approx(100 * 100 / 2, rel=0.02)  # the corner's triangle
    assert gap["text"].startswith(f"{V1} 内将有 ") and "平方米不属于任何下级网格" in gap["text"]
    assert gap["message"].endswith(f"of {V1} is in none of its groups")  # for API clients


def test_preview_words_a_gap_in_english_when_chosen(app):  # noqa: F811
    admin = client_for(app, "admin")
    body = _shrunk_g1(admin)
    [gap] = admin.post(f"/api/v1/units/{G1}/preview?lang=en", json=body).json["problems"]
    assert gap["text"].endswith(f"m² of {V1} would belong to none of its units")
    area = f"{gap['params']['area_m2']:,.1f}"
    assert gap["text"] == f"{area} m² of {V1} would belong to none of its units"


def test_refusals_are_worded_in_both_languages(app):  # noqa: F811
    admin = client_for(app, "admin")
    body = {"operation": "merge", "other": "341890101200001"}  # a group of another village
    chinese = admin.post(f"/api/v1/units/{G1}/preview", json=body)
    assert chinese.status_code == 400 and chinese.json["code"] == "not_siblings"
    assert chinese.json["text"] == f"{G1} 和 341890101200001 不是同一上级下的两个网格。"
    assert chinese.json["error"] == f"{G1} and 341890101200001 are not two siblings of one parent"
    english = admin.post(f"/api/v1/units/{G1}/preview?lang=en", json=body).json
    assert english["text"] == f"{G1} and 341890101200001 are not two units of one parent."


def test_a_stale_save_and_a_blocked_undo_are_worded(app):  # noqa: F811
    admin = client_for(app, "admin")
    token = admin.post(f"/api/v1/units/{G1}/preview", json=MOVE).json["token"]
    saved = admin.put(f"/api/v1/units/{G1}", json={**MOVE, "reason": "road"},
                      headers={"If-Match": token})  # fmt: skip
    edit = saved.json["edit"]
    stale = admin.put(f"/api/v1/units/{G1}", json={**MOVE, "reason": "again"},
                      headers={"If-Match": token})  # fmt: skip
    assert stale.status_code == 409 and stale.json["code"] == "stale_by"
    assert "admin 于 " in stale.json["text"] and f"的修改 {edit}（road）" in stale.json["text"]
    assert f"edit {edit} by admin" in stale.json["error"]
    later = {**MOVE, "line": line_json((-10, 2600), (2010, 2600))}
    token = admin.post(f"/api/v1/units/{G1}/preview", json=later).json["token"]
    admin.put(f"/api/v1/units/{G1}", json={**later, "reason": "later"}, headers={"If-Match": token})
    refused = admin.post(f"/api/v1/edits/{edit}/undo?lang=en", json={"reason": "x"})
    assert refused.status_code == 409 and refused.json["code"] == "undo_blocked"
    assert refused.json["text"].startswith(f"Edit {edit} cannot be undone: later edits")
    assert "(admin: later)" in refused.json["text"]


@pytest.fixture(scope="module")
def texts_app(live_db_url, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The app with the editor's pages on the shared county (nothing is written)."""
    from gridmap.web import create_app

    config = Config(
        database_url=live_db_url, var_dir=tmp_path_factory.mktemp("var"), secret_key="t"
    )
    application = with_editor(create_app(config))
    yield application
    application.extensions["gridmap_pool"].close()


@pytest.mark.parametrize("code", sorted(set(ENGLISH) | set(topology.RULES)))
def test_every_code_has_a_chinese_and_an_english_wording(texts_app, code):
    params = {"a": "A", "b": "B", "unit": "U", "parent": "P", "area_m2": 1.5, "parts": 3,
              "edit": 7, "author": "admin", "at": "2026-03-01 08:00", "reason": "Too few points",
              "later": "8 (admin: x)", "detail": "d", "units": []}  # fmt: skip
    with texts_app.test_request_context():
        with force_locale("en"):
            english = problem_text(code, params)
        with force_locale("zh_Hans_CN"):
            chinese = problem_text(code, params)
    assert english and chinese and english != chinese
    assert "%(" not in english + chinese
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese), chinese
