"""Doubtful check-ins on the grid map in headless Chromium, until a reviewer rejects the visit.

The server holds the seeded county of tests/test_visits.py: H1 (monitored, last visited 40
days ago) and H2 in group G1, H3 and H4 elsewhere. Today H2 was visited with a check-in at
the household and H1 with one 1.4 km away, so H1's visit is kept but doubtful.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect

from gridmap.access.accounts import EVERYTHING, Actor
from gridmap.core.config import Config
from gridmap.fieldwork import visits
from gridmap.maps.pages import COLOURS
from tests.browser.conftest import PageWatch, logged_in_page
from tests.browser.helpers import (
    click_at_m,
    drawn_households,
    open_map,
    panel_values,
    wait_for_tiles,
)
from tests.household_fixtures import lonlat_m
from tests.servers import serving
from tests.test_visits import G1, HOUSEHOLDS, field_app, seed_county

TOWNSHIP_1 = "341890100"
RING = COLOURS["doubtful"]["ring"]
FIELD_OFFICE = (1500, 1500)  # 1.4 km from H1: farther than GRIDMAP_CHECKIN_MAX_M (500 m)


def checked_in_visit(household: str, at_m: tuple[float, float]) -> dict:
    """A routine visit by worker W1 checked in at `at_m` (metres from the grid's origin)."""
    lon, lat = lonlat_m(*at_m)
    return {"household": household, "visitor": "W1", "lon": lon, "lat": lat, "notes": "在家"}


@pytest.fixture
def server(config: Config, tiny_county_file) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The seeded county with today's sound visit to H2 and far check-in at H1, served."""
    clerk = Actor(username="admin", role="admin", scope=EVERYTHING)
    with psycopg.connect(config.database_url) as conn:
        seed_county(conn, tiny_county_file)
        conn.commit()
        sound = visits.record_visit(conn, config, clerk, checked_in_visit("H2", (600, 500)))
        far = visits.record_visit(conn, config, clerk, checked_in_visit("H1", FIELD_OFFICE))
    assert (sound["doubtful"], far["doubtful"]) == (False, True)
    app = field_app(config)
    with serving(app) as base_url:
        yield base_url


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """A reviewer's page on this server (the `watch` fixture records what it does)."""
    reviewer = logged_in_page(browser, server, "reviewer", height=720)
    yield reviewer
    reviewer.context.close()


def open_in_visit_mode(page: Page, base_url: str, query: str = "") -> dict[str, dict]:
    """Open the map coloured by visit status; return the households drawn."""
    open_map(page, base_url, query)
    wait_for_tiles(page)
    page.locator("label[for='gm-mode-visit']").click()
    page.wait_for_selector("body[data-gm-mode='visit']", state="attached")
    return drawn_households(page)


def show_household(page: Page, code: str) -> dict[str, str]:
    """Click the household on the map; return the side panel's figures."""
    click_at_m(page, *HOUSEHOLDS[code][0])
    page.wait_for_selector(f"#gm-panel[data-code='{code}'][data-loaded]")
    return panel_values(page)


def show_township(page: Page) -> dict[str, str]:
    """Click township 1 away from every household; return the side panel's figures."""
    click_at_m(page, 1500, 2500)
    page.wait_for_selector(f"#gm-panel[data-code='{TOWNSHIP_1}'][data-loaded]")
    return panel_values(page)


def reject_pending(page: Page, base_url: str) -> int:
    """As the reviewer, reject every doubtful visit awaiting review; return how many."""
    token = page.locator(".gm-nav input[name='csrf_token']").get_attribute("value") or ""
    pending = page.request.get(f"{base_url}/api/v1/visits?doubtful=1").json()["visits"]
    for visit in pending:
        response = page.request.post(
            f"{base_url}/api/v1/visits/{visit['id']}/reject",
            data={"reason": "签到位置不符"},
            headers={"X-CSRFToken": token},
        )
        assert response.status == 200, response.text()
    return len(pending)


def assert_clean(page: Page, watch: PageWatch) -> None:
    """Nothing left the host, nothing failed, nothing was logged as an error."""
    page.wait_for_load_state("networkidle")
    assert watch.off_host == []
    assert watch.failed == []
    assert watch.errors == []  # CSP violations would show here too


def test_doubtful_visit_is_marked_until_the_reviewer_rejects_it(page, server, watch):
    drawn = open_in_visit_mode(page, server)
    h1, h2 = drawn["H1"], drawn["H2"]
    # Both count as visited today; only H1's rests on the far check-in.
    assert (h1["visit"], h2["visit"]) == ("visited", "visited")
    assert h1["fill"] == h2["fill"] == COLOURS["visit"]["visited"]
    assert (h1["doubtful"], h1["ring"], h1["dash"]) == (True, RING, "3 2")
    assert (h2["doubtful"], h2["dash"]) == (False, None) and h2["ring"] != RING
    assert [code for code, d in drawn.items() if d["ring"] == RING] == ["H1"]
    legend = page.locator("#gm-legend .gm-legend-doubtful")
    expect(legend).to_have_text("签到存疑")
    assert (
        legend.locator(".gm-swatch-doubtful").evaluate("(e) => getComputedStyle(e).borderTopStyle")
        == "dashed"
    )

    assert show_household(page, "H1")["doubtful_visit"] == "true"
    row = page.locator("#gm-panel .gm-row[data-key='doubtful_visit']")
    expect(row).to_contain_text("最近一次走访签到")
    expect(row).to_contain_text("存疑：签到地点距农户过远，待审核")
    assert "doubtful_visit" not in show_household(page, "H2")
    api = page.request.get(f"{server}/api/v1/units/{TOWNSHIP_1}").json()
    assert api["doubtful_visit"] == 1
    assert show_township(page)["doubtful_visit"] == "1"
    expect(page.locator("#gm-panel .gm-row[data-key='doubtful_visit']")).to_contain_text(
        "签到存疑的走访"
    )

    assert reject_pending(page, server) == 1
    drawn = open_in_visit_mode(page, server)
    # The rejected visit no longer counts: H1 falls back on its visit of 40 days ago.
    assert drawn["H1"]["visit"] != "visited"
    assert drawn["H1"]["fill"] == COLOURS["visit"][drawn["H1"]["visit"]]
    assert (drawn["H1"]["doubtful"], drawn["H1"]["dash"]) == (False, None)
    assert [code for code, d in drawn.items() if d["ring"] == RING] == []
    assert "doubtful_visit" not in show_household(page, "H1")
    assert show_township(page)["doubtful_visit"] == "0"
    assert_clean(page, watch)


def test_coverage_colouring_leaves_the_mark_out(page, server, watch):
    open_map(page, server)
    wait_for_tiles(page)
    drawn = drawn_households(page)
    assert drawn["H1"]["doubtful"] is True
    assert drawn["H1"]["ring"] != RING and drawn["H1"]["dash"] is None
    expect(page.locator("#gm-legend .gm-legend-doubtful")).to_have_count(0)
    assert_clean(page, watch)


def test_unit_circles_count_doubtful_visits(page, server, watch):
    open_map(page, server, "?lang=en")
    page.evaluate("() => gridmap.app.map.setZoom(12, {animate: false})")
    page.wait_for_selector("body[data-gm-counts='3']", state="attached")  # three groups
    tips = page.evaluate(
        """() => Object.fromEntries(gridmap.layers.registry.households.counts.getLayers()
            .map((m) => [m.gmProps.code, m.getTooltip().getContent().textContent]))"""
    )
    assert "Doubtful check-in: 1" in tips[G1]
    assert [code for code, text in tips.items() if "Doubtful" in text] == [G1]
    page.locator("label[for='gm-mode-visit']").click()
    expect(page.locator("#gm-legend .gm-legend-doubtful")).to_have_text("Doubtful check-in")
    assert_clean(page, watch)
