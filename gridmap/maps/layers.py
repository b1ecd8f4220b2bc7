"""folium elements that hand the map over to our own scripts (static/js/*.js)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
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
    elements take no render arguments, so templates read the nonce from the page."""

    nonce = ""

    _template = Template(
        "<!DOCTYPE html>\n<html>\n<head>\n"
        "{% if this.title %}<title>{{ this.title }}</title>{% endif %}"
        "    {{ this.header.render(**kwargs) }}\n</head>\n<body>\n"
        "    {{ this.html.render(**kwargs) }}\n</body>\n"
        '<script nonce="{{ this.nonce }}">\n    {{ this.script.render(**kwargs) }}\n</script>\n'
        "</html>\n"
    )


class NoncedScriptLink(JavascriptLink):
    """A <script src> tag carrying its page's nonce."""

    _template = Template(
        '<script nonce="{{ this.get_root().nonce }}" src="{{ this.url }}"></script>'
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
    """The page's settings as a JSON script element, plus our scripts and stylesheets."""

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
        js: Sequence[tuple[str, str]],
        css: Sequence[tuple[str, str]],
    ):
        super().__init__()
        self._name = "PageConfig"
        self.json = json_for_html(config)
        # Instance lists: the class-level ones are shared by every page.
        self.default_js = list(js)
        self.default_css = list(css)


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
    """Calls our page's start function once folium has built the map and its layers."""

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


class ScaleBar(MacroElement):
    """Leaflet's scale bar with the base map's options (gridmap.maps.basemap)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({{ this.options|tojson }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, options: Mapping[str, object]):
        super().__init__()
        self._name = "ScaleBar"
        self.options = dict(options)
