"""Printing helpers the benchmarks share."""

from __future__ import annotations


def say(message: str) -> None:
    """Print progress immediately (benchmarks run for minutes)."""
    print(message, flush=True)


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of `values` by rank; NaN when there are none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")
