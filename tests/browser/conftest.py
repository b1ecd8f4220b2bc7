"""Browser fixtures: Debian's headless Chromium driven by pytest-playwright."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, Response, Route

from tests.web_fixtures import PASSWORD

CHROMIUM = "/usr/bin/chromium"

#: Chromium phones home (updates, safe browsing, sync) unless told not to.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser with the `browser` marker."""
    for item in items:
        if "tests/browser/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """Launch the system Chromium headless (no browser download is ever needed)."""
    return {"executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


def log_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form, as a user would."""
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def logged_in_page(
    browser: Browser, base_url: str, username: str, height: int = 900, **context_args: object
) -> Page:
    """A page in a fresh 1280-pixel-wide context (with `context_args`, such as a locale),
    logged in as `username`; close it with page.context.close()."""
    context = browser.new_context(viewport={"width": 1280, "height": height}, **context_args)  # type: ignore[arg-type]
    page = context.new_page()
    log_in(page, base_url, username)
    return page


@pytest.fixture(scope="session")
def reviewer_state(browser: Browser, live_server: str, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """Cookies of a reviewer's session: logging in once keeps clear of the login rate limit."""
    context = browser.new_context()
    log_in(context.new_page(), live_server, "reviewer")
    path = tmp_path_factory.mktemp("auth") / "reviewer.json"
    context.storage_state(path=path)
    context.close()
    return path


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict, reviewer_state: Path) -> dict:
    """Every test's page starts logged in as a reviewer, in a 1280×720 window."""
    return {
        **browser_context_args,
        "storage_state": str(reviewer_state),
        "viewport": {"width": 1280, "height": 720},
    }


def is_local(url: str) -> bool:
    """True for URLs that stay on this machine (data: and blob: never leave the page)."""
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    return parts.hostname in LOCAL_HOSTS


@dataclass
class PageWatch:
    """What a page did: every request, off-host attempts, failures, errors and dialogs."""

    requests: list[str] = field(default_factory=list)
    off_host: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    started: list[Request] = field(default_factory=list)

    def settle(self, page: Page) -> None:
        """Wait until every request the page has started has finished or failed, then until
        the page has run what those responses queued (an image's onerror, a dialog)."""
        done = 0
        while done < len(self.started):
            response = self.started[done].response()
            if response is not None:
                response.finished()
            done += 1
        page.evaluate("() => new Promise((ready) => setTimeout(ready, 0))")


@pytest.fixture
def watch(page: Page) -> Iterator[PageWatch]:
    """Record everything the page does; requests off the host are blocked and recorded."""
    seen = PageWatch()

    def on_route(route: Route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            seen.off_host.append(route.request.url)
            route.abort()

    def on_request(request: Request) -> None:
        seen.requests.append(request.url)
        seen.started.append(request)

    def on_response(response: Response) -> None:
        if response.status >= 400:
            seen.failed.append(f"{response.status} {response.url}")

    def on_console(message) -> None:  # type: ignore[no-untyped-def]
        if message.type == "error":
            seen.errors.append(f"console: {message.text}")

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.route("**/*", on_route)
    page.on("request", on_request)
    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: seen.errors.append(f"pageerror: {exc}"))
    page.on("dialog", on_dialog)
    yield seen
