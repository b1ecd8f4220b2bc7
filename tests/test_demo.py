"""The demo load: the sample county and its records through the ordinary import paths."""

from __future__ import annotations

from datetime import date

from gridmap import demo
from gridmap.config import Config


def test_demo_loads_a_small_county_whose_visits_are_all_by_local_workers(conn):
    report = demo.load_demo(conn, Config(), households_n=1500, seed=5, today=date(2026, 6, 30))
    assert report["households"]["created"] == 1500
    assert report["visits"]["inserted"] > 1000
    assert demo.is_loaded(conn)
    visits, strangers = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT EXISTS ("
        "  SELECT 1 FROM worker_group wg WHERE wg.worker_code = v.visitor_code"
        "  AND left(wg.group_code, 9) = left(h.unit_code, 9))) "
        "FROM visit v JOIN household h ON h.code = v.household_code"
    ).fetchone()
    assert visits > 1000
    # Households placed outside every group keep their township only when they lie in one.
    assert strangers / visits < 0.01
