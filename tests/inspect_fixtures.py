"""Synthetic inspection candidates around a seat, for tests that need no database."""

from __future__ import annotations

import math
import random
from datetime import date

from gridmap.inspections.compose import PlanRequest
from gridmap.inspections.sampling import Candidate

SEAT = (117.0, 30.0)
TOWNSHIPS = [f"341890{100 + i}" for i in range(6)]
KINDS = ("household", "project", "unit")
SOURCE_OF = {"household": "households", "project": "projects", "unit": "groups"}


def ring_candidates(per_township: int = 12, radius_deg: float = 0.18, seed: int = 7):
    """Candidates in six townships arranged around the seat, with weights 1 to 4."""
    rng = random.Random(seed)
    found = []
    for t, township in enumerate(TOWNSHIPS):
        angle = 2 * math.pi * t / len(TOWNSHIPS)
        for k in range(per_township):
            r = radius_deg * (0.4 + 0.6 * rng.random())
            a = angle + rng.uniform(-0.4, 0.4)
            kind = KINDS[k % 3]
            code = (
                f"{township}{200 + k:03d}001" if kind == "unit" else f"{kind[0].upper()}{t}{k:02d}"
            )
            found.append(
                Candidate(
                    code=code,
                    kind=kind,
                    township=township,
                    lon=SEAT[0] + r * math.cos(a),
                    lat=SEAT[1] + r * math.sin(a),
                    weight=float(rng.choice([1, 2, 3, 4])),
                    check=f"check {code}",
                    name=f"name {code}",
                    place=f"place {t}",
                    address=f"address {code}",
                    source=SOURCE_OF[kind],
                )  # fmt: skip
            )
    return found


def request(**changes) -> PlanRequest:  # type: ignore[no-untyped-def]
    """Two teams for two days of 8 hours, 20 stops, a stop per township, seed 11."""
    values = dict(name="测试暗访", first_day=date(2023, 6, 23), days=2, teams=2, hours=8.0,
                  stops=20, seed=11)  # fmt: skip
    values.update(changes)
    return PlanRequest(**values)
