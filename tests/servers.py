"""The app served over real HTTP for browser tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve `app` in a thread on a free local port; yield its base URL, then stop the server
    and close the app's connection pool."""
    # Werkzeug's server stops from another thread cleanly (shutdown waits for its loop), where
    # closing waitress's socket under its running select loop raises in the server thread.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        app.extensions["gridmap_pool"].close()
