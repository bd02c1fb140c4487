"""Counter increase and rate with Prometheus' semantics (``increase()``/``rate()``).

A counter that goes down has been reset: the value before the drop is added back. The raw
increase between the first and last sample in the window is then extrapolated towards the window
edges the way Prometheus does, so the same samples give the same number as PromQL.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

# A gap wider than this many average steps between a window's edge and its nearest sample is
# not extrapolated across (Prometheus' ``extrapolationThreshold``).
GAP_STEPS = 1.1


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
    raw increase two lookups.
    """
    lo, hi = points_in(ts, start, end)
    found = edges(ts, lo, hi, start, end)
    return math.nan if found is None else increases_over(found, ((values, carry),), lo, hi)[0]


def points_in(ts: Sequence[float], start: float, end: float) -> tuple[int, int]:
    """The points ``[lo, hi)`` of ascending ``ts`` with ``start < t <= end``."""
    if not ts:
        return 0, 0
    hi = len(ts) if ts[-1] <= end else bisect_right(ts, end)  # a window ending now: no search
    return bisect_right(ts, start), hi


@dataclass(frozen=True, slots=True)
class Edges:
    """How far Prometheus extrapolates a window's increase beyond its first and last sample.

    It depends on the samples' times only, so series scraped together (a histogram's buckets)
    share it; the cut where the counter would have been zero depends on each one's values
    and is made in ``increases_over``.
    """

    sampled: float  # last sample's time minus the first's
    to_start: float
    to_end: float


def edges(ts: Sequence[float], lo: int, hi: int, start: float, end: float) -> Edges | None:
    """The edges of the window's points ``[lo, hi)``; None with fewer than two, as PromQL.

    The order of the rules follows Prometheus since PR #13725: a gap wider than 1.1 average
    steps becomes half a step first, then (per series) the start is cut where the counter
    would have been zero.
    """
    if hi - lo < 2:
        return None
    sampled = ts[hi - 1] - ts[lo]
    if sampled <= 0:
        return None
    average_step = sampled / (hi - lo - 1)
    threshold = average_step * GAP_STEPS
    to_start = ts[lo] - start
    to_end = end - ts[hi - 1]
    if to_start >= threshold:
        to_start = average_step / 2
    if to_end >= threshold:
        to_end = average_step / 2
    return Edges(sampled, to_start, to_end)


def increases_over(found: Edges, series: Iterable[tuple[Sequence[float], Sequence[float]]],
                   lo: int, hi: int) -> list[float]:
    """The increase of the points ``[lo, hi)`` of each ``(values, carry)``, extrapolated to the
    window's ``found`` edges: series sampled at the same times (a histogram's buckets), of
    which a fleet window has thousands, so the loop is one call, not one each."""
    sampled, to_start, to_end = found.sampled, found.to_start, found.to_end
    whole = sampled + to_start + to_end
    last = hi - 1
    out = []
    for values, carry in series:
        first = values[lo]
        result = (values[last] - first + (carry[last] - carry[lo]) if carry
                  else raw_increase(values[lo:hi]))
        if result > 0 and first >= 0 and (cut := sampled * (first / result)) < to_start:
            out.append(result * (sampled + cut + to_end) / sampled)  # zero reached: cut there
        else:
            out.append(result * whole / sampled)
    return out


def never_cut(values: Sequence[float], lo: int, hi: int, carry: Sequence[float] = ()) -> bool:
    """Whether ``increases_over`` leaves the start of the points ``[lo, hi)`` uncut wherever
    the window's edges fall around them: the counter would reach zero further back than any
    edge is extrapolated to (under ``GAP_STEPS`` average steps). Then only the shared
    extrapolation factor depends on the edges, and ratios of such increases (a histogram's
    quantiles) do not."""
    first = values[lo]
    result = values[hi - 1] - first + (carry[hi - 1] - carry[lo]) if carry else \
        raw_increase(values[lo:hi])
    return result <= 0 or first < 0 or first * (hi - lo - 1) >= GAP_STEPS * result
