"""Importing grid files: good files, versions, and every kind of bad input refused cleanly."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import psycopg
import pytest
import shapely

from gridmap.core.errors import BadInput
from gridmap.grid import grids
from gridmap.store import units as unit_store
from tests.grid_fixtures import XSS_NAME, tiny_county
from tests.zip_fixtures import MB, padded_shapefile_zip


def _count_units(conn: psycopg.Connection) -> int:
    return len(unit_store.current_units(conn))


def test_import_tiny_county_creates_every_unit(conn, tiny_county_file):
    report = grids.import_grid_file(conn, tiny_county_file, reason="first load")
    assert report["features"] == 15
    assert len(report["created"]) == 15 and report["changed"] == [] and report["unchanged"] == 0
    units = unit_store.current_units(conn)
    assert units["level"].value_counts().to_dict() == {1: 1, 2: 2, 3: 4, 4: 8}
    assert (
        dict(zip(units["code"], units["parent"], strict=True))["341890101201001"] == "341890101201"
    )


def test_html_in_a_name_is_stored_verbatim(conn, tiny_county_file):
    grids.import_grid_file(conn, tiny_county_file)
    names = set(unit_store.current_units(conn)["name"])
    assert XSS_NAME in names


def test_reimport_of_changed_unit_keeps_two_versions(conn, tiny_county_file, tmp_path):
    grids.import_grid_file(conn, tiny_county_file)
    frame = tiny_county()
    frame.loc[frame["code"] == "341890100200001", "name"] = "改名组"
    changed = tmp_path / "changed.geojson"
    frame.to_file(changed)
    report = grids.import_grid_file(conn, changed, reason="rename")
    assert report["changed"] == ["341890100200001"]
    assert report["created"] == [] and report["unchanged"] == 14
    assert unit_store.version_count(conn, "341890100200001") == 2
    assert unit_store.version_count(conn, "341890100200002") == 1
    reasons = conn.execute(
        "SELECT e.reason FROM unit_version v JOIN edit e ON e.id = v.opened_by "
        "WHERE v.code = '341890100200001' AND v.valid_to IS NULL"
    ).fetchone()
    assert reasons == ("rename",)


def test_reimport_unchanged_file_writes_no_edit(conn, tiny_county_file):
    grids.import_grid_file(conn, tiny_county_file)
    report = grids.import_grid_file(conn, tiny_county_file)
    assert report["edit"] is None and report["unchanged"] == 15


def _write(frame: gpd.GeoDataFrame, path: Path) -> Path:
    frame.to_file(path)
    return path


def _self_intersecting(frame):
    bowtie = shapely.Polygon([(117.0, 30.0), (117.01, 30.01), (117.01, 30.0), (117.0, 30.01)])
    frame.loc[frame["code"] == "341890100200001", "geometry"] = bowtie
    return frame


def _point_instead(frame):
    frame = frame.copy()
    frame.loc[frame["code"] == "341890100200002", "geometry"] = shapely.Point(117.0, 30.0)
    return frame


def _swapped(frame):
    frame = frame.copy()
    frame["geometry"] = frame.geometry.map(lambda g: shapely.transform(g, lambda xy: xy[:, ::-1]))
    return frame


def _duplicate(frame):
    return gpd.GeoDataFrame(__import__("pandas").concat([frame, frame.iloc[[3]]]), crs=frame.crs)


def _orphan(frame):
    return frame[frame["code"] != "341890100200"]


def _missing_name(frame):
    return frame.drop(columns=["name"])


BAD_FRAMES = [
    ("self_intersecting", _self_intersecting, "not a valid polygon"),
    ("point", _point_instead, "must be a polygon"),
    ("swapped", _swapped, "swapped"),
    ("duplicate", _duplicate, "more than once"),
    ("orphan", _orphan, "no parent"),
    ("missing_column", _missing_name, "missing column"),
]


@pytest.mark.parametrize(("label", "mutate", "message"), BAD_FRAMES, ids=[b[0] for b in BAD_FRAMES])
def test_bad_grid_file_is_refused_and_nothing_written(conn, tmp_path, label, mutate, message):
    path = _write(mutate(tiny_county()), tmp_path / f"{label}.geojson")
    with pytest.raises(BadInput) as info:
        grids.import_grid_file(conn, path)
    text = info.value.message + " " + " ".join(info.value.details)
    assert message in text
    assert path.name in info.value.message
    assert _count_units(conn) == 0
    assert conn.execute("SELECT count(*) FROM edit").fetchone() == (0,)


@pytest.mark.parametrize(
    ("label", "content", "message"),
    [
        ("empty", '{"type": "FeatureCollection", "features": []}', "no features"),
        ("not_geodata", "code,name\n1,2\n\x00\x01garbage", "not a readable"),
        ("text", "hello, this is not a map", "not a readable"),
    ],
)
def test_unreadable_files_are_refused(conn, tmp_path, label, content, message):
    path = tmp_path / f"{label}.geojson"
    path.write_text(content)
    with pytest.raises(BadInput, match=message):
        grids.import_grid_file(conn, path)
    assert _count_units(conn) == 0


def test_unknown_crs_is_refused(conn, tiny_county_file):
    with pytest.raises(BadInput, match="unknown coordinate system .mars2000."):
        grids.import_grid_file(conn, tiny_county_file, crs_name="mars2000")
    assert _count_units(conn) == 0


def _shapefile(folder: Path) -> Path:
    folder.mkdir()
    tiny_county().to_file(folder / "grid.shp")
    return folder / "grid.shp"


def test_a_zipped_shapefile_unpacking_past_the_limit_is_refused(conn, tmp_path):
    bundle = padded_shapefile_zip(_shapefile(tmp_path / "parts"), tmp_path / "grid.zip", 300)
    assert bundle.stat().st_size < MB
    with pytest.raises(BadInput) as info:
        grids.import_grid_file(conn, bundle)
    assert info.value.message.startswith("grid.zip: unpacked, this file would take 300 MB")
    assert "more than the 250 MB allowed" in info.value.message
    assert _count_units(conn) == 0
    small = padded_shapefile_zip(_shapefile(tmp_path / "small"), tmp_path / "small.zip", 2)
    with pytest.raises(BadInput, match="small.zip: unpacked, this file would take 2 MB, more "):
        grids.validate_file(small, 1.0, max_unpacked_mb=1)
    assert grids.import_grid_file(conn, small)["features"] == 15


def test_a_zip_whose_directory_understates_a_size_is_refused(conn, tmp_path):
    parts = _shapefile(tmp_path / "parts")
    bundle = tmp_path / "grid.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as out:
        for part in sorted(parts.parent.iterdir()):
            out.write(part, part.name)
        out.writestr("grid.txt", b" " * (3 * MB))
    data = bytearray(bundle.read_bytes())
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        name_at = 30 if signature == b"PK\x03\x04" else 46
        start = data.index(signature)
        while data[start + name_at : start + name_at + 8] != b"grid.txt":
            start = data.index(signature, start + 4)
        data[start + size_at : start + size_at + 4] = (1000).to_bytes(4, "little")
    bundle.write_bytes(bytes(data))
    with pytest.raises(BadInput, match="grid.zip: the archive is damaged"):
        grids.import_grid_file(conn, bundle)
    assert _count_units(conn) == 0


def test_geopackage_and_shapefile_import_the_same_units(conn, tmp_path):
    frame = tiny_county()
    for path in (tmp_path / "g.gpkg", tmp_path / "g.shp"):
        frame.to_file(path)
        report = grids.import_grid_file(conn, path)
        assert report["features"] == 15
    assert _count_units(conn) == 15


def test_gcj02_input_is_converted_back(conn, tmp_path):
    from gridmap.geo import crs

    frame = tiny_county()
    shifted = frame.copy()
    shifted["geometry"] = frame.geometry.map(
        lambda g: shapely.transform(
            g, lambda xy: __import__("numpy").column_stack(crs.wgs84_to_gcj02(xy[:, 0], xy[:, 1]))
        )
    )
    path = _write(shifted, tmp_path / "gcj.geojson")
    grids.import_grid_file(conn, path, crs_name="gcj02")
    stored = unit_store.current_units(conn).set_index("code")
    original = frame.set_index("code")
    # Round trip under 1 cm: compare vertices in metres.
    a = stored.loc[["341890"]].to_crs("EPSG:32650").geometry.iloc[0]
    b = original.loc[["341890"]].to_crs("EPSG:32650").geometry.iloc[0]
    assert shapely.hausdorff_distance(a, b) < 0.01


def test_level_is_inferred_from_code_length(conn, tmp_path):
    path = _write(tiny_county().drop(columns=["level"]), tmp_path / "nolevel.geojson")
    grids.import_grid_file(conn, path)
    levels = unit_store.current_units(conn).set_index("code")["level"]
    assert levels["341890"] == 1 and levels["341890101201002"] == 4


def test_projected_input_is_reprojected(conn, tmp_path):
    path = _write(tiny_county().to_crs("EPSG:32650"), tmp_path / "utm.gpkg")
    grids.import_grid_file(conn, path)
    county = unit_store.current_units(conn, level=1)
    area_m2 = county.to_crs("EPSG:32650").area.iloc[0]
    assert area_m2 == pytest.approx(8000 * 4000, rel=1e-6)
