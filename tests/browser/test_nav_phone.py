"""The top bar on a 390-pixel phone: nothing overlaps and the current page's link shows."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import PageWatch, log_in

PHONE = {"width": 390, "height": 800}
PAGES = [("/map", "map"), ("/coverage", "coverage"), ("/campaigns", "campaigns")]

#: Each box of the bar as the eye sees it: nav links clipped to their scrolling strip.
BOXES_JS = """() => {
  const rect = (el) => { const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const strip = rect(document.querySelector(".gm-nav .gm-nav-links"));
  const clip = (r) => ({left: Math.max(r.left, strip.left), right: Math.min(r.right, strip.right),
                        top: Math.max(r.top, strip.top), bottom: Math.min(r.bottom, strip.bottom)});
  const current = document.querySelector(".gm-nav-links a[aria-current='page']");
  const c = current.getBoundingClientRect();
  const hit = document.elementFromPoint(c.left + c.width / 2, c.top + c.height / 2);
  return {
    nav: [...document.querySelectorAll(".gm-nav-links a")].map((a) => clip(rect(a))),
    lang: [...document.querySelectorAll(".gm-nav .gm-lang a")].map(rect),
    account: [...document.querySelectorAll(".gm-nav .gm-account")].map(rect),
    current: rect(current), strip: strip, bar: rect(document.querySelector(".gm-nav")),
    currentOnTop: hit === current || current.contains(hit),
  };
}"""


def overlap(a: dict, b: dict) -> bool:
    """Whether two boxes share any area (empty boxes share none)."""
    width = min(a["right"], b["right"]) - max(a["left"], b["left"])
    height = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    return width > 0.5 and height > 0.5


def inside(a: dict, b: dict) -> bool:
    """Whether box `a` lies within box `b`."""
    return (a["left"] >= b["left"] - 0.5 and a["right"] <= b["right"] + 0.5
            and a["top"] >= b["top"] - 0.5 and a["bottom"] <= b["bottom"] + 0.5)  # fmt: skip


def check_bar(page: Page) -> None:
    """Assert the bar's groups do not overlap and the current link is fully in view."""
    boxes = page.evaluate(BOXES_JS)
    groups = [("nav", boxes["nav"]), ("lang", boxes["lang"]), ("account", boxes["account"])]
    for i, (name_a, group_a) in enumerate(groups):
        for name_b, group_b in groups[i + 1 :]:
            for a in group_a:
                for b in group_b:
                    assert not overlap(a, b), (page.url, name_a, a, name_b, b)
    viewport = {"left": 0, "top": 0, "right": PHONE["width"], "bottom": PHONE["height"]}
    for box in [*boxes["lang"], *boxes["account"], boxes["strip"]]:
        assert inside(box, viewport), (page.url, box)
    assert inside(boxes["current"], boxes["strip"]), (page.url, boxes["current"], boxes["strip"])
    assert boxes["currentOnTop"], page.url


@pytest.mark.parametrize(("path", "key"), PAGES)
def test_phone_bar_shows_the_current_page(
    page: Page, live_server: str, watch: PageWatch, path, key
):
    page.set_viewport_size(PHONE)
    response = page.goto(f"{live_server}{path}")
    assert response is not None and response.ok
    assert page.get_attribute(".gm-nav-links a[aria-current='page']", "href").startswith(path)
    check_bar(page)
    page.wait_for_load_state("networkidle")
    assert watch.off_host == [] and watch.failed == [] and watch.errors == []


def test_phone_bar_of_the_account_with_most_links(browser: Browser, live_server: str):
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        log_in(page, live_server, "admin")
        for path, _key in PAGES:
            page.goto(f"{live_server}{path}")
            check_bar(page)
        assert errors == []
    finally:
        context.close()
