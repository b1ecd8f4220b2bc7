"""The map pages' HTML: local assets only, a nonce on every script, settings as safe JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask

from gridmap.core.config import Config
from gridmap.maps import pages as maps
from gridmap.maps.basemap import basemap_settings, choose_layers
from gridmap.maps.layers import AppLayer, AppStart
from gridmap.maps.text import all_texts
from gridmap.web.i18n import init_i18n
from gridmap.web.pages import map_labels, map_texts
from tests.html_fixtures import tags_of

STATIC_DIR = Config().static_dir
OWN_JS_DIR = STATIC_DIR / "js"
TEMPLATES = Path(__file__).resolve().parent.parent / "gridmap" / "web" / "templates"
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+?)['\"]?\s*\)")
NONCE = "T3st-nonce_42"


def refs_of(page: str) -> list[tuple[str, str]]:
    """(tag, URL) of every src and href that is not a data: URL."""
    return [
        (tag, value)
        for tag, attrs in tags_of(page)
        for name, value in attrs.items()
        if name in {"src", "href"} and value and not value.startswith("data:")
    ]


def static_file(url: str) -> Path:
    """The file on disk that /static/<path> serves."""
    path = urlsplit(url).path
    assert path.startswith("/static/"), url
    return STATIC_DIR / path.removeprefix("/static/")


def settings_of(page: str) -> dict:
    """The JSON settings element of a page, parsed."""
    found = re.search(r'<script[^>]*id="gridmap-config"[^>]*>(.*?)</script>', page, re.S)
    assert found, "no settings element"
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def page() -> str:
    return maps.build_map_page(nonce=NONCE, text=all_texts())


def test_scripts_and_styles_are_local_and_exist(page: str):
    assets = [url for tag, url in refs_of(page) if tag in {"script", "link"}]
    expected = maps.LOCAL_JS + maps.LOCAL_CSS + maps.MAP_JS + maps.OWN_CSS
    assert sorted(assets) == sorted([url for _name, url in expected] + [maps.MAP_ENTRY])
    for url in assets:
        assert urlsplit(url).scheme == "" and urlsplit(url).netloc == "", url
        assert static_file(url).is_file(), url


def test_no_reference_leaves_the_host(page: str):
    for _tag, url in refs_of(page):
        assert not urlsplit(url).netloc, url
    assert "//cdn" not in page and "googleapis" not in page


def test_files_named_by_vendored_css_exist():
    """Fonts and images that the stylesheets load are vendored too."""
    for _name, url in maps.LOCAL_CSS + maps.MARKER_CSS:
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


def test_our_scripts_are_one_entry_module_and_folium_runs_after_it(page: str):
    scripts = [attrs for tag, attrs in tags_of(page) if tag == "script"]
    modules = [a for a in scripts if a.get("type") == "module"]
    # The entry module imports the rest of ours; folium's inline block calls it, so it is
    # a module script too (they run in document order, after the page is parsed).
    assert [a.get("src") for a in modules] == [maps.MAP_ENTRY, None]
    folium_block = page.rindex('<script type="module"')
    assert page.index(maps.MAP_ENTRY) < folium_block < page.index("gridmap.layers.create(")
    assert not [a["src"] for a in scripts if "/static/js/" in a.get("src", "") and a not in modules]


def test_grid_map_loads_no_marker_plugin_nor_jquery(page: str):
    """The grid map's markers are Leaflet's own (circle markers, divIcons)."""
    urls = [url for _tag, url in refs_of(page)]
    for unused in ("awesome-markers", "awesome.rotate", "glyphicons", "jquery", "bootstrap.bundle"):
        assert not [url for url in urls if unused in url], unused
    assert "L.control.scale" not in page  # the entry module adds the scale bar


def test_every_script_carries_the_nonce(page: str):
    scripts = [attrs for tag, attrs in tags_of(page) if tag == "script"]
    assert len(scripts) == page.count("<script")
    assert len(scripts) > len(maps.LOCAL_JS) + len(maps.MAP_JS)  # folium's inline ones too
    for attrs in scripts:
        assert attrs.get("nonce") == NONCE, attrs
    settings = [a for a in scripts if a.get("id") == "gridmap-config"]
    assert settings and settings[0]["type"] == "application/json"


def test_a_script_injected_into_the_page_gets_no_nonce():
    injected = '<script id="injected">alert(1)</script>'
    page = maps.build_map_page(nonce=NONCE, text=all_texts(), nav_html=injected)
    scripts = [attrs for tag, attrs in tags_of(page) if tag == "script"]
    assert [a for a in scripts if a.get("id") == "injected"] == [{"id": "injected"}]
    assert sum(a.get("nonce") == NONCE for a in scripts) == len(scripts) - 1


def test_settings_are_json_that_cannot_end_the_script():
    text = all_texts()
    text["text"] = {**text["text"], "empty": "</script><script>alert(1)</script>"}
    page = maps.build_map_page(nonce=NONCE, text=text, as_of="2026-06-30", focus="341890100")
    assert "</script><script>alert(1)" not in page
    settings = settings_of(page)
    assert settings["text"]["empty"] == "</script><script>alert(1)</script>"
    assert settings["asOf"] == "2026-06-30" and settings["focus"] == "341890100"
    assert settings["urls"] == maps.API_URLS
    assert settings["colours"]["coverage"].keys() == text["coverage"].keys()


def test_layers_are_named_in_the_control_and_built_by_our_scripts(page: str):
    for kind, _key, _show in maps.MAP_LAYERS:
        assert f'gridmap.layers.create(\n            "{kind}"' in page
    assert "gridmap.app.start(map_" in page
    assert "L.control.layers(" in page


def test_layer_names_are_escaped():
    text = all_texts()
    text["text"] = {**text["text"], "layer_units": "<b>v</b>", "title": "<script>x</script>"}
    page = maps.build_map_page(nonce=NONCE, text=text, nav_html="<nav>ok</nav>")
    assert "<script>x" not in page
    # Leaflet's layer control sets names with innerHTML: they must arrive as entities.
    assert "\\u0026lt;b\\u0026gt;v\\u0026lt;/b\\u0026gt;" in page
    assert "<nav>ok</nav>" in page  # the caller's navigation, already escaped by its template


def test_chinese_by_default(page: str):
    assert '<html lang="zh-Hans-CN">' in page


def test_no_base_map_means_no_tile_layer(page: str):
    assert "L.tileLayer" not in page
    assert settings_of(page)["background"] == maps.PLAIN_BACKGROUND
    assert settings_of(page)["basemap"]["layers"] == []
    assert settings_of(page)["basemap"]["default"] == "none"


def test_the_scripts_draw_a_configured_base_map():
    layers = choose_layers("/tiles/base/{z}/{x}/{y}.png", "本地底图", None, osm_ground=True)
    page = maps.build_map_page(nonce=NONCE, text=all_texts(), basemap=basemap_settings(layers))
    assert "L.tileLayer" not in page  # folium adds none: static/js/basemap.js draws them all
    basemap = settings_of(page)["basemap"]
    assert [layer["id"] for layer in basemap["layers"]] == ["online", "osm"]
    assert basemap["layers"][0]["url"] == "/tiles/base/{z}/{x}/{y}.png"
    assert basemap["default"] == "online"


def test_given_bounds_fit_the_map_at_once():
    page = maps.build_map_page(nonce=NONCE, text=all_texts(), bounds=((30.0, 117.0), (30.1, 117.2)))
    assert "fitBounds(" in page
    assert settings_of(page)["fitted"] is True


def test_unit_map_fragment():
    fragment = maps.build_unit_map(
        nonce=NONCE,
        unit={"code": "341890100", "level": 2, "parent": "341890", "name": "<i>x</i>"},
        children={"341890100200": 0.25},
        text=all_texts(),
        bounds=((30.0, 117.0), (30.1, 117.2)),
    )
    for part in (fragment.header, fragment.body):
        for tag, attrs in tags_of(part):
            if tag == "script":
                assert attrs.get("nonce") == NONCE
    assert "<script" not in fragment.script  # the page wraps it in its own nonce'd tag
    assert "gridmap.unitMap.start(map_" in fragment.script
    assert f'<script type="module" nonce="{NONCE}" src="{maps.UNIT_MAP_ENTRY}">' in fragment.header
    assert "L.control.scale" not in fragment.script  # the entry module adds the scale bar
    settings = settings_of(fragment.body)
    assert settings["unit"] == {"code": "341890100", "level": 2, "parent": "341890"}
    assert settings["children"] == {"341890100200": 0.25}
    assert settings["basemap"]["scale"] == {"imperial": False}


@pytest.mark.parametrize("kind", ["units);alert(1", "a b", ""])
def test_layer_kinds_must_be_plain_names(kind: str):
    with pytest.raises(ValueError):
        AppLayer(kind=kind, name="x", show=True)
    with pytest.raises(ValueError):
        AppStart(entry=kind)


def test_own_scripts_never_write_html_or_evaluate_code():
    """Names are user data: our scripts set text only, and the CSP forbids eval."""
    for path in OWN_JS_DIR.glob("*.js"):
        source = path.read_text(encoding="utf-8")
        for bad in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert bad not in source, f"{path.name} uses {bad}"
        assert "new Function" not in source and "javascript:" not in source, path.name
        assert not re.search(r"setTimeout\(\s*['\"]", source), path.name


def test_templates_have_no_inline_handlers():
    for path in TEMPLATES.glob("*.html"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\son[a-z]+\s*=", source), path.name
        assert "javascript:" not in source, path.name
        for tag in re.findall(r"<script\b[^>]*>", source):
            assert "nonce=" in tag, f"{path.name}: {tag}"


def test_templates_load_our_scripts_as_one_entry_module():
    """A page loads one of our modules (which imports the rest); folium's block, a module
    too, runs after it."""
    for path in TEMPLATES.glob("*.html"):
        source = path.read_text(encoding="utf-8")
        ours = [tag for tag in re.findall(r"<script\b[^>]*>", source) if "filename='js/" in tag]
        assert len(ours) <= 1 and all('type="module"' in tag for tag in ours), path.name
        if "map.script" in source:
            assert '<script type="module" nonce="{{ csp_nonce() }}">{{ map.script|safe }}' in source


def test_module_imports_name_files_that_exist():
    imports = re.compile(r'^import .+ from "(\./[\w.-]+\.js)";$', re.M)
    for path in OWN_JS_DIR.glob("*.js"):
        for target in imports.findall(path.read_text(encoding="utf-8")):
            assert (OWN_JS_DIR / target).is_file(), f"{path.name} imports {target}"


@pytest.mark.parametrize(
    ("lang", "county", "group"),
    [(None, "县", "村民小组"), ("en", "County", "Villager group"), ("zh-CN", "县", "村民小组")],
)
def test_map_words_follow_the_chosen_language(lang: str | None, county: str, group: str):
    app = Flask(__name__)
    app.config["GRIDMAP"] = Config()
    app.config["SECRET_KEY"] = "test"
    init_i18n(app)
    query = f"/map?lang={lang}" if lang else "/map"
    with app.test_request_context(query):
        words = map_texts()
        labels = map_labels()
    assert words["level"]["1"] == county
    assert words["level"]["4"] == group
    assert labels["layer_households"] == ("Households" if lang == "en" else "农户")


DOUBTFUL_WORDS = {
    "doubtful_visit": ("Doubtful check-in", "签到存疑"),
    "doubtful_visits": ("Visits resting on a doubtful check-in", "签到存疑的走访"),
    "last_checkin": ("Check-in of the last visit", "最近一次走访签到"),
    "doubtful_checkin": ("Doubtful: far from the household, awaiting review",
                         "存疑：签到地点距农户过远，待审核"),
}  # fmt: skip


@pytest.mark.parametrize(("lang", "index"), [("en", 0), ("zh", 1)])
def test_doubtful_check_ins_are_worded_in_both_languages(lang: str, index: int):
    app = Flask(__name__)
    app.config["GRIDMAP"] = Config()
    app.config["SECRET_KEY"] = "test"
    init_i18n(app)
    with app.test_request_context(f"/map?lang={lang}"):
        labels = map_labels()
    assert {key: labels[key] for key in DOUBTFUL_WORDS} == {
        key: words[index] for key, words in DOUBTFUL_WORDS.items()
    }


def test_doubtful_ring_has_a_colour_no_status_uses(page: str):
    colours = settings_of(page)["colours"]
    ring = colours["doubtful"]["ring"]
    used = {c for mode in ("coverage", "visit", "worker") for c in colours[mode].values()}
    assert re.fullmatch(r"#[0-9a-f]{6}", ring) and ring not in used
