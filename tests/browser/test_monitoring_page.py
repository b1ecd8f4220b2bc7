"""The /monitoring page in headless Chromium: Chinese, local only, the hand-computed figures."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import PageWatch, logged_in_page
from tests.conftest import _copy_database
from tests.servers import serving
from tests.test_household_import import GROUP_A, GROUP_B
from tests.test_monitoring import EXPECTED, PAGE_COLUMNS, seed_monitoring
from tests.test_visits import field_app

PERIOD = "from=2024-01-01&to=2024-06-30"


@pytest.fixture(scope="module")
def monitoring_server(
    pg_cluster, template_url, tiny_county_file, tmp_path_factory
) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app on the monitoring example, served in a thread."""
    from gridmap.core.config import Config

    url = _copy_database(pg_cluster, "gridmap_monitoring_browser")
    with psycopg.connect(url) as conn:
        seed_monitoring(conn, tiny_county_file, tmp_path_factory.mktemp("files"))
    config = Config(database_url=url, var_dir=tmp_path_factory.mktemp("var"), secret_key="t")
    app = field_app(config)
    with serving(app) as base_url:
        yield base_url


@pytest.fixture
def page(browser: Browser, monitoring_server: str) -> Iterator[Page]:
    """A Chinese-speaking reviewer's page (the `watch` fixture records what it does)."""
    reviewer = logged_in_page(browser, monitoring_server, "reviewer", locale="zh-CN")
    yield reviewer
    reviewer.context.close()


def figures(page: Page, code: str) -> tuple[int, ...]:
    """The counts of one row of the counts table, as the page shows them."""
    row = page.locator(f"#gm-monitoring-counts tr[data-code='{code}']")
    return tuple(int(row.locator(f"td[data-key='{k}']").inner_text()) for k in PAGE_COLUMNS)


def clean(watch: PageWatch) -> None:
    """Nothing left the host, nothing failed, nothing was logged as an error."""
    assert watch.off_host == []
    assert watch.failed == []
    assert watch.errors == []  # CSP violations would show here too
    assert watch.dialogs == []


def test_monitoring_page_shows_the_hand_computed_figures(page, monitoring_server, watch):
    response = page.goto(f"{monitoring_server}/monitoring?{PERIOD}")
    assert response is not None and response.status == 200
    page.wait_for_selector("body[data-gm-ready='1']", state="attached")
    assert page.inner_text("h1") == "防返贫动态监测"
    assert page.locator("nav a[href='/monitoring']").inner_text().strip() == "防返贫监测"
    assert figures(page, "341890100") == EXPECTED["341890100"]
    assert figures(page, "341890101") == EXPECTED["341890101"]
    assert figures(page, "total") == EXPECTED["341890"]
    cards = page.locator("#gm-monitoring-total")
    assert cards.locator("[data-key='at_risk_end']").get_attribute("data-value") == "3"
    assert cards.locator("[data-key='uncontacted']").get_attribute("data-value") == "2"
    # On 2024-06-30 H002 (at risk until August) is drawn on the map; H003 has no location
    # and is only listed; H004 was identified a day later.
    assert page.evaluate("document.body.dataset.gmMapCount") == "1"
    # The only marker sits at the centre of the fitted map; tapping it names the household.
    page.locator("#gm-uncontacted-map").click()
    popup = page.locator("#gm-uncontacted-map .leaflet-popup-content")
    assert popup.inner_text().splitlines()[0] == "H002"
    assert "边缘易致贫户" in popup.inner_text()
    assert "1 户没有位置" in page.inner_text("#gm-map-note")
    codes = page.eval_on_selector_all(
        "#gm-uncontacted tbody tr", "rs => rs.map(r => r.dataset.code)"
    )
    assert codes == ["H002", "H003"]
    assert page.inner_text("#gm-contacts tr[data-code='C1'] td[data-key='households']") == "1"
    clean(watch)


def test_drilling_down_to_the_villages_of_a_township(page, monitoring_server, watch):
    page.goto(f"{monitoring_server}/monitoring?{PERIOD}")
    page.click("#gm-monitoring-counts tr[data-code='341890100'] a")
    page.wait_for_url("**unit=341890100**")
    assert figures(page, GROUP_A[:12]) == EXPECTED[GROUP_A]
    assert figures(page, GROUP_B[:12]) == EXPECTED[GROUP_B]
    assert figures(page, "total") == EXPECTED["341890100"]
    assert "2024-06-30" in page.input_value("#to")
    # Of the township's households at risk, H001 has contact C1; H002 has none.
    codes = page.eval_on_selector_all(
        "#gm-uncontacted tbody tr", "rs => rs.map(r => r.dataset.code)"
    )
    assert codes == ["H002"]
    clean(watch)
