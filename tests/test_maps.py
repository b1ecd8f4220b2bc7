"""The map page's HTML: local assets only, all present on disk, labels and base map as asked."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask

from gridmap import maps
from gridmap.config import Config
from gridmap.web.i18n import init_i18n
from gridmap.web.pages import map_labels

STATIC_DIR = Config().static_dir
UNITS = "/api/v1/units?level={level}"
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+?)['\"]?\s*\)")


class AssetRefs(HTMLParser):
    """Collect every src and href in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href"} and value is not None:
                self.refs.append((tag, value))


def refs_of(page: str) -> list[tuple[str, str]]:
    parser = AssetRefs()
    parser.feed(page)
    return parser.refs


def static_file(url: str) -> Path:
    """The file on disk that /static/<path> serves."""
    path = urlsplit(url).path
    assert path.startswith("/static/"), url
    return STATIC_DIR / path.removeprefix("/static/")


@pytest.fixture(scope="module")
def page() -> str:
    return maps.build_map_page(units_url_template=UNITS)


def test_scripts_and_styles_are_local_and_exist(page: str):
    assets = [url for tag, url in refs_of(page) if tag in {"script", "link"}]
    assert len(assets) == len(maps.LOCAL_JS) + len(maps.LOCAL_CSS)
    for url in assets:
        assert urlsplit(url).scheme == "" and urlsplit(url).netloc == "", url
        assert static_file(url).is_file(), url


def test_no_reference_leaves_the_host(page: str):
    for _tag, url in refs_of(page):
        assert not urlsplit(url).netloc, url
    assert "//cdn" not in page and "googleapis" not in page


def test_files_named_by_vendored_css_exist():
    """Fonts and images that the stylesheets load are vendored too."""
    for _name, url in maps.LOCAL_CSS:
        css_file = static_file(url)
        for ref in CSS_URL.findall(css_file.read_text(encoding="utf-8")):
            if ref.startswith(("data:", "#")):
                continue
            target = urlsplit(urljoin(url, ref)).path
            assert static_file(target).is_file(), f"{url} needs {ref}"


def test_vectorgrid_is_vendored_and_patched():
    bundle = static_file(maps.VECTORGRID_JS).read_text(encoding="utf-8")
    assert "fakeStop" not in bundle
    assert "L.DomEvent.stopPropagation(" in bundle


def test_units_come_from_the_api_for_all_four_levels(page: str):
    for level in range(1, 5):
        assert f'"url": "/api/v1/units?level={level}"' in page


def test_chinese_by_default(page: str):
    assert '<html lang="zh-Hans-CN">' in page
    assert "<title>网格地图</title>" in page
    for label in ("县", "乡镇", "行政村", "村民小组"):
        escaped = label.encode("ascii", "backslashreplace").decode()
        assert f'"{escaped}" :' in page


def test_labels_are_escaped():
    page = maps.build_map_page(
        units_url_template=UNITS,
        labels={"title": "<script>x</script>", "village": "<b>v</b>"},
        language_links=[("<i>中文</i>", '?lang=zh"><script>')],
    )
    assert "<script>x" not in page
    # Leaflet's layer control sets names with innerHTML: they must arrive as entities.
    assert "\\u0026lt;b\\u0026gt;v\\u0026lt;/b\\u0026gt;" in page
    assert "<i>中文</i>" not in page and '"><script>' not in page


def test_no_base_map_means_no_tile_layer(page: str):
    assert "L.tileLayer" not in page
    assert maps.PLAIN_BACKGROUND in page


def test_configured_base_map_is_used():
    page = maps.build_map_page(
        units_url_template=UNITS,
        basemap_url="/tiles/base/{z}/{x}/{y}.png",
        basemap_attribution="本地底图",
    )
    assert "L.tileLayer" in page
    assert '"/tiles/base/{z}/{x}/{y}.png"' in page


def test_given_bounds_fit_the_map_at_once():
    page = maps.build_map_page(units_url_template=UNITS, bounds=((30.0, 117.0), (30.1, 117.2)))
    assert "fitBounds(" in page
    assert "var fitted = true;" in page


@pytest.mark.parametrize(
    ("lang", "county", "group"),
    [(None, "县", "村民小组"), ("en", "County", "Villager groups"), ("zh-CN", "县", "村民小组")],
)
def test_map_labels_follow_the_chosen_language(lang: str | None, county: str, group: str):
    app = Flask(__name__)
    app.config["GRIDMAP"] = Config()
    app.config["SECRET_KEY"] = "test"
    init_i18n(app)
    query = f"/map?lang={lang}" if lang else "/map"
    with app.test_request_context(query):
        labels = map_labels()
    assert labels["county"] == county
    assert labels["group"] == group
