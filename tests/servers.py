"""The app served over real HTTP for browser tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve `app` by waitress in a thread on a free local port; yield its base URL, then stop
    the server and close the app's connection pool."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        app.extensions["gridmap_pool"].close()
