"""`gridmap import osm`: an OpenStreetMap extract clipped to the county and a margin, its
roads, water and places stored with their attributes, a new import closing the old rows."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql

from gridmap.cli import main
from gridmap.core.errors import BadInput
from gridmap.ground.importer import import_osm_file
from tests.conftest import _copy_database
from tests.grid_fixtures import tiny_county, tiny_county_as
from tests.household_fixtures import add_grid
from tests.osm_fixtures import OsmDraft

MARGIN_M = 1000.0
COUNTY_A, COUNTY_B = "341890", "341891"
#: County B is the tiny county again, 20 km east.
SHIFT_M = 20_000.0
TABLES = ("osm_road", "osm_water", "osm_place", "osm_building")


def ground_draft() -> OsmDraft:
    """Roads, water and places in and around the tiny county (0..8000 × 0..4000 m)."""
    d = OsmDraft()
    d.way(
        1,
        [(1000, 1000), (3000, 1000)],
        {"highway": "primary", "name:zh": "幸福路", "name": "Xingfu Lu", "maxspeed": "60"},
    )
    # Leaves the county northwards and is cut 1000 m past its edge, at y = 5000.
    d.way(
        2,
        [(4000, 2000), (4000, 8000)],
        {"highway": "secondary", "name": "Edge Road", "maxspeed": "30 mph"},
    )
    d.way(3, [(20000, 20000), (21000, 20000)], {"highway": "tertiary"})
    d.way(
        4,
        [(5000, 500), (6000, 500)],
        {"highway": "residential", "oneway": "-1", "maxspeed": "CN:urban"},
    )
    d.way(
        5,
        [(6500, 1000), (6600, 1000), (6600, 1100), (6500, 1100), (6500, 1000)],
        {"highway": "unclassified", "junction": "roundabout"},
    )
    d.way(
        6,
        [(2000, 2400), (2000, 2600)],
        {"highway": "tertiary", "bridge": "yes", "oneway": "yes", "maxspeed": "40 km/h"},
    )
    d.way(7, [(7000, 2000), (7000, 3000)], {"route": "ferry", "name:zh": "渡口"})
    d.way(8, [(1000, 3500), (2000, 3500)], {"highway": "proposed"})
    d.way(10, [(-3000, 2500), (11000, 2500)], {"waterway": "river", "name:zh": "清河"})
    d.way(11, [(5000, 3000), (6000, 3000), (6000, 3500), (5000, 3500), (5000, 3000)], {})
    d.multipolygon(1, 11, {"type": "multipolygon", "natural": "water", "name:zh": "镜湖"})
    d.way(
        12,
        [(1500, 1500), (1520, 1500), (1520, 1520), (1500, 1520), (1500, 1500)],
        {"building": "house"},
    )
    d.broken_way(13, {"highway": "track"})
    d.node((1000, 3000), {"place": "village", "name:zh": "一村", "name": "Yicun"})
    d.node((3000, 4500), {"place": "town", "name": "Town"})
    d.node((30000, 30000), {"place": "hamlet", "name:zh": "远村"})
    return d  # fmt: skip


@pytest.fixture(scope="module")
def ground_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ground_draft().write(tmp_path_factory.mktemp("osm") / "tiny.osm.pbf")


@pytest.fixture(scope="module")
def grid_template(seeded_template, tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    """Counties A and B (the tiny county twice, 20 km apart); the template's name."""
    folder = tmp_path_factory.mktemp("osm-grid")

    def seed(conn: psycopg.Connection) -> None:
        tiny_county().to_file(folder / "a.geojson")
        tiny_county_as(COUNTY_B, SHIFT_M, lambda _c, name: name).to_file(folder / "b.geojson")
        add_grid(conn, folder / "a.geojson")
        add_grid(conn, folder / "b.geojson")
        conn.commit()

    return seeded_template(seed)


@pytest.fixture(scope="module")
def imported(pg_cluster, grid_template, ground_file) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    """The ground file imported for county A; the database's URL and the import's report."""
    url = _copy_database(pg_cluster, "osm_imported", grid_template)
    with psycopg.connect(url) as conn:
        report = import_osm_file(conn, ground_file, clip=COUNTY_A, margin_m=MARGIN_M)
        conn.commit()
    return url, report


def open_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            t: conn.execute(
                sql.SQL("SELECT count(*) FROM {} WHERE upper_inf(valid)").format(sql.Identifier(t))
            ).fetchone()[0]  # type: ignore[index]
            for t in TABLES
        }


def test_each_table_holds_the_features_around_the_county(imported):
    url, report = imported
    assert open_counts(url) == {"osm_road": 6, "osm_water": 2, "osm_place": 2, "osm_building": 0}
    assert report["counts"] == {"road": 6, "water": 2, "place": 2, "building": 0}
    assert report["skipped"] == 1  # the way whose node is missing
    assert report["county"] == COUNTY_A


@pytest.mark.parametrize(
    ("osm_id", "cls", "name", "oneway", "maxspeed_kmh", "bridge"),
    [
        (1, "primary", "幸福路", 0, 60.0, False),
        (2, "secondary", "Edge Road", 0, 48.3, False),
        (4, "residential", None, -1, None, False),
        (5, "unclassified", None, 1, None, False),
        (6, "tertiary", None, 1, 40.0, True),
        (7, "ferry", "渡口", 0, None, False),
    ],
)
def test_road_attributes_are_normalised(imported, osm_id, cls, name, oneway, maxspeed_kmh, bridge):
    with psycopg.connect(imported[0]) as conn:
        row = conn.execute(
            "SELECT class, name, oneway, maxspeed_kmh, bridge, county_code FROM osm_road "
            "WHERE osm_id = %s AND upper_inf(valid)",
            [osm_id],
        ).fetchone()
    assert row is not None
    speed = None if row[3] is None else round(row[3], 1)
    assert (row[0], row[1], row[2], speed, row[4], row[5]) == (
        cls, name, oneway, maxspeed_kmh, bridge, COUNTY_A,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("table", "osm_id", "length_m"),
    [
        ("osm_road", 1, 2000.0),  # inside
        ("osm_road", 2, 3000.0),  # from y = 2000 to the margin's edge at y = 5000
        ("osm_water", 10, 10_000.0),  # from x = -1000 to 9000
    ],
)
def test_lines_are_cut_at_the_margin(imported, table, osm_id, length_m):
    with psycopg.connect(imported[0]) as conn:
        (got, parts) = conn.execute(
            sql.SQL(
                "SELECT sum(ST_Length(geom::geography)), count(*) FROM {} WHERE osm_id = %s"
            ).format(sql.Identifier(table)),
            [osm_id],
        ).fetchone()  # type: ignore[misc]
    assert parts == 1
    # The grid is drawn in UTM (scale 0.9996 here): a few metres in 10 km.
    assert got == pytest.approx(length_m, rel=0.002)


@pytest.mark.parametrize("table", TABLES)
def test_every_row_lies_within_the_county_and_its_margin(imported, table):
    with psycopg.connect(imported[0]) as conn:
        outside = conn.execute(
            sql.SQL(
                "SELECT count(*) FROM {} o JOIN unit_version u ON u.code = o.county_code "
                "AND u.valid_to IS NULL WHERE NOT ST_CoveredBy(o.geom, "
                "ST_Buffer(u.geom::geography, %s)::geometry)"
            ).format(sql.Identifier(table)),
            [MARGIN_M + 5],
        ).fetchone()
    assert outside == (0,)


def test_features_outside_and_tags_that_are_no_roads_are_left_out(imported):
    with psycopg.connect(imported[0]) as conn:
        roads = {r[0] for r in conn.execute("SELECT osm_id FROM osm_road")}
        places = conn.execute("SELECT kind, name FROM osm_place ORDER BY osm_id").fetchall()
    assert roads == {1, 2, 4, 5, 6, 7}
    assert places == [("village", "一村"), ("town", "Town")]


def test_water_keeps_lines_and_areas_apart(imported):
    with psycopg.connect(imported[0]) as conn:
        rows = conn.execute(
            "SELECT osm_type, osm_id, kind, name, GeometryType(geom), "
            "ST_Area(geom::geography) FROM osm_water ORDER BY osm_type DESC"
        ).fetchall()
    assert [r[:5] for r in rows] == [
        ("w", 10, "river", "清河", "LINESTRING"),
        ("r", 1, "water", "镜湖", "MULTIPOLYGON"),
    ]
    assert rows[1][5] == pytest.approx(1000 * 500, rel=0.002)


def test_the_import_is_recorded(imported):
    with psycopg.connect(imported[0]) as conn:
        row = conn.execute(
            "SELECT county_code, file_name, margin_m, counts, replaced_at, "
            "ST_Contains(clip, (SELECT geom FROM unit_version WHERE code = %s)) FROM osm_import",
            [COUNTY_A],
        ).fetchone()
    assert row == (
        COUNTY_A, "tiny.osm.pbf", MARGIN_M,
        {"road": 6, "water": 2, "place": 2, "building": 0, "skipped": 1}, None, True,
    )  # fmt: skip


def test_a_new_import_closes_the_old_rows(grid_template, copy_of, ground_file, tmp_path):
    url = copy_of(grid_template)
    second = OsmDraft()
    second.way(1, [(1000, 1000), (3000, 1000)], {"highway": "primary", "name:zh": "新路"})
    second_file = second.write(tmp_path / "second.osm.pbf")
    with psycopg.connect(url, autocommit=True) as conn:
        import_osm_file(conn, ground_file, clip=COUNTY_A, margin_m=MARGIN_M)
        report = import_osm_file(conn, second_file, clip=COUNTY_A, margin_m=MARGIN_M)
        closed = conn.execute("SELECT count(*) FROM osm_road WHERE NOT upper_inf(valid)").fetchone()
        names = conn.execute("SELECT name FROM osm_road WHERE upper_inf(valid)").fetchall()
        imports = conn.execute(
            "SELECT file_name, replaced_at IS NOT NULL FROM osm_import ORDER BY id"
        ).fetchall()
    assert report["closed"] == {"road": 6, "water": 2, "place": 2, "building": 0}
    assert closed == (6,)
    assert names == [("新路",)]
    assert open_counts(url) == {"osm_road": 1, "osm_water": 0, "osm_place": 0, "osm_building": 0}
    assert imports == [("tiny.osm.pbf", True), ("second.osm.pbf", False)]


def test_buildings_are_kept_when_asked(grid_template, copy_of, ground_file):
    with psycopg.connect(copy_of(grid_template), autocommit=True) as conn:
        report = import_osm_file(
            conn, ground_file, clip=COUNTY_A, margin_m=MARGIN_M, buildings=True
        )
        rows = conn.execute(
            "SELECT osm_type, osm_id, kind, round(ST_Area(geom::geography)) FROM osm_building"
        ).fetchall()
    assert report["counts"]["building"] == 1
    assert rows == [("w", 12, "house", 400)]


def _write_bytes(data: bytes, name: str) -> callable:  # type: ignore[valid-type]
    def write(folder: Path) -> Path:
        (folder / name).write_bytes(data)
        return folder / name

    return write


def _outside_only(folder: Path) -> Path:
    d = OsmDraft()
    d.way(1, [(50_000, 50_000), (51_000, 50_000)], {"highway": "primary"})
    return d.write(folder / "elsewhere.osm.pbf")


def _untagged_only(folder: Path) -> Path:
    d = OsmDraft()
    d.way(1, [(1000, 1000), (2000, 1000)], {"barrier": "fence"})
    return d.write(folder / "fences.osm.pbf")


@pytest.mark.parametrize(
    ("make", "clip", "message"),
    [
        (_write_bytes(b"<html>not found</html>", "county.html"), COUNTY_A, "not an OpenStreetMap"),
        (_write_bytes(b"<html>not found</html>", "county.osm.pbf"), COUNTY_A, "cannot be read"),
        (_write_bytes(b"", "empty.osm.pbf"), COUNTY_A, "cannot be read"),
        (_untagged_only, COUNTY_A, "holds no roads"),
        (_outside_only, COUNTY_A, "none of its 1 features lies within 1000 m of county 341890"),
        (lambda folder: folder / "missing.osm.pbf", COUNTY_A, "no such file"),
        (_outside_only, None, "several counties; choose one with --clip CODE: 341890"),
        (_outside_only, "999999", "not a county of the grid; choose one of: 341890"),
    ],
)
def test_a_refused_file_writes_nothing(imported, tmp_path, make, clip, message):
    url, _report = imported
    before = open_counts(url)
    with psycopg.connect(url, autocommit=True) as conn, pytest.raises(BadInput, match=message):
        import_osm_file(conn, make(tmp_path), clip=clip, margin_m=MARGIN_M)
    assert open_counts(url) == before
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM osm_import").fetchone() == (1,)


def test_the_command_imports_for_the_county_named(grid_template, copy_of, tmp_path):
    url = copy_of(grid_template)
    d = OsmDraft()
    d.way(1, [(SHIFT_M + 1000, 1000), (SHIFT_M + 3000, 1000)], {"highway": "primary"})
    d.way(2, [(1000, 1000), (3000, 1000)], {"highway": "primary"})  # county A's, 16 km away
    path = d.write(tmp_path / "b.osm.pbf")
    env = {"GRIDMAP_DATABASE_URL": url, "GRIDMAP_VAR_DIR": str(tmp_path / "var"),
           "GRIDMAP_OSM_MARGIN_M": "2000"}  # fmt: skip
    runner = CliRunner()
    result = runner.invoke(
        main, ["import", "osm", str(path), "--clip", COUNTY_B, "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["county"], report["counts"]["road"], report["margin_m"]) == (COUNTY_B, 1, 2000)
    refused = runner.invoke(main, ["import", "osm", str(path)], env=env)
    assert refused.exit_code == 1
    assert f"choose one with --clip CODE: {COUNTY_A} " in refused.output
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT county_code, osm_id FROM osm_road").fetchall()
        audit = conn.execute("SELECT action, target FROM audit").fetchall()
    assert rows == [(COUNTY_B, 1)]
    assert audit == [("import.osm", "b.osm.pbf")]
