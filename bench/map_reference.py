"""The reference page of bench/map.py: every household in folium's FastMarkerCluster.

This is how a folium map of all households is usually written: one page that carries every
point and clusters them in the browser. It uses the project's vendored assets only, and is
served from a temporary folder next to a `static` link to the project's static files.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from folium.plugins import FastMarkerCluster

from gridmap.maps.pages import LOCAL_CSS, LOCAL_JS, MARKER_CSS, MARKER_JS, VENDOR, LocalMap

MARKERCLUSTER = f"{VENDOR}/leaflet.markercluster/1.5.3/dist"
PAGE = "index.html"


class LocalFastMarkerCluster(FastMarkerCluster):
    """folium's FastMarkerCluster with Leaflet.markercluster from /static/vendor."""

    default_js = [("markerclusterjs", f"{MARKERCLUSTER}/leaflet.markercluster.js")]
    default_css = [
        ("markerclustercss", f"{MARKERCLUSTER}/MarkerCluster.css"),
        ("markerclusterdefaultcss", f"{MARKERCLUSTER}/MarkerCluster.Default.css"),
    ]


def reference_html(lonlats: Sequence[tuple[float, float]], bounds: Sequence[float]) -> str:
    """The naive page: a LocalMap fitted to `bounds` with every point in a FastMarkerCluster."""
    minx, miny, maxx, maxy = bounds
    # With no tile layer, Leaflet's map needs its own maxZoom, or markercluster refuses to start.
    # FastMarkerCluster's markers are folium's Icons: they need the marker assets.
    fmap = LocalMap(
        location=((miny + maxy) / 2, (minx + maxx) / 2), zoom_start=10, tiles=None, maxZoom=19,
        js=LOCAL_JS + MARKER_JS, css=LOCAL_CSS + MARKER_CSS,
    )  # fmt: skip
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    LocalFastMarkerCluster([[lat, lon] for lon, lat in lonlats], name="households").add_to(fmap)
    return fmap.get_root().render()


class QuietHandler(SimpleHTTPRequestHandler):
    """A static file handler that does not log every request to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        """Drop the access log."""


@contextmanager
def serve_page(html: str, static_dir: Path) -> Iterator[str]:
    """Serve `html` with /static/... from `static_dir` on a free local port; yield its URL."""
    with tempfile.TemporaryDirectory(prefix="gridmap-bench-reference-") as folder:
        root = Path(folder)
        (root / PAGE).write_text(html, encoding="utf-8")
        (root / "static").symlink_to(static_dir.resolve(), target_is_directory=True)
        # The app's pages declare an empty icon; here the browser asks for /favicon.ico.
        (root / "favicon.ico").write_bytes(b"")
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=folder))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/{PAGE}"
        finally:
            server.shutdown()
            server.server_close()
