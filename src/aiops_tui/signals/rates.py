"""Counter increase and rate with Prometheus' semantics (``increase()``/``rate()``).

A counter that goes down has been reset: the value before the drop is added back. The raw
increase between the first and last sample in the window is then extrapolated towards the window
edges the way Prometheus does, so the same samples give the same number as PromQL.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from itertools import pairwise


def raw_increase(values: Sequence[float]) -> float:
    """Last minus first, adding back the value before every reset."""
    total = values[-1] - values[0]
    for previous, current in pairwise(values):
        if current < previous:
            total += previous
    return total


def increase(ts: Sequence[float], values: Sequence[float], start: float, end: float,
             carry: Sequence[float] = ()) -> float:
    """``increase(x[end-start])`` at ``end`` over samples with ``start < t <= end``; NaN if < 2.

    ``ts`` must be ascending (as stored); the window's edges are found by bisection. ``carry``,
    when given, is the running total of what resets added back at each point, which makes the
    raw increase two lookups. The order of the edge rules follows Prometheus since PR #13725:
    a gap wider than 1.1 average steps becomes half a step first, then the start is cut where
    the counter would have been zero.
    """
    if not ts:
        return math.nan
    hi = len(ts) if ts[-1] <= end else bisect_right(ts, end)  # a window ending now: no search
    return increase_in(ts, values, bisect_right(ts, start), hi, start, end, carry)


def increase_in(ts: Sequence[float], values: Sequence[float], lo: int, hi: int, start: float,
                end: float, carry: Sequence[float] = ()) -> float:
    """``increase`` over the points ``[lo, hi)`` already found to lie in the window."""
    if hi - lo < 2:
        return math.nan
    first_t, first_v, last_t = ts[lo], values[lo], ts[hi - 1]
    sampled = last_t - first_t
    if sampled <= 0:
        return math.nan
    if carry:
        result = values[hi - 1] - first_v + (carry[hi - 1] - carry[lo])
    else:
        result = raw_increase(values[lo:hi])
    average_step = sampled / (hi - lo - 1)
    threshold = average_step * 1.1
    to_start = first_t - start
    to_end = end - last_t
    if to_start >= threshold:
        to_start = average_step / 2
    if result > 0 and first_v >= 0 and sampled * (first_v / result) < to_start:
        to_start = sampled * (first_v / result)  # where the counter would have been zero
    if to_end >= threshold:
        to_end = average_step / 2
    return result * (sampled + to_start + to_end) / sampled
