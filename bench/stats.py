"""Medians: one noisy run proves nothing."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence


def median(values: Iterable[float]) -> float:
    listed = list(values)
    if not listed:
        raise ValueError("median of no values")
    return float(statistics.median(listed))


def median_counts(runs: Sequence[Mapping[str, int]]) -> dict[str, int]:
    """Per key, the median count over the runs (a key missing from a run counts 0)."""
    keys = sorted({key for run in runs for key in run})
    medians = {key: round(median(run.get(key, 0) for run in runs)) for key in keys}
    return {key: n for key, n in medians.items() if n}


def varying_keys(runs: Sequence[Mapping[str, int]]) -> list[str]:
    """Keys whose count was not the same in every run."""
    keys = sorted({key for run in runs for key in run})
    return [key for key in keys if len({run.get(key, 0) for run in runs}) > 1]


def ratio(ours: float, theirs: float) -> float | None:
    return round(ours / theirs, 3) if theirs else None
