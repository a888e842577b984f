"""Reads of service levels: limits in effect, rollup figures, percentiles."""

from __future__ import annotations

from datetime import datetime

from .choices import LATENCY_EDGES_S


def latency_limits_at(at: datetime) -> tuple[dict[tuple[str, int], int], dict[tuple[str, int], int]]:
    """(targets, warnings): seconds per (business flow, legal entity id) of the SLA versions in effect at `at`."""
    return {}, {}


def percentile(histogram: list[int], q: float) -> float | None:
    """The q-quantile (0..1) of a latency histogram in seconds, interpolated linearly inside its bucket
    (as Prometheus' histogram_quantile does). None without data; the last edge when it lies beyond it."""
    total = sum(histogram)
    if not total:
        return None
    rank = q * total
    seen = 0
    lower = 0.0
    for i, count in enumerate(histogram):
        upper = LATENCY_EDGES_S[i] if i < len(LATENCY_EDGES_S) else None
        if count and seen + count >= rank:
            if upper is None:
                return float(LATENCY_EDGES_S[-1])
            return lower + (upper - lower) * (rank - seen) / count
        seen += count
        if upper is not None:
            lower = float(upper)
    return float(LATENCY_EDGES_S[-1])
