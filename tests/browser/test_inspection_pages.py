"""Inspection plan pages in headless Chromium: map, printable itinerary and the plan form."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import psycopg
import pytest
from playwright.sync_api import Page, expect

from gridmap.access.accounts import EVERYTHING, Actor
from gridmap.core.config import Config
from gridmap.grid import assign
from gridmap.inspections import plan
from gridmap.inspections.compose import PlanRequest
from tests.browser.conftest import PageWatch, log_in
from tests.grid_fixtures import XSS_NAME
from tests.household_fixtures import Household, add_grid, add_households, add_worker
from tests.servers import serving
from tests.web_fixtures import add_role_accounts

SPOTS = [(500, 500), (1500, 3500), (2500, 700), (3500, 2500), (4500, 600), (5500, 3300),
         (6500, 1500), (7500, 500)]  # fmt: skip


@pytest.fixture(scope="module")
def plan_server(pg_cluster, template_url, tiny_county_file, tmp_path_factory) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    """The app with the inspection pages on its own database holding one two-team plan."""
    from gridmap.web import create_app
    from gridmap.web import inspections as views
    from tests.conftest import _copy_database

    url = _copy_database(pg_cluster, "t_inspect_browser")
    config = Config(database_url=url, var_dir=tmp_path_factory.mktemp("var"), secret_key="b",
                    login_rate_limit="1000 per minute")  # fmt: skip
    with psycopg.connect(url) as conn:
        add_grid(conn, tiny_county_file)
        add_households(
            conn,
            [Household(f"M{i}", at, category="monitored", address=XSS_NAME if i == 0 else None)
             for i, at in enumerate(SPOTS)],
        )  # fmt: skip
        add_worker(conn, "W1", ["341890100200001"])
        assign.assign_households(conn)
        add_role_accounts(conn)
        request = PlanRequest("六月暗访", date(2023, 6, 23), 2, 2, 6.0, stops=8, seed=3)
        made = plan.create_plan(
            conn, config, request, Actor("x", "admin", EVERYTHING), date.today()
        )
        # Short days: the same eight stops need every team-day of both teams.
        busy = plan.create_plan(
            conn, config, replace(request, name="短时暗访", hours=1.5),
            Actor("x", "admin", EVERYTHING), date.today(),
        )  # fmt: skip
        conn.commit()
    app = create_app(config)
    if "inspections" not in app.blueprints:
        app.register_blueprint(views.bp)
    with serving(app) as base_url:
        yield base_url, made, busy


def clean(watch: PageWatch) -> None:
    """Nothing left the host, nothing failed, no console error, no dialog."""
    assert watch.off_host == []
    assert watch.failed == []
    assert watch.errors == []
    assert watch.dialogs == []


def test_plan_map_shows_every_team_day_and_numbered_stops(page: Page, watch, plan_server):
    base, made, _busy = plan_server
    log_in(page, base, "inspector")
    response = page.goto(f"{base}/inspections/{made['id']}/map")
    assert response is not None and response.status == 200
    used = [r for r in made["routes"] if r["stops"]]
    stops = sum(len(r["stops"]) for r in used)
    expect(page.locator(".gm-stop-number")).to_have_count(stops)
    expect(page.locator(".leaflet-overlay-pane path")).to_have_count(len(used))
    expect(page.locator(".gm-plan-legend li")).to_have_count(len(used))
    expect(page.locator(".leaflet-control-layers-overlays label")).to_have_count(len(used))
    expect(page.locator(".leaflet-control-scale-line")).to_have_count(1)  # metres only
    page.locator(".gm-stop-number", has_text="1").first.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    assert any(r["stops"][0]["eta"] in popup.inner_text() for r in used)
    assert page.locator("img[src='x']").count() == 0  # names stay text
    clean(watch)


#: Team 1 blue, team 2 vermilion; the first day solid, the second dashed.
TEAM_STROKES = {1: "#0072b2", 2: "#d55e00"}
DAY_DASHES = {"2023-06-23": None, "2023-06-24": "12 6"}


def test_plan_map_draws_a_colour_per_team_and_a_line_style_per_day(page: Page, watch, plan_server):
    base, _made, made = plan_server
    log_in(page, base, "inspector")
    page.goto(f"{base}/inspections/{made['id']}/map")
    used = [r for r in made["routes"] if r["stops"]]
    assert {r["team"] for r in used} == {1, 2} and len({r["day"] for r in used}) == 2
    lines = page.locator(".leaflet-overlay-pane path")
    expect(lines).to_have_count(len(used))

    def drawn() -> list[tuple[str, str]]:
        return sorted(
            (line.get_attribute("stroke") or "", line.get_attribute("stroke-dasharray") or "")
            for line in lines.all()
        )

    expected = sorted((TEAM_STROKES[r["team"]], DAY_DASHES[r["day"]] or "") for r in used)
    assert drawn() == expected
    # Each team-day's layer holds its own line: hiding it removes exactly that style.
    for label in page.locator(".leaflet-control-layers-overlays label").all():
        team, day = re.search(r"(\d+)\D+(\d{4}-\d{2}-\d{2})", label.inner_text()).groups()  # type: ignore[union-attr]
        label.locator("input").uncheck()
        expect(lines).to_have_count(len(used) - 1)
        gone = Counter(expected) - Counter(drawn())
        assert list(gone.elements()) == [(TEAM_STROKES[int(team)], DAY_DASHES[day] or "")]
        label.locator("input").check()
        expect(lines).to_have_count(len(used))
    clean(watch)


def test_printable_itinerary_is_chinese_per_team_and_day(page: Page, watch, plan_server):
    base, made, _busy = plan_server
    log_in(page, base, "admin")
    response = page.goto(f"{base}/inspections/{made['id']}/itinerary")
    assert response is not None and response.status == 200
    used = [r for r in made["routes"] if r["stops"]]
    sections = page.locator(".gm-itinerary-day")
    expect(sections).to_have_count(len(used))
    for section, route in zip(sections.all(), used, strict=True):
        expect(section).to_have_attribute("data-team", str(route["team"]))
        expect(section.locator("h1")).to_contain_text("暗访行程单")
        expect(section.locator("thead th").first).to_have_text("序号")
        expect(section.locator("tbody tr")).to_have_count(len(route["stops"]))
        etas = section.locator("tbody tr td:nth-child(2)").all_inner_texts()
        assert etas == [s["eta"] for s in route["stops"]]
    assert page.locator("img[src='x']").count() == 0
    page.emulate_media(media="print")
    expect(page.locator(".gm-nav")).to_be_hidden()
    expect(page.locator(".gm-itinerary-tools")).to_be_hidden()
    clean(watch)


def test_the_plan_form_makes_a_plan(page: Page, watch, plan_server):
    base, _made, _busy = plan_server
    log_in(page, base, "inspector")
    page.goto(f"{base}/inspections")
    page.fill("input[name=name]", "浏览器计划")
    page.fill("input[name=first_day]", "2023-07-03")
    page.fill("input[name=stops]", "4")
    page.fill("input[name=seed]", "9")
    page.click("form.gm-plan-form button[type=submit]")
    page.wait_for_url(lambda url: "/inspections/" in url)
    expect(page.locator("h1")).to_have_text("浏览器计划")
    expect(page.locator("table.gm-routes tbody tr")).to_have_count(8)
    clean(watch)


def test_quotas_on_the_form_and_closing_the_plan_on_its_page(page: Page, watch, plan_server):
    base, _made, _busy = plan_server
    log_in(page, base, "inspector")
    page.goto(f"{base}/inspections")
    page.fill("input[name=name]", "配额计划")
    page.fill("input[name=first_day]", "2023-07-04")
    page.fill("input[name=stops]", "5")
    page.uncheck("input[name=mandatory]")
    page.fill("input[name=quota_households]", "4")
    page.fill("input[name=quota_villages]", "0")
    page.click("form.gm-plan-form button[type=submit]")
    page.wait_for_url(lambda url: "/inspections/" in url)
    plan_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    shown = page.evaluate(f"fetch('/api/v1/inspections/{plan_id}').then(r => r.json())")
    kinds = sorted([s["kind"] for r in shown["routes"] for s in r["stops"]]
                   + [d["kind"] for d in shown["dropped"]])  # fmt: skip
    assert kinds == ["household"] * 4 + ["unit"]  # the fifth: a group without a worker
    expect(page.locator(".gm-plan-close")).to_have_attribute("data-closed", "false")
    page.click(".gm-plan-close button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator(".gm-plan-close")).to_have_attribute("data-closed", "true")
    expect(page.locator(".gm-plan-close")).to_contain_text("inspector")
    page.goto(f"{base}/inspections")
    expect(page.locator(f"tr[data-plan='{plan_id}'] .gm-plan-state")).to_have_text("已结束")
    clean(watch)
