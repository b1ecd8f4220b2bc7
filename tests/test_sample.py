"""The fictional sample county and its demo households and workers (no database needed)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import shapely

from gridmap import PROJECT_ROOT
from gridmap.files.monitoring import read_monitoring
from gridmap.sample.activity import generate_visits
from gridmap.sample.county import (
    COUNTY_CODE,
    METRIC_CRS,
    CountySpec,
    build_county,
    check_county,
    geodesic_area_km2,
    read_county,
    write_county,
)
from gridmap.sample.lifecycle import (
    FOUND_BY_SHARES,
    MEASURES,
    MIN_MONITORED_DAYS,
    RISK_SHARES,
    SUDDEN_RISK_SHARES,
    generate_monitoring,
)
from gridmap.sample.population import (
    MONITOR_KINDS,
    generate_households,
    generate_workers,
)

SAMPLE_GPKG = PROJECT_ROOT / "geodata" / "sample-county.gpkg"
SMALL = CountySpec(townships=3, towns=2, villages=20, groups=(180, 200), area_km2=(200.0, 230.0))
CODE_LENGTH = {1: 6, 2: 9, 3: 12, 4: 15}


@pytest.fixture(scope="module")
def county():
    """The default sample county, built once for the module (about a second)."""
    return build_county(2023)


@pytest.fixture(scope="module")
def households(county):
    return generate_households(county, n=5000, seed=7)


@pytest.fixture(scope="module")
def workers(county, households):
    return generate_workers(county, households, seed=7)


def _containing_group(units, lonlat: np.ndarray) -> np.ndarray:
    """Code of the group each point lies in, None where it lies in none."""
    groups = units[units.level == 4]
    pt_i, grp_i = shapely.STRtree(groups.geometry.to_numpy()).query(
        shapely.points(lonlat), predicate="within"
    )
    out = np.full(len(lonlat), None, dtype=object)
    out[pt_i] = groups.code.to_numpy()[grp_i]
    return out


def test_counts_match_the_work_report(county):
    counts = county.level.value_counts().to_dict()
    assert (counts[1], counts[2], counts[3]) == (1, 15, 237)
    assert 2000 <= counts[4] <= 2600


def test_codes_extend_their_parents(county):
    assert county.code.is_unique
    assert set(county.geometry.geom_type) == {"MultiPolygon"}
    assert county.crs.to_epsg() == 4326
    for code, level, parent in zip(county.code, county.level, county.parent, strict=True):
        assert len(code) == CODE_LENGTH[level] and code.isdigit()
        assert pd.isna(parent) if level == 1 else parent == code[: CODE_LENGTH[level - 1]]
    assert county.code.iloc[0] == COUNTY_CODE
    townships = county[county.level == 2]
    assert townships.name.str.endswith(("镇", "乡")).all()
    assert (townships.code.str[6] == np.where(townships.name.str.endswith("镇"), "1", "2")).all()
    villages = county[county.level == 3]
    assert villages.name.is_unique and villages.name.str.endswith("村").all()


def test_area_and_outline_are_realistic(county):
    outline = county.geometry.iloc[0]
    assert 2500 <= geodesic_area_km2(outline) <= 3300
    assert len(outline.geoms) == 1 and not outline.geoms[0].interiors
    # Not a rectangle: the outline is much smaller than its bounding box.
    assert outline.area < 0.85 * outline.envelope.area
    lon, lat = outline.centroid.x, outline.centroid.y
    assert 116.5 < lon < 118.0 and 29.5 < lat < 30.7


def test_each_level_is_a_valid_gap_free_coverage(county):
    outline_m = county.to_crs(METRIC_CRS).geometry.iloc[0]
    for level in (2, 3, 4):
        geoms = county.geometry[county.level == level].to_numpy()
        assert shapely.coverage_is_valid(geoms), level
        # No gaps: the level's union is the county, and areas add up (so nothing overlaps).
        level_m = county[county.level == level].to_crs(METRIC_CRS).geometry
        union_m = shapely.union_all(level_m.to_numpy())
        assert shapely.symmetric_difference(union_m, outline_m).area < 1.0
        assert abs(level_m.area.sum() - outline_m.area) < 1.0


def test_children_union_exactly_to_their_parent(county):
    assert check_county(county) == []
    metric = county.to_crs(METRIC_CRS).set_index("code")
    for parent, kids in metric.dropna(subset=["parent"]).groupby("parent").geometry:
        union_m = shapely.union_all(kids.to_numpy())
        assert shapely.symmetric_difference(union_m, metric.geometry[parent]).area < 1.0
        assert shapely.get_num_geometries(metric.geometry[parent]) == 1, parent


def test_villages_and_groups_have_realistic_sizes(county):
    per_parent = county.groupby("parent").size()
    groups_per_village = per_parent[per_parent.index.str.len() == 12]
    assert groups_per_village.min() >= 4 and groups_per_village.max() <= 40
    villages_per_township = per_parent[per_parent.index.str.len() == 9]
    assert villages_per_township.min() >= 5
    group_km2 = county[county.level == 4].to_crs(METRIC_CRS).area / 1e6
    assert group_km2.min() > 0.01 and group_km2.quantile(0.9) > 3 * group_km2.quantile(0.1)


def test_same_seed_same_county_other_seed_other_county():
    first, second = build_county(5, SMALL), build_county(5, SMALL)
    assert first.drop(columns="geometry").equals(second.drop(columns="geometry"))
    assert first.geometry.geom_equals_exact(second.geometry, tolerance=0).all()
    assert check_county(first) == []
    assert first.level.value_counts().sort_index().tolist()[:3] == [1, 3, 20]
    other = build_county(6, SMALL)
    assert not first.geometry.iloc[0].equals(other.geometry.iloc[0])


def test_committed_file_is_the_default_build(county):
    assert SAMPLE_GPKG.stat().st_size < 3_000_000
    stored = read_county(SAMPLE_GPKG)
    assert stored.drop(columns="geometry").equals(county.drop(columns="geometry"))
    # Vertex for vertex, in the same order; GEOS releases round the last bits of the
    # builder's overlays differently (seen: 3e-14 degrees), so equal within a micrometre.
    assert stored.geometry.geom_equals_exact(county.geometry, tolerance=1e-11).all()


def test_written_file_round_trips_byte_identically(tmp_path):
    units = build_county(3, SMALL)
    first = write_county(units, tmp_path / "a.gpkg")
    second = write_county(units, tmp_path / "b.gpkg")
    assert first.read_bytes() == second.read_bytes()
    back = read_county(first)
    assert back.geometry.geom_equals_exact(units.geometry, tolerance=0).all()
    assert back.drop(columns="geometry").equals(units.drop(columns="geometry"))


def test_households_have_the_import_columns_and_plausible_values(households):
    h = households
    assert len(h) == 5000
    assert h.code.is_unique and (h.code.str[:15] == h.group).all()
    assert h.id_number.is_unique and h.id_number.str.match(r"^341890(19|20)\d{9}[\dX]$").all()
    digits = np.array([[int(c) for c in s[:17]] for s in h.id_number])
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    check = np.array(list("10X98765432"))[(digits * weights).sum(axis=1) % 11]
    assert (check == h.id_number.str[17].to_numpy()).all()
    assert h.phone.str.match(r"^1[3-9]\d{9}$").all()
    assert h.members.between(1, 7).all()
    assert h.head_name.str.len().between(2, 3).all()
    assert h.address.str.startswith("青岚县").all()


def test_household_categories_have_realistic_shares(households):
    shares = households.category.value_counts(normalize=True)
    assert abs(shares["脱贫户"] - 0.12) < 0.02
    assert abs(shares["监测对象"] - 0.015) < 0.008
    assert abs(shares["一般农户"] - 0.865) < 0.025
    monitored = households.category == "监测对象"
    assert set(households.monitor_kind[monitored]) <= set(MONITOR_KINDS)
    assert (households.monitor_kind[~monitored] == "").all()
    assert not households.risk_eliminated[~monitored].any()
    assert 0.15 < households.risk_eliminated[monitored].mean() < 0.65


def test_households_include_the_designed_location_flaws(county, households):
    located = households.lon.notna().to_numpy()
    assert households.lon.isna().equals(households.lat.isna())
    assert 70 <= (~located).sum() <= 130  # about 2% without coordinates
    inside = _containing_group(county, households[["lon", "lat"]].to_numpy()[located])
    declared = households.group.to_numpy()[located]
    outside = pd.isna(inside)
    assert 5 <= outside.sum() <= 20  # about 0.2% just outside the county
    mismatch = ~outside & (inside != declared)
    assert 15 <= mismatch.sum() <= 40  # about 0.5% declare another group
    # A mismatch names another group of the same village.
    assert all(a[:12] == b[:12] for a, b in zip(inside[mismatch], declared[mismatch], strict=True))
    assert set(households.group) <= set(county.code[county.level == 4])


def test_households_are_deterministic_for_a_seed(county):
    first = generate_households(county, n=2000, seed=11)
    assert first.equals(generate_households(county, n=2000, seed=11))
    assert not first.equals(generate_households(county, n=2000, seed=12))


def test_workers_cover_about_one_group_each(county, workers):
    w = workers
    assert w.code.is_unique and w.phone.is_unique
    group_codes = set(county.code[county.level == 4])
    served = [g.split(";") for g in w.groups]
    flat = [g for gs in served for g in gs]
    assert len(flat) == len(set(flat)) and set(flat) <= group_codes
    assert 0.01 < 1 - len(flat) / len(group_codes) < 0.06  # about 3% of groups unstaffed
    two = [gs for gs in served if len(gs) == 2]
    assert two and all(a[:12] == b[:12] for a, b in two) and max(map(len, served)) <= 2
    risky = (w.birth_year < 2023 - 65) | (w.status == "inactive")
    assert 0.05 < risky.mean() < 0.16
    assert set(w.status) == {"active", "inactive"} and (w.capacity > 0).all()
    home = _containing_group(county, w[["lon", "lat"]].to_numpy())
    assert (home == np.array([gs[0] for gs in served], dtype=object)).mean() > 0.95


def test_workers_are_deterministic_for_a_seed(county, households, workers):
    assert workers.equals(generate_workers(county, households, seed=7))


def test_demo_visits_are_made_by_workers_of_the_household_township(households, workers):
    visits = generate_visits(households, workers, date(2023, 6, 30), seed=7)
    served = workers.assign(group=workers.groups.str.split(";")).explode("group")
    own_group = dict(zip(served.group, served.code, strict=True))
    townships = served.groupby("code").group.agg(lambda gs: {g[:9] for g in gs})
    group = visits.household.map(households.set_index("code").group)
    assert visits.visitor.isin(set(workers.code)).all()
    assert all(g[:9] in townships[v] for g, v in zip(group, visits.visitor, strict=True))
    staffed = group.isin(own_group.keys())
    # Where the household's group has a worker, that worker made the visit.
    assert (visits.visitor[staffed] == group[staffed].map(own_group)).all()
    assert 0.9 < staffed.mean() < 1.0


MONITORING_DAY = date(2026, 6, 30)


def test_monitoring_has_one_importable_period_per_monitored_household(households, tmp_path):
    rows = generate_monitoring(households, MONITORING_DAY, seed=7)
    monitored = households[households.category == "监测对象"].set_index("code")
    assert len(monitored) > 30 and sorted(rows.household) == sorted(monitored.index)
    assert (rows.kind.to_numpy() == monitored.monitor_kind[rows.household].to_numpy()).all()
    eliminated = rows.eliminated_on != ""
    assert (eliminated.to_numpy() == monitored.risk_eliminated[rows.household].to_numpy()).all()
    rows.to_csv(tmp_path / "monitoring.csv", index=False)
    read = read_monitoring(tmp_path / "monitoring.csv", MONITORING_DAY)
    assert set(read.found_by) <= {"self_report", "cadre_visit", "department_alert"}
    assert read.eliminated_on.notna().sum() == eliminated.sum()


def test_monitoring_dates_are_ordered_and_in_the_past(households):
    rows = generate_monitoring(households, MONITORING_DAY, seed=7)
    identified = pd.to_datetime(rows.identified_on)
    today = pd.Timestamp(MONITORING_DAY)
    assert (identified < today).all() and (identified >= today - pd.Timedelta(days=3 * 365)).all()
    closed = rows.eliminated_on != ""
    ended = pd.to_datetime(rows.eliminated_on[closed])
    assert (ended < today).all()
    assert ((ended - identified[closed]).dt.days >= MIN_MONITORED_DAYS).all()


def test_monitoring_is_deterministic_for_a_seed(households):
    first = generate_monitoring(households, MONITORING_DAY, seed=3)
    assert first.equals(generate_monitoring(households, MONITORING_DAY, seed=3))
    assert not first.equals(generate_monitoring(households, MONITORING_DAY, seed=4))


def _many_monitored(n: int) -> pd.DataFrame:
    """n monitored households of every kind, a third with the risk eliminated."""
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "code": [f"H{i:06d}" for i in range(n)],
            "category": "监测对象",
            "monitor_kind": rng.choice(list(MONITOR_KINDS), n, p=list(MONITOR_KINDS.values())),
            "risk_eliminated": rng.random(n) < 0.4,
        }
    )


def test_monitoring_shares_are_plausible():
    rows = generate_monitoring(_many_monitored(6000), MONITORING_DAY, seed=9)
    found = rows.found_by.value_counts(normalize=True)
    assert set(found.index) == set(FOUND_BY_SHARES) and found.idxmax() == "干部走访排查"
    assert 0.55 < found["干部走访排查"] < 0.70 and 0.10 < found["农户自主申报"] < 0.20
    risks = rows.risk_type.value_counts(normalize=True)
    assert set(risks.index) == set(RISK_SHARES) and risks.idxmax() == "因病"
    sudden = rows[rows.kind == "突发严重困难户"]
    assert set(sudden.risk_type) == set(SUDDEN_RISK_SHARES)
    measures = rows.measures.str.split(";")
    assert measures.map(len).between(1, 3).all() and measures.map(len).value_counts()[3] > 300
    assert all(len(set(m)) == len(m) and set(m) <= set(MEASURES) for m in measures)
    assert (measures[rows.risk_type == "因学"].str[0] == "教育帮扶").all()
    days_ago = (pd.Timestamp(MONITORING_DAY) - pd.to_datetime(rows.identified_on)).dt.days
    # More households are identified lately than two to three years ago.
    assert (days_ago < 365).sum() > 1.5 * (days_ago >= 730).sum()


def test_a_campaign_adds_sweep_visits_in_its_window_to_targeted_households(households, workers):
    end = date(2023, 6, 30)
    routine = generate_visits(households, workers, end, seed=7)
    visits = generate_visits(households, workers, end, seed=7, campaign_days=30)
    sweep = visits.merge(routine, how="left", indicator=True).query("_merge == 'left_only'")
    category = sweep.household.map(households.set_index("code").category)
    assert len(sweep) > 300 and (sweep.kind == "集中走访").all()
    assert set(category) == {"监测对象", "脱贫户"}
    days = pd.to_datetime(sweep.time).dt.date
    assert days.between(date(2023, 6, 1), end).all()


@pytest.mark.parametrize("n", [0, 1, 50])
def test_phones_come_in_any_number_even_none(n):
    from gridmap.sample import names

    drawn = names.phones(np.random.default_rng(1), n)
    assert len(drawn) == n == len(set(drawn))
    assert all(len(p) == 11 and p.isdigit() for p in drawn)
