"""The province benchmark runs the sizes whose projected end stays within the budget."""

from __future__ import annotations

import pytest

from bench import province
from gridmap.sample import MAX_COUNTIES

SIZES = (1, 10, 30, 100)


@pytest.mark.parametrize(
    ("per_county_s", "measure_s", "budget_s", "expected"),
    [
        # 30 s a county, a minute to measure: 90, 420, 1080, 3240 s.
        (30, 60, 25 * 60, [1, 10, 30]),
        (30, 60, 3240, [1, 10, 30, 100]),
        (30, 60, 3239, [1, 10, 30]),
        # 100 s a county: 100, 1000, 3000 s.
        (100, 0, 25 * 60, [1, 10]),
        (100, 0, 60 * 60, [1, 10, 30]),
        # Not even one county fits.
        (100, 0, 50, []),
        (10, 60, 60, []),
    ],
)
def test_sizes_run_until_the_first_projected_past_the_budget(
    per_county_s, measure_s, budget_s, expected
):
    assert province.sizes_within(SIZES, per_county_s, measure_s, budget_s) == expected


@pytest.mark.parametrize(
    ("loaded", "elapsed_s", "budget_s", "expected"),
    [
        # 20 more counties at 20 s after 1000 s, 100 s to measure: ends at 1500 s.
        (10, 1000, 1500, [30]),
        (10, 1000, 1499, []),
        (30, 0, 100, [30]),  # nothing to load: only measuring
    ],
)
def test_the_projection_counts_only_the_counties_still_to_load(
    loaded, elapsed_s, budget_s, expected
):
    found = province.sizes_within([30], 20, 100, budget_s, loaded=loaded, elapsed_s=elapsed_s)
    assert found == expected


@pytest.mark.parametrize(
    ("size", "loaded", "elapsed_s", "load_s", "budget_s", "expected"),
    [
        (1, 0, 0, 0, 1, None),  # the first size always runs: nothing to project from
        (10, 1, 100, 60, 1500, None),  # 100 + 9 * 60 + 30 = 670 s
        (30, 10, 700, 600, 1500, {
            "before": 30, "counties_loaded": 10, "reason": "budget", "projected_min": 32.2,
        }),
        (MAX_COUNTIES + 1, 1, 0, 1, 10**9, {
            "before": MAX_COUNTIES + 1, "reason": f"the demo layout holds {MAX_COUNTIES} counties",
        }),
    ],
)  # fmt: skip
def test_stop_reason(size, loaded, elapsed_s, load_s, budget_s, expected):
    assert province.stop_reason(size, loaded, elapsed_s, load_s, 30, budget_s) == expected
