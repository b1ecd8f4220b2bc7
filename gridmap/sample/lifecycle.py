"""Demo monitoring periods (防返贫监测) of the monitored households, as the import file has them.

Each monitored household has one period: identified over the three years before the demo day,
more of them lately; found mostly by cadres' visits; with a risk type and one to three
assistance measures; closed by a risk-elimination date exactly where the household's
risk_eliminated flag is set, so importing the periods leaves the households as they are.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

MONITORING_COLUMNS = [
    "household", "kind", "identified_on", "found_by", "risk_type", "measures", "eliminated_on",
]  # fmt: skip
MONITORED = "监测对象"
SUDDEN_HARDSHIP = "突发严重困难户"
#: Periods are identified over about three years before the demo day.
SPAN_DAYS = 3 * 365
#: Risk is eliminated only after months of assistance and a steady income, never within weeks.
MIN_MONITORED_DAYS = 120
FOUND_BY_SHARES = {"干部走访排查": 0.62, "部门筛查预警": 0.23, "农户自主申报": 0.15}
RISK_SHARES = {
    "因病": 0.34, "因残": 0.12, "因学": 0.08, "因意外事故": 0.09, "因自然灾害": 0.07,
    "因产业经营失败": 0.09, "因务工就业不稳": 0.15, "其他": 0.06,
}  # fmt: skip
#: Sudden hardship comes from illness, accidents and disasters rather than slow decline.
SUDDEN_RISK_SHARES = {"因病": 0.40, "因意外事故": 0.30, "因自然灾害": 0.20, "其他": 0.10}
MEASURES = ("产业帮扶", "就业帮扶", "健康帮扶", "教育帮扶", "综合保障", "小额信贷")
#: The measure that answers each risk comes first ("缺什么补什么").
FIRST_MEASURE = {
    "因病": "健康帮扶", "因残": "综合保障", "因学": "教育帮扶", "因意外事故": "综合保障",
    "因自然灾害": "产业帮扶", "因产业经营失败": "小额信贷", "因务工就业不稳": "就业帮扶",
    "其他": "产业帮扶",
}  # fmt: skip
#: Shares of periods with one, two and three measures.
MEASURE_COUNT_SHARES = (0.45, 0.40, 0.15)


def generate_monitoring(households: pd.DataFrame, today: date, seed: int = 2023) -> pd.DataFrame:
    """Return one period (MONITORING_COLUMNS) per monitored household; same seed, same rows."""
    rng = np.random.default_rng(seed + 31)
    monitored = households[households["category"] == MONITORED]
    eliminated = monitored["risk_eliminated"].to_numpy(dtype=bool)
    identified_ago, eliminated_ago = _ages_days(rng, eliminated)
    kinds = monitored["monitor_kind"].to_numpy(dtype=object)
    found_by = rng.choice(list(FOUND_BY_SHARES), len(monitored), p=list(FOUND_BY_SHARES.values()))
    risks = _risk_types(rng, kinds)
    frame = pd.DataFrame(
        {
            "household": monitored["code"].to_numpy(dtype=object),
            "kind": kinds,
            "identified_on": _days_before(today, identified_ago),
            "found_by": found_by.astype(object),
            "risk_type": risks,
            "measures": _measures(rng, risks),
            "eliminated_on": np.where(eliminated, _days_before(today, eliminated_ago), ""),
        }
    )
    return frame[MONITORING_COLUMNS]


def _ages_days(rng: np.random.Generator, eliminated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Days before the demo day of each identification and elimination (0: still at risk)."""
    n = len(eliminated)
    # Households still at risk were mostly found lately: older periods have mostly been closed.
    at_risk_ago = 1 + ((SPAN_DAYS - 1) * rng.beta(1.0, 2.0, n)).astype(int)
    closed_span = SPAN_DAYS - MIN_MONITORED_DAYS - 1
    closed_ago = MIN_MONITORED_DAYS + 1 + (closed_span * rng.beta(1.2, 1.5, n)).astype(int)
    identified = np.where(eliminated, closed_ago, at_risk_ago)
    # At least MIN_MONITORED_DAYS of monitoring, ending at the latest the day before.
    spare_days = np.maximum(identified - MIN_MONITORED_DAYS - 1, 0)
    monitored_days = MIN_MONITORED_DAYS + (spare_days * rng.beta(2.0, 3.0, n)).astype(int)
    return identified, np.where(eliminated, identified - monitored_days, 0)


def _days_before(today: date, days_ago: np.ndarray) -> np.ndarray:
    return np.array([(today - timedelta(days=int(d))).isoformat() for d in days_ago], dtype=object)


def _risk_types(rng: np.random.Generator, kinds: np.ndarray) -> np.ndarray:
    """A risk type per period; sudden hardship draws from its own shares."""
    words = list(RISK_SHARES)
    risks = rng.choice(words, len(kinds), p=list(RISK_SHARES.values())).astype(object)
    sudden = kinds == SUDDEN_HARDSHIP
    sudden_shares = [SUDDEN_RISK_SHARES.get(w, 0.0) for w in words]
    risks[sudden] = rng.choice(words, int(sudden.sum()), p=sudden_shares)
    return risks


def _measures(rng: np.random.Generator, risks: np.ndarray) -> np.ndarray:
    """One to three measures separated by ;, the one answering the risk first."""
    counts = rng.choice([1, 2, 3], len(risks), p=MEASURE_COUNT_SHARES)
    orders = rng.random((len(risks), len(MEASURES))).argsort(axis=1)
    out = []
    for risk, count, order in zip(risks, counts, orders, strict=True):
        first = FIRST_MEASURE[risk]
        others = [MEASURES[i] for i in order if MEASURES[i] != first]
        out.append(";".join([first, *others[: count - 1]]))
    return np.array(out, dtype=object)
