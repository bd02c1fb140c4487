"""``histogram_quantile()`` with Prometheus' semantics, over bucket counts or bucket deltas."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence

SMALL_DELTA = 1e-12


def histogram_quantile(q: float, buckets: Iterable[tuple[float, float]]) -> float:
    """Quantile ``q`` from ``(upper bound, cumulative count)`` pairs.

    As Prometheus: NaN without a ``+Inf`` bucket, with fewer than two buckets or a zero count;
    the lowest bucket interpolates from 0 (when its bound is positive); a rank that falls in
    ``+Inf`` returns the highest finite bound; counts that decrease with ``le`` (scrape races)
    are made monotonic first.
    """
    return histogram_quantiles([q], buckets)[0]


def histogram_quantiles(qs: Sequence[float], buckets: Iterable[tuple[float, float]]
                        ) -> list[float]:
    """``histogram_quantile`` for several ``qs`` over one histogram, preparing it once."""
    merged: dict[float, float] = {}
    for upper, count in buckets:
        merged[upper] = merged.get(upper, 0.0) + count
    ordered = sorted(merged.items())
    if len(ordered) < 2 or not math.isinf(ordered[-1][0]):
        return [_out_of_range(q) for q in qs]
    uppers = [u for u, _ in ordered]
    counts = [ordered[0][1]]
    for _, count in ordered[1:]:
        previous = counts[-1]
        # Prometheus treats near-equal counts (float noise) as equal and decreases as no change.
        close = math.isclose(previous, count, rel_tol=SMALL_DELTA, abs_tol=0.0)
        counts.append(previous if close or count < previous else count)
    total = counts[-1]
    if total == 0 or math.isnan(total):
        return [_out_of_range(q) for q in qs]
    return [_out_of_range(q) if math.isnan(q) or not 0 <= q <= 1 else
            _at_rank(q * total, uppers, counts) for q in qs]


def _out_of_range(q: float) -> float:
    """What Prometheus answers before looking at the buckets: ±Inf outside [0, 1], else NaN."""
    return -math.inf if q < 0 else math.inf if q > 1 else math.nan


def _at_rank(rank: float, uppers: list[float], counts: list[float]) -> float:
    index = bisect_left(counts, rank)
    if index == len(uppers) - 1:
        return uppers[-2]
    if index == 0 and uppers[0] <= 0:
        return uppers[0]
    lower = 0.0 if index == 0 else uppers[index - 1]
    below = 0.0 if index == 0 else counts[index - 1]
    in_bucket = counts[index] - below
    if in_bucket == 0:
        return math.nan  # only when q == 0 and the bucket is empty: 0/0 in Prometheus too
    return lower + (uppers[index] - lower) * ((rank - below) / in_bucket)
