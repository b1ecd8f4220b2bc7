"""Reading an OpenStreetMap extract clipped a batch at a time: only what lies in the clip area
is kept, and the layers equal those of clipping the whole file at once, however the objects
fall into batches."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from gridmap.ground import osm
from tests.household_fixtures import lonlat_m
from tests.osm_fixtures import OsmDraft
from tests.test_osm_import import ground_draft

#: The tiny county (0..8000 × 0..4000 m) and 1000 m around it.
CLIP_M = ((-1000, -1000), (9000, -1000), (9000, 5000), (-1000, 5000))
#: Objects of each kind drawn 30 km and more from the county.
FAR = 40


def clip_area() -> shapely.Geometry:
    """The clip area in lon/lat."""
    return shapely.Polygon([lonlat_m(x, y) for x, y in CLIP_M])


def crowded_draft() -> OsmDraft:
    """The ground around the tiny county, many roads, buildings and places far from it, and a
    closed river that is also a lake (read as a line and as an area)."""
    d = ground_draft()
    for k in range(FAR):
        x, y = 30_000 + 200 * k, 30_000 + 50 * k
        d.way(100 + k, [(x, y), (x + 150, y)], {"highway": "residential"})
        ring = [(x, y + 20), (x + 10, y + 20), (x + 10, y + 30), (x, y + 30), (x, y + 20)]
        d.way(1000 + k, ring, {"building": "house"})
        d.node((x, y - 20), {"place": "hamlet", "name:zh": f"{k}村"})
    pond = [(7000, 200), (7200, 200), (7200, 400), (7000, 400), (7000, 200)]
    d.way(20, pond, {"waterway": "river", "natural": "water"})
    return d


@pytest.fixture(scope="module")
def crowded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return crowded_draft().write(tmp_path_factory.mktemp("osm-read") / "crowded.osm.pbf")


@pytest.mark.parametrize(
    ("batch", "buildings"), [(1, True), (2, True), (7, True), (osm.BATCH, True), (3, False)]
)
def test_a_clipped_read_equals_clipping_the_whole_file(crowded_file, batch, buildings):
    whole = osm.read_osm(crowded_file, buildings=buildings)
    expected = osm.clip(whole, clip_area())
    got, read = osm.read_clipped(crowded_file, clip_area(), buildings=buildings, batch=batch)
    assert got.skipped == expected.skipped == 1
    for layer in osm.LAYERS:
        assert_geodataframe_equal(got.layers[layer], expected.layers[layer])
    assert read.counts == whole.count()
    assert read.bounds == pytest.approx(whole.bounds())


def test_a_clipped_read_keeps_only_what_lies_in_the_area(crowded_file):
    got, read = osm.read_clipped(crowded_file, clip_area(), buildings=True, batch=3)
    layers = got.layers
    assert sorted(layers["road"]["osm_id"]) == [1, 2, 4, 5, 6, 7]
    assert sorted(layers["place"]["name"]) == ["Town", "一村"]
    assert list(layers["building"]["osm_id"]) == [12]
    # The closed river is kept once, as the line read before its area.
    water = layers["water"].sort_values("osm_id")
    assert list(zip(water["osm_type"], water["osm_id"], water["kind"], strict=True)) == [
        ("r", 1, "water"), ("w", 10, "river"), ("w", 20, "river"),
    ]  # fmt: skip
    assert read.counts == {"road": 7 + FAR, "water": 4, "place": 3 + FAR, "building": 1 + FAR}
