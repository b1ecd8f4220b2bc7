"""Demo assistance contacts and a year of visits, so every coverage status occurs."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from gridmap.core import vocab
from gridmap.sample import names

#: Share of monitored households that have an assistance contact.
CONTACT_SHARE = 0.9
#: Households one contact (a cadre of a county office) assists.
HOUSEHOLDS_PER_CONTACT = 5
ORGANISATIONS = ("县乡村振兴局", "县财政局", "县农业农村局", "县人社局", "县教育局", "乡镇政府")
#: Mean days between visits per category, a little shorter than the window, with spread.
VISIT_INTERVAL_DAYS = {"监测对象": 24, "脱贫户": 70, "一般农户": 140}
#: Share of households that no one has visited in the demo year.
NEVER_VISITED_SHARE = {"监测对象": 0.01, "脱贫户": 0.02, "一般农户": 0.05}
VISIT_KINDS = np.array(["日常走访", "集中走访"])
#: Categories a visit campaign (集中走访) targets.
CAMPAIGN_CATEGORIES = ("监测对象", "脱贫户")
#: Share of the targeted households (among those visited at all) the campaign sweep reaches;
#: with their routine visits, roughly 70% are visited in the campaign's window.
CAMPAIGN_REACH = 0.6


def generate_contacts(
    households: pd.DataFrame, seed: int = 2023, code_prefix: str = ""
) -> pd.DataFrame:
    """Return contacts (code, name, organisation, phone, households) for most monitored rows,
    coded code_prefix + C00001, C00002, …"""
    rng = np.random.default_rng(seed + 11)
    monitored = households[households["category"] == "监测对象"]
    paired = monitored[rng.random(len(monitored)) < CONTACT_SHARE]["code"].to_numpy()
    rng.shuffle(paired)
    chunks = [
        paired[i : i + HOUSEHOLDS_PER_CONTACT]
        for i in range(0, len(paired), HOUSEHOLDS_PER_CONTACT)
    ]
    n = len(chunks)
    male = rng.random(n) < 0.6
    return pd.DataFrame(
        {
            "code": [f"{code_prefix}C{i:05d}" for i in range(1, n + 1)],
            "name": names.person_names(rng, names.surname_indices(rng, n), male),
            "organisation": rng.choice(ORGANISATIONS, n),
            "phone": names.phones(rng, n),
            "households": [";".join(sorted(c)) for c in chunks],
        }
    )


def generate_visits(
    households: pd.DataFrame, workers: pd.DataFrame, end: date, seed: int = 2023,
    campaign_days: int = 0,
) -> pd.DataFrame:  # fmt: skip
    """Return visits (household, visitor, time, kind) over the year before `end`, each made
    by a worker of the household's group (or, where it has none, of its village or township);
    with `campaign_days`, a campaign over the last days up to `end` adds 集中走访 visits."""
    rng = np.random.default_rng(seed + 12)
    frames = []
    for category, interval in VISIT_INTERVAL_DAYS.items():
        codes = households.loc[households["category"] == category, "code"].to_numpy()
        codes = codes[rng.random(len(codes)) >= NEVER_VISITED_SHARE[category]]
        frames.append(_visit_series(rng, codes, interval, end))
    visits = pd.concat(frames, ignore_index=True)
    visits["kind"] = rng.choice(VISIT_KINDS, len(visits), p=[0.85, 0.15])
    if campaign_days > 0:
        sweep = _campaign_sweep(rng, households, visits["household"], end, campaign_days)
        visits = pd.concat([visits, sweep], ignore_index=True)
    group_of = households.set_index("code")["group"].fillna("").astype(str)
    visits["visitor"] = _nearest_workers(group_of.loc[visits["household"]].to_numpy(), workers)
    columns = ["household", "time", "visitor", "kind"]
    return visits[columns].sort_values(["household", "time"], ignore_index=True)


def _campaign_sweep(
    rng: np.random.Generator, households: pd.DataFrame, visited: pd.Series, end: date, days: int
) -> pd.DataFrame:
    """One 集中走访 visit in the last `days` days up to `end` for most targeted households."""
    # Households no one visits all year stay unvisited by the campaign too.
    targeted = households["category"].isin(CAMPAIGN_CATEGORIES) & households["code"].isin(visited)
    codes = households.loc[targeted, "code"].to_numpy()
    codes = codes[rng.random(len(codes)) < CAMPAIGN_REACH]
    days_ago = rng.integers(0, days, len(codes))
    return pd.DataFrame(
        {"household": codes, "time": _stamps(rng, days_ago, end), "kind": "集中走访"}
    )


def _nearest_workers(groups: np.ndarray, workers: pd.DataFrame) -> list[str]:
    """The worker serving each group, else one of its village, else one of its township."""
    served = workers.assign(group=workers["groups"].str.split(";")).explode("group")
    by_prefix: dict[str, str] = {}
    levels = (vocab.TOWNSHIP, vocab.VILLAGE, vocab.GROUP)
    for level in levels:
        for group, worker in zip(served["group"], served["code"], strict=True):
            by_prefix.setdefault(vocab.unit_at(group, level), worker)
    return [_served_by(by_prefix, g, levels) for g in groups]


def _served_by(by_prefix: dict[str, str], group: str, levels: tuple[int, ...]) -> str:
    """The worker of the group, else of its village, else of its township ("" for none)."""
    found = (by_prefix.get(vocab.unit_at(group, level)) for level in reversed(levels))
    return next((worker for worker in found if worker), "")


def _visit_series(
    rng: np.random.Generator, codes: np.ndarray, interval: int, end: date
) -> pd.DataFrame:
    """Visits at gamma-spread intervals going back a year from a random last visit."""
    # The last visit lies up to ~1.6 intervals back, so some households are overdue.
    last_ago = rng.gamma(2.0, interval / 2.4, len(codes)).astype(int)
    ago = last_ago.copy()
    alive = np.ones(len(codes), dtype=bool)
    rows_household, rows_days = [codes[:0]], [ago[:0]]  # none at all for no households
    while alive.any():
        rows_household.append(codes[alive])
        rows_days.append(ago[alive])
        ago = ago + np.maximum(1, rng.normal(interval, interval / 4, len(codes))).astype(int)
        alive &= ago <= 365
    stamps = _stamps(rng, np.concatenate(rows_days), end)
    return pd.DataFrame({"household": np.concatenate(rows_household), "time": stamps})


def _stamps(rng: np.random.Generator, days_ago: np.ndarray, end: date) -> list[str]:
    """Local times in working hours, `days_ago` days before `end`."""
    hours = rng.integers(8, 18, len(days_ago))
    minutes = rng.integers(0, 60, len(days_ago))
    return [
        f"{end - timedelta(days=int(d))} {int(h):02d}:{int(m):02d}"
        for d, h, m in zip(days_ago, hours, minutes, strict=True)
    ]
