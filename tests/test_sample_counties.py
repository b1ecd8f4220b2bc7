"""Demo counties made from the sample county: own codes, own names, apart on land (no database)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely

from gridmap import PROJECT_ROOT
from gridmap.sample import MAX_COUNTIES
from gridmap.sample.activity import generate_contacts
from gridmap.sample.counties import (
    GAP_DEG,
    county_code,
    county_name,
    county_seed,
    record_prefix,
    relocated,
)
from gridmap.sample.county import check_county, read_county
from gridmap.sample.population import generate_households, generate_workers
from gridmap.sample.projects import generate_projects

SAMPLE_GPKG = PROJECT_ROOT / "geodata" / "sample-county.gpkg"
#: Southern Anhui to the North China Plain, west of the coast (119.0°E keeps clear of the
#: Jiangsu and Shandong shores at these latitudes): where every demo county lies.
LAND_BOX = (113.5, 29.5, 119.0, 37.5)


@pytest.fixture(scope="module")
def sample():
    return read_county(SAMPLE_GPKG)


def _county_geometry(units):
    return units.geometry[units.level == 1].iloc[0]


@pytest.mark.parametrize(
    ("index", "code"), [(0, "341890"), (1, "341891"), (2, "341892"), (49, "341939")]
)
def test_county_i_is_coded_341890_plus_i(index, code):
    assert county_code(index) == code


@pytest.mark.parametrize("index", [1, MAX_COUNTIES - 1])
def test_a_relocated_county_is_a_valid_grid_under_its_own_code(sample, index):
    units = relocated(sample, index)
    code = county_code(index)
    assert check_county(units) == []
    assert units["code"].str.startswith(code).all()
    assert (units["code"].str[6:] == sample["code"].str[6:]).all()
    assert units.level.value_counts().to_dict() == sample.level.value_counts().to_dict()
    assert units["name"][units.level == 1].tolist() == [county_name(index)]


@pytest.mark.parametrize(("level", "suffixes"), [(2, {"镇", "乡"}), (3, {"村"})])
def test_townships_and_villages_get_new_names_of_the_same_kind(sample, level, suffixes):
    old = sample["name"][sample.level == level]
    new = relocated(sample, 1)["name"][sample.level == level]
    assert new.is_unique
    assert {n[-1] for n in new} == suffixes
    assert (new.str[-1] == old.str[-1]).all()
    # Names may repeat between counties now and then, but a reviewer sees another county.
    assert (new != old).mean() > 0.9


def test_the_sample_county_itself_stays_as_it_is(sample):
    same = relocated(sample, 0)
    assert same[["code", "name", "level"]].equals(sample[["code", "name", "level"]])
    assert same.geometry.geom_equals_exact(sample.geometry, tolerance=0).all()


def test_every_demo_county_has_its_own_name(sample):
    found = [county_name(i) for i in range(MAX_COUNTIES)]
    assert found[0] == "青岚县" and len(set(found)) == MAX_COUNTIES
    assert all(len(name) == 3 and name.endswith("县") for name in found)


def test_all_demo_counties_lie_apart_west_of_the_coast(sample):
    outlines = [_county_geometry(relocated(sample, i)) for i in range(MAX_COUNTIES)]
    boxes = [shapely.box(*o.bounds) for o in outlines]
    assert all(shapely.contains(shapely.box(*LAND_BOX), boxes))
    for a, b in itertools.combinations(range(MAX_COUNTIES), 2):
        assert boxes[a].distance(boxes[b]) >= 0.9 * GAP_DEG, (a, b)


@pytest.mark.parametrize("index", [-1, MAX_COUNTIES])
def test_no_county_beyond_the_layout(sample, index):
    with pytest.raises(ValueError, match="index"):
        relocated(sample, index)


def test_a_relocated_county_gets_its_own_households_and_workers(sample):
    units = relocated(sample, 1)
    households = generate_households(units, 3000, county_seed(7, 1))
    workers = generate_workers(units, households, county_seed(7, 1))
    for codes in (households["code"], households["group"], households["id_number"]):
        assert codes.str.startswith("341891").all()
    assert workers["code"].str.startswith("341891W").all()
    located = households.dropna(subset=["lon", "lat"])
    inside = shapely.contains_xy(_county_geometry(units), located["lon"], located["lat"])
    # The designed flaw: 0.2% of the households lie just outside their county.
    assert (~inside).sum() == round(0.002 * 3000)
    elsewhere = shapely.contains_xy(_county_geometry(sample), located["lon"], located["lat"])
    assert not elsewhere.any()


@pytest.mark.parametrize(("code", "prefix"), [("341890", ""), ("341891", "341891-")])
def test_contact_and_project_codes_carry_their_county(sample, code, prefix):
    assert record_prefix(code) == prefix
    index = int(code) - 341890
    units = relocated(sample, index)
    households = generate_households(units, 2000, county_seed(7, index))
    contacts = generate_contacts(households, 7, record_prefix(code))
    projects = generate_projects(units, 7, record_prefix(code))
    assert contacts["code"].str.fullmatch(rf"{prefix}C\d{{5}}").all()
    assert projects["项目编码"].str.fullmatch(rf"{prefix}XJ2023-\d{{3}}").all()
    assert projects["行政村编码"].str.startswith(code).all()


def test_county_seeds_differ_but_the_sample_county_keeps_its_own():
    seeds = [county_seed(2023, i) for i in range(MAX_COUNTIES)]
    assert seeds[0] == 2023 and len(set(seeds)) == MAX_COUNTIES
    assert np.all(np.diff(seeds) > 100)
