"""Monitoring and assistance contacts in the map's side panel, in headless Chromium.

The server holds the monitoring example of tests/test_monitoring.py (H001-H004 in the tiny
county, their monitoring periods) and H001's contacts over time: C1 from 2024-01-01, then C2
from 2024-03-01 on.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect

from gridmap.registry.people import import_contacts
from tests.browser.conftest import PageWatch, logged_in_page
from tests.browser.helpers import click_at_m, open_map, panel_values, wait_for_tiles
from tests.conftest import _copy_database
from tests.servers import serving
from tests.test_household_import import GROUP_A, write_csv
from tests.test_monitoring import EXPECTED, seed_monitoring
from tests.test_people_import import CONTACT_HEADERS
from tests.test_visits import field_app

TOWNSHIP_1 = "341890100"
AS_OF = "2024-06-30"
H001_AT_M = (1000, 1000)


@pytest.fixture(scope="module")
def server(pg_cluster, template_url, tiny_county_file, tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The monitoring example with H001's second contact, served in a thread."""
    from gridmap.core.config import Config

    url = _copy_database(pg_cluster, "gridmap_map_monitoring_browser")
    folder = tmp_path_factory.mktemp("files")
    with psycopg.connect(url) as conn:
        seed_monitoring(conn, tiny_county_file, folder)
        later = [["C2", "杨二", "镇政府", "13700000002", "H001", "2024-03-01"]]
        import_contacts(conn, write_csv(folder / "c2.csv", later, CONTACT_HEADERS))
    config = Config(database_url=url, var_dir=tmp_path_factory.mktemp("var"), secret_key="t")
    with serving(field_app(config)) as base_url:
        yield base_url


def login_page(browser: Browser, base_url: str, username: str) -> Iterator[Page]:
    """A page logged in as `username`, in Chinese, closed after use."""
    page = logged_in_page(browser, base_url, username, height=720, locale="zh-CN")
    yield page
    page.context.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """A reviewer's page on this server (the `watch` fixture records what it does)."""
    yield from login_page(browser, server, "reviewer")


def show_unit(page: Page, code: str) -> dict[str, str]:
    """Find the unit with the map's search box; return the side panel's figures."""
    page.fill(".gm-search input", code)
    page.press(".gm-search input", "Enter")
    page.wait_for_selector(f"#gm-panel[data-code='{code}'][data-loaded]")
    return panel_values(page)


def monitoring_shown(values: dict[str, str]) -> tuple[int, int, int]:
    """(identified, eliminated, still at risk) as the panel shows them."""
    keys = ("monitoring_identified", "monitoring_eliminated", "monitoring_at_risk_end")
    return tuple(int(values[k]) for k in keys)  # type: ignore[return-value]


def hand_computed(unit: str) -> tuple[int, int, int]:
    """(identified, eliminated, at risk at the end) of EXPECTED for the first half of 2024."""
    found = EXPECTED[unit]
    return found[0], found[4], found[5]


def assert_clean(page: Page, watch: PageWatch) -> None:
    """Nothing left the host, nothing failed, nothing was logged as an error."""
    page.wait_for_load_state("networkidle")
    assert watch.off_host == []
    assert watch.failed == []
    assert watch.errors == []  # CSP violations would show here too


def test_unit_panel_shows_the_hand_computed_monitoring_figures(page, server, watch):
    open_map(page, server, f"?as_of={AS_OF}")
    assert monitoring_shown(show_unit(page, TOWNSHIP_1)) == hand_computed(TOWNSHIP_1)
    section = page.locator("#gm-panel-monitoring")
    expect(section.locator("h3")).to_have_text("防返贫监测")
    expect(section.locator("p")).to_have_text("本年以来：2024-01-01至2024-06-30")
    expect(section.locator(".gm-row[data-key='monitoring_identified'] dt")).to_have_text(
        "本年识别纳入"
    )
    expect(section.locator(".gm-row[data-key='monitoring_at_risk_end'] dt")).to_have_text(
        "未消除风险"
    )
    link = section.locator("#gm-panel-monitoring-link")
    expect(link).to_have_text("查看防返贫监测")
    expect(link).to_have_attribute(
        "href", f"/monitoring?unit={TOWNSHIP_1}&from=2024-01-01&to={AS_OF}"
    )
    assert monitoring_shown(show_unit(page, "341890")) == hand_computed("341890")
    assert monitoring_shown(show_unit(page, GROUP_A)) == hand_computed(GROUP_A)
    # The link opens the monitoring page on the same unit and period, with the same total.
    show_unit(page, TOWNSHIP_1)
    page.locator("#gm-panel-monitoring-link").click()
    page.wait_for_url(f"**/monitoring?unit={TOWNSHIP_1}**")
    total = page.locator("#gm-monitoring-total [data-key='at_risk_end']")
    assert int(total.get_attribute("data-value") or -1) == hand_computed(TOWNSHIP_1)[2]
    assert_clean(page, watch)


def test_unit_panel_counts_this_year_by_default(page, server, watch):
    open_map(page, server)
    # Today is past 2024: nothing identified or eliminated this year, three still at risk.
    assert monitoring_shown(show_unit(page, "341890")) == (0, 0, 3)
    expect(page.locator("#gm-panel-monitoring p")).to_contain_text("-01-01至")
    assert_clean(page, watch)


def test_a_township_sees_its_own_figures_and_a_worker_no_link(browser, server):
    for username, unit, link in (("township", TOWNSHIP_1, 1), ("worker", GROUP_A, 0)):
        for page in login_page(browser, server, username):
            open_map(page, server, f"?as_of={AS_OF}")
            assert monitoring_shown(show_unit(page, unit)) == hand_computed(unit)
            expect(page.locator("#gm-panel-monitoring-link")).to_have_count(link)


def show_household(page: Page) -> None:
    """Click H001 on the map and wait for its contacts."""
    wait_for_tiles(page)
    click_at_m(page, *H001_AT_M)
    page.wait_for_selector("#gm-panel[data-code='H001'][data-loaded]")
    page.wait_for_selector("#gm-panel-contacts[data-loaded]")


def contacts_shown(page: Page) -> list[tuple[str, str, str, str]]:
    """(contact, current flag, kind, dates) of each contact in the panel, in order."""
    return page.eval_on_selector_all(
        "#gm-panel-contacts li.gm-contact",
        """items => items.map(li => [li.dataset.contact, li.dataset.current,
            li.querySelector('.gm-kicker').textContent,
            li.querySelector('.gm-contact-dates').textContent])""",
    )


def test_household_panel_lists_its_contacts_current_first(page, server, watch):
    open_map(page, server)
    show_household(page)
    api = page.request.get(f"{server}/api/v1/households/H001/contacts").json()["contacts"]
    assert [(c["contact"], c["since"], c["until"]) for c in api] == [
        ("C1", "2024-01-01", "2024-03-01"),
        ("C2", "2024-03-01", None),
    ]
    assert contacts_shown(page) == [
        ["C2", "1", "当前帮扶联系人", "2024-03-01起"],
        ["C1", "0", "此前帮扶联系人", "2024-01-01至2024-03-01"],
    ]
    first = page.locator("#gm-panel-contacts li.gm-contact").first
    expect(first.locator(".gm-contact-name")).to_have_text("杨二 · 镇政府")
    expect(page.locator("#gm-panel-contacts h3")).to_have_text("帮扶联系人")
    assert_clean(page, watch)


def test_household_contacts_as_they_were_on_the_maps_date(page, server, watch):
    open_map(page, server, "?as_of=2024-02-01")
    show_household(page)
    # On 2024-02-01 C1 assisted H001 (until 2024-03-01); C2 had not started.
    assert contacts_shown(page) == [["C1", "1", "当前帮扶联系人", "2024-01-01至2024-03-01"]]
    assert_clean(page, watch)


def test_a_household_without_contacts_says_so(page, server, watch):
    open_map(page, server, "?lang=en")
    wait_for_tiles(page)
    click_at_m(page, 3000, 3000)  # H002
    page.wait_for_selector("#gm-panel[data-code='H002'][data-loaded]")
    page.wait_for_selector("#gm-panel-contacts[data-loaded]")
    expect(page.locator("#gm-panel-contacts p")).to_have_text("No contacts.")
    expect(page.locator("#gm-panel-contacts h3")).to_have_text("Assistance contacts")
    assert_clean(page, watch)
