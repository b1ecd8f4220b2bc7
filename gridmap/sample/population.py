"""Demo households and grid workers for a sample county, with the columns of the import files.

Deliberate flaws let the coverage checks find something: a few households lie just outside
the county, some have no coordinates, some declare a group other than the one they lie in;
some groups have no worker, and some workers are inactive or past retirement age.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from gridmap.core import vocab
from gridmap.sample import names
from gridmap.sample.county import METRIC_CRS

HOUSEHOLD_COLUMNS = [
    "code", "head_name", "category", "monitor_kind", "risk_eliminated", "members",
    "id_number", "phone", "address", "lon", "lat", "group",
]  # fmt: skip
WORKER_COLUMNS = [
    "code", "name", "phone", "birth_year", "status", "capacity", "lon", "lat", "groups",
]  # fmt: skip
LIFTED, MONITORED, ORDINARY = "脱贫户", "监测对象", "一般农户"
CATEGORY_SHARES = {LIFTED: 0.12, MONITORED: 0.015}  # the rest are ordinary households
MONITOR_KINDS = {"脱贫不稳定户": 0.25, "边缘易致贫户": 0.55, "突发严重困难户": 0.20}
RISK_ELIMINATED_SHARE = 0.40
OUTSIDE_SHARE = 0.002  # points a little outside the county boundary
NO_LOCATION_SHARE = 0.02  # no coordinates, only a declared group
MISMATCH_SHARE = 0.005  # declared group differs from the group containing the point
MEMBER_SHARES = [0.10, 0.22, 0.22, 0.22, 0.14, 0.07, 0.03]  # households of 1..7 people
REFERENCE_YEAR = 2023
UNSTAFFED_SHARE = 0.03  # groups without any worker
TWO_GROUP_SHARE = 0.08  # workers who serve a second group of their village
ELDERLY_SHARE = 0.06  # workers past 65
INACTIVE_SHARE = 0.05


class _Groups:
    """The villager groups of a county in code order, with metric geometry and lookups."""

    def __init__(self, units: gpd.GeoDataFrame):
        units = units.sort_values("code", ignore_index=True)
        groups = units[units.level == vocab.GROUP].reset_index(drop=True)
        self.county_code = str(units.code[units.level == vocab.COUNTY].iloc[0])
        self.code = groups.code.to_numpy(dtype=object)
        self.village = np.array([vocab.unit_at(c, vocab.VILLAGE) for c in self.code], dtype=object)
        self.village_idx = np.unique(self.village, return_inverse=True)[1]
        self.geom_4326 = groups.geometry.to_numpy()
        self.geom_m = groups.to_crs(METRIC_CRS).geometry.to_numpy()
        shapely.prepare(self.geom_m)
        self.area_m2 = shapely.area(self.geom_m)
        name_of = dict(zip(units.code, units.name, strict=True))
        self.full_name = np.array(
            ["".join(name_of[a] for a in vocab.ancestors_and_self(c)) for c in self.code],
            dtype=object,
        )
        self.county_m = shapely.coverage_union_all(self.geom_m)

    def hamlet_centres_m(self) -> np.ndarray:
        """Return one point per group, pulled toward its village centre but inside the group."""
        village_centre = (
            pd.DataFrame(shapely.get_coordinates(shapely.centroid(self.geom_m)))
            .groupby(self.village)
            .transform("mean")
            .to_numpy()
        )
        centre = 0.6 * shapely.get_coordinates(shapely.centroid(self.geom_m)) + 0.4 * village_centre
        inside = shapely.contains_xy(self.geom_m, centre[:, 0], centre[:, 1])
        fallback = shapely.get_coordinates(shapely.point_on_surface(self.geom_m))
        return np.where(inside[:, None], centre, fallback)


def _to_lonlat(xy_m: np.ndarray) -> np.ndarray:
    """Return metric points as EPSG:4326 lon/lat rounded to 1e-6° (about 0.1 m)."""
    tr = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(xy_m[:, 0], xy_m[:, 1])
    return np.round(np.column_stack([lon, lat]), 6)


def _points_in_groups(
    rng: np.random.Generator, g: _Groups, owner: np.ndarray, centre_m: np.ndarray
) -> np.ndarray:
    """Return one metric point per owner index, clustered around the owner group's centre."""
    sigma_m = 0.35 * np.sqrt(g.area_m2)
    xy = np.empty((len(owner), 2))
    todo = np.arange(len(owner))
    for attempt in range(12):
        grp = owner[todo]
        cand = centre_m[grp] + rng.normal(0.0, 1.0, (len(todo), 2)) * sigma_m[grp, None]
        ok = shapely.contains_xy(g.geom_m[grp], cand[:, 0], cand[:, 1])
        xy[todo[ok]] = cand[ok]
        todo = todo[~ok]
        if not len(todo):
            break
        sigma_m = sigma_m * (0.8 if attempt > 3 else 1.0)  # thin groups need a tighter spread
    xy[todo] = centre_m[owner[todo]]  # the centre is inside the group by construction
    return xy


def _outside_points_m(
    rng: np.random.Generator, g: _Groups, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return n metric points 100-1500 m outside the county and the index of the nearest group."""
    county = g.county_m
    boundary = shapely.get_exterior_ring(shapely.get_parts(county)[0])
    xy = np.empty((n, 2))
    todo = np.arange(n)
    while len(todo):
        s_m = rng.uniform(0.0, boundary.length, len(todo))
        p0 = shapely.get_coordinates(shapely.line_interpolate_point(boundary, s_m))
        p1 = shapely.get_coordinates(shapely.line_interpolate_point(boundary, s_m + 1.0))
        tangent = (p1 - p0) / np.maximum(np.hypot(*(p1 - p0).T), 1e-9)[:, None]
        away_m = rng.uniform(100.0, 1500.0, (len(todo), 1))
        step = np.column_stack([tangent[:, 1], -tangent[:, 0]]) * away_m
        cand = p0 + step
        flip = shapely.contains_xy(county, cand[:, 0], cand[:, 1])
        cand[flip] = p0[flip] - step[flip]  # the ring's orientation decides which side is out
        # A step across a bay of the border can land back inside; those draw again.
        ok = ~shapely.intersects_xy(county, cand[:, 0], cand[:, 1])
        xy[todo[ok]] = cand[ok]
        todo = todo[~ok]
    pt_i, grp_i = shapely.STRtree(g.geom_m).query_nearest(shapely.points(xy))
    _, first = np.unique(pt_i, return_index=True)  # ties: keep one group per point
    return xy, grp_i[first]


def _home_groups(rng: np.random.Generator, g: _Groups, n: int) -> np.ndarray:
    """Return the group index of each of n households; every group gets a few, varying counts."""
    weights = g.area_m2**0.25 * rng.gamma(4.0, 1.0, len(g.code))
    base = min(5, n // len(g.code))
    counts = base + rng.multinomial(n - base * len(g.code), weights / weights.sum())
    return np.repeat(np.arange(len(g.code)), counts)


def _categories(rng: np.random.Generator, g: _Groups, home: np.ndarray) -> dict:
    """Return category, monitor_kind and risk_eliminated columns; remote groups are poorer."""
    n = len(home)
    remote = (g.area_m2 / np.median(g.area_m2)) ** 0.3
    factor = remote[home] / remote[home].mean()  # keeps the overall shares as configured
    p_lifted = CATEGORY_SHARES[LIFTED] * factor
    p_monitored = CATEGORY_SHARES[MONITORED] * factor
    u = rng.random(n)
    category = np.where(
        u < p_lifted, LIFTED, np.where(u < p_lifted + p_monitored, MONITORED, ORDINARY)
    )
    monitored = category == MONITORED
    kinds = rng.choice(list(MONITOR_KINDS), n, p=list(MONITOR_KINDS.values()))
    return {
        "category": category,
        "monitor_kind": np.where(monitored, kinds, ""),
        "risk_eliminated": monitored & (rng.random(n) < RISK_ELIMINATED_SHARE),
    }


def _heads(rng: np.random.Generator, g: _Groups, home: np.ndarray) -> dict:
    """Return head_name, id_number, phone and members; each village has a few clan surnames."""
    n = len(home)
    clans = names.surname_indices(rng, 3 * (g.village_idx.max() + 1)).reshape(-1, 3)
    surname = np.where(
        rng.random(n) < 0.55,
        clans[g.village_idx[home], rng.integers(3, size=n)],
        names.surname_indices(rng, n),
    )
    male = rng.random(n) < 0.88
    age_years = np.clip(rng.normal(57.0, 12.0, n), 25.0, 92.0)
    return {
        "head_name": names.person_names(rng, surname, male),
        "members": rng.choice(np.arange(1, 8), n, p=MEMBER_SHARES),
        "id_number": names.id_numbers(rng, g.county_code, age_years, male, REFERENCE_YEAR),
        "phone": names.phones(rng, n),
    }


def _flawed_rows(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    """Return disjoint rows: outside the county, without location, declaring another group."""
    sizes = [round(n * share) for share in (OUTSIDE_SHARE, NO_LOCATION_SHARE, MISMATCH_SHARE)]
    rows = rng.permutation(n)[: sum(sizes)]
    return tuple(np.split(rows, np.cumsum(sizes)[:-1]))


def _declared_groups(
    rng: np.random.Generator, g: _Groups, lonlat: np.ndarray, home: np.ndarray, mismatch
) -> np.ndarray:
    """Return the group each household declares: the one its rounded point lies in, except the
    mismatch rows, which name another group of the same village."""
    declared = home.copy()
    located = np.flatnonzero(np.isfinite(lonlat[:, 0]))
    pt_i, grp_i = shapely.STRtree(g.geom_4326).query(
        shapely.points(lonlat[located]), predicate="within"
    )
    declared[located[pt_i]] = grp_i
    for row in mismatch:
        others = np.flatnonzero(
            (g.village == g.village[declared[row]]) & (g.code != g.code[declared[row]])
        )
        declared[row] = rng.choice(others)
    return declared


def generate_households(
    units: gpd.GeoDataFrame, n: int = 130_000, seed: int = 2023
) -> pd.DataFrame:
    """Return n demo households (HOUSEHOLD_COLUMNS, lon/lat in EPSG:4326) for the units' groups;
    same units and seed, same rows."""
    rng = np.random.default_rng(seed)
    g = _Groups(units)
    home = _home_groups(rng, g, n)
    xy_m = _points_in_groups(rng, g, home, g.hamlet_centres_m())
    outside, no_location, mismatch = _flawed_rows(rng, n)
    xy_m[outside], home[outside] = _outside_points_m(rng, g, len(outside))
    lonlat = _to_lonlat(xy_m)
    lonlat[no_location] = np.nan
    declared = _declared_groups(rng, g, lonlat, home, mismatch)
    frame = pd.DataFrame({**_categories(rng, g, home), **_heads(rng, g, home)})
    frame["group"] = g.code[declared]
    frame["lon"], frame["lat"] = lonlat[:, 0], lonlat[:, 1]
    house_no = rng.integers(1, 120, n).astype(str)
    frame["address"] = g.full_name[declared] + np.char.add(house_no, "号").astype(object)
    # Household codes number the households of each declared group: group code + 4 digits.
    seq = frame.groupby("group").cumcount().to_numpy() + 1
    frame["code"] = frame["group"] + np.char.zfill(seq.astype(str), 4).astype(object)
    return frame[HOUSEHOLD_COLUMNS].sort_values("code", ignore_index=True)


def _worker_groups(rng: np.random.Generator, g: _Groups) -> list[list[int]]:
    """Return the groups each worker serves: one, or two neighbours in a village; ~3% unserved."""
    unstaffed = rng.choice(len(g.code), round(UNSTAFFED_SHARE * len(g.code)), replace=False)
    staffed = np.setdiff1d(np.arange(len(g.code)), unstaffed)
    served: list[list[int]] = []
    i = 0
    while i < len(staffed):
        a = int(staffed[i])
        pair = i + 1 < len(staffed) and g.village_idx[staffed[i + 1]] == g.village_idx[a]
        if pair and rng.random() < TWO_GROUP_SHARE:
            served.append([a, int(staffed[i + 1])])
            i += 2
        else:
            served.append([a])
            i += 1
    return served


def _worker_homes(
    rng: np.random.Generator, g: _Groups, households: pd.DataFrame, first: np.ndarray
) -> np.ndarray:
    """Return lon/lat homes: near a located household of the worker's first group."""
    located = households.dropna(subset=["lon", "lat"])
    one = located.sample(frac=1.0, random_state=rng).drop_duplicates("group").set_index("group")
    codes = pd.Index(g.code[first])
    lonlat = one.reindex(codes)[["lon", "lat"]].to_numpy(dtype=float)
    lonlat = np.round(lonlat + rng.normal(0.0, 0.0003, lonlat.shape), 6)  # about 30 m
    inside = shapely.contains_xy(g.geom_4326[first], lonlat[:, 0], lonlat[:, 1])
    # Groups without a household inside (or a jitter across the edge) use an inner point.
    fallback = shapely.get_coordinates(shapely.point_on_surface(g.geom_4326[first]))
    return np.where(inside[:, None], lonlat, np.round(fallback, 6))


def generate_workers(
    units: gpd.GeoDataFrame, households: pd.DataFrame, seed: int = 2023
) -> pd.DataFrame:
    """Return demo grid workers (WORKER_COLUMNS): about one per group, ~3% of groups without one,
    ~10% past 65 or inactive; same inputs and seed, same rows."""
    rng = np.random.default_rng(seed)
    g = _Groups(units)
    served = _worker_groups(rng, g)
    n = len(served)
    age = np.clip(rng.normal(47.0, 9.0, n), 22, 64).astype(int)
    elderly = rng.random(n) < ELDERLY_SHARE
    age[elderly] = rng.integers(66, 76, elderly.sum())
    lonlat = _worker_homes(rng, g, households, np.array([s[0] for s in served]))
    male = rng.random(n) < 0.65
    frame = pd.DataFrame(
        {
            "code": [f"{g.county_code}W{i:05d}" for i in range(1, n + 1)],
            "name": names.person_names(rng, names.surname_indices(rng, n), male),
            "phone": names.phones(rng, n),
            "birth_year": REFERENCE_YEAR - age,
            "status": np.where(rng.random(n) < INACTIVE_SHARE, "inactive", "active"),
            "capacity": rng.choice([100, 150, 200], n, p=[0.05, 0.90, 0.05]),
            "lon": lonlat[:, 0],
            "lat": lonlat[:, 1],
            "groups": [";".join(g.code[s]) for s in served],
        }
    )
    return frame[WORKER_COLUMNS]
