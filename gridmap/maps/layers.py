"""folium elements that hand the map over to our own scripts (static/js/*.js)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from branca.element import Figure, JavascriptLink, MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template
from jinja2.utils import htmlsafe_json_dumps

_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$")


def json_for_html(value: object) -> str:
    """JSON safe inside a <script> element: <, > and & become \\u escapes."""
    return str(htmlsafe_json_dumps(value))


class NoncedFigure(Figure):
    """A page whose script elements carry its `nonce` (set before rendering); folium's own
    elements take no render arguments, so templates read the nonce from the page.

    folium's generated script is a module script, like ours: module scripts run in document
    order once the page is parsed, so it runs after the page's entry module has set
    window.gridmap, which it calls. Its names stay inside it.
    """

    nonce = ""

    _template = Template(
        "<!DOCTYPE html>\n<html>\n<head>\n"
        "{% if this.title %}<title>{{ this.title }}</title>{% endif %}"
        "    {{ this.header.render(**kwargs) }}\n</head>\n<body>\n"
        "    {{ this.html.render(**kwargs) }}\n</body>\n"
        '<script type="module" nonce="{{ this.nonce }}">\n'
        "    {{ this.script.render(**kwargs) }}\n</script>\n"
        "</html>\n"
    )


class NoncedScriptLink(JavascriptLink):
    """A <script src> tag carrying its page's nonce."""

    _template = Template(
        '<script nonce="{{ this.get_root().nonce }}" src="{{ this.url }}"></script>'
    )


class NoncedModuleLink(JavascriptLink):
    """A <script type="module" src> tag carrying its page's nonce: a page's entry module."""

    _template = Template(
        '<script type="module" nonce="{{ this.get_root().nonce }}" src="{{ this.url }}"></script>'
    )


class NoncedScriptLinks(JSCSSMixin):
    """Adds its scripts to the page head as nonced links (folium's links carry no nonce)."""

    def render(self, **kwargs: object) -> Any:
        """Render as folium does, then swap each script link for a nonced one of that name."""
        rendered = super().render(**kwargs)
        figure = self.get_root()
        assert isinstance(figure, Figure)  # JSCSSMixin renders inside a Figure only
        for name, url in self.default_js:
            figure.header.add_child(NoncedScriptLink(url), name=name)
        return rendered


class PageConfig(NoncedScriptLinks):
    """The page's settings as a JSON script element, the vendored scripts ours need, our
    entry module (which imports the rest of ours) and our stylesheets."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <link rel="icon" href="data:,">
        {% endmacro %}
        {% macro html(this, kwargs) %}
        <script nonce="{{ this.get_root().nonce }}" type="application/json" id="gridmap-config">
        {{- this.json -}}
        </script>
        {% endmacro %}
        """
    )

    def __init__(
        self,
        config: dict,
        *,
        entry: str,
        js: Sequence[tuple[str, str]] = (),
        css: Sequence[tuple[str, str]] = (),
    ):
        super().__init__()
        self._name = "PageConfig"
        self.json = json_for_html(config)
        self.entry = entry
        # Instance lists: the class-level ones are shared by every page.
        self.default_js = list(js)
        self.default_css = list(css)

    def render(self, **kwargs: object) -> Any:
        """Render as NoncedScriptLinks does, then add the entry module after the scripts."""
        rendered = super().render(**kwargs)
        figure = self.get_root()
        assert isinstance(figure, Figure)  # rendered inside a Figure only, as above
        figure.header.add_child(NoncedModuleLink(self.entry), name="gridmap_entry")
        return rendered


class AppLayer(Layer):
    """A layer that static/js/map-layers.js builds; folium only names it and controls it."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = gridmap.layers.create(
            {{ this.kind|tojson }}, {{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, *, kind: str, name: str, show: bool):
        if not _IDENTIFIER.match(kind):
            raise ValueError(f"layer kind {kind!r} is not a plain name")
        # Leaflet's layer control inserts names as HTML.
        super().__init__(name=html.escape(name), overlay=True, control=True, show=show)
        self._name = "AppLayer"
        self.kind = kind


class AppStart(MacroElement):
    """Calls our page's start function once folium has built the map and its layers: a
    function of window.gridmap, the one global of the page's entry module."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.entry }}({{ this._parent.get_name() }}
            {%- if this.control %}, {{ this.control.get_name() }}{% endif %});
        {% endmacro %}
        """
    )

    def __init__(self, *, entry: str, control: object | None = None):
        if not _IDENTIFIER.match(entry):
            raise ValueError(f"entry {entry!r} is not a dotted name")
        super().__init__()
        self._name = "AppStart"
        self.entry = entry
        self.control = control
