"""The inspection benchmark's reference search runs for the benchmark's 60 s unless shortened."""

from __future__ import annotations

import pytest

from bench import inspections as bench_inspect


def test_the_reference_runs_60_seconds_per_size(monkeypatch):
    monkeypatch.delenv("GRIDMAP_BENCH_REFERENCE_S", raising=False)
    assert bench_inspect.reference_seconds() == 60.0
    assert bench_inspect.reference_label() == "PyVRP default search, 60 s per size"


def test_a_quick_local_run_may_shorten_it_and_says_so(monkeypatch):
    monkeypatch.setenv("GRIDMAP_BENCH_REFERENCE_S", "5")
    assert bench_inspect.reference_seconds() == 5.0
    assert bench_inspect.reference_label() == (
        "PyVRP default search, 5 s per size (shortened from 60 s)"
    )
    monkeypatch.setenv("GRIDMAP_BENCH_REFERENCE_S", "0")
    with pytest.raises(ValueError, match="positive"):
        bench_inspect.reference_seconds()
