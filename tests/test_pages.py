"""HTML pages through Flask's test client: figures, scopes, 404s, and a nonce on every script."""

from __future__ import annotations

import json
import re

import psycopg
import pytest

from gridmap.grid import assign
from gridmap.web import create_app
from tests.household_fixtures import Household, add_grid, add_households, add_worker
from tests.html_fixtures import tags_of
from tests.web_fixtures import add_role_accounts, login

GROUP_1 = "341890100200001"
PAGES = [
    "/",
    "/?as_of=2026-06-30",
    "/map",
    "/map?unit=341890100&as_of=2026-06-30",
    "/units/341890",
    "/units/341890100",
    f"/units/{GROUP_1}",
    "/coverage",
    "/coverage?level=4",
]
ERROR_PAGES = ["/units/341890999", "/units/abc", "/?as_of=30.06.2026"]


def figures(html: str) -> dict[str, str]:
    """The figure cards of a page: data-key -> data-value."""
    return dict(re.findall(r'class="gm-card[^"]*" data-key="(\w+)" data-value="([^"]*)"', html))


@pytest.fixture(scope="module")
def app(live_app):  # type: ignore[no-untyped-def]
    """The app on the shared tiny county: one household of each problem, one worker (read only)."""
    return live_app


@pytest.fixture
def fresh_app(config, tiny_county_file):  # type: ignore[no-untyped-def]
    """The same county on a fresh database, for tests that add to it."""
    with psycopg.connect(config.database_url) as conn:
        add_grid(conn, tiny_county_file)
        spots = {"H1": (500, 500), "H2": (600, 500), "H3": (2500, 500), "H4": (-500, 500)}
        categories = {"H2": "monitored"}
        add_households(
            conn,
            [Household(code, at, categories.get(code, "ordinary")) for code, at in spots.items()],
        )
        add_worker(conn, "W1", [GROUP_1], home_m=(550, 550))
        assign.assign_households(conn)
        add_role_accounts(conn)
        conn.commit()
    application = create_app(config)
    yield application
    application.extensions["gridmap_pool"].close()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    """A reviewer's logged-in client."""
    client = app.test_client()
    login(client, "reviewer")
    return client


def test_dashboard_shows_county_totals(client):
    page = client.get("/")
    assert page.status_code == 200
    shown = figures(page.text)
    assert shown["households"] == "4"
    assert shown["monitored"] == "1"
    assert shown["workers_active"] == "1"
    for key in ("outside_grid", "no_worker", "no_contact", "overdue"):
        assert shown[key] == "1", key
    assert float(shown["uncovered_share"]) == 1.0
    assert float(shown["visit_rate"]) == 0.0
    assert "测试县" in page.text
    rows = re.findall(r'<tr data-code="(\d+)">', page.text)
    assert rows == ["341890100", "341890101"]
    assert 'href="/units/341890100"' in page.text


def test_dashboard_keeps_the_date_in_its_links(client):
    page = client.get("/?as_of=2026-06-30")
    assert page.status_code == 200
    assert 'value="2026-06-30"' in page.text
    assert 'href="/units/341890100?as_of=2026-06-30"' in page.text


def test_bad_date_is_a_400_page(client):
    page = client.get("/coverage?as_of=30.06.2026")
    assert page.status_code == 400
    assert page.mimetype == "text/html"
    assert "YYYY-MM-DD" in page.text


def test_unit_page_has_figures_children_and_downloads(client):
    page = client.get("/units/341890100?as_of=2026-06-30")
    assert page.status_code == 200
    assert figures(page.text)["households"] == "3"
    assert re.findall(r'<tr data-code="(\d+)">', page.text) == ["341890100200", "341890100201"]
    assert "/api/v1/coverage.xlsx?parent=341890100&amp;as_of=2026-06-30" in page.text
    assert "/api/v1/units?level=3&amp;parent=341890100" in page.text
    assert 'id="gridmap-config"' in page.text


def test_group_page_has_no_children(client):
    page = client.get(f"/units/{GROUP_1}")
    assert page.status_code == 200
    assert figures(page.text)["households"] == "2"
    assert "GeoJSON" not in page.text
    assert "<tbody>" not in page.text.split('id="gm-unit-pairings"')[0]  # pairings come after


@pytest.mark.parametrize("code", ["341890999", "341890100200009", "abc", "3418901"])
def test_unknown_unit_is_a_404_page(client, code):
    page = client.get(f"/units/{code}")
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert "没有代码为" in page.text


def test_coverage_page_per_level(client):
    page = client.get("/coverage?level=4")
    assert page.status_code == 200
    assert len(re.findall(r'<tr data-code="(\d{15})">', page.text)) == 8
    assert 'id="gm-left-out"' in page.text  # H4 lies outside every group
    assert len(re.findall(r'<tr data-code="(\d{9})">', client.get("/coverage").text)) == 2


def test_township_account_sees_only_its_township(app):
    client = app.test_client()
    login(client, "township")
    page = client.get("/")
    assert figures(page.text)["households"] == "3"  # H4 (outside) and the county are not theirs
    assert re.findall(r'<tr data-code="(\d+)">', page.text) == ["341890100200", "341890100201"]
    assert client.get("/units/341890").status_code == 404
    assert client.get("/units/341890101").status_code == 404
    assert client.get("/units/341890100").status_code == 200
    coverage = client.get("/coverage").text
    assert re.findall(r'<tr data-code="(\d+)">', coverage) == ["341890100"]


@pytest.mark.parametrize("path", PAGES + ERROR_PAGES)
def test_every_script_carries_the_responses_nonce(client, path):
    page = client.get(path)
    csp = page.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)  # type: ignore[union-attr]
    scripts = [attrs for tag, attrs in tags_of(page.text) if tag == "script"]
    if path.startswith(("/map", "/units/3418901")):
        assert scripts
    for attrs in scripts:
        assert attrs.get("nonce") == nonce, attrs
    assert nonce not in client.get(path).text  # a new one for every response


@pytest.mark.parametrize("path", PAGES + ERROR_PAGES)
def test_no_inline_handlers_or_script_urls(client, path):
    page = client.get(path)
    for _tag, attrs in tags_of(page.text):
        assert not [name for name in attrs if name.startswith("on")], attrs
        for value in attrs.values():
            assert not (value or "").strip().lower().startswith("javascript:"), attrs


def test_map_page_passes_its_settings_as_json(client):
    page = client.get("/map?unit=341890100&as_of=2026-06-30")
    raw = re.search(
        r'<script nonce="[^"]+" type="application/json" id="gridmap-config">(.*?)</script>',
        page.text,
        re.S,
    )
    assert raw
    settings = json.loads(raw.group(1))
    assert settings["focus"] == "341890100"
    assert settings["asOf"] == "2026-06-30"
    assert settings["urls"]["householdTiles"] == "/tiles/households/{z}/{x}/{y}.pbf"
    assert settings["text"]["layer_households"] == "农户"
    assert settings["coverage"]["no_worker"] == "无网格员"


def test_map_page_ignores_a_malformed_focus(client):
    page = client.get("/map?unit=<script>")
    assert page.status_code == 200
    assert '"focus": null' in page.text


def test_pages_speak_english_on_request(client):
    page = client.get("/?lang=en")
    assert '<html lang="en">' in page.text
    assert "Coverage report" in page.text and "Number of households" in page.text
    assert "Grid boundaries" in client.get("/map").text  # remembered for the session
    assert '<html lang="zh-Hans-CN">' in client.get("/map?lang=zh").text


NAV_BY_ROLE = [
    ("admin", ["/", "/map", "/coverage", "/visits/new", "/campaigns", "/monitoring", "/projects",
               "/inspections", "/admin/import", "/admin/audit"]),
    ("reviewer", ["/", "/map", "/coverage", "/campaigns", "/monitoring", "/projects"]),
    ("inspector", ["/", "/map", "/coverage", "/visits/new", "/projects", "/inspections"]),
    ("township", ["/", "/map", "/coverage", "/visits/new", "/campaigns", "/monitoring",
                  "/projects"]),
    ("worker", ["/", "/map", "/coverage", "/visits/new", "/projects"]),
]  # fmt: skip


@pytest.mark.parametrize(("username", "expected"), NAV_BY_ROLE)
def test_navigation_lists_the_pages_each_role_may_open(app, username, expected):
    client = app.test_client()
    login(client, username)
    page = client.get("/")
    nav = page.text[page.text.index('<nav class="gm-nav"') : page.text.index("</nav>")]
    links = re.findall(r'<a href="(/[^"?]*)"', nav.split('class="gm-lang"')[0])
    assert links == expected
    for link in links:
        assert client.get(link).status_code == 200, link


def pairings_on(page: str) -> list[tuple[str, str]]:
    """(kind, village code) of the rows of a unit page's pairings table."""
    return re.findall(r'<tr data-kind="(\w+)" data-village="(\d+)">', page)


def test_unit_page_lists_the_pairings_of_its_villages(fresh_app, config, tmp_path):
    from gridmap.projects.funded import import_pairings
    from tests.test_projects import PAIRING_HEADERS, pairing_rows, write_csv

    with psycopg.connect(config.database_url) as conn:
        import_pairings(conn, write_csv(tmp_path / "pairs.csv", pairing_rows(), PAIRING_HEADERS))
    client = fresh_app.test_client()
    login(client, "reviewer")
    township = client.get("/units/341890100").text
    assert pairings_on(township) == [("enterprise", "341890100200"), ("leader", "341890100200")]
    counts = re.findall(r'class="gm-pairing-count" data-kind="(\w+)" data-value="(\d+)"', township)
    assert counts == [("enterprise", "1"), ("leader", "1")]
    assert "<td>青岚茶业有限公司</td>" in township and "<td>结对帮扶企业</td>" in township
    assert 'href="/api/v1/pairings.xlsx?unit=341890100" download>导出结对帮扶表</a>' in township
    county = client.get("/units/341890").text
    assert [v for _kind, v in pairings_on(county)] == [
        "341890100200", "341890100200", "341890101200", "341890101201",
    ]  # fmt: skip
    assert "&lt;b&gt;某某&lt;/b&gt;建材公司" in county and "<b>某某" not in county
    group = client.get(f"/units/{GROUP_1}").text  # a group shows its village's
    assert len(pairings_on(group)) == 2
    empty = client.get("/units/341890100201").text
    assert pairings_on(empty) == [] and "没有结对帮扶。" in empty
    assert "Paired enterprise" in client.get("/units/341890100?lang=en").text


def test_a_workers_group_page_shows_its_villages_pairings(fresh_app, config, tmp_path):
    from gridmap.projects.funded import import_pairings
    from tests.test_projects import PAIRING_HEADERS, pairing_rows, write_csv

    with psycopg.connect(config.database_url) as conn:
        import_pairings(conn, write_csv(tmp_path / "pairs.csv", pairing_rows(), PAIRING_HEADERS))
    worker = fresh_app.test_client()
    login(worker, "worker")
    page = worker.get(f"/units/{GROUP_1}").text
    assert pairings_on(page) == [("enterprise", "341890100200"), ("leader", "341890100200")]
    assert worker.get("/units/341890100200002").status_code == 404  # not the worker's group


def test_map_urls_come_from_the_routes(app):
    from gridmap.maps.pages import API_URLS
    from gridmap.web.pages import map_urls

    with app.test_request_context("/map"):
        assert map_urls() == API_URLS
    with app.test_request_context("/map", base_url="http://host/gridmap/"):
        mounted = map_urls()
    assert mounted["unitTiles"] == "/gridmap/tiles/units/{z}/{x}/{y}.pbf"
    assert mounted["unit"] == "/gridmap/api/v1/units/"
    assert all(url.startswith("/gridmap/") for url in mounted.values())
