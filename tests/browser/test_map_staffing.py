"""The map's village panel lists the village's groups without an active worker."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import PageWatch
from tests.browser.helpers import open_map

STAFFED_VILLAGE = "341890100200"  # W1 serves group 001; group 002 has nobody
EMPTY_VILLAGE = "341890100201"


def test_village_panel_lists_groups_without_a_worker(
    page: Page, live_server: str, watch: PageWatch
):
    open_map(page, live_server, f"?unit={STAFFED_VILLAGE}")
    panel = page.locator(f"#gm-panel[data-code='{STAFFED_VILLAGE}'][data-loaded]")
    items = panel.locator("#gm-panel-unstaffed li.gm-unstaffed")
    expect(items).to_have_count(1)
    expect(items).to_have_attribute("data-code", f"{STAFFED_VILLAGE}002")
    expect(items).to_have_text(f"{STAFFED_VILLAGE}002 2组")
    expect(panel.locator("#gm-panel-unstaffed h3")).to_have_text("没有在岗网格员的村民小组")
    items.locator("button").click()
    group = page.locator(f"#gm-panel[data-code='{STAFFED_VILLAGE}002'][data-loaded]")
    expect(group.locator(".gm-title")).to_have_text("2组")
    expect(group.locator("#gm-panel-unstaffed")).to_have_count(0)  # groups list nothing
    assert watch.off_host == [] and watch.failed == [] and watch.errors == []


def test_every_group_of_an_unstaffed_village_is_listed(page: Page, live_server: str, watch):
    open_map(page, live_server, f"?unit={EMPTY_VILLAGE}")
    panel = page.locator(f"#gm-panel[data-code='{EMPTY_VILLAGE}'][data-loaded]")
    codes = panel.locator("#gm-panel-unstaffed li.gm-unstaffed")
    expect(codes).to_have_count(2)
    assert [codes.nth(i).get_attribute("data-code") for i in range(2)] == [
        f"{EMPTY_VILLAGE}001", f"{EMPTY_VILLAGE}002",
    ]  # fmt: skip
    assert watch.off_host == [] and watch.errors == []
