"""The phone visit form in real Chromium: tap a household, check in, save, see the status change."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from gridmap.core.config import Config
from gridmap.maps.pages import COLOURS
from tests.browser.conftest import is_local, log_in
from tests.browser.helpers import drawn_households, open_map, wait_for_tiles
from tests.household_fixtures import lonlat_m
from tests.servers import serving
from tests.test_visits import G1, field_app, seed_county

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def field_server(config: Config, tiny_county_file) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app with the field pages on a fresh seeded database, served in a thread."""
    with psycopg.connect(config.database_url) as conn:
        seed_county(conn, tiny_county_file)
    app = field_app(config)
    with serving(app) as base_url:
        yield base_url


def phone(browser: Browser, at_m: tuple[float, float]) -> BrowserContext:
    """A phone-sized touch context that reports its position at `at_m` (metres)."""
    lon, lat = lonlat_m(*at_m)
    return browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN",
        timezone_id="Asia/Shanghai", permissions=["geolocation"],
        geolocation={"longitude": lon, "latitude": lat, "accuracy": 15},
    )  # fmt: skip


def open_form(context: BrowserContext, base_url: str, problems: list[str]) -> Page:
    """Log in as the grid worker and open the visit form, recording errors and off-host calls."""
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: None if is_local(r.url) else problems.append(r.url))
    log_in(page, base_url, "worker")
    page.goto(f"{base_url}/visits/new")
    page.wait_for_selector("body[data-gm-ready='1']", state="attached")
    return page


def record(page: Page, household: str) -> str:
    """Tap the household, wait for the check-in, save; return the message shown."""
    page.tap(f".gm-household[data-code='{household}']")
    page.wait_for_selector("#gm-location[data-located='1']", state="attached")
    page.fill("#gm-notes", "户主在家，生活正常")
    page.tap("#gm-save")
    page.wait_for_selector("#gm-message:not(.d-none)")
    return page.inner_text("#gm-message")


def drawn_in_visit_mode(page: Page, base_url: str) -> dict[str, dict]:
    """Open (or reopen) the grid map coloured by visit status; return the households drawn."""
    open_map(page, base_url)
    wait_for_tiles(page)
    page.locator("label[for='gm-mode-visit']").click()
    page.wait_for_selector("body[data-gm-mode='visit']", state="attached")
    return drawn_households(page)


def status_of(page: Page, household: str) -> str:
    return page.get_attribute(f".gm-household[data-code='{household}']", "data-visit-status") or ""


def test_a_visit_recorded_on_the_phone_turns_an_overdue_household_visited(browser, field_server):
    problems: list[str] = []
    context = phone(browser, (510, 490))  # next to H1
    page = open_form(context, field_server, problems)
    codes = page.eval_on_selector_all(".gm-household", "els => els.map(e => e.dataset.code)")
    assert sorted(codes) == ["H1", "H2"]  # only the worker's group
    assert status_of(page, "H1") == "overdue"
    assert page.inner_text(".gm-household[data-code='H1'] .gm-badge") == "已逾期"
    message = record(page, "H1")
    assert "已保存" in message and "存疑" not in message
    page.wait_for_selector(".gm-household[data-code='H1'][data-visit-status='visited']")
    api = page.request.get(f"{field_server}/api/v1/households?unit={G1}").json()
    h1 = next(f["properties"] for f in api["features"] if f["properties"]["code"] == "H1")
    assert (h1["visit_status"], h1["coverage_status"]) == ("visited", "covered")
    report = page.request.get(f"{field_server}/api/v1/coverage?level=4").json()
    g1 = next(u for u in report["units"] if u["code"] == G1)
    assert (g1["overdue"], g1["visited"]) == (1, 1)  # H2 was never visited
    assert problems == []
    context.close()


def test_a_visit_recorded_on_the_phone_shows_on_the_map(browser, field_server):
    desk = browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN")
    reviewer = desk.new_page()
    off_host: list[str] = []
    reviewer.on("request", lambda r: None if is_local(r.url) else off_host.append(r.url))
    reviewer.on("pageerror", lambda exc: off_host.append(f"pageerror: {exc}"))
    log_in(reviewer, field_server, "reviewer")
    before = drawn_in_visit_mode(reviewer, field_server)["H1"]
    assert (before["visit"], before["fill"]) == ("overdue", COLOURS["visit"]["overdue"])
    problems: list[str] = []
    context = phone(browser, (510, 490))  # next to H1
    page = open_form(context, field_server, problems)
    assert "已保存" in record(page, "H1")
    after = drawn_in_visit_mode(reviewer, field_server)["H1"]
    assert (after["visit"], after["fill"]) == ("visited", COLOURS["visit"]["visited"])
    assert after["doubtful"] is False  # checked in next to the household
    assert problems == [] and off_host == []
    context.close()
    desk.close()


def test_a_far_check_in_is_saved_as_doubtful(browser, field_server):
    problems: list[str] = []
    context = phone(browser, (1800, 1800))  # about 1.8 km from H2
    page = open_form(context, field_server, problems)
    message = record(page, "H2")
    assert "存疑" in message
    page.wait_for_selector(".gm-household[data-code='H2'][data-doubtful='1']")
    assert status_of(page, "H2") == "visited"
    visits = page.request.get(f"{field_server}/api/v1/visits?household=H2").json()["visits"]
    assert [(v["doubtful"], v["visitor"]) for v in visits] == [(True, "W1")]
    assert visits[0]["checkin_distance_m"] > 500
    assert problems == []
    context.close()
