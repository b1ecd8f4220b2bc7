"""Several demo counties from the one sample county: recoded, renamed and moved apart.

County i gets code 341890 + i. The sample county stays where it is; the next one lies east of
it, the following ones westwards inland, five to a row, and further rows lie to the north
(about 0.7° apart), so up to MAX_COUNTIES counties stay on land between southern Anhui and the
North China Plain.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely

from gridmap.core import vocab
from gridmap.sample import MAX_COUNTIES, names
from gridmap.sample.county import COUNTY_CODE, COUNTY_NAME

#: Column of each county in a row, in county widths east (+) or west (-) of the sample county.
COLUMN_STEPS = (0, 1, -1, -2, -3)
#: Empty land between neighbouring counties, in degrees (about 10 km): far more than the
#: 1.5 km by which the demo's stray households lie outside their county.
GAP_DEG = 0.1
#: Keeps each county's records (households, workers, visits) apart from its neighbours' draws.
SEED_STRIDE = 1000
#: Seed of the invented county names, so county i is called the same whatever else is loaded.
NAME_SEED = 1890


def county_code(index: int) -> str:
    """Code of the index-th demo county: the sample county's code plus index."""
    return f"{int(COUNTY_CODE) + index:06d}"


def county_seed(seed: int, index: int) -> int:
    """Seed of the index-th county's generated records; the sample county keeps `seed`."""
    return seed + SEED_STRIDE * index


def record_prefix(code: str) -> str:
    """Prefix that makes contact and project codes unique to county `code` (none for the
    sample county, whose codes stay as they are)."""
    return "" if code == COUNTY_CODE else f"{code}-"


def relocated(units: gpd.GeoDataFrame, index: int) -> gpd.GeoDataFrame:
    """The sample county's units as the index-th demo county: every code under
    county_code(index), its own county, township and village names, moved clear of the other
    counties; index 0 returns the units unchanged."""
    if not 0 <= index < MAX_COUNTIES:
        raise ValueError(f"a demo county index lies in 0..{MAX_COUNTIES - 1}, not {index}")
    if index == 0:
        return units.copy()
    old = str(units.code[units.level == vocab.COUNTY].iloc[0])
    moved = units.copy()
    moved["code"] = county_code(index) + moved["code"].str[len(old) :]
    moved["parent"] = [vocab.parent_of(code) for code in moved["code"]]
    moved["name"] = _renamed(units, index)
    dx, dy = _offset_deg(units, index)
    # The same shift of every vertex keeps the edges that neighbours share identical.
    shifted = shapely.transform(units.geometry.to_numpy(), lambda xy: xy + (dx, dy))
    return moved.set_geometry(gpd.GeoSeries(shifted, index=units.index, crs=units.crs))


def _offset_deg(units: gpd.GeoDataFrame, index: int) -> tuple[float, float]:
    """Shift (lon, lat) in degrees of the index-th county: a column east or west, a row north."""
    minx, miny, maxx, maxy = units.total_bounds
    row, column = divmod(index, len(COLUMN_STEPS))
    return COLUMN_STEPS[column] * _step(maxx - minx), row * _step(maxy - miny)


def _step(extent_deg: float) -> float:
    """The extent plus the gap, rounded up to a tenth of a degree (round offsets read easily)."""
    return math.ceil((extent_deg + GAP_DEG) * 10) / 10


def county_name(index: int) -> str:
    """Name of the index-th demo county: 青岚县 first, then invented names, all distinct."""
    if index == 0:
        return COUNTY_NAME
    # Drawing the first `index` names of one fixed sequence keeps earlier counties' names.
    taken = {COUNTY_NAME[:-1]}
    return names.place_names(np.random.default_rng(NAME_SEED), index, taken)[-1] + "县"


def _renamed(units: gpd.GeoDataFrame, index: int) -> np.ndarray:
    """New names for the county, its townships and villages (keeping 镇, 乡 and 村); groups,
    named like 第一村民小组 or 汪家组, keep theirs."""
    rng = np.random.default_rng(int(county_code(index)))
    out = units["name"].to_numpy(dtype=object).copy()
    out[(units.level == vocab.COUNTY).to_numpy()] = county_name(index)
    taken: set[str] = set()
    for level in (vocab.TOWNSHIP, vocab.VILLAGE):
        rows = np.flatnonzero(units.level == level)
        stems = names.place_names(rng, len(rows), taken)
        out[rows] = [stem + str(old)[-1] for stem, old in zip(stems, out[rows], strict=True)]
    return out
