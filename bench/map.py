"""Benchmark: vector tiles and the grid map page on the demo county, against a folium page.

Prints one JSON object. The app is served by waitress on the demo county with 130,000
households; every tile from zoom 8 to 16 over the county is fetched once (a fixed sample at
high zooms), the base map of the county's OpenStreetMap ground from zoom 10 to 16 over the
same tiles, then headless Chromium opens /map. The reference is the page a folium user
would write first: every household in a FastMarkerCluster (bench/map_reference.py).
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode, urlsplit
from urllib.request import HTTPCookieProcessor, OpenerDirector, build_opener

import numpy as np
import psycopg
from flask import Flask
from playwright.sync_api import Browser, Page, Response, sync_playwright

from bench.common import database_url, fresh_database
from bench.map_reference import reference_html, serve_page
from gridmap.access import accounts
from gridmap.core.clock import today
from gridmap.core.config import Config
from gridmap.sample import demo
from gridmap.store import units as unit_store

HOUSEHOLDS = 130_000
SEED = 2023
DB_NAME = "gridmap_bench_map"
USERNAME = "bench-admin"
PASSWORD = "Bench-pass-2026"
ZOOMS = range(8, 17)
#: Tiles fetched per zoom at most; above it a fixed sample, half of it where households are.
MAX_TILES_PER_ZOOM = 60
LAYERS = ("households", "units")
#: The base map drawn from the county's OpenStreetMap ground, and the zooms it is fetched at.
BASEMAP = "basemap"
BASEMAP_ZOOMS = range(10, 17)
BIG_TILE_BYTES = 500 * 1024
SETTLE_MS = 3000
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Names of other hosts do not resolve, so a stray request fails at once (and is counted).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
#: Set in the page before its scripts run: when the county and township outlines arrived.
READY_PROBE = """
new MutationObserver((changes, observer) => {
  const has = (name) => ['data-gm-', 'data-'].some((p) => document.body.hasAttribute(p + name));
  if (document.body && has('units-1') && has('units-2')) {
    window.__unitsReady = performance.now();
    observer.disconnect();
  }
}).observe(document, {subtree: true, childList: true, attributes: true});
"""
GOALS = {"load_ms": 1000, "heap_mb": 100, "tile_p95_ms": 50, "tile_max_kb": 500}
BASEMAP_GOALS = {"p95_ms": 50, "over_500kb": 0}
#: An empty tile may come back as 204 No Content rather than a 200 with an empty body.
TILE_OK = {200, 204}


def set_up(conn: psycopg.Connection, config: Config) -> list[tuple[float, float]]:
    """Load the demo county, analyze it, add the admin account; return household lon/lats."""
    demo.load_demo(conn, config, households_n=HOUSEHOLDS, seed=SEED, today=today(config.timezone))
    conn.execute("VACUUM ANALYZE")
    accounts.create_account(
        conn, config, accounts.cli_actor("bench"), username=USERNAME, role="admin",
        password=PASSWORD,
    )  # fmt: skip
    rows = conn.execute(
        "SELECT ST_X(geom), ST_Y(geom) FROM household WHERE geom IS NOT NULL ORDER BY code"
    ).fetchall()
    return [(float(lon), float(lat)) for lon, lat in rows]


@contextmanager
def serve_app(app: Flask) -> Iterator[str]:
    """Serve `app` with waitress (4 threads) on a free local port; yield its base URL."""
    from waitress.server import create_server

    # The browser fetches tiles in parallel; waitress would log every short queue.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()


def http_login(base: str) -> OpenerDirector:
    """An opener with a logged-in session cookie, through the login form and its CSRF token."""
    opener = build_opener(HTTPCookieProcessor(CookieJar()))
    with opener.open(f"{base}/login", timeout=30) as response:
        page = response.read().decode()
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on /login"
    form = {"username": USERNAME, "password": PASSWORD, "csrf_token": match.group(1)}
    # After login, go to the health check: the bench measures tiles, not the dashboard.
    with opener.open(f"{base}/login?next=/healthz", urlencode(form).encode(), timeout=30) as r:
        r.read()
        assert urlsplit(r.geturl()).path == "/healthz", f"login failed: {r.geturl()}"
    return opener


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile (x, y) at zoom `z` that holds the point."""
    side = 2**z
    x = int((lon + 180.0) / 360.0 * side)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * side)
    return min(max(x, 0), side - 1), min(max(y, 0), side - 1)


def covering_tiles(z: int, bounds: Sequence[float]) -> list[tuple[int, int]]:
    """Every tile at zoom `z` that the bounding box (minx, miny, maxx, maxy) touches."""
    minx, miny, maxx, maxy = bounds
    x0, y0 = tile_of(minx, maxy, z)
    x1, y1 = tile_of(maxx, miny, z)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def sample_tiles(
    z: int, bounds: Sequence[float], points: Sequence[tuple[float, float]], rng: random.Random
) -> list[tuple[int, int]]:
    """All covering tiles, or a sample: half under random households, half anywhere in the box."""
    every = covering_tiles(z, bounds)
    if len(every) <= MAX_TILES_PER_ZOOM:
        return every
    chosen: set[tuple[int, int]] = set()
    for lon, lat in rng.sample(list(points), min(len(points), MAX_TILES_PER_ZOOM * 10)):
        if len(chosen) >= MAX_TILES_PER_ZOOM // 2:
            break
        chosen.add(tile_of(lon, lat, z))
    rest = sorted(set(every) - chosen)
    chosen.update(rng.sample(rest, min(len(rest), MAX_TILES_PER_ZOOM - len(chosen))))
    return sorted(chosen)


def fetch(opener: OpenerDirector, url: str) -> tuple[float, int, int]:
    """Milliseconds until the whole body of `url` arrived, its size and the HTTP status."""
    started = time.perf_counter()
    try:
        with opener.open(url, timeout=120) as response:
            body, status = response.read(), response.status
    except HTTPError as exc:
        body, status = exc.read(), exc.code
    return (time.perf_counter() - started) * 1000, len(body), status


def layers_at(z: int) -> tuple[str, ...]:
    """The tile layers fetched at zoom `z`: the grid's layers, and the base map at its zooms."""
    return LAYERS + ((BASEMAP,) if z in BASEMAP_ZOOMS else ())


def tile_sweep(
    base: str, bounds: Sequence[float], points: Sequence[tuple[float, float]]
) -> dict[str, list[dict]]:
    """Fetch each sampled tile of every zoom once per layer; the samples per layer."""
    opener = http_login(base)
    rng = random.Random(SEED)
    samples: dict[str, list[dict]] = {layer: [] for layer in (*LAYERS, BASEMAP)}
    for z in ZOOMS:
        for x, y in sample_tiles(z, bounds, points, rng):
            for layer in layers_at(z):
                ms, size, status = fetch(opener, f"{base}/tiles/{layer}/{z}/{x}/{y}.pbf")
                samples[layer].append(
                    {"tile": f"{z}/{x}/{y}", "z": z, "ms": ms, "bytes": size, "status": status}
                )
    return samples


def latency_summary(samples: Sequence[dict]) -> dict:
    """p50/p95/max latency, largest size, count, failures, slowest and largest tile."""
    ms = np.array([s["ms"] for s in samples])
    slowest = max(samples, key=lambda s: s["ms"])
    largest = max(samples, key=lambda s: s["bytes"])
    return {
        "count": len(samples),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "max_ms": round(float(ms.max()), 1),
        "max_bytes": largest["bytes"],
        "slowest_tile": slowest["tile"],
        "largest_tile": largest["tile"],
        "failed": [f"{s['status']} {s['tile']}" for s in samples if s["status"] not in TILE_OK],
    }


def layer_summary(samples: Sequence[dict]) -> dict:
    """The latency summary of one layer, with p95, max and size per zoom."""
    summary = latency_summary(samples)
    by_zoom = {}
    for z in ZOOMS:
        at = [s for s in samples if s["z"] == z]
        if at:
            ms = np.array([s["ms"] for s in at])
            by_zoom[str(z)] = {
                "count": len(at),
                "p95_ms": round(float(np.percentile(ms, 95)), 1),
                "max_ms": round(float(ms.max()), 1),
                "max_bytes": max(s["bytes"] for s in at),
            }
    return {**summary, "by_zoom": by_zoom}


def basemap_summary(samples: Sequence[dict]) -> dict:
    """The base map's latency summary, its tiles over 500 KB and empty tiles, beside its goals."""
    return {
        **layer_summary(samples),
        "over_500kb": sum(s["bytes"] > BIG_TILE_BYTES for s in samples),
        "empty": sum(s["bytes"] == 0 for s in samples),
        "goals": BASEMAP_GOALS,
    }


def is_local(url: str) -> bool:
    """True for URLs that stay on this machine (data:, blob: and about: never leave it)."""
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname in LOCAL_HOSTS


def browser_login(browser: Browser, base: str) -> dict:
    """Log in through the form in a browser context; return its storage state (the cookie)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/login?next=/healthz")
    page.fill("#username", USERNAME)
    page.fill("#password", PASSWORD)
    with page.expect_navigation(url="**/healthz"):
        page.click("button[type=submit]")
    state = context.storage_state()
    context.close()
    return dict(state)


def body_sizes(responses: Sequence[Response]) -> list[int]:
    """Body size of each response (0 for redirects and bodies the browser no longer holds)."""
    sizes = []
    for response in responses:
        try:
            sizes.append(len(response.body()))
        except Exception:  # redirects and evicted bodies have none
            sizes.append(0)
    return sizes


def heap_mb(cdp, collect: bool = False) -> float:  # type: ignore[no-untyped-def]
    """JS heap in use (MiB) as Chromium reports it; after a full GC when `collect`."""
    if collect:
        cdp.send("HeapProfiler.collectGarbage")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return round(metrics["JSHeapUsedSize"] / 2**20, 1)


def watch_page(page: Page) -> dict[str, list]:
    """Record every request, response and script error of `page`."""
    seen: dict[str, list] = {"requests": [], "responses": [], "errors": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("response", lambda r: seen["responses"].append(r))
    page.on("pageerror", lambda exc: seen["errors"].append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda m: seen["errors"].append(f"console: {m.text}") if m.type == "error" else None,
    )
    return seen


def open_and_settle(browser: Browser, url: str, storage_state: dict | None) -> dict:
    """Open `url` in a fresh context (empty cache), let it settle; timings, heap and traffic."""
    context = browser.new_context(storage_state=storage_state)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(180_000)
    page.add_init_script(READY_PROBE)
    seen = watch_page(page)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    main = page.goto(url, wait_until="load")
    page.wait_for_timeout(SETTLE_MS)
    timing = page.evaluate(
        "() => [performance.getEntriesByType('navigation')[0].loadEventEnd,"
        " window.__unitsReady ?? null]"
    )
    measured = {
        **seen,
        "path": urlsplit(page.url).path,
        "status": main.status if main else None,
        "html_bytes": len(main.body()) if main else 0,
        "timing": timing,
        "heap": (heap_mb(cdp), heap_mb(cdp, collect=True)),
        "sizes": body_sizes(seen["responses"]),
    }
    context.close()
    return measured


def measure_page(browser: Browser, url: str, storage_state: dict | None = None) -> dict:
    """Load time, heap, HTML and transferred bytes, requests and errors of one page load."""
    seen = open_and_settle(browser, url, storage_state)
    load_ms, ready_ms = seen["timing"]
    off_host = [u for u in seen["requests"] if not is_local(u)]
    return {
        "path": seen["path"],
        "status": seen["status"],
        "load_ms": round(load_ms, 1),
        "units_ready_ms": None if ready_ms is None else round(ready_ms, 1),
        "heap_mb": seen["heap"][0],
        "heap_after_gc_mb": seen["heap"][1],
        "html_bytes": seen["html_bytes"],
        "transfer_bytes": sum(seen["sizes"]),
        "requests": len(seen["requests"]),
        "tile_requests": sum("/tiles/" in u for u in seen["requests"]),
        "failed_responses": [f"{r.status} {r.url}" for r in seen["responses"] if r.status >= 400],
        "errors": seen["errors"][:10],
        "requests_off_host": len(off_host),
        "off_host_urls": off_host[:20],
    }


def measure_browser(
    base: str, lonlats: Sequence[tuple[float, float]], bounds: Sequence[float], static_dir: Path
) -> tuple[dict, dict]:
    """Measure /map as a logged-in admin, then the FastMarkerCluster reference page."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = measure_page(browser, f"{base}/map", browser_login(browser, base))
            with serve_page(reference_html(lonlats, bounds), static_dir) as url:
                reference = measure_page(browser, url)
        finally:
            browser.close()
    return page, reference


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b rounded, or None when either is missing or b is zero."""
    return round(a / b, 3) if a is not None and b else None


def result(tiles: dict[str, list[dict]], page: dict, reference: dict) -> dict:
    """The JSON object the benchmark prints."""
    grid = {layer: tiles[layer] for layer in LAYERS}
    over = sum(s["bytes"] > BIG_TILE_BYTES for samples in grid.values() for s in samples)
    keep = ("load_ms", "heap_mb", "heap_after_gc_mb", "html_bytes", "transfer_bytes")
    return {
        "bench": "map",
        "households": HOUSEHOLDS,
        "tiles": {
            **{layer: layer_summary(samples) for layer, samples in grid.items()},
            "tiles_over_500kb": over,
        },
        BASEMAP: basemap_summary(tiles[BASEMAP]),
        "page": page,
        "reference_fastmarkercluster": {
            **{k: reference[k] for k in keep},
            **{k: reference[k] for k in ("requests_off_host", "off_host_urls")},
            **{k: reference[k] for k in ("failed_responses", "errors")},
        },
        "ratios": {
            "load": ratio(page["load_ms"], reference["load_ms"]),
            "heap": ratio(page["heap_mb"], reference["heap_mb"]),
            "heap_after_gc": ratio(page["heap_after_gc_mb"], reference["heap_after_gc_mb"]),
            "html": ratio(page["html_bytes"], reference["html_bytes"]),
        },
        "goals": GOALS,
    }


def main() -> None:
    """Load the demo county, serve the app, sweep the tiles and open both pages."""
    from gridmap.web import create_app

    config = Config.from_env()
    with (
        fresh_database(config, DB_NAME) as conn,
        tempfile.TemporaryDirectory(prefix="gridmap-bench-map-") as var,
    ):
        conn.autocommit = True
        # The app is built first, so that a broken import fails before the long load.
        app = create_app(
            Config(
                database_url=database_url(config, DB_NAME),
                var_dir=Path(var),
                secret_key=secrets.token_hex(16),
            )
        )
        lonlats = set_up(conn, config)
        bounds = [float(v) for v in unit_store.current_units(conn, level=1).total_bounds]
        with serve_app(app) as base:
            tiles = tile_sweep(base, bounds, lonlats)
            page, reference = measure_browser(base, lonlats, bounds, config.static_dir)
    print(json.dumps(result(tiles, page, reference)))


if __name__ == "__main__":
    main()
