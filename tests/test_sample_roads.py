"""The demo county's road network: written as .osm.pbf, loaded through `gridmap import osm`,
joining every village and crossing the river on bridges only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import psycopg
import pytest
from scipy.cluster.hierarchy import DisjointSet

from gridmap.core.config import Config
from gridmap.ground.osm import read_osm
from gridmap.sample import demo
from gridmap.sample.county import read_county
from gridmap.sample.roads import write_roads
from tests.conftest import _copy_database

TODAY = date(2026, 6, 30)
SAMPLE = Config().geodata_dir / demo.SAMPLE_FILE


@pytest.fixture(scope="module")
def demo_db(pg_cluster, template_url) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    """A demo county with few households; its URL and the county's load report."""
    url = _copy_database(pg_cluster, "sample_roads")
    with psycopg.connect(url) as conn:
        report = demo.load_demo(conn, Config(), households_n=100, seed=7, today=TODAY)
        conn.commit()
    return url, report["counties"][0]


def test_the_demo_loads_its_network_through_the_osm_import(demo_db):
    url, county = demo_db
    osm = county["osm"]
    assert osm["county"] == county["code"] and osm["skipped"] == 0
    assert osm["counts"]["road"] > 2000  # a village road to each of the ~2,400 groups
    assert osm["counts"]["water"] == 1
    # The county seat, 15 township seats and 237 villages.
    assert osm["counts"]["place"] == 1 + 15 + 237
    with psycopg.connect(url) as conn:
        kinds = dict(conn.execute("SELECT kind, count(*) FROM osm_place GROUP BY kind").fetchall())
        classes = {r[0] for r in conn.execute("SELECT DISTINCT class FROM osm_road")}
    assert kinds == {"county": 1, "town": 10, "township": 5, "village": 237}
    assert classes == {"tertiary", "unclassified", "residential", "ferry"}


def test_the_roads_join_every_village_to_the_county_seat(demo_db):
    with psycopg.connect(demo_db[0]) as conn:
        ends = conn.execute(
            "SELECT ST_AsText(ST_StartPoint(geom)), ST_AsText(ST_EndPoint(geom)) FROM osm_road "
            "WHERE class <> 'ferry' AND upper_inf(valid)"
        ).fetchall()
        places = conn.execute(
            "SELECT kind, ST_AsText(geom) FROM osm_place WHERE upper_inf(valid)"
        ).fetchall()
    graph = DisjointSet([p for end in ends for p in end] + [p for _, p in places])
    for start, end in ends:
        graph.merge(start, end)
    (seat,) = [p for kind, p in places if kind == "county"]
    villages = [p for kind, p in places if kind == "village"]
    assert len(villages) == 237
    assert [v for v in villages if not graph.connected(v, seat)] == []


def test_roads_cross_the_river_only_on_bridges(demo_db):
    with psycopg.connect(demo_db[0]) as conn:
        crossing = conn.execute(
            "SELECT r.bridge, count(*) FROM osm_road r JOIN osm_water w "
            "ON w.county_code = r.county_code AND w.kind = 'river' "
            "AND ST_Intersects(r.geom, w.geom) WHERE r.class <> 'ferry' GROUP BY r.bridge"
        ).fetchall()
        bridges = conn.execute("SELECT count(*) FROM osm_road WHERE bridge").fetchone()
    assert dict(crossing).get(False) is None
    assert 1 <= dict(crossing)[True] == bridges[0] <= 12  # type: ignore[index]


def test_the_same_seed_writes_the_same_network(tmp_path: Path):
    units = read_county(SAMPLE)
    first = write_roads(units, tmp_path / "a.osm.pbf", 11)
    again = write_roads(units, tmp_path / "b.osm.pbf", 11)
    other = write_roads(units, tmp_path / "c.osm.pbf", 12)
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    assert read_osm(first).count()["road"] > 2000
